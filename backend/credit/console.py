"""Credit management in the staff console: clerks and officers record dishonest behaviour with
its evidence; clerks review list entries, accept corrections and uphold appeals; everybody
with these roles sees the lists and the grades with their breakdowns.

A view reads its form, checks the role, calls one operation (which audits) and redirects; a
refusal is flashed."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from backend.common.masking import mask_id_number, mask_name
from backend.credit import catalogue, grades, operations
from backend.credit.catalogue import (
    LIST_LABELS,
    SEVERITY_LABELS,
    SUBJECT_LABELS,
    Severity,
    SubjectKind,
)
from backend.credit.forms import ActionForm, GradeForm, NoteForm, RecordForm
from backend.credit.models import CreditRecord, Evidence, Grade, ListEntry, Role
from backend.db import db, utcnow
from backend.licensing.operations import today
from backend.materials import operations as materials
from backend.platforms.models import Platform
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role as StaffRole
from backend.transactions import refusals_flashed

credit_console = Blueprint("credit_console", __name__, url_prefix="/console/credit")

PER_PAGE = 30
READERS = (StaffRole.CLERK, StaffRole.OFFICER, StaffRole.SUPERVISOR)
ROLE_LABELS = {Role.LEGAL_REPRESENTATIVE: "法定代表人 Legal representative",
               Role.MAIN_RESPONSIBLE: "主要负责人 Main responsible person",
               Role.DIRECTLY_RESPONSIBLE: "直接责任人 Directly responsible person"}
END_LABELS = {"moved_to_blacklist": "逾期未整改，转入黑名单 Moved to the blacklist",
              "corrected": "整改通过 Correction accepted", "appeal_upheld": "申诉成立 Appeal upheld",
              "expired": "期满 Term ended"}
PERIOD = re.compile(r"\d{4}(-\d{2}-\d{2})?")


@credit_console.before_request
def _allow_evidence():
    """Evidence may be larger than ``MAX_CONTENT_LENGTH``: up to a few files of the limit."""
    request.max_content_length = 5 * materials.max_bytes() + 64 * 1024


def masked_key(kind, key: str) -> str:
    return mask_id_number(key) if kind in operations.PEOPLE else key


@credit_console.context_processor
def labels() -> dict:
    return {"SUBJECT_LABELS": SUBJECT_LABELS, "SEVERITY_LABELS": SEVERITY_LABELS,
            "LIST_LABELS": LIST_LABELS, "ROLE_LABELS": ROLE_LABELS, "END_LABELS": END_LABELS,
            "behaviour": catalogue.behaviour, "masked_key": masked_key, "mask_name": mask_name}


def _record_or_404(number: str) -> CreditRecord:
    found = operations.by_number(number)
    if found is None:
        abort(404)
    return found


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for message in dict.fromkeys(errors):
            flash(message, "error")


def _back(found: CreditRecord):
    return redirect(url_for("credit_console.show", number=found.number))


@credit_console.get("/")
@roles_required(*READERS)
def index():
    """Records, newest first; ``?q=`` finds a subject by its key, ``?kind=`` filters."""
    query = sa.select(CreditRecord).order_by(CreditRecord.id.desc())
    kind, q = request.args.get("kind", ""), (request.args.get("q") or "").strip().upper()
    if kind in {k.value for k in SubjectKind}:
        query = query.where(CreditRecord.subject_kind == SubjectKind(kind))
    if q:
        query = query.where(sa.or_(CreditRecord.subject_key == q, CreditRecord.number == q,
                                   CreditRecord.company_uscc == q))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("credit/index.html", page=page, kind=kind, q=q)


@credit_console.route("/new", methods=["GET", "POST"])
@roles_required(StaffRole.CLERK, StaffRole.OFFICER)
def new():
    form = RecordForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            _flash_errors(form)
        else:
            with refusals_flashed():
                found = operations.record(
                    form.behaviour.data, subject_key=form.subject_key.data,
                    subject_name=form.subject_name.data, facts=form.facts.data,
                    occurred_on=form.occurred_on.data, decision_number=form.decision_number.data,
                    severity=Severity(form.severity.data) if form.severity.data else None,
                    company_uscc=form.company_uscc.data or None,
                    role=Role(form.role.data) if form.role.data else None, actor=staff_actor())
                for upload in request.files.getlist("evidence"):
                    if upload.filename:
                        operations.add_evidence(found, upload.filename,
                                                upload.read(materials.max_bytes() + 1),
                                                actor=staff_actor())
                flash(f"已记录 {found.number}。Recorded.")
                return _back(found)
    return render_template("credit/new.html", form=form, behaviours=catalogue.behaviours().values(),
                           today=today())


@credit_console.get("/records/<number>")
@roles_required(*READERS)
def show(number):
    found = _record_or_404(number)
    return render_template("credit/record.html", record=found, note_form=NoteForm(),
                           action_form=ActionForm(), now=utcnow())


@credit_console.post("/records/<number>/evidence")
@roles_required(StaffRole.CLERK, StaffRole.OFFICER)
def add_evidence(number):
    found = _record_or_404(number)
    upload = request.files.get("evidence")
    if not ActionForm().validate_on_submit() or upload is None or not upload.filename:
        flash("请选择要上传的文件。Choose a file to upload.", "error")
        return _back(found)
    with refusals_flashed():
        operations.add_evidence(found, upload.filename, upload.read(materials.max_bytes() + 1),
                                actor=staff_actor())
        flash("证据已上传。Evidence added.")
    return _back(found)


@credit_console.get("/records/<number>/evidence/<int(max=2147483647):evidence_id>")
@roles_required(*READERS)
def evidence(number, evidence_id):
    found = _record_or_404(number)
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.record_id != found.id:
        abort(404)
    return Response(operations.evidence_content(item), mimetype=item.content_type, headers={
        "Content-Disposition": f"attachment; filename=evidence-{item.id}.{item.stored_name.rsplit('.', 1)[1]}",
        "Cache-Control": "no-store"})


@credit_console.post("/records/<number>/appeal")
@roles_required(StaffRole.CLERK)
def appeal(number):
    found = _record_or_404(number)
    form = NoteForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(found)
    with refusals_flashed():
        operations.uphold_appeal(found, form.note.data, actor=staff_actor())
        flash("申诉成立，记录已撤销。Appeal upheld: the record is overturned.")
    return _back(found)


@credit_console.post("/entries/<int(max=2147483647):entry_id>/review")
@roles_required(StaffRole.CLERK)
def review(entry_id):
    entry, form = db.get_or_404(ListEntry, entry_id), NoteForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        with refusals_flashed():
            operations.review(entry, form.note.data, next_review_on=form.next_review_on.data,
                              actor=staff_actor())
            flash("复核已记录。Review recorded.")
    return _back(entry.record)


@credit_console.post("/entries/<int(max=2147483647):entry_id>/correction")
@roles_required(StaffRole.CLERK)
def correction(entry_id):
    entry, form = db.get_or_404(ListEntry, entry_id), NoteForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        with refusals_flashed():
            operations.accept_correction(entry, form.note.data, actor=staff_actor())
            flash("整改通过，已移出名单。Correction accepted: off the list.")
    return _back(entry.record)


@credit_console.get("/lists")
@roles_required(*READERS)
def lists():
    """Who is on the watch list and the blacklist now, the review day soonest first."""
    now = utcnow()
    entries = db.session.scalars(sa.select(ListEntry).where(
        ListEntry.started_at <= now, sa.or_(ListEntry.ended_at.is_(None), ListEntry.ended_at > now))
        .order_by(ListEntry.list_kind, ListEntry.review_on))
    return render_template("credit/lists.html", entries=list(entries), today=today())


@credit_console.get("/grades")
@roles_required(*READERS)
def grade_list():
    period = request.args.get("period") or str(today().year - 1)
    kind = request.args.get("kind", "platform")
    kind = kind if kind in ("platform", "driver") else "platform"
    rows = db.session.scalars(sa.select(Grade).where(
        Grade.period == period, Grade.subject_kind == SubjectKind(kind))
        .order_by(Grade.score.desc(), Grade.subject_name).limit(500))
    periods = db.session.scalars(sa.select(Grade.period).distinct().order_by(Grade.period.desc()))
    return render_template("credit/grades.html", grades=list(rows), period=period, kind=kind,
                           periods=list(periods), form=GradeForm())


@credit_console.post("/grades")
@roles_required(StaffRole.CLERK, StaffRole.SUPERVISOR)
def compute_grades():
    """Grade every platform and driver for a year (``2026``) or the twelve months up to a day
    (``2026-12-06``), now."""
    form = GradeForm()
    text = (form.period.data or "").strip()
    if not form.validate_on_submit() or not PERIOD.fullmatch(text):
        flash("期间写作 2026 或 2026-12-06。Write the period as 2026 or 2026-12-06.", "error")
        return redirect(url_for("credit_console.grade_list"))
    try:
        period = grades.year(int(text)) if len(text) == 4 else grades.as_of(dt.date.fromisoformat(text))
    except ValueError:
        flash("日期无效。Not a date.", "error")
        return redirect(url_for("credit_console.grade_list"))
    if period.first > today():
        flash("该期间尚未开始。That period has not begun.", "error")
        return redirect(url_for("credit_console.grade_list"))
    stored = grades.grade_everyone(period, [SubjectKind.PLATFORM, SubjectKind.DRIVER], actor=staff_actor())
    flash(f"已评定 {len(stored)} 个主体（{period.label}）。{len(stored)} graded.")
    return redirect(url_for("credit_console.grade_list", period=period.label))


@credit_console.get("/grades/<int(max=2147483647):grade_id>")
@roles_required(*READERS)
def grade(grade_id):
    found = db.get_or_404(Grade, grade_id)
    platform = (db.session.scalar(sa.select(Platform).where(Platform.uscc == found.subject_key))
                if found.subject_kind == SubjectKind.PLATFORM else None)
    return render_template("credit/grade.html", grade=found, platform=platform)
