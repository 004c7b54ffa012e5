"""Police alerts: received, a driver's certificate suspended at once, then due process.

``receive`` is the one way an alert enters: the signed hook (``POST /hooks/v1/police-alerts``),
``flask alerts import FILE`` and the regular re-check all call it. Then the holder objects
(``object_to``, with files kept by ``store_file``), and a clerk ``revoke``s (吊销) or
``reinstate``s. Every step is audited, told to the holder, and shown in their history
(``history``). Operations flush and never commit: the request or the command owns the
transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import sqlalchemy as sa
from flask import current_app

from backend.alerts.models import Alert, ObjectionFile, Outcome, State, Suspension
from backend.audit.operations import record
from backend.certificates.models import Certificate, Kind, Status
from backend.certificates.operations import current_certificate, set_status
from backend.common.masking import mask_id_number
from backend.common.text import scrubbed
from backend.common.workdays import calendar
from backend.db import db, utcnow
from backend.drivers.rules import ALERT_CATEGORIES, INTERIM
from backend.errors import ApiError
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Person
from backend.licensing.operations import XIAMEN, today
from backend.licensing.rules import RULES
from backend.materials import operations as materials
from backend.notify.operations import tell

#: category -> (Chinese, English, the driver rule it fails)
CATEGORIES = ALERT_CATEGORIES
#: 《暂行办法》第三十六条: a driver who no longer meets the conditions loses the certificate.
REVOCATION_BASIS = f"{INTERIM}第三十六条"
REFERENCE_LENGTH, SOURCE_LENGTH, DETAIL_LENGTH = 80, 40, 2000
OBJECTION_LENGTH, OBJECTION_FILES = 5000, 10


def receive(*, reference: str, id_number: str, category: str, recorded_on: dt.date, detail: str,
            source: str, actor: str) -> Alert:
    """Store one alert and act on it, in the caller's transaction (this flushes, never commits).

    Idempotent by ``(source, reference)``: the same reference from the same source again
    returns the alert stored the first time, unchanged, and does nothing else (a different
    ``source`` — ``police`` for the hook and the default of the import, ``recheck`` for the
    regular re-check — is a different alert).

    ``id_number`` must be valid (``backend.identity.id_numbers``) and ``category`` one of
    ``CATEGORIES`` (the driver rules' categories); anything else is ``ApiError(422)`` and
    nothing is stored. ``recorded_on`` is the date of the underlying record; ``detail`` free
    text kept for staff (never shown to the public).

    When the person holds a valid driver certificate it is suspended here, in the same
    transaction (``certificates.operations.set_status(..., Status.SUSPENDED)``), a
    ``Suspension`` opens with its objection and decision deadlines, and the holder is told
    (``notify.operations.tell``). An alert about a person without a certificate in force is
    stored all the same: the driver rules read it on the person's next application. Audited.

    A concurrent change of the same certificate (a renewal at the same moment) fails the
    certificate's version check when the session flushes (``StaleDataError``, answered 409 by
    a request): the caller's transaction then keeps nothing, and the alert is sent again.
    """
    _check_fields(reference=reference, category=category, recorded_on=recorded_on,
                  detail=detail, source=source)
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
                  category=category, recorded_on=recorded_on, detail=detail, actor=actor,
                  received_at=utcnow(), outcome=Outcome.NO_CERTIFICATE)
    try:  # the same alert at the same moment: the database keeps one, the other reads it
        with db.session.begin_nested():
            db.session.add(alert)
            db.session.flush()
    except sa.exc.IntegrityError:
        return stored(source, reference)
    certificate = current_certificate(person, Kind.DRIVER) if person is not None else None
    if certificate is not None:
        alert.outcome = Outcome.SUSPENDED
        _suspend(alert, certificate, actor)
    elif person is not None and _suspended_certificate(person) is not None:
        alert.outcome = Outcome.ALREADY_SUSPENDED
    record(actor, "alert.received", "police_alert", alert,
           after={"source": source, "reference": reference, "id_number": mask_id_number(id_number),
                  "category": category, "recorded_on": recorded_on, "outcome": alert.outcome})
    db.session.flush()  # (a certificate changed meanwhile fails its version check here)
    return alert


def _check_fields(*, reference, category, recorded_on, detail, source) -> None:
    problems = {}
    if not isinstance(reference, str) or not reference.strip() or len(reference) > REFERENCE_LENGTH \
            or scrubbed(reference) != reference:
        problems["reference"] = f"1 to {REFERENCE_LENGTH} printable characters"
    if category not in CATEGORIES:
        problems["category"] = "one of " + ", ".join(CATEGORIES)
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


def _suspended_certificate(person: Person) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.holder_id == person.id, Certificate.kind == Kind.DRIVER,
        Certificate.status == Status.SUSPENDED).limit(1))


def deadlines(day: dt.date) -> tuple[dt.date, dt.date]:
    """The last day to object and the last day to decide, for a suspension on ``day``."""
    days = calendar()
    config = current_app.config
    return (days.add(day, config["ALERT_OBJECTION_WORKDAYS"]),
            days.add(day, config["ALERT_DECISION_WORKDAYS"]))


def _suspend(alert: Alert, certificate: Certificate, actor: str) -> Suspension:
    now = utcnow()
    name, name_en, _ = CATEGORIES[alert.category]
    set_status(certificate, Status.SUSPENDED, actor=actor, at=now,
               reason=f"公安机关预警（{name}），待处理 suspended on a police alert ({name_en})")
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
    """The driver rule an alert's category fails, and its legal basis."""
    code = CATEGORIES[category][2]
    return code, RULES[code].legal_basis


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(XIAMEN).date()


def _tell_suspended(suspension: Suspension) -> None:
    alert = suspension.alert
    name, name_en, _ = CATEGORIES[alert.category]
    code, basis = rule_of(alert.category)
    since = _day(suspension.suspended_at)
    if alert.source == "recheck":  # (the regular re-check, backend/licensing/recheck.py)
        found = f"常态化比对中，相关部门的数据显示您{name}（{alert.recorded_on}）"
        found_en = f"the regular re-check found in the departments' data: {name_en} ({alert.recorded_on})"
        short = f"常态化比对发现{name}"
    else:
        found = f"公安机关推送的预警信息显示您有{name}记录（记录日期 {alert.recorded_on}）"
        found_en = f"a police alert shows a record of {name_en} dated {alert.recorded_on}"
        short = f"公安机关预警（{name}，{alert.recorded_on}）"
    tell(suspension.holder, kind="alert.suspended", reference=f"suspension:{suspension_key(suspension)}",
         title="您的网约车驾驶员证已暂停使用 Your ride-hailing driver certificate is suspended",
         body=(
             f"发现的情况：{found}。\n"
             f"依据：驾驶员许可条件 {code}（{basis}）；不再符合许可条件的，依{REVOCATION_BASIS}处理。\n"
             f"接下来：您的驾驶员证自 {since} 起暂停使用，暂停期间不得从事网约车服务，平台将收到通知。"
             f"工作人员将在 {suspension.decide_by} 前作出决定：吊销（吊销后不得继续从事网约车服务），"
             "或恢复证件效力（证号和版本不变）。\n"
             f"如有异议：请在 {suspension.object_by}（含当日）前，在 i厦门 App「我的证件 · 暂停与异议」"
             "中提交陈述和申辩，可附 PDF、JPEG 或 PNG 证明材料；也可拨打 12328 咨询。\n\n"
             f"What was found: {found_en}.\n"
             f"The rule: driver condition {code} ({basis}); a driver who no longer meets the "
             f"conditions is dealt with under {REVOCATION_BASIS}.\n"
             f"What happens next: your certificate is suspended from {since}; you may not drive "
             f"for a platform meanwhile, and the platforms are told. By {suspension.decide_by} a "
             "clerk revokes it or reinstates it (same number and version).\n"
             f"To object: by {suspension.object_by} (inclusive), in the i厦门 app under "
             "My certificates · Suspensions, with text and PDF, JPEG or PNG files; or call 12328."),
         sms=(f"【厦门市交通运输局】您的网约车驾驶员证因{short}"
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


def store_file(person: Person, filename: str, content: bytes) -> ObjectionFile:
    """Keep an attachment for an objection: PDF, JPEG or PNG by its content, at most
    ``MATERIAL_MAX_BYTES`` (the limits of uploaded materials)."""
    if len(content) > materials.max_bytes():
        raise materials.too_large()
    if not content:
        raise ApiError(422, "上传的文件是空的，请重新选择文件。", "The file is empty.",
                       errors={"files": {"file": ["empty file"]}})
    content_type = materials.content_type_of(content)
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


def object_to(person: Person, suspension_id: int, *, text: str, file_ids: list[int]) -> Suspension:
    """The holder's objection (陈述和申辩): once, while the suspension is open, by its
    ``object_by`` day, with files they uploaded and not yet used."""
    suspension = suspension_of(person, suspension_id)
    if suspension.state != State.OPEN:
        raise ApiError(409, "该暂停已作出决定，不能再提出异议。",
                       "This suspension has been decided; it can no longer be objected to.")
    if suspension.objected_at is not None:
        raise ApiError(409, "您已提交过异议，工作人员将一并审查。",
                       "You have objected already; the clerk will consider it.")
    if today() > suspension.object_by:
        raise ApiError(409, f"异议期限已于 {suspension.object_by} 届满。",
                       f"The time to object ended on {suspension.object_by}.",
                       object_by=suspension.object_by.isoformat())
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
    tell(person, kind="alert.objected", reference=f"suspension:{suspension.id}",
         title="已收到您的异议 Your objection was received",
         body=(f"您对驾驶员证暂停的陈述和申辩已收到（附件 {len(files)} 个）。工作人员将在 "
               f"{suspension.decide_by} 前作出决定并通知您。\n"
               f"Your objection was received ({len(files)} files). A clerk decides by "
               f"{suspension.decide_by} and will tell you."))
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


def alerts_about(id_number: str) -> list[Alert]:
    """Every alert about the person, newest first (the clerk weighs them all)."""
    return list(db.session.scalars(sa.select(Alert).where(Alert.id_number == id_number)
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


def revoke(suspension: Suspension, *, actor: str, reason: str,
           legal_basis: str = REVOCATION_BASIS) -> None:
    """吊销: the certificate ends, with the reason and legal basis recorded and told. Not before
    the holder has objected or the time to object has passed (they are heard first)."""
    _open(suspension)
    reason, legal_basis = _decision_text(reason, legal_basis)
    if suspension.objected_at is None and today() <= suspension.object_by:
        raise ApiError(409, f"持证人的异议期至 {suspension.object_by} 届满，届满前（或持证人提出异议后）"
                       "才能作出吊销决定。",
                       f"The holder may object until {suspension.object_by}; revoke after that "
                       "day or once they have objected.", object_by=suspension.object_by.isoformat())
    now = utcnow()
    set_status(suspension.certificate, Status.REVOKED, actor=actor, at=now,
               reason=f"吊销 revoked: {reason}（{legal_basis}）"[:300])
    _decided(suspension, State.REVOKED, actor, now, reason, legal_basis)
    tell(suspension.holder, kind="alert.revoked", reference=f"suspension:{suspension.id}",
         title="您的网约车驾驶员证已被吊销 Your ride-hailing driver certificate is revoked",
         body=(f"决定：吊销网约车驾驶员证，自 {_day(now)} 起生效。\n理由：{reason}\n依据：{legal_basis}\n"
               "如不服本决定，可以自收到之日起六十日内申请行政复议，或者六个月内向人民法院提起行政诉讼。\n\n"
               f"Decision: the certificate is revoked from {_day(now)}.\nReason: {reason}\n"
               f"Legal basis: {legal_basis}\nYou may apply for administrative review within 60 "
               "days of receiving this decision, or bring an administrative action in court "
               "within six months."),
         sms=(f"【厦门市交通运输局】您的网约车驾驶员证已被吊销（依据{legal_basis}）。"
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
    tell(suspension.holder, kind="alert.reinstated", reference=f"suspension:{suspension.id}",
         title="您的网约车驾驶员证已恢复使用 Your ride-hailing driver certificate is in force again",
         body=(f"经审查，您的驾驶员证自 {_day(now)} 起恢复使用，证号和有效期不变。理由：{reason}\n\n"
               f"After review your certificate is in force again from {_day(now)}, with the same "
               f"number and validity. Reason: {reason}"),
         sms=f"【厦门市交通运输局】经审查，您的网约车驾驶员证自{_day(now)}起恢复使用。")


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
    alert = suspension.alert
    name, name_en, _ = CATEGORIES[alert.category]
    steps = [{"at": alert.received_at, "step": "alert",
              "text": f"收到公安机关预警信息：{name}（{alert.recorded_on}）",
              "text_en": f"Police alert received: {name_en} ({alert.recorded_on})"},
             {"at": suspension.suspended_at, "step": "suspended",
              "text": f"驾驶员证暂停使用，已通知本人；异议期至 {suspension.object_by}，"
                      f"决定期限 {suspension.decide_by}",
              "text_en": f"Certificate suspended and the holder told; objections until "
                         f"{suspension.object_by}, decision by {suspension.decide_by}"}]
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
