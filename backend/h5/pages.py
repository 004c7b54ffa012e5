"""The signed-in H5 pages: the app's handoff, a driver's and a company's own pages.

Each view is what the app's API does for the same thing (``mobile_api``), answered as a page:
the same operations, the same refusals (shown on the page, with the request rolled back), the
same rule that another person's application or certificate is 404.
"""

from __future__ import annotations

import re
import uuid
from io import BytesIO

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from markupsafe import Markup

from backend.alerts import operations as alerts
from backend.alerts.models import State as SuspensionState
from backend.alerts.models import Suspension
from backend.alerts.schemas import ObjectionRequestSchema
from backend.certificates import operations as certificates
from backend.certificates.models import Status
from backend.certificates.qr import QUIET_ZONE, dark_runs, qr_modules
from backend.db import db
from backend.drivers.schemas import CHANGE_NAMES, MATERIALS
from backend.errors import ApiError
from backend.extensions import csrf
from backend.h5 import forms, layout
from backend.h5 import session as h5_session
from backend.h5.layout import field_errors, refused
from backend.h5.regions import fujian_cities
from backend.h5.text import (
    APPEAL,
    LANGUAGES,
    NEXT_STEPS,
    t,
)
from backend.hotline import operations as hotline
from backend.hotline.console import STATE_LABELS as TICKET_STATES
from backend.hotline.console import SUBJECT_LABELS
from backend.hotline.models import (
    KIND_LABELS,
    SATISFACTION_LABELS,
    Satisfaction,
    Ticket,
    TicketChannel,
)
from backend.licensing.deadlines import deadline_of
from backend.licensing.models import Application
from backend.licensing.operations import (
    application_for,
    applications_of,
    latest_results,
    submit,
    today,
)
from backend.licensing.replacement import REISSUE_REASONS
from backend.materials import operations as materials
from backend.matters.models import Matter
from backend.matters.operations import get_matter
from backend.matters.registry import Applicant, Channel, handler_for, matters_on, why_not
from backend.platforms.register import licensed_platforms, platform_of
from backend.ratings import operations as ratings
from backend.ratings.models import ONLINE_ITEMS, RatingLevel, ServiceRating
from backend.supervision.models import IntakeCredential

h5 = layout.blueprint("h5", __name__)
TICKET_NUMBER = re.compile(r"12328-[0-9]{8}-[0-9]{4,8}")
signed_in_required, person_required = h5_session.signed_in_required, h5_session.person_required


# -- the handoff ---------------------------------------------------------------------------------

def _dev_mode() -> bool:
    return current_app.config["IDP_MODE"] == "dev"


@h5.get("/")
def entry():
    """Where the app opens the service (with ``#assertion=…``, read by ``static/h5.js``).
    Never a redirect, even when signed in: a redirect would keep the fragment and drop it, and
    the app's new assertion (another person on the phone) must replace the old session."""
    return render_template("h5/entry.html", expired=bool(request.args.get("expired")),
                           dev=_dev_mode())


@h5.post("/session")
def handoff():
    try:
        h5_session.hand_over(request.form.get("assertion", "").strip())
    except ApiError as error:
        h5_session.sign_out()
        return refused("h5/entry.html", error, dev=_dev_mode())
    return redirect(url_for(".home"), 303)


@h5.post("/sign-out")
def sign_out():
    h5_session.sign_out()
    return redirect(url_for(".entry"), 303)


@h5.post("/language")
def switch_language():
    chosen = request.form.get("to")
    if chosen in LANGUAGES:
        session["h5_lang"] = chosen
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/h5") and "//" not in back else url_for(".entry"), 303)


@h5.route("/dev", methods=["GET", "POST"])
def dev():
    """Development only: choose a demo citizen (or type one) in place of the app's sign-in."""
    if not _dev_mode():
        abort(404)
    from backend.h5 import demo

    if request.method == "POST":
        try:
            demo.sign_in(request.form)
        except ApiError as error:
            return refused("h5/dev.html", error, people=demo.people())
        return redirect(url_for(".home"), 303)
    return render_template("h5/dev.html", people=demo.people())


# -- home: what I can apply for --------------------------------------------------------------------

def _app_matters(kind: Applicant) -> list[Matter]:
    return [get_matter(code) for code in matters_on(Channel.APP)
            if handler_for(code).applicant == kind]


@h5.get("/home")
@signed_in_required
def home():
    person, company = h5_session.current()
    if company is not None:
        return render_template("h5/company.html", company=company,
                               matters=_app_matters(Applicant.COMPANY),
                               applications=_recent(applications_of(person, company), 5))
    offers = [(matter, why_not(person, matter.code)) for matter in _app_matters(Applicant.PERSON)]
    suspended = [s for s in alerts.suspensions_of(person) if s.state == SuspensionState.OPEN]
    return render_template("h5/home.html", person=person, offers=offers,
                           applications=_recent(applications_of(person), 3),
                           suspended=suspended, about=alerts.about)


def _recent(query: sa.Select, limit: int) -> list[Application]:
    return list(db.session.scalars(query.order_by(Application.id.desc()).limit(limit)))


# -- applying ---------------------------------------------------------------------------------

def _offered_to_me(code: str) -> Matter:
    handler = handler_for(code)
    if handler is None or Channel.APP not in handler.channels \
            or handler.applicant != Applicant.PERSON:
        raise ApiError(404, "没有可在此办理的该事项。", "No such matter to apply for here.")
    return get_matter(code)


def _form_context(matter: Matter) -> dict:
    person = h5_session.person()
    return {"matter": matter, "handler": handler_for(matter.code), "cities": fujian_cities(),
            "platforms": licensed_platforms(today()), "address": person.last_mailing_address or {},
            "phone": person.phone, "materials": MATERIALS, "change_names": CHANGE_NAMES,
            "plates": _my_plates(), "intake": uuid.uuid4().hex,
            "reissue_reasons": REISSUE_REASONS if matter.code.endswith("-reissue") else None,
            "refusal_now": why_not(person, matter.code)}


def _my_plates() -> list[str]:
    held = certificates.certificates_of(h5_session.person())
    return sorted({c.plate for c in held if c.plate and c.status == Status.VALID})


@h5.get("/matters/<code>")
@person_required
def matter(code):
    return render_template("h5/apply.html", form={}, errors={}, **_form_context(_offered_to_me(code)))


@h5.post("/matters/<code>")
@person_required
def apply(code):
    matter = _offered_to_me(code)
    person = h5_session.person()
    intake = request.form.get("intake", "")
    try:
        if code.endswith("-cancel") and request.form.get("confirm") != "yes":
            raise ApiError(422, "请确认您已知晓注销的后果。", "Please confirm you understand what "
                           "cancelling means.", errors={"confirm": t("请勾选确认。", "Tick to confirm.")})
        body = forms.application_body(matter, request.form)
        body.pop("matter")
        application, _ = submit(person, code, body, channel=Channel.APP, actor=h5_session.actor(),
                                idempotency_key=f"h5:{intake}" if len(intake) == 32 else None)
    except ApiError as error:
        return refused("h5/apply.html", error, form=request.form,
                       errors=field_errors(error), **_form_context(matter))
    return redirect(url_for(".application", number=application.number), 303)


# -- following my applications ---------------------------------------------------------------------

@h5.get("/applications")
@signed_in_required
def applications():
    person, company = h5_session.current()
    return render_template("h5/applications.html",
                           applications=_recent(applications_of(person, company), 100))


def _rating_of(application: Application) -> ServiceRating | None:
    return db.session.scalar(sa.select(ServiceRating)
                             .where(ServiceRating.application_id == application.id).limit(1))


@h5.get("/applications/<application_number:number>")
@signed_in_required
def application(number):
    person, company = h5_session.current()
    found = application_for(person, number, company)
    return render_template("h5/application.html", **_application_context(found))


def _application_context(application: Application) -> dict:
    mailing = application.mailing_items[-1] if application.mailing_items else None
    return {"application": application, "checks": latest_results(application),
            "next_step": NEXT_STEPS.get(application.state), "appeal": APPEAL,
            "deadline": deadline_of(application), "mailing": mailing,
            "rateable": application.state in ratings.FINISHED and h5_session.company() is None,
            "rating": _rating_of(application), "levels": list(reversed(RatingLevel)),
            "items": ONLINE_ITEMS}


@h5.post("/applications/<application_number:number>/rating")
@person_required
def rate(number):
    person = h5_session.person()
    try:
        body = forms.rating_body(request.form)
        ratings.rate_in_app(person, number, body["level"], body.get("comment"), body.get("items"))
    except ApiError as error:
        if error.code == 404:
            raise
        return refused("h5/application.html", error, errors=field_errors(error),
                       **_application_context(application_for(person, number)))
    flash(t("感谢您的评价。", "Thank you for your rating."), "ok")
    return redirect(url_for(".application", number=number), 303)


@h5.get("/ratings")
@person_required
def my_ratings():
    return render_template("h5/ratings.html", ratings=ratings.mine(h5_session.person()),
                           errors={})


@h5.post("/ratings/<int(max=2147483647):rating_id>/view")
@person_required
def give_view(rating_id):
    """My view of how a bad review was put right, when the follow-up asks for it."""
    person = h5_session.person()
    follow_up = ratings.my_follow_up(person, rating_id)
    try:
        body = forms.view_body(request.form)
        ratings.record_view(follow_up, body["satisfied"], body.get("note"), actor=h5_session.actor())
    except ApiError as error:
        return refused("h5/ratings.html", error, ratings=ratings.mine(person),
                       errors=field_errors(error))
    flash(t("已记录您的意见，谢谢。", "Your view is recorded. Thank you."), "ok")
    return redirect(url_for(".my_ratings"), 303)


# -- my certificates -----------------------------------------------------------------------------

@h5.get("/certificates")
@signed_in_required
def my_certificates():
    person, company = h5_session.current()
    return render_template("h5/certificates.html", today=certificates.china_today(),
                           certificates=certificates.certificates_of(person, company),
                           status_names=certificates.STATUS_NAMES,
                           suspensions=alerts.suspensions_of(person) if company is None else [],
                           about=alerts.about, categories=alerts.CATEGORIES)


def _mine(certificate_id: int):
    person, company = h5_session.current()
    return certificates.certificate_of(person, certificate_id, company)


@h5.get("/certificates/<int(max=2147483647):certificate_id>")
@signed_in_required
def certificate(certificate_id):
    found = _mine(certificate_id)
    status = found.effective_status(certificates.china_today())
    qr = qr_svg(certificates.qr_text(found)) if status == Status.VALID else None
    suspensions = [] if h5_session.company() else [
        s for s in alerts.suspensions_of(h5_session.person()) if s.certificate_id == found.id]
    return render_template("h5/certificate.html", certificate=found, status=status, qr=qr,
                           view=certificates.certificate_view(found) if qr else None,
                           status_names=certificates.STATUS_NAMES, suspensions=suspensions)


@h5.get("/certificates/<int(max=2147483647):certificate_id>/pdf")
@signed_in_required
def certificate_pdf(certificate_id):
    found = certificates.downloadable(_mine(certificate_id))
    response = send_file(BytesIO(certificates.certificate_pdf(found)), mimetype="application/pdf",
                         as_attachment=True, download_name=certificates.pdf_filename(found))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def qr_svg(text: str) -> Markup:
    """The certificate's QR code as an SVG drawing: sharp at any size, and scanned straight off
    the phone's screen by an inspector's camera."""
    modules = qr_modules(text)
    side = len(modules) + 2 * QUIET_ZONE
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{width}v1h-{width}z"
                   for y, row in enumerate(modules) for x, width in dark_runs(row))
    label = t("证件二维码，供执法人员扫码核验", "The certificate's QR code, for an inspector to scan")
    return Markup(f'<svg class="qr" viewBox="0 0 {side} {side}" role="img" aria-label="{label}" '
                  f'shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">'
                  f'<rect width="{side}" height="{side}" fill="#fff"/>'
                  f'<path d="{path}" fill="#000"/></svg>')


# -- my suspensions and objections (陈述和申辩) ---------------------------------------------------

@h5.get("/suspensions/<int(max=2147483647):suspension_id>")
@person_required
def suspension(suspension_id):
    found = alerts.suspension_of(h5_session.person(), suspension_id)  # (anybody else's: 404)
    return render_template("h5/suspension.html", form={}, errors={}, **_suspension_context(found))


def _suspension_context(suspension: Suspension) -> dict:
    alert = suspension.alert
    rule, legal_basis = alerts.rule_of(alert.category)
    return {"s": suspension, "what": alerts.about(alert), "origin": alerts.origin(alert),
            "category": alerts.CATEGORIES[alert.category], "rule": rule,
            "legal_basis": legal_basis, "steps": alerts.history(suspension), "appeal": APPEAL,
            "closed": alerts.why_not_objectable(suspension), "max_files": alerts.OBJECTION_FILES,
            "max_mb": f"{materials.max_bytes() / (1024 * 1024):g}",
            "accept": ",".join(materials.ACCEPTED)}


OBJECTION = ObjectionRequestSchema()


@h5.post("/suspensions/<int(max=2147483647):suspension_id>/objection")
@csrf.exempt  # (checked in the view, once the upload limit is raised: the check reads the form)
@person_required
def object_to(suspension_id):
    """The objection with its files in one form; the API takes the files first, one by one."""
    person = h5_session.person()
    found = alerts.suspension_of(person, suspension_id)
    limit = materials.upload_limit(alerts.OBJECTION_FILES)
    if request.content_length is not None and request.content_length > limit:  # (not read)
        too_large = ApiError(413, f"所附文件合计超过 {limit / (1024 * 1024):.0f} MB，请压缩或减少文件后重新提交。",
                             f"The files together exceed {limit / (1024 * 1024):.0f} MB; compress "
                             "them or send fewer.")
        return refused("h5/suspension.html", too_large, form={}, errors={},
                       **_suspension_context(found))
    request.max_content_length = limit
    csrf.protect()
    uploads = [file for file in request.files.getlist("files") if file.filename]
    try:
        text = forms.checked(OBJECTION, {"text": request.form.get("text", "")})["text"]
        if len(uploads) > alerts.OBJECTION_FILES:
            raise ApiError(422, f"最多可附 {alerts.OBJECTION_FILES} 个文件。",
                           f"At most {alerts.OBJECTION_FILES} files.",
                           errors={"files": t(f"最多 {alerts.OBJECTION_FILES} 个文件。",
                                              f"{alerts.OBJECTION_FILES} files at most.")})
        alerts.require_objectable(found)
        files = [(upload.filename, _acceptable(upload)) for upload in uploads]  # (before any is kept)
        stored = [alerts.store_file(person, name, content) for name, content in files]
        alerts.object_to(person, found.id, text=text, file_ids=[f.id for f in stored])
    except ApiError as error:
        return refused("h5/suspension.html", error, form=request.form,
                       errors=field_errors(error), **_suspension_context(found))
    flash(t(f"已收到您的异议，工作人员将在 {found.decide_by} 前作出决定并通知您。",
            f"Your objection was received; a clerk decides by {found.decide_by} and will tell you."),
          "ok")
    return redirect(url_for(".suspension", suspension_id=found.id), 303)


def _acceptable(upload) -> bytes:
    """An uploaded file's bytes, once it is one an objection may carry; a refusal names it."""
    content = materials.read_upload(upload)
    try:
        alerts.acceptable_type(content)
        return content
    except ApiError as error:
        name = upload.filename[-60:]
        raise ApiError(error.code, f"“{name}”：{error.message}", f"“{name}”: {error.message_en}",
                       errors={"files": t(error.message, error.message_en)}) from None


# -- 12328: my questions and complaints -------------------------------------------------------------

def _my_tickets() -> list[Ticket]:
    mine = (sa.select(Ticket).where(Ticket.person_id == h5_session.person().id)
            .order_by(Ticket.id.desc()).limit(100))
    return list(db.session.scalars(mine))


@h5.get("/tickets")
@person_required
def tickets():
    return render_template("h5/tickets.html", tickets=_my_tickets(), kinds=KIND_LABELS,
                           states=TICKET_STATES, satisfactions=SATISFACTION_LABELS)


@h5.post("/tickets/<number>/call-back")
@person_required
def call_back(number):
    """My view of the reply (回访): dissatisfied reopens the ticket, once, to a higher level."""
    person = h5_session.person()
    if not TICKET_NUMBER.fullmatch(number):  # (a NUL could not even be compared on PostgreSQL)
        abort(404)
    ticket = hotline.ticket_for(person, number)
    try:
        body = forms.call_back_body(request.form)
        hotline.call_back(ticket, Satisfaction(body["satisfaction"]), note=body.get("note"),
                          actor=h5_session.actor())
    except ApiError as error:
        return refused("h5/tickets.html", error, tickets=_my_tickets(), kinds=KIND_LABELS,
                       states=TICKET_STATES, satisfactions=SATISFACTION_LABELS)
    flash(t("已记录您的评价，谢谢。", "Your view is recorded. Thank you."), "ok")
    return redirect(url_for(".tickets"), 303)


def _ticket_context() -> dict:
    return {"kinds": KIND_LABELS, "subjects": SUBJECT_LABELS,
            "platforms": licensed_platforms(today())}


@h5.route("/tickets/new", methods=["GET", "POST"])
@person_required
def new_ticket():
    if request.method == "GET":
        return render_template("h5/ticket_new.html", form=request.args, errors={},
                               **_ticket_context())
    person = h5_session.person()
    try:
        ticket = hotline.file_for(person, forms.ticket_body(request.form),
                                  channel=TicketChannel.APP, actor=h5_session.actor())
    except ApiError as error:
        return refused("h5/ticket_new.html", error, form=request.form,
                       errors=field_errors(error), **_ticket_context())
    flash(t(f"已受理，工单号 {ticket.number}，请在 {ticket.reply_by} 前留意答复。",
            f"Received as {ticket.number}; the answer is due by {ticket.reply_by}."), "ok")
    return redirect(url_for(".tickets"), 303)


# -- a company's data feed -------------------------------------------------------------------------

@h5.get("/company/feed")
@signed_in_required
def company_feed():
    company = h5_session.company()
    if company is None:
        raise ApiError(403, "请以企业（法人）身份登录 i厦门 后再查看。",
                       "Sign in with i厦门 as a company (legal person) for this.")
    platform = platform_of(company.uscc)
    credential = db.session.get(IntakeCredential, platform.code) if platform else None
    return render_template("h5/feed.html", company=company, platform=platform,
                           credential=credential, today=today(),
                           intake_url=f"{current_app.config['PUBLIC_BASE_URL']}/ipc/v1")
