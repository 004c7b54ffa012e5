"""What a licensing rule says when the blacklist bars an application: the entry named (record,
behaviour, decision document, since, review day) and what to do. Light on purpose: the
domains' rule modules import it."""

from __future__ import annotations

from backend.licensing.rules import Facts, Verdict, failed, passed

ENTRIES, COMPANY = "credit.entries", "credit.company"
NOTICE = ("《关于加强和规范出租汽车行业失信联合惩戒对象名单管理工作的通知》（交通运输部，2018）；"
          "《网络预约出租汽车经营服务管理暂行办法》")
ROLE_NAMES = {"legal_representative": ("法定代表人", "legal representative"),
              "main_responsible": ("主要负责人", "main responsible person"),
              "directly_responsible": ("直接责任人", "directly responsible person")}


def refusal(entry: dict, whose: str, whose_en: str) -> Verdict:
    document = entry["decision_number"] or entry["record"]
    return failed(
        f"{whose}因失信行为「{entry['behaviour_name']}」（记录 {entry['record']}，决定书 "
        f"{document}）自 {entry['started_on']} 起列入黑名单，复核日 {entry['review_on']}；"
        "名单期间不予许可。如已整改或对记录有异议，请向市交通运输局申请复核或申诉。",
        f"{whose_en} on the blacklist since {entry['started_on']} for behaviour "
        f"{entry['behaviour']} (record {entry['record']}, decision {document}; review on "
        f"{entry['review_on']}); no licence while listed. Ask the bureau for a review or appeal.",
        record=entry["record"], behaviour=entry["behaviour"], review_on=entry["review_on"])


def listed(facts: Facts, key: str) -> list[dict]:
    return (facts.data(key) or {"entries": []})["entries"]


def verdict(facts: Facts, key: str, whose: str, whose_en: str) -> Verdict:
    """Pass unless the answer names a blacklist entry in force."""
    entries = listed(facts, key)
    if entries:
        return refusal(entries[0], whose, whose_en)
    return passed(f"{whose}不在失信黑名单上", f"{whose_en} not on the blacklist", blacklisted=False)


def company_verdict(facts: Facts) -> Verdict:
    """The company's own entry, or its legal representative's or main responsible person's."""
    entries = listed(facts, COMPANY)
    if not entries:
        return passed("公司及其法定代表人、主要负责人均不在失信黑名单上",
                      "Neither the company nor its legal representative or main responsible "
                      "person is on the blacklist", blacklisted=False)
    entry = entries[0]
    if entry["subject_kind"] == "platform":
        return refusal(entry, "贵公司", "The company is")
    zh, en = ROLE_NAMES.get(entry["role"] or "", ("法定代表人", "legal representative"))
    return refusal(entry, f"贵公司{zh}", f"The company's {en} is")
