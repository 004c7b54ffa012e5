"""Kiosk operations: registering devices, authenticating their requests, card sessions,
performing a matter and rating the visit. They flush; the request (or command) commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid

import sqlalchemy as sa
from flask import current_app

from backend.audit.operations import record
from backend.certificates.models import Certificate, Kind, Status
from backend.certificates.operations import STATUS_NAMES
from backend.common.masking import mask_id_number, mask_name
from backend.common.text import is_plain
from backend.db import db, utcnow
from backend.devices import keys
from backend.devices.models import Device, KioskApplication, KioskNonce, KioskSession, SessionEnd
from backend.errors import ApiError
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Person
from backend.identity.operations import register_or_update
from backend.licensing.models import Application
from backend.licensing.operations import submit, today
from backend.matters import registry
from backend.matters.operations import get_matter
from backend.matters.registry import Channel
from backend.ratings import operations as ratings
from backend.ratings.models import ServiceRating
from backend.verification.sources import Question, ask_all
from backend.verification.sources import Status as SourceStatus

#: A request's timestamp may be this far from the server's clock, either way.
WINDOW_SECONDS = 60
SESSION_MINUTES = 10
TIMESTAMP = re.compile(r"[0-9]{1,12}")
NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")



# -- devices ------------------------------------------------------------------------------------

def register_device(name: str, location: str, *, actor: str) -> tuple[Device, str]:
    """A new enabled device and its secret, which is shown once and never stored in clear."""
    device_id, secret = keys.new_device_id(), keys.new_secret()
    device = Device(id=device_id, name=name.strip(), location=location.strip(),
                    sealed_secret=keys.seal(device_id, secret), enabled=True)
    db.session.add(device)
    db.session.flush()
    record(actor, "device.registered", "device", device.id,
           after={"name": device.name, "location": device.location})
    return device, secret


def rekey(device: Device, *, actor: str) -> str:
    """A new secret for the device; the old one stops working at once."""
    secret = keys.new_secret()
    device.sealed_secret = keys.seal(device.id, secret)
    device.rekeyed_at = utcnow()
    record(actor, "device.rekeyed", "device", device.id)
    return secret


def set_enabled(device: Device, enabled: bool, *, actor: str) -> None:
    if device.enabled == enabled:
        return
    device.enabled = enabled
    device.disabled_at = None if enabled else utcnow()
    record(actor, "device.enabled" if enabled else "device.disabled", "device", device.id,
           before={"enabled": not enabled}, after={"enabled": enabled})


def all_devices() -> list[Device]:
    return list(db.session.scalars(sa.select(Device).order_by(Device.created_at, Device.id)))


def device_or_404(device_id: str) -> Device:
    # (a NUL from the address bar would reach PostgreSQL, which cannot compare it: a 500)
    device = db.session.get(Device, device_id) if is_plain(device_id) else None
    if device is None:
        raise ApiError(404, f"没有编号为 {device_id} 的终端。", f"There is no device {device_id}.")
    return device


# -- authenticating a request -----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SignedRequest:
    """What a kiosk request carries for authentication (headers, and what was signed)."""

    device_id: str
    timestamp: str
    nonce: str
    signature: str
    method: str
    path: str
    body: bytes


def _refused(reason_en: str) -> ApiError:
    return ApiError(401, "终端认证失败，本终端暂时无法办理业务，请联系工作人员。",
                    f"Kiosk authentication failed: {reason_en}.")


def authenticate(request: SignedRequest) -> Device:
    """The device that signed ``request``; 401 when anything is off. The nonce is recorded
    (in the request's transaction) only once every check has passed."""
    if not (request.device_id and request.timestamp and request.nonce and request.signature):
        raise _refused("X-Device-Id, X-Timestamp, X-Nonce and X-Signature are required")
    now = utcnow()
    stamp = request.timestamp
    if not TIMESTAMP.fullmatch(stamp) or abs(now.timestamp() - int(stamp)) > WINDOW_SECONDS:
        raise _refused(f"the timestamp is more than {WINDOW_SECONDS} s from the server's clock")
    if not NONCE.fullmatch(request.nonce) or not SIGNATURE.fullmatch(request.signature):
        raise _refused("malformed nonce or signature")
    device = db.session.get(Device, request.device_id[:32])
    secret = keys.unseal(device.id, device.sealed_secret) if device else None
    message = keys.string_to_sign(request.method, request.path, request.timestamp,
                                  request.nonce, request.body)
    if secret is None or not keys.signature_matches(secret, message, request.signature):
        raise _refused("unknown device or wrong signature")
    if not device.enabled:
        raise _refused("this device is disabled")
    _use_nonce(device, request.nonce, now)
    device.last_seen_at = now
    return device


def _use_nonce(device: Device, nonce: str, now: dt.datetime) -> None:
    used = sa.select(KioskNonce.id).where(KioskNonce.device_id == device.id,
                                          KioskNonce.nonce == nonce)
    if db.session.scalar(used) is not None:
        raise _refused("this nonce was used before (replayed request)")
    try:
        with db.session.begin_nested():
            db.session.add(KioskNonce(device_id=device.id, nonce=nonce, seen_at=now))
    except sa.exc.IntegrityError:  # the same request racing itself
        raise _refused("this nonce was used before (replayed request)") from None
    # A nonce older than two windows belongs to a timestamp no server clock accepts any more.
    db.session.execute(sa.delete(KioskNonce).where(
        KioskNonce.device_id == device.id,
        KioskNonce.seen_at < now - dt.timedelta(seconds=2 * WINDOW_SECONDS + 1)))


# -- the card holder's identity ---------------------------------------------------------------

def _refusal(code: int, reason: str, message: str, message_en: str, **headers) -> ApiError:
    return ApiError(code, message, message_en, reason=reason, headers=headers or None)


# Every card whose number is an 18-character lawful ID number (backend.identity.id_numbers):
# the rules then decide what its holder may apply for.
KIOSK_CARDS = {"resident", "hmt_residence", "foreign_permanent_2023"}


def _card_id_number(card: dict) -> str:
    if card.get("card_type") == "foreign_permanent_2017":
        raise _refusal(422, "unsupported_card",
                       "本终端暂不能受理2017版外国人永久居留身份证（15位号码），请到服务窗口办理。",
                       "This kiosk cannot take the 2017 foreigner's permanent residence card "
                       "(15-character number) yet. Please go to a service counter.")
    if card.get("card_type") not in KIOSK_CARDS:
        raise _refusal(422, "unsupported_card",
                       "本终端受理居民身份证、港澳台居民居住证和外国人永久居留身份证，此卡无法受理，请到服务窗口办理。",
                       "This kiosk takes resident ID cards, residence permits for Hong Kong, "
                       "Macao and Taiwan residents, and foreigners' permanent residence cards. "
                       "Please take this card to a service counter.")
    try:
        return validate_id_number(card.get("id_number", ""))
    except InvalidIdNumber as error:
        raise _refusal(422, "invalid_id_number", f"证件号码无法核验（{error.message}），请到服务窗口办理。",
                       f"The ID number cannot be verified ({error.message_en}). Please go to a "
                       "service counter.") from None


def _holder_name(card: dict) -> str:
    """The name on the card: the Chinese name, else (a foreigner's card) the English one."""
    return card.get("name") or card.get("name_en") or ""


def _expired_refusal() -> ApiError:
    return _refusal(403, "card_expired", "您的身份证已超过有效期，不能在自助终端办理。请先换领新证，或到服务窗口咨询。",
                    "Your ID card has expired and cannot be used here. Please renew it first, "
                    "or ask at a service counter.")


def _expired(valid_until, on: dt.date) -> bool:
    """``valid_until`` as the card or the source gives it: an ISO date, ``长期`` or empty."""
    if not valid_until or valid_until == "长期":
        return False
    if isinstance(valid_until, str):
        valid_until = dt.date.fromisoformat(valid_until)
    return valid_until < on


def _identity(id_number: str, device: Device) -> dict:
    question = Question("identity", "person", {"id_number": id_number})
    answer = ask_all([question], requester=device.actor, purpose="kiosk card session")[question.key]
    if answer.status == SourceStatus.UNAVAILABLE:
        raise _refusal(503, "source_unavailable", "身份核验服务暂时无法使用，请稍后点“重试”。",
                       "Identity verification is temporarily unavailable; please try again "
                       "shortly.",
                       **{"Retry-After": "10"})
    if answer.status == SourceStatus.NOT_FOUND:
        raise _refusal(404, "not_found", "未能在公安人口信息中查到此身份证，请到服务窗口核实。",
                       "This ID card is not in the identity register; please ask at a service "
                       "counter.")
    return answer.data


def _check_holder(identity: dict, card: dict, on: dt.date) -> None:
    if identity.get("card_reported_lost"):
        raise _refusal(403, "reported_lost", "此身份证已挂失，不能使用。如有疑问，请到服务窗口或派出所核实。",
                       "This ID card has been reported lost and cannot be used. Please ask at a "
                       "service counter or a police station.")
    if _expired(identity.get("card_valid_until"), on):
        raise _expired_refusal()
    if "".join(identity.get("name", "").split()) != "".join(_holder_name(card).split()):
        raise _refusal(403, "name_mismatch", "身份证上的姓名与公安人口信息不一致，请到服务窗口核实。",
                       "The name on the card does not match the identity register; please ask "
                       "at a service counter.")


def start_session(device: Device, card: dict) -> KioskSession:
    """Verify the card holder against the identity source, bring their name and address up to
    date from the card (自动读取更新相关信息) and open a session for the visit."""
    id_number = _card_id_number(card)
    on = today()
    if card.get("expired") or _expired(card.get("valid_until"), on):
        raise _expired_refusal()
    _check_holder(_identity(id_number, device), card, on)
    person = register_or_update(id_number, _holder_name(card), actor=device.actor,
                                address=card.get("address"), source="id_card")
    now = utcnow()
    minutes = current_app.config.get("KIOSK_SESSION_MINUTES", SESSION_MINUTES)
    session = KioskSession(id=str(uuid.uuid4()), device_id=device.id, person_id=person.id,
                           chip_serial=card.get("chip_serial"), started_at=now,
                           expires_at=now + dt.timedelta(minutes=minutes))
    db.session.add(session)
    db.session.flush()
    record(device.actor, "kiosk.session_started", "kiosk_session", session.id,
           after={"device": device.id, "person": person.id, "id_number": person.id_number_masked})
    return session


def own_session(device: Device, session_id: str) -> KioskSession:
    """This device's session, open or not; another device's is 404."""
    session = db.session.get(KioskSession, session_id[:36])
    if session is None or session.device_id != device.id:
        raise ApiError(404, "未找到本次办理记录，请重新放置身份证。", "No such session.")
    return session


def session_for(device: Device, session_id: str, *, allow_ended: bool = False) -> KioskSession:
    """This device's session, 410 once it has expired or (unless ``allow_ended``: a visit may
    still be rated after the card is taken) ended."""
    session = own_session(device, session_id)
    now = utcnow()
    if now >= session.expires_at or (session.ended_at is not None and not allow_ended):
        raise ApiError(410, "本次办理已结束，请取走身份证后重新放置。",
                       "This session has ended; please place the ID card again.")
    return session


def end_session(session: KioskSession, reason: SessionEnd) -> None:
    if session.ended_at is None:
        session.ended_at, session.end_reason = utcnow(), reason


# -- what the holder sees ----------------------------------------------------------------------

KIND_NAMES = {Kind.DRIVER: ("网约车驾驶员证", "Ride-hailing driver certificate"),
              Kind.TRANSPORT: ("网络预约出租汽车运输证", "Ride-hailing transport certificate"),
              Kind.PLATFORM: ("网约车平台经营许可证", "Platform operating licence")}


def _held(certificate: Certificate, on: dt.date) -> dict:
    status = certificate.effective_status(on)
    return {"kind": certificate.kind.value, "kind_name": KIND_NAMES[certificate.kind][0],
            "kind_name_en": KIND_NAMES[certificate.kind][1],
            "number_masked": mask_id_number(certificate.number), "version": certificate.version,
            "status": status.value, "status_name": STATUS_NAMES[status][0],
            "status_name_en": STATUS_NAMES[status][1], "valid_until": certificate.valid_until}


def certificates_of(person: Person) -> list[dict]:
    """The holder's current certificates (valid, or valid in status but past their end date)."""
    on = today()
    rows = db.session.scalars(sa.select(Certificate).where(
        Certificate.holder_id == person.id, Certificate.status == Status.VALID)
        .order_by(Certificate.kind, Certificate.id))
    return [_held(certificate, on) for certificate in rows]


def offered_matters(person: Person) -> list[dict]:
    """The matters the registry offers on the kiosk channel, each with whether the holder can
    do it now and, if not, the refusal applying would give."""
    offered = []
    for code in registry.matters_on(Channel.KIOSK):
        matter, why_not = get_matter(code), registry.why_not(person, code)
        offered.append({"code": code, "name": matter.name, "name_en": matter.name_en,
                        "available": why_not is None,
                        "needs_mailing_address": registry.handler_for(code).mailed,
                        "reason": why_not and why_not.message,
                        "reason_en": why_not and why_not.message_en})
    return offered


def mailing_prefill(person: Person) -> dict:
    """The address the holder last had certificates mailed to, else their name and phone."""
    return person.last_mailing_address or {"recipient": person.name, "phone": person.phone or "",
                                           "region_code": "", "detail": ""}


def session_view(session: KioskSession) -> dict:
    person = session.person
    return {"id": session.id, "expires_at": session.expires_at,
            "holder": {"name_masked": mask_name(person.name),
                       "id_number_masked": person.id_number_masked},
            "certificates": certificates_of(person), "matters": offered_matters(person),
            "mailing_address": mailing_prefill(person)}


# -- performing a matter and rating the visit ----------------------------------------------------

def perform(session: KioskSession, matter_code: str, transaction_id: str, *,
            mailing_address: dict | None = None, phone: str | None = None,
            reason: str | None = None) -> tuple[Application, bool]:
    """Apply for the holder through the one submission every channel uses. The kiosk's
    transaction id is the idempotency key: a retried request returns the same application."""
    body = {key: value for key, value in
            (("mailing_address", mailing_address), ("phone", phone), ("reason", reason)) if value}
    application, replayed = submit(session.person, matter_code, body, channel=Channel.KIOSK,
                                   actor=session.device.actor,
                                   idempotency_key=f"kiosk:{transaction_id}")
    linked = sa.select(KioskApplication.id).where(KioskApplication.application_id == application.id)
    if db.session.scalar(linked) is None:
        db.session.add(KioskApplication(session_id=session.id, application_id=application.id,
                                        transaction_id=transaction_id))
        db.session.flush()
    return application, replayed


def rate(session: KioskSession, application_number: str, level: int,
         comment: str | None = None) -> ServiceRating:
    """The visit's one rating (一次一评), for an application made during this visit."""
    application = db.session.scalar(
        sa.select(Application)
        .join(KioskApplication, KioskApplication.application_id == Application.id)
        .where(KioskApplication.session_id == session.id, Application.number == application_number))
    if application is None:
        raise ApiError(404, "只能评价本次在此终端办理的事项。",
                       "Only an application made during this visit can be rated here.")
    if db.session.scalar(sa.select(ServiceRating.id).where(ServiceRating.session_id == session.id)):
        raise ratings.already_rated()
    return ratings.rate(application, level, comment, channel=Channel.KIOSK.value,
                        actor=session.device.actor, session_id=session.id,
                        device_id=session.device_id)
