"""When a certificate held may be renewed (换发) or reissued (补发), for drivers and vehicles alike.

A renewal opens in a window before the certificate's last valid day (``CERT_RENEWAL_WINDOW_DAYS``,
by default the last 90 days up to and including it): the 《出租汽车驾驶员从业资格管理规定》 asks
for renewal before expiry, not a new term every day of the old one. A reissue replaces a copy
that was lost or damaged, so it takes that reason, and at most ``CERT_REISSUE_MAX`` reissues of
one certificate are made in ``CERT_REISSUE_PERIOD_DAYS`` days. Each refusal names the day the
matter opens.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from backend.certificates.models import Certificate, Kind
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.licensing.models import Application, State

#: A reissue's reasons: the stored code and how it reads.
REISSUE_REASONS = {"lost": ("遗失", "lost"), "damaged": ("损毁", "damaged")}
#: What a person may write for each (the app and the counter send the code; older clients and
#: clerks wrote the Chinese word).
_REASON_WORDS = {"lost": "lost", "遗失": "lost", "丢失": "lost",
                 "damaged": "damaged", "损毁": "damaged", "损坏": "damaged"}


def _named(certificate: Certificate) -> tuple[str, str]:
    """How a refusal names the certificate: a driver certificate's number is its holder's ID
    number, which a kiosk screen must not show."""
    if certificate.kind == Kind.DRIVER:
        return "您的网约车驾驶员证", "Your driver certificate"
    return f"运输证 {certificate.number}", f"Transport certificate {certificate.number}"


def renewal_opens_on(certificate: Certificate) -> dt.date:
    """The first day of the renewal window (the window ends on the last valid day)."""
    days = current_app.config["CERT_RENEWAL_WINDOW_DAYS"]
    return certificate.valid_until - dt.timedelta(days=days - 1)


def require_renewal_window(certificate: Certificate, today: dt.date) -> None:
    """Refuse a renewal before its window opens, naming the day it does."""
    opens = renewal_opens_on(certificate)
    if today >= opens:
        return
    days = current_app.config["CERT_RENEWAL_WINDOW_DAYS"]
    zh, en = _named(certificate)
    raise ApiError(
        409, f"{zh}有效期至 {certificate.valid_until}，换发在到期前 {days} 天内办理，"
             f"{opens} 起可以申请。证件遗失或损毁请申请补发。",
        f"{en} is valid until {certificate.valid_until}; renewal opens {days} days before "
        f"that, on {opens}. A lost or damaged certificate is reissued instead.",
        opens_on=opens.isoformat(), reason="renewal_not_open")


def reissue_reason(body: dict) -> str:
    """The reissue's reason code from the request; 422 naming the field without one."""
    code = _REASON_WORDS.get(str(body.get("reason") or "").strip())
    if code is None:
        message = "补发须说明原因：遗失（lost）或损毁（damaged）。"
        message_en = "A reissue needs its reason: lost or damaged."
        raise ApiError(422, message, message_en,
                       errors={"json": {"reason": [f"{message} {message_en}"]}})
    return code


def _reissues_since(certificate: Certificate, matter_code: str, since: dt.datetime) -> list:
    """When each reissue of the certificate (any version with its number) was decided."""
    return list(db.session.scalars(
        sa.select(Application.decided_at).join(Certificate, Application.certificate_id == Certificate.id)
        .where(Application.matter_code == matter_code, Application.state == State.ISSUED,
               Certificate.kind == certificate.kind, Certificate.number == certificate.number,
               Application.decided_at >= since)
        .order_by(Application.decided_at)))


def require_reissue_allowed(certificate: Certificate, matter_code: str) -> None:
    """Refuse a reissue past the limit, naming the day the next one may be applied for."""
    config = current_app.config
    most, period = config["CERT_REISSUE_MAX"], dt.timedelta(days=config["CERT_REISSUE_PERIOD_DAYS"])
    decided = _reissues_since(certificate, matter_code, utcnow() - period)
    if len(decided) < most:
        return
    from backend.licensing.operations import XIAMEN

    opens = (decided[-most] + period).astimezone(XIAMEN).date() + dt.timedelta(days=1)
    zh, en = _named(certificate)
    raise ApiError(
        409, f"{zh}在 {period.days} 天内已补发 {len(decided)} 次（上限 {most} 次），"
             f"{opens} 起可以再次申请补发；如有特殊情况请到服务窗口办理或拨打 12328。",
        f"{en} has been reissued {len(decided)} times in "
        f"{period.days} days (at most {most}); you may apply again from {opens}, or ask at a "
        "service counter (12328).", opens_on=opens.isoformat(), reason="reissue_limit")
