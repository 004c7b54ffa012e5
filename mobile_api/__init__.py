"""The JSON API of the i厦门-style phone app, mounted by the backend's app factory."""

from __future__ import annotations

from flask_smorest import Api


def register(api: Api) -> None:
    from mobile_api import (
        applications,
        certificates,
        credit,
        exams,
        feed,
        materials,
        matters,
        me,
        messages,
        platforms,
        ratings,
        tickets,
    )

    api.spec.components.security_scheme(
        "iXiamen", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "Real-name identity assertion signed by the i厦门 identity provider"},
    )
    for module in (matters, me, applications, materials, platforms, certificates, tickets,
                   ratings, feed, messages, exams, credit):
        api.register_blueprint(module.blp)
    api.register_blueprint(certificates.verify_blp)
    api.register_blueprint(tickets.company_blp)
