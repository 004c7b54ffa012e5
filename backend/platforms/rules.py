"""What the other departments must confirm about a platform company (regulatory.md §2.1,
P1 and P8): its registration with market regulation (市场监管), that it is an enterprise legal
person whose business scope covers ride-hailing, and who its legal representative is.

A company the register does not know fails every rule that reads the register: none of them
can be shown to hold. A register that does not answer makes them ``unknown`` (the engine).
"""

from __future__ import annotations

from backend.credit import refusals as credit
from backend.licensing.rules import Context, Facts, failed, passed, rule
from backend.platforms.sources import COMPANY, IDENTITY

INTERIM = "《网络预约出租汽车经营服务管理暂行办法》"
# Register states in which a company exists and may trade (市场监管's wording, and English).
IN_FORCE = frozenset({"存续", "在业", "开业", "active"})

ISSUE_RULES = ("plat.registered", "plat.legal_person", "plat.scope", "plat.legal_representative",
               "plat.blacklist")
CHANGE_RULES = ("plat.registered", "plat.change_registered", "plat.blacklist")

NOT_REGISTERED = ("市场监管部门没有该统一社会信用代码的登记记录，请核对后再申请。",
                  "The market-regulation register does not know this credit code.")


@rule("plat.registered", title=("企业登记", "Company registration"), legal_basis=f"{INTERIM}第五条、第六条（营业执照）", needs=[COMPANY])
def registered(facts: Facts, ctx: Context):
    company = facts.data(COMPANY)
    if company is None:
        return failed(*NOT_REGISTERED, uscc=ctx.inputs["uscc"])
    if company["status"] not in IN_FORCE:
        return failed(f"市场监管登记状态为「{company['status']}」，不是存续（在业）状态，不能申请。",
                      f"The company is registered as '{company['status']}', not trading.",
                      status=company["status"])
    if company["name"] != ctx.inputs["company_name"]:
        return failed(f"市场监管登记的企业名称为「{company['name']}」，与登录的企业名称不一致；"
                      "如已更名，请先在 i厦门 更新企业信息。",
                      "The registered name differs from the company's sign-in name.",
                      registered_name=company["name"])
    return passed(f"市场监管登记为「{company['name']}」，状态{company['status']}",
                  f"Registered as {company['name']}, trading", name=company["name"],
                  status=company["status"])


@rule("plat.legal_person", title=("企业法人资格", "Enterprise legal person"), legal_basis=f"{INTERIM}第五条第一项（具有企业法人资格）",
      needs=[COMPANY])
def legal_person(facts: Facts, ctx: Context):
    company = facts.data(COMPANY)
    if company is None:
        return failed(*NOT_REGISTERED)
    if not company["legal_person"]:
        return failed("申请人须具有企业法人资格（分支机构请由其总公司申请）。",
                      "The applicant must be an enterprise legal person (a branch applies "
                      "through its head company).", legal_person=False)
    return passed("具有企业法人资格", "An enterprise legal person", legal_person=True)


@rule("plat.scope", title=("经营范围", "Business scope"), legal_basis=f"{INTERIM}第五条、第六条（经营范围）", needs=[COMPANY])
def scope(facts: Facts, ctx: Context):
    company = facts.data(COMPANY)
    if company is None:
        return failed(*NOT_REGISTERED)
    keywords = ctx.config["PLATFORM_SCOPE_KEYWORDS"]
    if not any(word in company["business_scope"] for word in keywords):
        return failed("登记的经营范围不含网络预约出租汽车经营，请先办理经营范围变更登记。",
                      "The registered business scope does not include ride-hailing; change "
                      "it with market regulation first.", keywords=keywords)
    found = [word for word in keywords if word in company["business_scope"]]
    return passed(f"经营范围含「{found[0]}」", f"The business scope includes {found[0]}",
                  keywords=found)


@rule("plat.legal_representative", title=("法定代表人", "Legal representative"),
      legal_basis=f"{INTERIM}第六条第二项（负责人身份证明）",
      needs=[COMPANY, IDENTITY])
def legal_representative(facts: Facts, ctx: Context):
    company, person = facts.data(COMPANY), facts.data(IDENTITY)
    if company is None:
        return failed(*NOT_REGISTERED)
    if company["legal_representative_id_number"] != ctx.inputs["legal_representative_id_number"]:
        return failed("填写的法定代表人身份证号码与市场监管登记的不一致，请核对。",
                      "The legal representative's ID number differs from the register's.")
    if person is None or person["name"] != company["legal_representative"]:
        return failed("公安部门的身份信息与登记的法定代表人姓名不一致，请核对。",
                      "The identity registry does not confirm the legal representative.")
    if person["card_reported_lost"]:
        return failed("法定代表人的身份证已挂失，请补办后再申请。",
                      "The legal representative's ID card is reported lost.")
    return passed("法定代表人身份与市场监管登记、公安人口信息一致",
                  "The legal representative matches the company and population registers",
                  legal_representative=company["legal_representative"])


CHANGE_FIELDS = {"name": ("name", "企业名称", "name"),
                 "address": ("address", "住所", "address"),
                 "legal_representative": ("legal_representative", "法定代表人",
                                          "legal representative")}


@rule("plat.change_registered", title=("变更已登记", "Change registered"), legal_basis=f"{INTERIM}第九条（变更许可事项）", needs=[COMPANY])
def change_registered(facts: Facts, ctx: Context):
    """Each change of a registered particular must already be registered with market
    regulation (the licence follows the register, never leads it)."""
    company = facts.data(COMPANY)
    if company is None:
        return failed(*NOT_REGISTERED)
    changes = ctx.inputs["changes"]
    differing = [field for field, (column, _zh, _en) in CHANGE_FIELDS.items()
                 if field in changes and changes[field] != company[column]]
    if differing:
        zh = "、".join(CHANGE_FIELDS[f][1] for f in differing)
        en = ", ".join(CHANGE_FIELDS[f][2] for f in differing)
        return failed(f"变更后的{zh}与市场监管登记的不一致，请先办理工商变更登记。",
                      f"The new {en} is not what market regulation has registered; register "
                      "the change there first.", differing=differing)
    checked = [f for f in CHANGE_FIELDS if f in changes]
    return passed("变更事项与市场监管登记一致" if checked else "没有须在市场监管登记的变更事项",
                  "The changes match the company register" if checked
                  else "No change needs registering with market regulation", checked=checked)


@rule("plat.blacklist", title=("失信黑名单（公司及负责人）", "Blacklist (company and its managers)"), legal_basis=credit.NOTICE, needs=[credit.COMPANY])
def blacklist(facts: Facts, ctx: Context):
    """Neither the company nor its legal representative or main responsible person is on the
    黑名单 (``backend.credit``); a refusal names the entry."""
    return credit.company_verdict(facts)
