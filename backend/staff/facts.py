"""The facts a check stored, as the console shows them: a Chinese and English label per field.

A check's facts (``RuleResult.facts``) are what it read from the departments; a clerk reads
them as fields (``准驾车型 Licence class: C1``), not as JSON. A key without a label is shown as
it is, so a new rule's facts are never hidden.
"""

FACT_NAMES = {
    "age": "年龄 Age",
    "allowed": "允许的动力类型 Allowed power types",
    "applied_on": "申请日期 Applied on",
    "basis": "依据 Basis",
    "cap_years": "车龄上限（年）Age cap (years)",
    "categories": "记录类别 Record kinds",
    "categories_checked": "核查类别 Kinds checked",
    "category": "车辆类型 Vehicle type",
    "checked": "核查事项 Checked",
    "cycles": "记分周期 Scoring cycles",
    "decided_by": "判定 Decided by",
    "differing": "不一致事项 Differing",
    "end": "截止 End",
    "first_issued_on": "初次领证 First licensed",
    "first_registered_on": "初次登记 First registered",
    "held_certificate_before": "曾持有运输证 Held a certificate before",
    "held_for_platform": "已服务平台 Serving platform",
    "holder": "证件持有人类别 Holder",
    "hukou_region": "户籍地 Household registration",
    "inspection_valid_until": "检验有效期至 Inspection valid until",
    "keywords": "经营范围关键词 Scope keywords",
    "last_position_at": "最后定位时间 Last position at",
    "latest_valid_until": "最近保单到期 Latest policy ended",
    "legal_person": "企业法人 Legal person",
    "legal_representative": "法定代表人 Legal representative",
    "licence_class": "准驾车型 Licence class",
    "limit_years": "车龄限制（年）Age limit (years)",
    "max_seats": "座位上限 Most seats",
    "max_silence_minutes": "定位间隔上限（分钟）Longest silence (min)",
    "name": "名称 Name",
    "name_in_register": "姓名已登记 Name registered",
    "name_matches": "姓名一致 Name matches",
    "not_answered": "未答复的部门 Not answered",
    "number": "证件编号 Number",
    "owner_matches": "所有人一致 Owner matches",
    "plate": "号牌号码 Plate",
    "platform": "平台 Platform",
    "points": "记分 Points",
    "policy_number": "保单号 Policy",
    "power_type": "动力类型 Power type",
    "prefix": "号牌前缀 Plate prefix",
    "registered_name": "登记名称 Registered name",
    "seats": "核定载客 Seats",
    "silence_seconds": "距上次定位（秒）Since last position (s)",
    "start": "起始 Start",
    "status": "状态 Status",
    "use_nature": "使用性质 Use nature",
    "uscc": "统一社会信用代码 Credit code",
    "valid_until": "有效期至 Valid until",
    "vin": "车辆识别代号 VIN",
}


def _value_names() -> dict[str, dict[str, str]]:
    """The Chinese names of the codes a fact may hold, by fact key (from the rules' own tables)."""
    from backend.drivers.rules import CATEGORY_NAMES, LICENCE_STATUSES
    from backend.vehicles.rules import CATEGORIES, POWER_NAMES, USE_NATURES, VEHICLE_STATUSES
    from backend.verification.sources import DEPARTMENTS

    statuses = {code: zh for code, (zh, _) in {**VEHICLE_STATUSES, **LICENCE_STATUSES}.items()}
    statuses.update(active="有效", valid="有效")
    return {
        "status": statuses,
        "basis": {"hukou": "本市户籍", "residence_permit": "厦门市居住证"},
        "holder": {"mainland": "内地居民", "hong_kong": "香港居民", "macao": "澳门居民",
                   "taiwan": "台湾居民", "foreign": "外国人永久居留"},
        "use_nature": USE_NATURES,
        "category": {code: zh for code, (zh, _) in CATEGORIES.items()},
        "power_type": {code: zh for code, (zh, _) in POWER_NAMES.items()},
        "allowed": {code: zh for code, (zh, _) in POWER_NAMES.items()},
        "categories": {code: zh for code, (zh, _) in CATEGORY_NAMES.items()},
        "categories_checked": {code: zh for code, (zh, _) in CATEGORY_NAMES.items()},
        "not_answered": {source: zh for source, (zh, _) in DEPARTMENTS.items()},
    }


def fact_value(key: str, value):
    """A code a fact holds, by its Chinese name with the code after it (``吊销 revoked``);
    anything else as it is."""
    names = _value_names().get(key, {})
    if isinstance(value, list):
        return [fact_value(key, v) for v in value]
    if isinstance(value, str) and value in names:
        return f"{names[value]} {value}"
    return value
