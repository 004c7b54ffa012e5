"""Police alerts: received, a certificate suspended at once, then due process.

``receive`` is the one way an alert enters: the signed hook (``POST /hooks/v1/police-alerts``),
``flask alerts import FILE`` and the regular re-check all call it. A police alert is about a
person's driver certificate; the re-check's may also be about the transport certificate of a
person's vehicle (``plate``), which then goes through the same steps. Then the holder objects
(``object_to``, with files kept by ``store_file``), and a clerk ``revoke``s (吊销) or
``reinstate``s. Every step is audited, told to the holder, and shown in their history
(``history``). Operations flush and never commit: the request or the command owns the
transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid

import sqlalchemy as sa
from flask import current_app

from backend.alerts.models import Alert, ObjectionFile, Outcome, State, Suspension
from backend.audit.operations import record
from backend.certificates.models import Certificate, Kind, Status
from backend.certificates.operations import set_status
from backend.common.masking import mask_id_number
from backend.common.text import scrubbed
from backend.common.workdays import calendar
from backend.db import db, utcnow
from backend.drivers.rules import ALERT_CATEGORIES as DRIVER_CATEGORIES
from backend.drivers.rules import INTERIM
from backend.errors import ApiError
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Person
from backend.licensing.operations import XIAMEN, today
from backend.licensing.rules import RULES
from backend.materials import operations as materials
from backend.notify.operations import tell
from backend.vehicles.rules import ALERT_CATEGORIES as VEHICLE_CATEGORIES

#: category -> (Chinese, English, the rule it fails): a driver's (police alerts take only
#: these) and a vehicle's (found by the regular re-check)
CATEGORIES = {**DRIVER_CATEGORIES, **VEHICLE_CATEGORIES}
#: 《暂行办法》第三十六条: a driver who no longer meets the conditions loses the certificate.
REVOCATION_BASIS = f"{INTERIM}第三十六条"
#: A transport certificate is issued to a vehicle meeting 第十二条 and registered for reserved
#: taxi use (第十三条); one that no longer does loses it (the clerk may name a more precise
#: provision, such as 第三十九条 for the age).
TRANSPORT_REVOCATION_BASIS = f"{INTERIM}第十二条、第十三条（车辆不再符合许可条件）"
RECHECK = "recheck"  # the source of the regular re-check's alerts (backend/licensing/recheck.py)
REFERENCE_LENGTH, SOURCE_LENGTH, DETAIL_LENGTH, PLATE_LENGTH = 80, 40, 2000, 16
OBJECTION_LENGTH, OBJECTION_FILES = 5000, 10


@dataclasses.dataclass(frozen=True)
class About:
    """The certificate an alert is about, in the words the holder and the clerk read."""

    name: str  # 网约车驾驶员证
    name_en: str
    short: str  # 驾驶员证
    conditions: str  # 驾驶员许可条件
    conditions_en: str
    barred: str  # what the holder may not do while it is suspended
    barred_en: str
    revocation_basis: str


DRIVER = About("网约车驾驶员证", "ride-hailing driver certificate", "驾驶员证", "驾驶员许可条件",
               "driver condition", "不得从事网约车服务", "you may not drive for a platform",
               REVOCATION_BASIS)


def about(alert: Alert) -> About:
    if alert.certificate_kind != Kind.TRANSPORT:
        return DRIVER
    plate = alert.plate
    return About(f"车辆{plate}的网约车运输证", f"transport certificate of vehicle {plate}",
                 f"车辆{plate}的运输证", "车辆许可条件", "vehicle condition",
                 f"车辆{plate}不得从事网约车经营服务", f"vehicle {plate} may not serve any platform",
                 TRANSPORT_REVOCATION_BASIS)


def receive(*, reference: str, id_number: str, category: str, recorded_on: dt.date, detail: str,
            source: str, actor: str, plate: str | None = None) -> Alert:
    """Store one alert and act on it, in the caller's transaction (this flushes, never commits).

    Idempotent by ``(source, reference)``: the same reference from the same source again
    returns the alert stored the first time, unchanged, and does nothing else (a different
    ``source`` — ``police`` for the hook and the default of the import, ``recheck`` for the
    regular re-check — is a different alert).

    ``id_number`` must be valid (``backend.identity.id_numbers``) and ``category`` one of the
    driver rules' categories; anything else is ``ApiError(422)`` and nothing is stored.
    ``recorded_on`` is the date of the underlying record; ``detail`` free text kept for staff
    (never shown to the public). With ``plate`` (the regular re-check of transport
    certificates; never the hook's nor the import's) the alert is about the transport
    certificate of that vehicle held by the person, and ``category`` one of the vehicle rules'.

    When the certificate the alert is about is valid (the person's driver certificate, or
    their transport certificate for that vehicle) it is suspended here, in the same transaction
    (``certificates.operations.set_status(..., Status.SUSPENDED)``: the platforms are told), a
    ``Suspension`` opens with its objection and decision deadlines, and the holder is told
    (``notify.operations.tell``). An alert about a person without a certificate in force is
    stored all the same: the driver rules read it on the person's next application. Audited.

    A concurrent change of the same certificate (a renewal at the same moment) fails the
    certificate's version check when the session flushes (``StaleDataError``, answered 409 by
    a request): the caller's transaction then keeps nothing, and the alert is sent again.
    """
    _check_fields(reference=reference, category=category, recorded_on=recorded_on,
                  detail=detail, source=source, plate=plate)
    try:
        id_number = validate_id_number(id_number)
    except InvalidIdNumber as error:
        raise ApiError(422, error.message, error.message_en,
                       errors={"json": {"id_number": [error.message_en]}}) from None
    existing = stored(source, reference)
    if existing is not None:
        return existing
    person = db.session.scalar(sa.select(Person).where(Person.id_number == id_number))
    alert = Alert(source=source, reference=reference, id_number=id_number, person=person,
                  certificate_kind=Kind.TRANSPORT if plate else Kind.DRIVER, plate=plate,
                  category=category, recorded_on=recorded_on, detail=detail, actor=actor,
                  received_at=utcnow(), outcome=Outcome.NO_CERTIFICATE)
    try:  # the same alert at the same moment: the database keeps one, the other reads it
        with db.session.begin_nested():
            db.session.add(alert)
            db.session.flush()
    except sa.exc.IntegrityError:
        return stored(source, reference)
    certificate = _held(person, alert, Status.VALID) if person is not None else None
    if certificate is not None:
        alert.outcome = Outcome.SUSPENDED
        _suspend(alert, certificate, actor)
    elif person is not None and _held(person, alert, Status.SUSPENDED) is not None:
        alert.outcome = Outcome.ALREADY_SUSPENDED
    record(actor, "alert.received", "police_alert", alert,
           after={"source": source, "reference": reference, "id_number": mask_id_number(id_number),
                  "certificate_kind": alert.certificate_kind, "plate": plate,
                  "category": category, "recorded_on": recorded_on, "outcome": alert.outcome})
    db.session.flush()  # (a certificate changed meanwhile fails its version check here)
    return alert


def _check_fields(*, reference, category, recorded_on, detail, source, plate) -> None:
    problems = {}
    if not isinstance(reference, str) or not reference.strip() or len(reference) > REFERENCE_LENGTH \
            or scrubbed(reference) != reference:
        problems["reference"] = f"1 to {REFERENCE_LENGTH} printable characters"
    if plate is not None and (not isinstance(plate, str) or not 0 < len(plate) <= PLATE_LENGTH
                              or scrubbed(plate) != plate):
        problems["plate"] = f"1 to {PLATE_LENGTH} printable characters"
    categories = DRIVER_CATEGORIES if plate is None else VEHICLE_CATEGORIES
    if category not in categories:
        problems["category"] = "one of " + ", ".join(categories)
    if not isinstance(recorded_on, dt.date) or isinstance(recorded_on, dt.datetime) \
            or recorded_on > today():
        problems["recorded_on"] = "a date (YYYY-MM-DD), not in the future"
    if not isinstance(detail, str) or len(detail) > DETAIL_LENGTH:
        problems["detail"] = f"text of at most {DETAIL_LENGTH} characters"
    if not isinstance(source, str) or not source or len(source) > SOURCE_LENGTH:
        problems["source"] = f"1 to {SOURCE_LENGTH} characters"
    if problems:
        raise ApiError(422, "预警信息字段不符合接口规范，未保存：" + "、".join(problems) + "。",
                       "The alert's fields do not fit the interface; nothing was stored: "
                       + ", ".join(problems) + ".", errors={"json": {k: [v] for k, v in problems.items()}})


def stored(source: str, reference: str) -> Alert | None:
    return db.session.scalar(sa.select(Alert).where(Alert.source == source,
                                                    Alert.reference == reference))


def _held(person: Person, alert: Alert, status: Status) -> Certificate | None:
    """The person's certificate the alert is about, if it is in ``status``: their driver
    certificate, or the transport certificate of the alert's vehicle."""
    query = sa.select(Certificate).where(
        Certificate.holder_id == person.id, Certificate.kind == alert.certificate_kind,
        Certificate.company_id.is_(None), Certificate.status == status)
    if alert.plate is not None:
        query = query.where(Certificate.plate == alert.plate)
    return db.session.scalar(query.order_by(Certificate.version.desc()).limit(1))


def deadlines(day: dt.date) -> tuple[dt.date, dt.date]:
    """The last day to object and the last day to decide, for a suspension on ``day``."""
    days = calendar()
    config = current_app.config
    return (days.add(day, config["ALERT_OBJECTION_WORKDAYS"]),
            days.add(day, config["ALERT_DECISION_WORKDAYS"]))


def origin(alert: Alert) -> tuple[str, str]:
    """Who found what the alert says (Chinese, English)."""
    if alert.source == RECHECK:
        return "常态化比对", "the regular re-check"
    return "公安机关预警", "a police alert"


def _suspend(alert: Alert, certificate: Certificate, actor: str) -> Suspension:
    now = utcnow()
    name, name_en, _ = CATEGORIES[alert.category]
    found, found_en = origin(alert)
    set_status(certificate, Status.SUSPENDED, actor=actor, at=now,
               reason=f"{found}（{name}），待处理 suspended on {found_en} ({name_en})")
    object_by, decide_by = deadlines(now.astimezone(XIAMEN).date())
    suspension = Suspension(alert=alert, certificate=certificate, holder=certificate.holder,
                            suspended_at=now, object_by=object_by, decide_by=decide_by,
                            state=State.OPEN)
    db.session.add(suspension)
    record(actor, "suspension.opened", "suspension", suspension,
           after={"certificate": certificate, "alert": alert, "object_by": object_by,
                  "decide_by": decide_by})
    _tell_suspended(suspension)
    return suspension


# -- what the holder is told ------------------------------------------------------------------

def rule_of(category: str) -> tuple[str, str]:
    """The rule an alert's category fails (a driver's or a vehicle's), and its legal basis."""
    code = CATEGORIES[category][2]
    return code, RULES[code].legal_basis


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(XIAMEN).date()


def _tell_suspended(suspension: Suspension) -> None:
    alert, what = suspension.alert, about(suspension.alert)
    name, name_en, _ = CATEGORIES[alert.category]
    code, basis = rule_of(alert.category)
    since = _day(suspension.suspended_at)
    if alert.source == RECHECK:
        subject, subject_en = (f"车辆{alert.plate}", f"vehicle {alert.plate}: ") if alert.plate \
            else ("您", "")
        found = f"常态化比对中，相关部门的数据显示{subject}{name}（{alert.recorded_on}）"
        found_en = (f"the regular re-check found in the departments' data: {subject_en}{name_en} "
                    f"({alert.recorded_on})")
        short = f"常态化比对发现{name}"
    else:
        found = f"公安机关推送的预警信息显示您有{name}记录（记录日期 {alert.recorded_on}）"
        found_en = f"a police alert shows a record of {name_en} dated {alert.recorded_on}"
        short = f"公安机关预警（{name}，{alert.recorded_on}）"
    tell(suspension.holder, kind="alert.suspended", reference=f"suspension:{suspension_key(suspension)}",
         title=f"您的{what.name}已暂停使用 Your {what.name_en} is suspended",
         body=(
             f"发现的情况：{found}。\n"
             f"依据：{what.conditions} {code}（{basis}）；不再符合许可条件的，依{what.revocation_basis}处理。\n"
             f"接下来：您的{what.short}自 {since} 起暂停使用，暂停期间{what.barred}，平台将收到通知。"
             f"工作人员将在 {suspension.decide_by} 前作出决定：吊销（吊销后不得继续从事网约车服务），"
             "或恢复证件效力（证号和版本不变）。\n"
             f"如有异议：请在 {suspension.object_by}（含当日）前，在 i厦门 App「我的证照 · 暂停与异议」"
             "中提交陈述和申辩，可附 PDF、JPEG 或 PNG 证明材料；也可拨打 12328 咨询。\n\n"
             f"What was found: {found_en}.\n"
             f"The rule: {what.conditions_en} {code} ({basis}); a certificate whose conditions no "
             f"longer hold is dealt with under {what.revocation_basis}.\n"
             f"What happens next: your {what.name_en} is suspended from {since}; {what.barred_en} "
             f"meanwhile, and the platforms are told. By {suspension.decide_by} a "
             "clerk revokes it or reinstates it (same number and version).\n"
             f"To object: by {suspension.object_by} (inclusive), in the i厦门 app under "
             "My certificates · Suspensions, with text and PDF, JPEG or PNG files; or call 12328."),
         sms=(f"【厦门市交通运输局】您的{what.name}因{short}"
              f"自{since}起暂停使用。如有异议请于{suspension.object_by}前在i厦门App提交陈述申辩。"))


def suspension_key(suspension: Suspension) -> int:
    if suspension.id is None:
        db.session.flush()
    return suspension.id


# -- the holder: their suspensions, objections and files --------------------------------------

def suspensions_of(person: Person) -> list[Suspension]:
    return list(db.session.scalars(sa.select(Suspension).where(Suspension.holder_id == person.id)
                                   .order_by(Suspension.id.desc())))


def suspension_of(person: Person, suspension_id: int) -> Suspension:
    """The person's own suspension; anybody else's is 404, the same as none."""
    suspension = db.session.scalar(sa.select(Suspension).where(
        Suspension.id == suspension_id, Suspension.holder_id == person.id))
    if suspension is None:
        raise ApiError(404, "未找到该暂停记录。", "No such suspension.")
    return suspension


def acceptable_type(content: bytes) -> str:
    """The type of a file an objection may carry (PDF, JPEG or PNG, not empty, at most
    ``MATERIAL_MAX_BYTES``); otherwise the refusal (413, 422, 415)."""
    if len(content) > materials.max_bytes():
        raise materials.too_large()
    if not content:
        raise ApiError(422, "上传的文件是空的，请重新选择文件。", "The file is empty.",
                       errors={"files": {"file": ["empty file"]}})
    return materials.content_type_of(content)


def store_file(person: Person, filename: str, content: bytes) -> ObjectionFile:
    """Keep an attachment for an objection: PDF, JPEG or PNG by its content, at most
    ``MATERIAL_MAX_BYTES`` (the limits of uploaded materials)."""
    content_type = acceptable_type(content)
    file = ObjectionFile(person=person, filename=scrubbed(filename or "upload")[-200:],
                         content_type=content_type, size=len(content),
                         sha256=hashlib.sha256(content).hexdigest(),
                         stored_name=f"objection-{uuid.uuid4().hex}.{materials.ACCEPTED[content_type]}")
    db.session.add(file)
    db.session.flush()
    materials.write_file(file.stored_name, content)
    record(f"person:{person.id}", "objection_file.uploaded", "objection_file", file,
           after={"content_type": content_type, "size": len(content), "sha256": file.sha256})
    return file


def file_content(file: ObjectionFile) -> bytes:
    return materials.read_file(file.stored_name, file.sha256)


def why_not_objectable(suspension: Suspension) -> ApiError | None:
    """Why the holder can no longer object (decided, objected already, too late); None if they can."""
    if suspension.state != State.OPEN:
        return ApiError(409, "该暂停已作出决定，不能再提出异议。",
                        "This suspension has been decided; it can no longer be objected to.")
    if suspension.objected_at is not None:
        return ApiError(409, "您已提交过异议，工作人员将一并审查。",
                        "You have objected already; the clerk will consider it.")
    if today() > suspension.object_by:
        return ApiError(409, f"异议期限已于 {suspension.object_by} 届满。",
                        f"The time to object ended on {suspension.object_by}.",
                        object_by=suspension.object_by.isoformat())
    return None


def require_objectable(suspension: Suspension) -> None:
    if (refusal := why_not_objectable(suspension)) is not None:
        raise refusal


def object_to(person: Person, suspension_id: int, *, text: str, file_ids: list[int]) -> Suspension:
    """The holder's objection (陈述和申辩): once, while the suspension is open, by its
    ``object_by`` day, with files they uploaded and not yet used."""
    suspension = suspension_of(person, suspension_id)
    require_objectable(suspension)
    files = list(db.session.scalars(sa.select(ObjectionFile).where(
        ObjectionFile.id.in_(set(file_ids)), ObjectionFile.person_id == person.id,
        ObjectionFile.suspension_id.is_(None))))
    if len(files) != len(set(file_ids)):
        raise ApiError(422, "部分附件不存在或已使用，请重新上传。",
                       "Some files are not yours, do not exist or were used already; upload them "
                       "again.", errors={"json": {"files": ["unknown or used file ids"]}})
    suspension.objection, suspension.objected_at = text, utcnow()
    for file in files:
        file.suspension = suspension
    record(f"person:{person.id}", "suspension.objected", "suspension", suspension,
           after={"files": [f.id for f in files], "length": len(text)})
    what = about(suspension.alert)
    tell(person, kind="alert.objected", reference=f"suspension:{suspension.id}",
         title="已收到您的异议 Your objection was received",
         body=(f"您对{what.short}暂停的陈述和申辩已收到（附件 {len(files)} 个）。工作人员将在 "
               f"{suspension.decide_by} 前作出决定并通知您。\n"
               f"Your objection to the suspension of your {what.name_en} was received "
               f"({len(files)} files). A clerk decides by {suspension.decide_by} and will tell you."))
    return suspension


# -- the clerk's queue and decisions -----------------------------------------------------------

def overdue(suspension: Suspension, day: dt.date | None = None) -> bool:
    """Undecided past its decision day."""
    return suspension.state == State.OPEN and (day or today()) > suspension.decide_by


def queue() -> list[Suspension]:
    """Open suspensions, the earliest decision day first."""
    return list(db.session.scalars(sa.select(Suspension).where(Suspension.state == State.OPEN)
                                   .order_by(Suspension.decide_by, Suspension.id)))


def overdue_count(day: dt.date | None = None) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Suspension).where(
        Suspension.state == State.OPEN, Suspension.decide_by < (day or today())))


def recent_alerts(limit: int = 100, outcome: Outcome | None = None) -> list[Alert]:
    query = sa.select(Alert).order_by(Alert.id.desc()).limit(limit)
    if outcome is not None:
        query = query.where(Alert.outcome == outcome)
    return list(db.session.scalars(query))


def alerts_about(alert: Alert) -> list[Alert]:
    """Every alert about the same: the person as a driver, or the person's vehicle (the same
    plate), newest first (the clerk weighs them all)."""
    same = Alert.plate == alert.plate if alert.plate is not None else Alert.plate.is_(None)
    return list(db.session.scalars(sa.select(Alert).where(Alert.id_number == alert.id_number, same)
                                   .order_by(Alert.id.desc())))


def get_suspension(suspension_id: int) -> Suspension:
    suspension = db.session.get(Suspension, suspension_id)
    if suspension is None:
        raise ApiError(404, "未找到该暂停记录。", "No such suspension.")
    return suspension


def _open(suspension: Suspension) -> None:
    if suspension.state != State.OPEN:
        raise ApiError(409, "该暂停已作出决定。", "This suspension has been decided already.",
                       state=suspension.state.value)


def revocation_basis(suspension: Suspension) -> str:
    """The legal basis a revocation names unless the clerk gives another."""
    return about(suspension.alert).revocation_basis


def revoke(suspension: Suspension, *, actor: str, reason: str,
           legal_basis: str | None = None) -> None:
    """吊销: the certificate ends, with the reason and legal basis (``revocation_basis`` unless
    given) recorded and told. Not before the holder has objected or the time to object has
    passed (they are heard first)."""
    _open(suspension)
    reason, legal_basis = _decision_text(reason, legal_basis or revocation_basis(suspension))
    if suspension.objected_at is None and today() <= suspension.object_by:
        raise ApiError(409, f"持证人的异议期至 {suspension.object_by} 届满，届满前（或持证人提出异议后）"
                       "才能作出吊销决定。",
                       f"The holder may object until {suspension.object_by}; revoke after that "
                       "day or once they have objected.", object_by=suspension.object_by.isoformat())
    now = utcnow()
    set_status(suspension.certificate, Status.REVOKED, actor=actor, at=now,
               reason=f"吊销 revoked: {reason}（{legal_basis}）"[:300])
    _decided(suspension, State.REVOKED, actor, now, reason, legal_basis)
    what = about(suspension.alert)
    tell(suspension.holder, kind="alert.revoked", reference=f"suspension:{suspension.id}",
         title=f"您的{what.name}已被吊销 Your {what.name_en} is revoked",
         body=(f"决定：吊销{what.name}，自 {_day(now)} 起生效。\n理由：{reason}\n依据：{legal_basis}\n"
               "如不服本决定，可以自收到之日起六十日内申请行政复议，或者六个月内向人民法院提起行政诉讼。\n\n"
               f"Decision: your {what.name_en} is revoked from {_day(now)}.\nReason: {reason}\n"
               f"Legal basis: {legal_basis}\nYou may apply for administrative review within 60 "
               "days of receiving this decision, or bring an administrative action in court "
               "within six months."),
         sms=(f"【厦门市交通运输局】您的{what.name}已被吊销（依据{legal_basis}）。"
              "详情及救济途径请见i厦门App。"))


def reinstate(suspension: Suspension, *, actor: str, reason: str) -> None:
    """The suspension lifted: the same certificate (number and version) in force again, and the
    alert no longer read by the driver rules."""
    _open(suspension)
    reason, _ = _decision_text(reason, "-")
    now = utcnow()
    set_status(suspension.certificate, Status.VALID, actor=actor, at=now,
               reason=f"恢复 reinstated: {reason}"[:300])
    suspension.alert.dismissed_at = now
    _decided(suspension, State.REINSTATED, actor, now, reason, None)
    what = about(suspension.alert)
    tell(suspension.holder, kind="alert.reinstated", reference=f"suspension:{suspension.id}",
         title=f"您的{what.name}已恢复使用 Your {what.name_en} is in force again",
         body=(f"经审查，您的{what.short}自 {_day(now)} 起恢复使用，证号和有效期不变。理由：{reason}\n\n"
               f"After review your {what.name_en} is in force again from {_day(now)}, with the "
               f"same number and validity. Reason: {reason}"),
         sms=f"【厦门市交通运输局】经审查，您的{what.name}自{_day(now)}起恢复使用。")


def _decision_text(reason: str, legal_basis: str) -> tuple[str, str]:
    reason, legal_basis = (reason or "").strip(), (legal_basis or "").strip()
    if not reason or not legal_basis:
        raise ApiError(422, "请填写决定的理由和法律依据。", "Give the decision's reason and legal basis.")
    return reason[:500], legal_basis[:300]


def _decided(suspension: Suspension, state: State, actor: str, now: dt.datetime, reason: str,
             legal_basis: str | None) -> None:
    before = {"state": suspension.state}
    suspension.state, suspension.decided_at, suspension.decided_by = state, now, actor
    suspension.decision_reason, suspension.legal_basis = reason, legal_basis
    record(actor, f"suspension.{state.value}", "suspension", suspension, before=before,
           after={"state": state, "reason": reason, "legal_basis": legal_basis,
                  "overdue": now.astimezone(XIAMEN).date() > suspension.decide_by})


# -- the holder's history ----------------------------------------------------------------------

def history(suspension: Suspension) -> list[dict]:
    """Every step of one suspension, oldest first, as the holder and the clerk see it."""
    alert, what = suspension.alert, about(suspension.alert)
    name, name_en, _ = CATEGORIES[alert.category]
    if alert.source == RECHECK:
        found = (f"常态化比对发现：{name}（{alert.recorded_on}）",
                 f"The regular re-check found: {name_en} ({alert.recorded_on})")
    else:
        found = (f"收到公安机关预警信息：{name}（{alert.recorded_on}）",
                 f"Police alert received: {name_en} ({alert.recorded_on})")
    steps = [{"at": alert.received_at, "step": "alert", "text": found[0], "text_en": found[1]},
             {"at": suspension.suspended_at, "step": "suspended",
              "text": f"{what.short}暂停使用，已通知本人；异议期至 {suspension.object_by}，"
                      f"决定期限 {suspension.decide_by}",
              "text_en": f"{what.name_en[:1].upper()}{what.name_en[1:]} suspended and the holder "
                         f"told; objections until {suspension.object_by}, decision by "
                         f"{suspension.decide_by}"}]
    if suspension.objected_at:
        steps.append({"at": suspension.objected_at, "step": "objected",
                      "text": f"本人提出异议（附件 {len(suspension.files)} 个）",
                      "text_en": f"The holder objected ({len(suspension.files)} files)"})
    if suspension.state == State.REVOKED:
        steps.append({"at": suspension.decided_at, "step": "revoked",
                      "text": f"吊销：{suspension.decision_reason}（依据 {suspension.legal_basis}）",
                      "text_en": f"Revoked: {suspension.decision_reason} "
                                 f"(legal basis {suspension.legal_basis})"})
    elif suspension.state == State.REINSTATED:
        steps.append({"at": suspension.decided_at, "step": "reinstated",
                      "text": f"恢复使用：{suspension.decision_reason}",
                      "text_en": f"Reinstated: {suspension.decision_reason}"})
    return steps
