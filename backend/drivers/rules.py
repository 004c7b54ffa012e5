"""Eligibility of a driver for the 网约车驾驶员证 (regulatory.md §2.1 D1–D5, §2.2, §2.3 X10–X11)."""

from __future__ import annotations

import datetime as dt

from backend.credit import refusals as credit
from backend.identity.id_numbers import Holder, birth_date_of, holder_of
from backend.licensing.rules import Context, Facts, add_years, age_on, failed, passed, rule
from backend.platforms.models import PLATFORM_IN_FORCE
from backend.vehicles.sources import PLATFORM

INTERIM = "《网络预约出租汽车经营服务管理暂行办法》"
XIAMEN = "《厦门市网络预约出租汽车经营服务管理实施细则》"
IDENTITY, POLICE = "identity.person", "police_records.records"
LICENCE, PERMIT = "driving_licence.licence", "residence_permit.permit"
# The police alerts the bureau received (backend/alerts): a source like the police's records.
ALERTS = "police_alerts.alerts"

DRIVER_RULES = ("drv.identity", "drv.licence_valid", "drv.experience", "drv.points",
                "drv.criminal", "drv.drugs_dui", "drv.residence", "drv.age", "drv.blacklist")

CATEGORY_NAMES = {
    "traffic_crime": ("交通肇事犯罪", "traffic crime"),
    "dangerous_driving": ("危险驾驶犯罪", "dangerous driving"),
    "violent_crime": ("暴力犯罪", "violent crime"),
    "drug_use": ("吸毒", "drug use"),
    "drink_driving": ("饮酒后驾驶", "drink driving"),
}

#: What a police alert may report, and the rule it fails: (Chinese, English, rule code).
ALERT_CATEGORIES = {
    **{name: (*CATEGORY_NAMES[name], "drv.criminal")
       for name in ("traffic_crime", "dangerous_driving", "violent_crime")},
    **{name: (*CATEGORY_NAMES[name], "drv.drugs_dui") for name in ("drug_use", "drink_driving")},
    "licence_revoked": ("机动车驾驶证被吊销", "driving licence revoked", "drv.licence_valid"),
    # What the regular re-check finds (backend/licensing/recheck.py), read from the sources
    # themselves rather than from alerts.
    "licence_points": ("驾驶证记满12分", "a full 12 points on the driving licence", "drv.points"),
    "identity": ("身份信息核验未通过", "the identity check failed", "drv.identity"),
    "residence": ("不再具有本市户籍或有效居住证", "no longer a Xiamen resident", "drv.residence"),
}


LICENCE_STATUSES = {"valid": ("有效", "valid"), "suspended": ("暂扣", "suspended"),
                    "revoked": ("吊销", "revoked"), "expired": ("过期", "expired")}


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


@rule("drv.identity", title=("身份信息", "Identity"), legal_basis="公安人口信息核验", needs=[IDENTITY])
def identity(facts: Facts, ctx: Context):
    person = facts.data(IDENTITY)
    if person is None:
        return failed("公安人口信息中查无此身份证号码，请核对后重新申请。",
                      "The population registry does not know this ID number.")
    if person["name"] != ctx.name:
        return failed("姓名与公安人口信息不一致，请使用身份证上的姓名。",
                      "The name does not match the population registry.")
    if person["card_reported_lost"]:
        return failed("该身份证已挂失，请先补领身份证。", "This ID card was reported lost.")
    return passed("姓名与公安人口信息一致，身份证未挂失", "The name matches the population register; "
                  "the card is not reported lost", name_matches=True)


@rule("drv.licence_valid", title=("机动车驾驶证", "Driving licence"), legal_basis=f"{INTERIM}第十四条第（一）项", needs=[LICENCE, ALERTS])
def licence_valid(facts: Facts, ctx: Context):
    licence = facts.data(LICENCE)
    if licence is None:
        return failed("车管所没有您的机动车驾驶证记录。", "No driving licence on record.")
    # A revocation the police reported stands until a licence first issued after it.
    revoked = [a["recorded_on"] for a in facts.data(ALERTS) or []
               if a["category"] == "licence_revoked" and a["recorded_on"] >= licence["first_issued_on"]]
    if revoked:
        return failed(f"公安机关通报您的驾驶证已于 {max(revoked)} 被吊销。",
                      f"The police reported the driving licence revoked on {max(revoked)}.",
                      revoked_on=max(revoked))
    allowed = ctx.config["DRIVER_LICENCE_CLASSES"]
    facts_used = {"status": licence["status"], "licence_class": licence["licence_class"],
                  "valid_until": licence["valid_until"]}
    if licence["status"] != "valid":
        zh, en = LICENCE_STATUSES.get(licence["status"], (licence["status"], licence["status"]))
        return failed(f"驾驶证状态为「{zh}」，不正常，请先到车管所处理。",
                      f"The driving licence is {en}; please settle it with the vehicle "
                      "administration first.", **facts_used)
    if _date(licence["valid_until"]) < ctx.today:
        return failed("驾驶证已超过有效期，请先换领驾驶证。", "The driving licence has expired.",
                      **facts_used)
    if licence["licence_class"] not in allowed:
        return failed(f"准驾车型 {licence['licence_class']} 不能驾驶小型载客汽车。",
                      f"Licence class {licence['licence_class']} does not cover passenger cars.",
                      **facts_used)
    return passed(f"驾驶证准驾车型 {licence['licence_class']}，有效期至 {licence['valid_until']}",
                  f"Licence class {licence['licence_class']}, valid until {licence['valid_until']}",
                  **facts_used)


@rule("drv.experience", title=("驾龄", "Driving experience"), legal_basis=f"{INTERIM}第十四条第（一）项", needs=[LICENCE])
def experience(facts: Facts, ctx: Context):
    licence = facts.data(LICENCE)
    years = ctx.config["DRIVER_MIN_EXPERIENCE_YEARS"]
    if licence is None:
        return failed(f"没有驾驶证记录，无法证明 {years} 年以上驾龄。",
                      f"No licence on record to show {years} years of driving.")
    first = _date(licence["first_issued_on"])
    enough_on = add_years(first, years)
    if ctx.today < enough_on:
        return failed(f"驾龄不满 {years} 年（初次领证 {first}），{enough_on} 起可以申请。",
                      f"Less than {years} years since the first licence ({first}); "
                      f"you may apply from {enough_on}.", first_issued_on=first.isoformat())
    return passed(f"初次领取驾驶证 {first}，驾龄满 {years} 年",
                  f"First licensed on {first}: at least {years} years of driving",
                  first_issued_on=first.isoformat())


@rule("drv.points", title=("交通违法记分", "Penalty points"), legal_basis=f"{INTERIM}第十四条第（二）项", needs=[LICENCE])
def points(facts: Facts, ctx: Context):
    licence = facts.data(LICENCE) or {"cycles": []}
    limit, count = ctx.config["DRIVER_POINTS_LIMIT"], ctx.config["DRIVER_POINTS_CYCLES"]
    started = [c for c in licence["cycles"] if _date(c["start"]) <= ctx.today]
    recent = sorted(started, key=lambda c: c["end"])[-count:]
    full = [c for c in recent if c["points"] >= limit]
    if full:
        return failed(f"最近 {count} 个记分周期内有记满 {limit} 分的记录，暂不符合条件。",
                      f"{limit} or more points in one of the last {count} scoring cycles.",
                      cycles=recent)
    return passed(f"最近 {count} 个记分周期内没有记满 {limit} 分",
                  f"No scoring cycle of the last {count} reached {limit} points", cycles=recent)


def _records_in(facts: Facts, categories: tuple[str, ...]):
    """The police's records and the alerts received (those a clerk did not dismiss)."""
    return [r for r in (facts.data(POLICE) or []) + (facts.data(ALERTS) or [])
            if r["category"] in categories]


def _records_verdict(facts: Facts, categories: tuple[str, ...]):
    hits = _records_in(facts, categories)
    if not hits:
        return passed("没有" + "、".join(CATEGORY_NAMES[c][0] for c in categories) + "记录",
                      "No record of " + ", ".join(CATEGORY_NAMES[c][1] for c in categories),
                      categories_checked=list(categories))
    names = sorted({r["category"] for r in hits})
    return failed("存在" + "、".join(CATEGORY_NAMES[n][0] for n in names) + "记录，依法不得从事网约车服务。",
                  "Records of " + ", ".join(CATEGORY_NAMES[n][1] for n in names)
                  + " bar ride-hailing service by law.", categories=names)


@rule("drv.criminal", title=("犯罪记录", "Criminal record"), legal_basis=f"{INTERIM}第十四条第（二）、（三）项", needs=[POLICE, ALERTS])
def criminal(facts: Facts, ctx: Context):
    return _records_verdict(facts, ("traffic_crime", "dangerous_driving", "violent_crime"))


@rule("drv.drugs_dui", title=("吸毒与饮酒后驾驶记录", "Drug use and drink driving"), legal_basis=f"{INTERIM}第十四条第（二）项", needs=[POLICE, ALERTS])
def drugs_dui(facts: Facts, ctx: Context):
    return _records_verdict(facts, ("drug_use", "drink_driving"))


NOT_RESIDENT = {
    Holder.MAINLAND: ("需要厦门市户籍或有效的厦门市居住证。请先办理居住证后再申请。",
                      "Xiamen household registration or a valid Xiamen residence permit is "
                      "required."),
    **dict.fromkeys((Holder.HONG_KONG, Holder.MACAO, Holder.TAIWAN), (
        "港澳台居民没有内地户籍，本项条件要求有效的厦门市居住证（港澳台居民居住证须在厦门办理），"
        "公安机关没有您的有效记录。请先在厦门办理居住证后再申请。",
        "Residents of Hong Kong, Macao and Taiwan have no mainland household registration, so "
        "a valid residence permit issued in Xiamen is required, and the police have none for "
        "you. Please get one in Xiamen first.")),
    Holder.FOREIGN: (
        "外国人永久居留身份证持有人没有户籍，本项条件要求有效的厦门市居住证，公安机关没有您的有效记录。"
        "如有疑问，请到服务窗口咨询。",
        "Holders of a foreigner's permanent residence card have no household registration, so "
        "a valid Xiamen residence permit is required, and the police have none for you. Please "
        "ask at a service counter."),
}


@rule("drv.residence", title=("本市户籍或居住证", "Xiamen residence"), legal_basis=f"{XIAMEN}（户籍或居住证）", needs=[IDENTITY, PERMIT])
def residence(facts: Facts, ctx: Context):
    """Household registration (户籍) exists for mainland residents alone; a residence permit
    (居住证, or the HK/Macao/Taiwan residents' one) counts for anybody the police register
    as living in Xiamen."""
    prefix = ctx.config["DRIVER_LOCAL_REGION_PREFIX"]
    holder = holder_of(ctx.id_number)
    region = (facts.data(IDENTITY) or {}).get("hukou_region") or ""
    if holder is Holder.MAINLAND and region.startswith(prefix):
        return passed("本市户籍", "Household registration in Xiamen", basis="hukou",
                      hukou_region=region)
    permit = facts.data(PERMIT)
    if permit and (permit.get("city_code") or "").startswith(prefix) \
            and _date(permit["valid_until"]) >= ctx.today:
        return passed(f"厦门市居住证，有效期至 {permit['valid_until']}",
                      f"Xiamen residence permit valid until {permit['valid_until']}",
                      basis="residence_permit", valid_until=permit["valid_until"])
    return failed(*NOT_RESIDENT[holder], holder=holder.value)


@rule("drv.age", title=("年龄", "Age"), legal_basis=f"{XIAMEN}（年龄条件）")
def age(facts: Facts, ctx: Context):
    years = age_on(birth_date_of(ctx.id_number), ctx.today)
    low, high = ctx.config["DRIVER_MIN_AGE"], ctx.config["DRIVER_MAX_AGE"]
    if years < low:
        return failed(f"申请人须年满 {low} 周岁。", f"Applicants must be at least {low}.", age=years)
    if years >= high:
        return failed(f"申请人须未满 {high} 周岁。", f"Applicants must be under {high}.", age=years)
    return passed(f"{years} 周岁，在 {low} 至 {high} 周岁之间", f"Aged {years}, from {low} and under {high}",
                  age=years)


# -- a change of the certificate (变更): each changed particular checked where it is held ---------

DRIVER_LAW = "《出租汽车驾驶员从业资格管理规定》"
#: The rule that checks each changed particular; an address is proved by the material alone.
CHANGE_RULES = {"name": "drv.change_name", "platform": "drv.change_platform"}


@rule("drv.change_name", title=("姓名变更", "New name"), legal_basis=f"{DRIVER_LAW}（变更）；公安人口信息核验", needs=[IDENTITY])
def change_name(facts: Facts, ctx: Context):
    """The new name is the one the police's population register now holds for the ID number."""
    person, new_name = facts.data(IDENTITY), ctx.inputs["changes"]["name"]
    if person is None:
        return failed("公安人口信息中查无此身份证号码，无法核实姓名变更。",
                      "The population registry does not know this ID number.")
    if person["card_reported_lost"]:
        return failed("该身份证已挂失，请先补领身份证。", "This ID card was reported lost.")
    if "".join(person["name"].split()) != "".join(new_name.split()):
        return failed(f"公安人口信息中的姓名尚未变更为「{new_name}」。请先到户籍所在地公安机关办理姓名变更，"
                      "再申请变更驾驶员证。",
                      f"The population registry does not have the name {new_name} yet. Change "
                      "the name with the police first, then apply again.")
    return passed(f"公安人口信息中的姓名已为「{new_name}」", f"The population register has the name {new_name}",
                  name_in_register=True)


@rule("drv.change_platform", title=("服务单位变更", "New service company"), legal_basis=f"{DRIVER_LAW}（变更）；{XIAMEN}（平台须取得本市经营许可）",
      needs=[PLATFORM])
def change_platform(facts: Facts, ctx: Context):
    """The new service company is in Xiamen's platform register with a licence in force."""
    platform, code = facts.data(PLATFORM), ctx.inputs["changes"]["platform"]
    if platform is None:
        return failed(f"服务单位「{code}」不在厦门市网约车平台公司许可名录中，请选择已取得许可的平台。",
                      f"The platform {code} is not in Xiamen's register of licensed platforms.",
                      platform=code)
    used = {"platform": code, "status": platform["status"], "valid_until": platform["valid_until"]}
    if platform["status"] not in PLATFORM_IN_FORCE or _date(platform["valid_until"]) < ctx.today:
        return failed(f"平台「{platform['name']}」的网约车经营许可不在有效状态（有效期至 "
                      f"{platform['valid_until']}），不能作为服务单位。",
                      f"The platform {platform['name']} holds no licence in force (valid until "
                      f"{platform['valid_until']}).", **used)
    return passed(f"平台「{platform['name']}」持有有效的网约车经营许可（至 {platform['valid_until']}）",
                  f"{platform['name']} holds a licence in force (until {platform['valid_until']})",
                  **used)


def change_questions(id_number: str, changes: dict):
    from backend.verification.sources import Question

    questions = []
    if "name" in changes:
        questions.append(Question("identity", "person", {"id_number": id_number}))
    if "platform" in changes:
        questions.append(Question("platforms", "licence", {"code": changes["platform"]}))
    return questions


def driver_questions(id_number: str):
    from backend.verification.sources import Question

    return [Question("identity", "person", {"id_number": id_number}),
            Question("police_records", "records", {"id_number": id_number}),
            Question("police_alerts", "alerts", {"id_number": id_number}),
            Question("driving_licence", "licence", {"id_number": id_number}),
            Question("residence_permit", "permit", {"id_number": id_number}),
            Question("credit", "entries", {"kind": "person", "key": id_number})]


@rule("drv.blacklist", title=("失信黑名单", "Blacklist"), legal_basis=credit.NOTICE, needs=[credit.ENTRIES])
def blacklist(facts: Facts, ctx: Context):
    """Not on the 黑名单 (the lists: ``backend.credit``); a refusal names the entry."""
    return credit.verdict(facts, credit.ENTRIES, "申请人", "The applicant is")
