"""The platform company licence (网约车平台公司经营许可) and its change, applied for by a
company signed in as one (``mobile_api.auth``).

``platform-licence-issue`` goes through four steps, each shown to the applicant with the
statutory deadline (20 working days, ``backend.licensing.deadlines``):

1. **checks** — the market-regulation register and the identity registry (``rules.ISSUE_RULES``);
   a failure refuses at once, a silent department sends it to a clerk;
2. **offline review** — a clerk reviews the offline-capability materials (service locations,
   management rules) and approves, which sends the online-capability materials on:
3. **province** — the province certifies the online capability or not, with reasons
   (``backend.platforms.province``: its HTTP endpoint with a signed callback, or the console's
   provincial queue);
4. **decision** — the city grants (the licence is issued and the company enters the platform
   register) or refuses, stating reasons and how to appeal.

Each clerk's approval calls the handler's ``approve`` (``licensing.decide``), which moves the
application one step on; ``LicenceCase`` keeps where it is. ``platform-licence-change`` is
decided by a clerk on the spot once the register confirms each change: a new version of the
licence replaces the old one.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app

from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind, Status
from backend.common.counters import next_value
from backend.common.text import Text
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Company
from backend.identity.schemas import IdNumberField
from backend.licensing import operations as licensing
from backend.licensing.models import Application, State
from backend.licensing.rules import add_years
from backend.mailing.operations import queue_item
from backend.materials import operations as materials
from backend.matters.registry import Applicant, Channel, Handler, handles
from backend.platforms import province, register, rules
from backend.platforms.models import LicenceCase, ProvinceResult, Stage
from backend.platforms.sources import (
    COMPANY,
    company_question,
    credit_question,
    legal_representative_question,
)
from backend.vehicles.operations import transport_certificate_number as numbered
from backend.verification.sources import Question, ask_all
from backend.verification.sources import Status as SourceStatus

NUMBER_COUNTER = "platform_licence"
SCOPE, AREA = "网络预约出租汽车客运", "厦门市"
APP_ONLY = (Channel.APP,)  # (no counter or kiosk form for companies yet)

# What the law asks that no department holds (regulatory.md §2.1 P5–P8), by the name a file
# is submitted under.
ISSUE_MATERIALS = {
    "application_form": ("网络预约出租汽车经营申请表", "application form"),
    "online_capability": ("线上服务能力材料（服务器设在境内、网络安全管理制度和技术措施等）",
                          "online service capability (servers in mainland China, network "
                          "security rules and measures)"),
    "data_access_commitment": ("接入部级和城市监管平台的数据接入承诺",
                               "commitment to connect to the ministry's and the city's "
                               "supervision platforms"),
    "service_locations": ("线下服务能力材料（服务机构的经营场所、负责人和管理人员）",
                          "offline service capability (local offices, responsible person, "
                          "managers)"),
    "management_rules": ("经营管理制度、安全生产管理制度和服务质量保障制度",
                         "operating, safety and service-quality rules"),
}
OPTIONAL_MATERIALS = {
    "payment_agreement": ("支付结算服务协议（使用电子支付的）", "payment settlement agreement"),
    "power_of_attorney": ("经办人授权委托书", "agent's power of attorney"),
}
CHANGE_MATERIALS = {"change_application": ("变更申请表及相关证明材料", "change request and proof")}

APPEAL = ("如不服本决定，可以自知道该决定之日起六十日内向厦门市人民政府申请行政复议，"
          "或者自知道该决定之日起六个月内依法向人民法院提起行政诉讼。")
APPEAL_EN = ("You may apply for administrative reconsideration to the Xiamen Municipal People's "
             "Government within 60 days of learning of this decision, or bring an "
             "administrative lawsuit before a people's court within six months.")


# -- the request ------------------------------------------------------------------------------

class LicenceRequestSchema(ma.Schema):
    """``licence`` in a ``platform-licence-issue`` request."""

    legal_representative_id_number = IdNumberField(required=True)
    service_locations = ma.fields.List(Text(validate=ma.validate.Length(min=1, max=200)),
                                       required=True, validate=ma.validate.Length(min=1, max=20))


class ChangeSchema(ma.Schema):
    """``changes`` in a ``platform-licence-change`` request: at least one."""

    name = Text(validate=ma.validate.Length(min=1, max=200))
    address = Text(validate=ma.validate.Length(min=1, max=300))
    legal_representative = Text(validate=ma.validate.Length(min=1, max=100))
    service_locations = ma.fields.List(Text(validate=ma.validate.Length(min=1, max=200)),
                                       validate=ma.validate.Length(min=1, max=20))

    @ma.validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("请至少填写一项变更内容。Name at least one change.", "_schema")


def _loaded(schema: ma.Schema, value, field: str) -> dict:
    try:
        return schema.load(value if isinstance(value, dict) else {})
    except ma.ValidationError as error:
        raise ApiError(422, errors={"json": {field: error.messages}}) from None


def _materials(company: Company, named: dict, required: dict, optional: dict) -> dict:
    """The named materials, every required one present and none unknown (422 lists them all)."""
    problems = {name: [f"请上传「{zh}」。Upload the {en}."]
                for name, (zh, en) in required.items() if name not in named}
    problems |= {name: ["不需要这份材料。Not a material of this matter."]
                 for name in named if name not in required and name not in optional}
    if problems:
        raise ApiError(422, "申请材料不全或有误，请按提示补充后再提交。",
                       "Materials are missing or unknown; complete them and submit again.",
                       errors={"json": {"materials": problems}})
    return materials.described(company, named)


def _mailing_address(body: dict) -> dict | None:
    return body.get("mailing_address")


# -- reading ------------------------------------------------------------------------------------

def case_of(application: Application) -> LicenceCase | None:
    """Where the application is inside the bureau (None before the checks first passed)."""
    if application.id is None:
        return None
    return db.session.scalar(sa.select(LicenceCase)
                             .where(LicenceCase.application_id == application.id))


def _case_for(application: Application) -> LicenceCase:
    case = case_of(application)
    if case is None:
        case = LicenceCase(application=application, stage=Stage.CHECKS)
        db.session.add(case)
    return case


def licence_of(company: Company) -> Certificate | None:
    """The company's platform licence in force today."""
    certificate = db.session.scalar(
        sa.select(Certificate).where(Certificate.company_id == company.id,
                                     Certificate.kind == Kind.PLATFORM,
                                     Certificate.status == Status.VALID)
        .order_by(Certificate.version.desc()).limit(1))
    if certificate and certificate.effective_status(licensing.today()) == Status.VALID:
        return certificate
    return None


def _registered_company(application: Application, actor: str) -> dict:
    """The market-regulation register's record now (for what the licence prints)."""
    answer = ask_all([company_question(application.inputs["uscc"])], requester=actor,
                     purpose=application)[COMPANY]
    if answer.status != SourceStatus.FOUND:
        raise ApiError(503, "暂时无法从市场监管部门取得企业登记信息，请稍后再试。",
                       "The market-regulation register cannot be asked right now; try later.")
    return answer.data


# -- platform-licence-issue -----------------------------------------------------------------------

@handles("platform-licence-issue", rules=rules.ISSUE_RULES, channels=APP_ONLY,
         applicant=Applicant.COMPANY, mailed=True)
class PlatformLicenceIssue(Handler):
    def precondition(self, company: Company) -> None:
        if (held := licence_of(company)) is not None:
            raise ApiError(409, f"贵公司已持有有效的网络预约出租汽车经营许可证（{held.number}），"
                           "无需重复申请；事项变更请申请「网约车平台公司经营许可变更」。",
                           f"The company already holds a valid licence ({held.number}).")

    def prepare(self, company: Company, body: dict) -> dict:
        self.precondition(company)
        licence = _loaded(LicenceRequestSchema(), body.get("licence"), "licence")
        return {"uscc": company.uscc, "company_name": company.name, **licence,
                "materials": _materials(company, body.get("materials") or {},
                                        ISSUE_MATERIALS, OPTIONAL_MATERIALS),
                "mailing_address": _mailing_address(body)}

    def questions(self, application: Application) -> list[Question]:
        inputs = application.inputs
        return [company_question(inputs["uscc"]),
                legal_representative_question(inputs["legal_representative_id_number"]),
                credit_question(inputs["uscc"], inputs["legal_representative_id_number"])]

    def approve(self, application: Application, actor: str) -> None:
        """One step on: the checks passed (or a clerk confirmed them) → the offline review;
        the clerk approved the offline materials → the province; the province answered → the
        licence."""
        case = _case_for(application)
        if application.state == State.CHECKING and case.stage != Stage.CHECKS:
            raise ApiError(409, "此阶段不能重新核验。", "The checks cannot be re-run at this step.")
        if case.stage == Stage.CHECKS:
            case.stage = Stage.OFFLINE_REVIEW
            licensing.transition(application, State.AWAITING_REVIEW, actor=actor,
                                 reason="联网核验通过，申请已受理，待审查线下服务能力材料")
        elif case.stage == Stage.OFFLINE_REVIEW:
            case.offline_reviewed_at, case.offline_reviewed_by = utcnow(), actor
            province.send(case, actor=actor)
        elif case.stage == Stage.DECISION:
            grant(application, case, actor)
        else:
            raise ApiError(409, "该办件正在等待省厅认定，不能在此作出决定。",
                           "The application is waiting for the province.")

    def progress(self, application: Application) -> dict:
        return licence_progress(application, case_of(application))


def grant(application: Application, case: LicenceCase, actor: str) -> Certificate:
    """Grant the licence: number it, enter the company in the platform register, issue the
    certificate and queue it for the post."""
    if case.province_result != ProvinceResult.CERTIFIED:
        raise ApiError(422, "福建省交通运输厅未认定该企业具备线上服务能力，不能许可；请驳回并写明理由。",
                       "The province did not certify the online capability: refuse, with reasons.")
    company, registered = application.company, _registered_company(application, actor)
    config = current_app.config
    starts = licensing.today()
    ends = add_years(starts, config["PLATFORM_LICENCE_VALID_YEARS"]) - dt.timedelta(days=1)
    number = numbered(next_value(NUMBER_COUNTER), config["PLATFORM_LICENCE_NUMBER_PATTERN"])
    licensing.transition(application, State.APPROVED, actor=actor)
    platform = register.enter_register(uscc=company.uscc, name=registered["name"],
                                       licence_number=number, licensed_from=starts,
                                       valid_until=ends, actor=actor)
    details = {"name": registered["name"], "uscc": company.uscc, "address": registered["address"],
               "legal_representative": registered["legal_representative"],
               "service_locations": application.inputs["service_locations"],
               "scope": SCOPE, "area": AREA}
    certificate = _issue(application, number, starts, ends, details, platform.code, actor)
    case.stage = Stage.DONE
    return certificate


def _issue(application: Application, number: str, starts: dt.date, ends: dt.date, details: dict,
           platform_code: str, actor: str, previous: Certificate | None = None) -> Certificate:
    certificate = certificates.issue(
        kind=Kind.PLATFORM, number=number, holder=application.applicant, valid_from=starts,
        valid_until=ends, actor=actor, previous=previous, company=application.company,
        platform_code=platform_code, details=details)
    application.certificate = certificate
    if application.mailing_address:
        queue_item(certificate, application, actor=actor)
    licensing.transition(application, State.ISSUED, actor=actor,
                         reason=f"已核发网络预约出租汽车经营许可证 {number}")
    return certificate


# -- what the applicant sees ----------------------------------------------------------------------

STEPS = (
    (Stage.CHECKS, "联网核验（市场监管、公安）", "Checks with market regulation and the police",
     "厦门市交通运输局"),
    (Stage.OFFLINE_REVIEW, "线下服务能力审查", "Review of the offline service capability",
     "厦门市交通运输局"),
    (Stage.PROVINCE, "线上服务能力认定", "Certification of the online service capability",
     "福建省交通运输厅"),
    (Stage.DECISION, "许可决定", "Decision", "厦门市交通运输局"),
)
ORDER = [stage for stage, *_ in STEPS] + [Stage.DONE]


def licence_progress(application: Application, case: LicenceCase | None) -> dict:
    """Each step with its state (done, current, pending, refused), the province's answer,
    and, once refused, how to appeal."""
    current = case.stage if case else Stage.CHECKS
    refused = application.state == State.REJECTED
    steps = []
    for stage, name, name_en, authority in STEPS:
        if ORDER.index(stage) < ORDER.index(current):
            status = "done"
        elif stage == current:
            status = "refused" if refused else "current"
        else:
            status = "pending"
        step = {"step": stage.value, "name": name, "name_en": name_en, "authority": authority,
                "status": status}
        if stage == Stage.PROVINCE and case and case.province_result:
            step |= {"result": case.province_result.value, "reasons": case.province_reasons,
                     "answered_at": case.answered_at.isoformat()}
        steps.append(step)
    appeal = {"appeal": APPEAL, "appeal_en": APPEAL_EN} if refused else {}
    return {"steps": steps, **appeal}


# -- platform-licence-change ----------------------------------------------------------------------

@handles("platform-licence-change", rules=rules.CHANGE_RULES, channels=APP_ONLY,
         applicant=Applicant.COMPANY, mailed=True)
class PlatformLicenceChange(Handler):
    """Decided by a clerk on the spot (即办) once the register confirms every change."""

    def precondition(self, company: Company) -> None:
        _require_licence(company)

    def prepare(self, company: Company, body: dict) -> dict:
        licence = _require_licence(company)
        changes = _loaded(ChangeSchema(), body.get("changes"), "changes")
        return {"uscc": company.uscc, "company_name": company.name, "certificate_id": licence.id,
                "changes": changes,
                "materials": _materials(company, body.get("materials") or {}, CHANGE_MATERIALS, {}),
                "mailing_address": _mailing_address(body)}

    def questions(self, application: Application) -> list[Question]:
        return [company_question(application.inputs["uscc"]),
                credit_question(application.inputs["uscc"])]

    def approve(self, application: Application, actor: str) -> None:
        """The checks passed: to the clerk at the counter. The clerk approved: the new version."""
        if application.state == State.CHECKING:
            licensing.transition(application, State.AWAITING_REVIEW, actor=actor,
                                 reason="变更事项与市场监管登记一致，待窗口工作人员当场办理")
            return
        previous = db.session.get(Certificate, application.inputs["certificate_id"])
        if previous.effective_status(licensing.today()) != Status.VALID:
            raise ApiError(409, f"许可证 {previous.number} 已不在有效状态，不能变更。",
                           f"Licence {previous.number} is no longer valid.")
        changes = application.inputs["changes"]
        details = {**(previous.details or {}), **changes}
        licensing.transition(application, State.APPROVED, actor=actor)
        platform = register.platform_of(application.inputs["uscc"])
        if platform is not None and "name" in changes and platform.name != changes["name"]:
            register.rename(platform, changes["name"], actor=actor)
        _issue(application, previous.number, previous.valid_from, previous.valid_until, details,
               previous.platform_code, actor, previous=previous)


def _require_licence(company: Company) -> Certificate:
    licence = licence_of(company)
    if licence is None:
        raise ApiError(409, "贵公司目前没有有效的网络预约出租汽车经营许可证，无法办理变更。",
                       "The company holds no valid platform licence to change.")
    return licence
