"""Test helpers for the kiosk API: registered devices, signed calls, cards and card holders."""

from __future__ import annotations

import datetime as dt
import json

from backend.devices import operations
from backend.drivers.operations import record_exam
from backend.licensing.operations import by_number, today
from kiosk.client import signed_headers
from tests.drivers.helpers import ADDRESS, apply, make_driver
from tests.factories import near_expiry

CARD_ADDRESS = "福建省厦门市思明区湖滨南路100号"


def card_for(number: str, name: str = "陈测试", **changes) -> dict:
    """The JSON a kiosk sends for a resident ID card (``IdentityRecord.to_json_dict()``)."""
    return {"card_type": "resident", "name": name, "sex": "1", "sex_name": "男",
            "nation_code": "01", "nation": "汉",
            "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
            "address": CARD_ADDRESS, "id_number": number, "issuing_authority": "厦门市公安局思明分局",
            "valid_from": "2020-01-01", "valid_until": None, "long_term": True, "expired": False,
            "chip_serial": "10E4100102030405", **changes}


class SignedClient:
    """A registered kiosk calling ``/kiosk/v1`` through Flask's test client."""

    def __init__(self, client, device_id: str, secret: str):
        self.client, self.device_id, self.secret = client, device_id, secret

    def call(self, method: str, path: str, payload: dict | None = None, *,
             timestamp: float | None = None, nonce: str | None = None, secret: str | None = None,
             sign_body: bytes | None = None, headers: dict | None = None):
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        signed = signed_headers(self.device_id, secret or self.secret, method, path,
                                body if sign_body is None else sign_body,
                                timestamp=timestamp, nonce=nonce)
        return self.client.open(path, method=method, data=body, headers={
            **signed, "Content-Type": "application/json", **(headers or {})})

    def start(self, card: dict):
        return self.call("POST", "/kiosk/v1/sessions", card)

    def apply(self, session_id: str, matter: str, transaction_id: str, **body):
        if matter != "driver-cert-cancel":
            body.setdefault("mailing_address", ADDRESS)
        if matter == "driver-cert-reissue":
            body.setdefault("reason", "lost")
        return self.call("POST", f"/kiosk/v1/sessions/{session_id}/applications",
                         {"matter": matter, "transaction_id": transaction_id, **body})

    def rate(self, session_id: str, application_number: str, level: int = 5, **body):
        return self.call("POST", f"/kiosk/v1/sessions/{session_id}/rating",
                         {"application_number": application_number, "level": level, **body})

    def end(self, session_id: str, reason: str = "card_removed"):
        return self.call("DELETE", f"/kiosk/v1/sessions/{session_id}?reason={reason}")


def register(name: str = "测试终端", location: str = "测试大厅") -> tuple[str, str]:
    device, secret = operations.register_device(name, location, actor="test")
    return device.id, secret


def holder_with_certificate(client, name: str = "陈测试", *, days_left: int | None = 60,
                            **overrides) -> str:
    """A driver in every mirror who holds a driver certificate (applied in the app, exams
    passed) ending in ``days_left`` days, so renewal is open (new with ``None``); their ID
    number."""
    number, headers = make_driver(client, name=name, **overrides)
    application = by_number(apply(client, headers).json["number"])
    record_exam(application, "national", 90, True, actor="test")
    record_exam(application, "regional", 85, True, actor="test")
    if days_left is not None:
        near_expiry(application.certificate, days_left)
    return number


def eligible_driver(client, name: str = "陈测试", **overrides) -> str:
    """A driver in every mirror, without a certificate; their ID number."""
    return make_driver(client, name=name, **overrides)[0]


def days_ago(days: int) -> str:
    return (today() - dt.timedelta(days=days)).isoformat()
