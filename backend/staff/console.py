"""The staff console (工作人员控制台): sign-in, the review queue, applications and exam results.

A view reads its form, checks the role, calls one operation of ``backend.licensing.operations``
(which audits) and redirects. A refused action (:class:`ApiError`) is flashed and changes nothing.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import uuid
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from backend.audit.models import AuditEntry
from backend.audit.operations import record
from backend.certificates.models import Certificate
from backend.certificates.operations import STATUS_NAMES as CERTIFICATE_STATUS_NAMES
from backend.common.masking import mask_id_number, mask_id_numbers_in_text, mask_name
from backend.db import db, utcnow
from backend.drivers import exams as exam_operations
from backend.drivers import operations as drivers
from backend.drivers.models import ExamAttempt, ExamSession
from backend.drivers.schemas import MATERIALS, exam_time
from backend.errors import ApiError
from backend.licensing import operations
from backend.licensing.deadlines import deadline_of
from backend.licensing.models import Application, Outcome, State
from backend.licensing.replacement import REISSUE_REASONS
from backend.licensing.rules import RULES
from backend.mailing.operations import STATUS_NAMES as MAILING_STATUS_NAMES
from backend.matters.operations import catalogue, get_matter, summary
from backend.matters.registry import HANDLERS, handler_for
from backend.staff import counter as counter_desk
from backend.staff import search as staff_search
from backend.staff import throttle
from backend.staff.auth import roles_required, staff_actor
from backend.staff.facts import FACT_NAMES, fact_value
from backend.staff.forms import (
    ActionForm,
    CounterForm,
    DecisionForm,
    ExamForm,
    ExamSessionForm,
    LoginForm,
)
from backend.staff.models import Role
from backend.staff.operations import authenticate, sign_out
from backend.transactions import refusals_flashed, refuse

console = Blueprint("console", __name__, url_prefix="/console")

PER_PAGE = 20
STATE_NAMES = {
    State.SUBMITTED: "已提交 Submitted",
    State.CHECKING: "核验中 Checking",
    State.REJECTED: "不予许可 Rejected",
    State.AWAITING_EXAM: "待考试 Awaiting exam",
    State.AWAITING_REVIEW: "待人工审核 Awaiting review",
    State.AWAITING_PROVINCE: "待省厅办理 Awaiting the province",
    State.APPROVED: "已批准 Approved",
    State.ISSUED: "已发证 Issued",
    State.WITHDRAWN: "已撤回 Withdrawn",
}
OUTCOME_NAMES = {Outcome.PASS: "通过 Pass", Outcome.FAIL: "不符合 Fail",
                 Outcome.UNKNOWN: "无法核验 Unknown"}
CHANNEL_NAMES = {"app": "i厦门 App", "kiosk": "自助终端 Kiosk", "counter": "窗口 Counter"}
SUBJECT_NAMES = {"national": "全国公共科目 National", "regional": "区域科目 Regional"}
INPUT_NAMES = {"plate": "号牌号码 Plate", "platform": "服务平台 Platform", "reason": "事由 Reason",
               "certificate_id": "原证件 Certificate", "applied_on": "申请日期 Applied on",
               "changes": "变更内容 Changes", "documents": "已核材料 Material seen"}
CERTIFICATE_KIND_NAMES = {"driver": "网约车驾驶员证 Driver", "transport": "运输证 Transport",
                          "platform": "平台经营许可 Platform"}


# -- sign-in ------------------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a signed-in clerk to another site.
    if target and target.startswith("/") and not urlsplit(target).netloc and "//" not in target:
        return target
    return url_for("console.index")


@console.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        throttle.count_failure()
        flash("用户名或密码不正确。Wrong username or password.", "error")
    return render_template("console/login.html", form=form)


@console.errorhandler(RateLimitExceeded)
def too_many_sign_ins(error):
    return render_template("error.html", error=throttle.refusal(error)), 429


@console.post("/logout")
@login_required
def logout():
    sign_out(current_user)
    logout_user()
    return redirect(url_for("console.login"))


@console.get("/")
@login_required
def index():
    matters = catalogue()
    return render_template("console/index.html", matters=matters, counts=summary(matters))


# -- template helpers ---------------------------------------------------------------------------

@console.app_template_filter("local_time")
def local_time(value: dt.datetime | None) -> str:
    """Times are stored in UTC and shown on Xiamen's clock."""
    return value.astimezone(operations.XIAMEN).strftime("%Y-%m-%d %H:%M") if value else "—"


@console.app_template_filter("waited")
def waited(since: dt.datetime) -> str:
    minutes = max(0, int((utcnow() - since).total_seconds() // 60))
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} 天 {hours} 小时 ({days} d {hours} h)"
    return f"{hours} 小时 {minutes} 分 ({hours} h {minutes} min)"


@console.app_template_filter("pretty_json")
def pretty_json(value) -> str:
    # Facts and inputs may quote an ID number; the console shows it masked like everywhere else.
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return mask_id_numbers_in_text(value)


@console.app_template_filter("readable")
def readable(value, key: str | None = None) -> str:
    """A fact's value as a person reads it: 是/否, codes by their Chinese names (``key``: the
    fact's), dates as they are, lists joined."""
    if key is not None:
        value = fact_value(key, value)
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(readable(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{FACT_NAMES.get(k, k)}：{readable(v, k)}" for k, v in value.items())
    return mask_id_numbers_in_text(str(value))


@console.context_processor
def labels() -> dict:
    return {"STATE_NAMES": STATE_NAMES, "OUTCOME_NAMES": OUTCOME_NAMES,
            "CHANNEL_NAMES": CHANNEL_NAMES, "SUBJECT_NAMES": SUBJECT_NAMES,
            "INPUT_NAMES": INPUT_NAMES, "RULES": RULES, "FACT_NAMES": FACT_NAMES,
            "MATERIAL_NAMES": {m.kind: m.name for m in MATERIALS.values()},
            "CERTIFICATE_KIND_NAMES": CERTIFICATE_KIND_NAMES,
            "CERTIFICATE_STATUS_NAMES": {s.value: n for s, n in CERTIFICATE_STATUS_NAMES.items()},
            "MAILING_STATUS_NAMES": {s.value: n for s, n in MAILING_STATUS_NAMES.items()},
            "REISSUE_REASONS": REISSUE_REASONS,
            "mask_name": mask_name, "mask_id_number": mask_id_number, "exam_time": exam_time}


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for message in dict.fromkeys(errors):
            flash(message, "error")


def _application_or_404(number: str) -> Application:
    application = operations.by_number(number)
    if application is None:
        raise ApiError(404, f"未找到办件 {number}，请核对编号。", f"No application {number}.")
    return application


def _paginate(query: sa.Select):
    return db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)


def _attempts_by_application(ids: list[int]) -> dict[int, list[ExamAttempt]]:
    attempts = collections.defaultdict(list)
    rows = db.session.scalars(sa.select(ExamAttempt).where(ExamAttempt.application_id.in_(ids))
                              .order_by(ExamAttempt.id)) if ids else []
    for attempt in rows:
        attempts[attempt.application_id].append(attempt)
    return attempts


def _approvals(application: Application) -> list[AuditEntry]:
    """Clerks' approvals with their reasons: the history keeps the matter's own wording, the
    clerk's reason is in the audit log (found through the indexed action)."""
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "application.approved_by_clerk",
        AuditEntry.object_type == "application", AuditEntry.object_id == application.number,
    ).order_by(AuditEntry.id)))


# -- review -------------------------------------------------------------------------------------

@console.get("/review")
@roles_required(Role.CLERK)
def review_queue():
    """Every matter's applications waiting for a person, the longest-waiting first."""
    query = (sa.select(Application).where(Application.state == State.AWAITING_REVIEW)
             .options(selectinload(Application.applicant), selectinload(Application.rule_results))
             .order_by(Application.created_at, Application.id))
    page = _paginate(query)
    open_checks = {a.id: [r for r in operations.latest_results(a) if r.outcome != Outcome.PASS]
                   for a in page.items}
    deadlines = {a.id: deadline_of(a) for a in page.items}
    return render_template("console/review.html", page=page, open_checks=open_checks,
                           deadlines=deadlines, to_clerk=_matters_to_clerk())


def _matters_to_clerk() -> list:
    """The matters a clerk decides on the spot (即办): every application of theirs waits here."""
    codes = [code for code, handler in HANDLERS.items() if handler.to_clerk]
    return [get_matter(code) for code in codes]


@console.get("/search")
@roles_required(Role.CLERK, Role.EXAMINER, Role.MAILROOM)
def search():
    """Applications, certificates and mailing items by ID number, name, plate, phone or part of
    a number, as far as the role may see them; every search is audited."""
    query = request.args.get("q", "").strip()[:60]
    found = None
    if query:
        try:
            found = staff_search.search(query, staff_search.scopes_of(current_user),
                                        actor=staff_actor())
        except ApiError as error:
            flash(f"{error.message} {error.message_en}", "error")
    return render_template("console/search.html", query=query, found=found,
                           scopes=staff_search.scopes_of(current_user),
                           KIND_NAMES=staff_search.KIND_NAMES)


@console.get("/applications")
@roles_required(Role.CLERK, Role.EXAMINER)
def find_application():
    number = request.args.get("number", "").strip()
    if not number:
        flash("请输入办件编号。Enter an application number.", "error")
        return redirect(url_for("console.index"))
    return redirect(url_for("console.show_application", number=number))


@console.get("/applications/<application_number:number>")
@roles_required(Role.CLERK, Role.EXAMINER)
def show_application(number):
    return _application_page(_application_or_404(number))


@console.post("/applications/<application_number:number>/id-number")
@roles_required(Role.CLERK, Role.EXAMINER)
def reveal_id_number(number):
    """The applicant's full ID number, shown on request (to read it out or compare it with a
    card) and audited; the page shows it masked otherwise."""
    application = _application_or_404(number)
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。The page expired; please try again.", "error")
        return redirect(url_for("console.show_application", number=number))
    record(staff_actor(), "person.id_number_viewed", "person", application.applicant.id,
           after={"application": application.number,
                  "id_number": mask_id_number(application.applicant.id_number)})
    return _application_page(application, full_id_number=True)


def _application_page(application: Application, *, full_id_number: bool = False):
    certificate = (db.session.get(Certificate, application.certificate_id)
                   if application.certificate_id else None)
    previous = (db.session.get(Certificate, application.inputs["certificate_id"])
                if isinstance(application.inputs.get("certificate_id"), int) else None)
    return render_template(
        "console/application.html", application=application,
        results=operations.latest_results(application), certificate=certificate,
        previous_certificate=previous, full_id_number=full_id_number,
        attempts=_attempts_by_application([application.id])[application.id],
        approvals=_approvals(application), deadline=deadline_of(application),
        progress=handler.progress(application) if (handler := handler_for(application.matter_code))
        else None, action_form=ActionForm(), decision_form=DecisionForm())


@console.post("/applications/<application_number:number>/recheck")
@roles_required(Role.CLERK)
def recheck_application(number):
    application = _application_or_404(number)
    with refusals_flashed():
        operations.recheck(application, actor=staff_actor())
        flash(f"已重新核验，当前状态：{STATE_NAMES[application.state]}。Checks re-run.")
    return redirect(url_for("console.show_application", number=number))


@console.post("/applications/<application_number:number>/decision")
@roles_required(Role.CLERK)
def decide_application(number):
    application = _application_or_404(number)
    form = DecisionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("console.show_application", number=number))
    approve = form.decision.data == "approve"
    with refusals_flashed():
        operations.decide(application, approve=approve, reason=form.reason.data.strip(),
                          actor=staff_actor())
        flash(f"{'已批准' if approve else '已驳回'}，当前状态：{STATE_NAMES[application.state]}。"
              f"{'Approved' if approve else 'Rejected'}.")
    return redirect(url_for("console.show_application", number=number))


# -- the counter (窗口受理) ----------------------------------------------------------------------

@console.route("/counter", methods=["GET", "POST"])
@roles_required(Role.CLERK)
def counter():
    """Apply for a person who came to the counter; then decide on the spot on its page."""
    form = CounterForm()
    if request.method == "GET":
        form.intake_id.data = uuid.uuid4().hex
    elif not form.validate_on_submit():
        _flash_errors(form)
    elif (application := _apply_at_counter(form)) is not None:
        flash(f"已受理 {application.number}，当前状态：{STATE_NAMES[application.state]}。"
              f"Application {application.number} taken.")
        return redirect(url_for("console.show_application", number=application.number))
    return render_template("console/counter.html", form=form, matters=counter_desk.counter_matters(),
                           materials=MATERIALS.values())


def _apply_at_counter(form: CounterForm) -> Application | None:
    """The application, or None with the refusal and every bad field flashed (nothing kept)."""
    actor = staff_actor()
    try:
        matter = get_matter(form.matter.data.strip())
        person = counter_desk.identify(form.id_number.data, form.name.data, actor=actor)
        return counter_desk.apply_for(person, matter.code, form.request_body(matter.inputs),
                                      actor=actor, intake_id=form.intake_id.data)
    except ApiError as error:
        refuse()
        flash(f"{error.message} {error.message_en}", "error")
        for field, message in _field_messages(error.extra.get("errors", {})):
            flash(f"{field}: {message}", "error")
        return None


def _field_messages(errors, path: str = ""):
    """``("changes.name", message)`` for every message of a marshmallow error tree."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = path if key in ("form", "json") else ".".join(filter(None, (path, str(key))))
            yield from _field_messages(value, name)
    else:
        for message in errors:
            yield path, message


# -- exams --------------------------------------------------------------------------------------

@console.get("/exams")
@roles_required(Role.EXAMINER)
def exams():
    query = (sa.select(Application).where(Application.state == State.AWAITING_EXAM)
             .options(selectinload(Application.applicant))
             .order_by(Application.decided_at, Application.id))
    page = _paginate(query)
    attempts = _attempts_by_application([a.id for a in page.items])
    bookings = {a.id: exam_operations.current_booking(a) for a in page.items}
    return render_template("console/exams.html", page=page, attempts=attempts, form=ExamForm(),
                           bookings=bookings)


@console.post("/exams")
@roles_required(Role.EXAMINER)
def record_exam():
    form = ExamForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("console.exams"))
    number = form.application_number.data.strip()
    application = operations.by_number(number)
    if application is None:
        flash(f"未找到办件 {number}，请核对编号。No application {number}.", "error")
        return redirect(url_for("console.exams"))
    with refusals_flashed():
        drivers.record_exam(application, form.subject.data, form.score.data,
                               form.passed.data == "yes", actor=staff_actor())
        flash(f"{application.number} {SUBJECT_NAMES[form.subject.data]} 成绩已录入，"
              f"当前状态：{STATE_NAMES[application.state]}。Result recorded.")
    return redirect(url_for("console.exams"))


# -- exam sessions (考试场次) ----------------------------------------------------------------------

def _session_or_404(session_id: int) -> ExamSession:
    session = db.session.get(ExamSession, session_id)
    if session is None:
        raise ApiError(404, "未找到该考试场次。", "No such exam session.")
    return session


def _beijing(form: ExamSessionForm) -> dt.datetime:
    return form.starts_at.data.replace(tzinfo=operations.XIAMEN)


@console.route("/exam-sessions", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def exam_sessions():
    """Upcoming sessions with their seats, the waiting applicants without one, and a form for
    a new session (which books the waiting at once)."""
    form = ExamSessionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            _flash_errors(form)
        else:
            with refusals_flashed():
                session = exam_operations.add_session(form.place.data, _beijing(form),
                                                      form.capacity.data, actor=staff_actor())
                flash(f"已添加考试场次 {exam_time(session.starts_at)}，已为 {session.booked} 名"
                      f"待考人员预约座位并发送通知。Session added; {session.booked} booked.")
                return redirect(url_for("console.exam_session", session_id=session.id))
    upcoming = db.session.scalars(sa.select(ExamSession).where(ExamSession.starts_at > utcnow())
                                  .order_by(ExamSession.starts_at)).all()
    past = db.session.scalars(sa.select(ExamSession).where(ExamSession.starts_at <= utcnow())
                              .order_by(ExamSession.starts_at.desc()).limit(10)).all()
    return render_template("console/exam_sessions.html", form=form, upcoming=upcoming, past=past,
                           waiting=exam_operations.waiting_without_seat(limit=PER_PAGE))


@console.route("/exam-sessions/<int(max=2147483647):session_id>", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def exam_session(session_id):
    """One session: who is booked, and a form to move or resize it (the booked are told)."""
    session = _session_or_404(session_id)
    form = ExamSessionForm(obj=None if request.method == "POST" else session)
    if request.method == "GET":
        form.starts_at.data = session.starts_at.astimezone(operations.XIAMEN).replace(tzinfo=None)
    elif not form.validate_on_submit():
        _flash_errors(form)
    else:
        with refusals_flashed():
            exam_operations.change_session(session, place=form.place.data,
                                           starts_at=_beijing(form),
                                           capacity=form.capacity.data, actor=staff_actor())
            flash("考试场次已更新，已预约人员如有变动已收到通知。Session updated.")
            return redirect(url_for("console.exam_session", session_id=session.id))
    return render_template("console/exam_session.html", session=session, form=form,
                           bookings=exam_operations.bookings_of(session))
