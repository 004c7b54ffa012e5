"""Eligibility of a vehicle for the transport certificate (regulatory.md §2.1 V1–V8, §2.3 X1–X8).

Thresholds come from the configuration (``VEHICLE_*``, see ``backend/config.py``). A rule whose
source did not answer is ``unknown`` (the engine sees to that); a vehicle the registry does
not know fails every rule that reads the registry, because none of them can be shown to hold.
"""

from __future__ import annotations

import datetime as dt

from backend.certificates.models import Status
from backend.credit import refusals as credit
from backend.licensing.rules import Context, Facts, add_years, failed, passed, rule
from backend.platforms.models import PLATFORM_IN_FORCE
from backend.vehicles.sources import CERTIFICATES, GPS, INSURANCE, PLATFORM, VEHICLE, platform_name

INTERIM = "《网络预约出租汽车经营服务管理暂行办法》"
XIAMEN = "《厦门市网络预约出租汽车经营服务管理实施细则》"

VEHICLE_RULES = ("veh.registered", "veh.owner", "veh.plate_local", "veh.category_seats",
                 "veh.power", "veh.age", "veh.use_nature", "veh.inspection", "veh.insurance",
                 "veh.gps_live", "veh.platform_licensed", "veh.single_platform", "veh.blacklist")

POWER_NAMES = {"BEV": ("纯电动", "battery electric"),
               "PHEV": ("插电式混合动力", "plug-in hybrid"),
               "HEV": ("油电混合动力", "hybrid"),
               "FCEV": ("燃料电池", "fuel cell"),
               "ICE": ("燃油", "combustion engine")}
USE_NATURES = {"reserved_taxi": "预约出租客运", "non_operating": "非营运",
               "cruising_taxi": "出租客运", "highway_passenger": "公路客运"}
USE_NATURES_EN = {"reserved_taxi": "reserved taxi", "non_operating": "non-operating",
                  "cruising_taxi": "cruising taxi", "highway_passenger": "highway passenger transport"}
#: The vehicle registry's status and category codes as a person reads them.
VEHICLE_STATUSES = {"normal": ("正常", "normal"), "seized": ("查封", "seized"),
                    "mortgaged": ("抵押", "mortgaged"), "detained": ("扣押", "detained"),
                    "stolen": ("被盗抢", "stolen"), "scrapped": ("报废", "scrapped"),
                    "cancelled": ("注销", "deregistered"), "locked": ("锁定", "locked"),
                    "overdue_inspection": ("逾期未检验", "inspection overdue")}
CATEGORIES = {"passenger_car": ("乘用车（小型载客汽车）", "passenger car"),
              "minibus": ("中型载客汽车", "minibus"), "bus": ("大型载客汽车", "bus"),
              "truck": ("载货汽车", "truck"), "van": ("厢式货车", "van")}
RESERVED_TAXI = "reserved_taxi"
PASSENGER_CAR = "passenger_car"
NOT_REGISTERED = ("车管所没有该车辆的登记记录，无法核验，请核对号牌号码。",
                  "The vehicle registry does not know this plate, so this cannot be checked.")

#: What the regular re-check may find about a vehicle whose transport certificate is in force,
#: and the rule it fails: (Chinese, English, rule code). Such a finding goes through the alert
#: path as a police alert about a driver does (``backend.alerts``; ``backend/licensing/recheck.py``
#: says which failure is which category).
ALERT_CATEGORIES = {
    "vehicle_deregistered": ("机动车已报废、注销或不在登记中",
                             "the vehicle is scrapped, deregistered or no longer registered",
                             "veh.registered"),
    "vehicle_stolen": ("机动车被盗抢", "the vehicle is reported stolen", "veh.registered"),
    "vehicle_owner_changed": ("车辆所有人已变更", "the vehicle has a new registered owner",
                              "veh.owner"),
    "vehicle_use_nature": ("使用性质不再是预约出租客运",
                           "the registered use nature is no longer reserved taxi",
                           "veh.use_nature"),
    "inspection_overdue": ("安全技术检验已过期", "the safety inspection is overdue",
                           "veh.inspection"),
    "insurance_lapsed": ("营运车辆保险已失效", "the insurance has lapsed", "veh.insurance"),
    "vehicle_age": ("车龄已满退出网约车经营的年限", "the vehicle has reached the age limit",
                    "veh.age"),
}


def now() -> dt.datetime:
    """The current instant; tests replace it to check the GPS boundary to the second."""
    return dt.datetime.now(dt.UTC)


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _power_names(codes) -> tuple[str, str]:
    return ("、".join(POWER_NAMES.get(c, (c, c))[0] for c in codes),
            ", ".join(POWER_NAMES.get(c, (c, c))[1] for c in codes))


@rule("veh.registered", title=("机动车登记", "Vehicle registration"),
      legal_basis=f"{INTERIM}第十二条（机动车登记信息比对）", needs=[VEHICLE])
def registered(facts: Facts, ctx: Context):
    vehicle = facts.data(VEHICLE)
    if vehicle is None:
        return failed(f"车管所没有号牌为 {ctx.inputs['plate']} 的机动车登记记录，请核对号牌号码。",
                      f"The vehicle registry has no vehicle with plate {ctx.inputs['plate']}; "
                      "please check the plate number.")
    if vehicle["status"] != "normal":
        zh, en = VEHICLE_STATUSES.get(vehicle["status"], (vehicle["status"], vehicle["status"]))
        return failed(f"车辆在车管所的登记状态为「{zh}」，不是正常状态，请先到车管所处理。",
                      f"The vehicle's registry status is {en}, not normal; please "
                      "settle it with the vehicle administration first.", status=vehicle["status"])
    return passed("车管所登记状态正常", "Registered, status normal", status=vehicle["status"],
                  vin=vehicle["vin"])


@rule("veh.owner", title=("车辆所有人", "Registered owner"), legal_basis=f"{INTERIM}第十二条（车辆所有人）", needs=[VEHICLE])
def owner(facts: Facts, ctx: Context):
    vehicle = facts.data(VEHICLE)
    if vehicle is None:
        return failed(*NOT_REGISTERED)
    if vehicle["owner_id_number"] != ctx.id_number:
        # The registered owner's identity is somebody else's personal data: not in the facts.
        return failed("车管所登记的车辆所有人不是您本人。运输证须由车辆所有人申请。",
                      "The registered owner of this vehicle is someone else; the owner must apply.",
                      owner_matches=False)
    return passed("车管所登记的车辆所有人为申请人本人", "The applicant is the registered owner",
                  owner_matches=True)


@rule("veh.plate_local", title=("本市号牌", "Xiamen plate"), legal_basis=f"{XIAMEN}（本市号牌）")
def plate_local(facts: Facts, ctx: Context):
    prefix, plate = ctx.config["VEHICLE_PLATE_PREFIX"], ctx.inputs["plate"]
    if not plate.startswith(prefix):
        return failed(f"网约车须为本市（{prefix}）号牌车辆，{plate} 不是。请先办理车辆转入登记。",
                      f"Only vehicles with {prefix} (Xiamen) plates qualify; {plate} is not one.",
                      plate=plate, prefix=prefix)
    return passed(f"{plate} 为本市（{prefix}）号牌", f"{plate} is a {prefix} (Xiamen) plate",
                  plate=plate, prefix=prefix)


@rule("veh.category_seats", title=("车辆类型与座位数", "Vehicle type and seats"),
      legal_basis=f"{INTERIM}第十二条第（一）项", needs=[VEHICLE])
def category_seats(facts: Facts, ctx: Context):
    vehicle = facts.data(VEHICLE)
    if vehicle is None:
        return failed(*NOT_REGISTERED)
    most = ctx.config["VEHICLE_MAX_SEATS"]
    used = {"category": vehicle["category"], "seats": vehicle["seats"], "max_seats": most}
    if vehicle["category"] != PASSENGER_CAR:
        zh, en = CATEGORIES.get(vehicle["category"], (vehicle["category"], vehicle["category"]))
        return failed(f"车辆类型须为 {most} 座及以下的乘用车（小型载客汽车），该车登记类型为「{zh}」。",
                      f"Only passenger cars with at most {most} seats qualify; this vehicle is "
                      f"registered as {en}.", **used)
    if vehicle["seats"] > most:
        return failed(f"该车核定载客 {vehicle['seats']} 人，网约车须为 {most} 座及以下乘用车。",
                      f"The vehicle has {vehicle['seats']} seats; at most {most} are allowed.", **used)
    return passed(f"乘用车，核定载客 {vehicle['seats']} 人（不超过 {most} 座）",
                  f"A passenger car with {vehicle['seats']} seats (at most {most})", **used)


@rule("veh.power", title=("动力类型", "Power type"), legal_basis=f"{XIAMEN}（车辆动力类型）", needs=[VEHICLE])
def power(facts: Facts, ctx: Context):
    vehicle = facts.data(VEHICLE)
    if vehicle is None:
        return failed(*NOT_REGISTERED)
    allowed = list(ctx.config["VEHICLE_ALLOWED_POWER"])
    used = {"power_type": vehicle["power_type"], "allowed": allowed}
    if vehicle["power_type"] not in allowed:
        actual_zh, actual_en = _power_names([vehicle["power_type"]])
        allowed_zh, allowed_en = _power_names(allowed)
        return failed(f"该车为{actual_zh}车辆，本市新增网约车须为{allowed_zh}车辆。",
                      f"This is a {actual_en} vehicle; only {allowed_en} vehicles qualify.", **used)
    zh, en = _power_names([vehicle["power_type"]])
    return passed(f"{zh}车辆", f"A {en} vehicle", **used)


@rule("veh.age", title=("车龄", "Vehicle age"), legal_basis=f"{INTERIM}第三十九条；{XIAMEN}（车龄）", needs=[VEHICLE, CERTIFICATES])
def age(facts: Facts, ctx: Context):
    """≤ 3 years on the application date for a first application, ≤ 6 when the vehicle held a
    Xiamen transport certificate before, and under 8 years on the day of the decision."""
    vehicle = facts.data(VEHICLE)
    if vehicle is None:
        return failed(*NOT_REGISTERED)
    first = _date(vehicle["first_registered_on"])
    applied_on = _date(ctx.inputs["applied_on"]) if "applied_on" in ctx.inputs else ctx.today
    held_before = bool(facts.data(CERTIFICATES))
    cap = ctx.config["VEHICLE_MAX_AGE_YEARS"]
    limit = ctx.config["VEHICLE_MAX_AGE_REAPPLY_YEARS" if held_before
                       else "VEHICLE_MAX_AGE_FIRST_YEARS"]
    used = {"first_registered_on": first.isoformat(), "applied_on": applied_on.isoformat(),
            "held_certificate_before": held_before, "limit_years": limit, "cap_years": cap}
    if ctx.today >= add_years(first, cap):
        # (``reached_cap``: a condition of holding the certificate, which the re-check holds a
        # vehicle to; the limit below is one of applying only)
        return failed(f"车辆自 {first} 注册登记起已满 {cap} 年，依法退出网约车经营。",
                      f"The vehicle was first registered on {first} and has reached {cap} years; "
                      "it must leave ride-hailing service.", reached_cap=True, **used)
    if applied_on > add_years(first, limit):
        kind_zh, kind_en = ("曾持有本市运输证的车辆重新申请", "re-applying vehicles") if held_before \
            else ("首次申请", "a first application")
        return failed(f"{kind_zh}，车辆注册登记须不超过 {limit} 年；该车 {first} 注册，"
                      f"已于 {add_years(first, limit)} 超过。",
                      f"For {kind_en} the vehicle must be at most {limit} years from its first "
                      f"registration ({first}); that ended on {add_years(first, limit)}.", **used)
    return passed(f"{first} 注册登记，未超过 {limit} 年", f"First registered on {first}, within {limit} years",
                  **used)


@rule("veh.use_nature", title=("使用性质", "Use nature"), legal_basis=f"{INTERIM}第十三条", needs=[VEHICLE])
def use_nature(facts: Facts, ctx: Context):
    vehicle = facts.data(VEHICLE)
    if vehicle is None:
        return failed(*NOT_REGISTERED)
    nature = vehicle["use_nature"]
    if nature != RESERVED_TAXI:
        return failed(f"车辆使用性质登记为「{USE_NATURES.get(nature, nature)}」，请先到车管所将使用性质"
                      "变更登记为「预约出租客运」后再申请。",
                      f"The registered use nature is {USE_NATURES_EN.get(nature, nature)}; have it "
                      "changed to reserved taxi (预约出租客运) at the vehicle administration first.",
                      use_nature=nature)
    return passed("使用性质为「预约出租客运」", "Use nature: reserved taxi", use_nature=nature)


@rule("veh.inspection", title=("安全技术检验", "Safety inspection"), legal_basis=f"{INTERIM}第十二条第（三）项", needs=[VEHICLE])
def inspection(facts: Facts, ctx: Context):
    vehicle = facts.data(VEHICLE)
    if vehicle is None:
        return failed(*NOT_REGISTERED)
    until = _date(vehicle["inspection_valid_until"])
    if until < ctx.today:
        return failed(f"车辆安全技术检验有效期至 {until}，已过期，请先完成机动车检验。",
                      f"The vehicle's safety inspection expired on {until}; please have it "
                      "inspected first.", inspection_valid_until=until.isoformat())
    return passed(f"安全技术检验有效期至 {until}", f"Inspection valid until {until}",
                  inspection_valid_until=until.isoformat())


@rule("veh.insurance", title=("营运车辆保险", "Insurance"), legal_basis=f"{INTERIM}第十七条、第二十三条", needs=[INSURANCE])
def insurance(facts: Facts, ctx: Context):
    policies = facts.data(INSURANCE) or []
    valid = [p for p in policies if _date(p["valid_until"]) >= ctx.today]
    if valid:
        return passed(f"保险有效期至 {valid[0]['valid_until']}", f"Insured until {valid[0]['valid_until']}",
                      policy_number=valid[0]["policy_number"], valid_until=valid[0]["valid_until"])
    if not policies:
        return failed("没有查到该车辆的保险记录，请先为车辆投保后再申请。",
                      "No insurance policy is on record for this vehicle; please insure it first.")
    latest = max(p["valid_until"] for p in policies)
    return failed(f"该车辆的保险已于 {latest} 到期，请续保后再申请。",
                  f"The vehicle's insurance ended on {latest}; please renew it first.",
                  latest_valid_until=latest)


@rule("veh.gps_live", title=("卫星定位装置在线", "GPS reporting"), legal_basis=f"{INTERIM}第十二条第（二）项", needs=[GPS])
def gps_live(facts: Facts, ctx: Context):
    position = facts.data(GPS)
    limit = ctx.config["VEHICLE_GPS_MAX_SILENCE_MINUTES"]
    if position is None:
        return failed("监管平台没有收到该车辆的卫星定位数据，请确认车载卫星定位装置已安装并接入后再申请。",
                      "The supervision platform has no position from this vehicle; make sure its "
                      "satellite positioning device is installed and connected.")
    last = dt.datetime.fromisoformat(position["last_position_at"])
    silence = now() - last
    used = {"last_position_at": last.isoformat(), "silence_seconds": int(silence.total_seconds()),
            "max_silence_minutes": limit}
    if silence > dt.timedelta(minutes=limit):
        minutes = int(silence.total_seconds() // 60)
        return failed(f"车载卫星定位装置已 {minutes} 分钟没有上报位置（须在 {limit:g} 分钟内），"
                      "请检查装置并确认车辆在线后再申请。",
                      f"The vehicle last reported its position {minutes} minutes ago (at most "
                      f"{limit:g} allowed); check the device and apply again.", **used)
    return passed(f"车载卫星定位装置 {int(silence.total_seconds() // 60)} 分钟前上报位置",
                  f"The device reported its position {int(silence.total_seconds() // 60)} minutes ago",
                  **used)


@rule("veh.platform_licensed", title=("平台经营许可", "Platform licence"), legal_basis=f"{XIAMEN}（平台须取得本市经营许可）", needs=[PLATFORM])
def platform_licensed(facts: Facts, ctx: Context):
    platform = facts.data(PLATFORM)
    code = ctx.inputs["platform"]
    if platform is None:
        return failed(f"所选平台「{code}」不在厦门市网约车平台公司许可名录中，请选择已取得许可的平台。",
                      f"The platform {code} is not in Xiamen's register of licensed platforms.",
                      platform=code)
    used = {"platform": code, "status": platform["status"], "valid_until": platform["valid_until"]}
    if platform["status"] not in PLATFORM_IN_FORCE or _date(platform["valid_until"]) < ctx.today:
        return failed(f"平台「{platform['name']}」的网约车经营许可不在有效状态（有效期至 "
                      f"{platform['valid_until']}），请选择其他已取得许可的平台。",
                      f"The platform {platform['name']} holds no licence in force (valid until "
                      f"{platform['valid_until']}).", **used)
    return passed(f"平台「{platform['name']}」持有有效的网约车经营许可（至 {platform['valid_until']}）",
                  f"{platform['name']} holds a licence in force (until {platform['valid_until']})", **used)


def valid_certificates(facts: Facts, ctx: Context) -> list[dict]:
    return [c for c in facts.data(CERTIFICATES) or []
            if c["status"] == Status.VALID and _date(c["valid_until"]) >= ctx.today]


@rule("veh.single_platform", title=("一车一平台", "One vehicle, one platform"), legal_basis=f"{XIAMEN}（一车一平台）", needs=[CERTIFICATES])
def single_platform(facts: Facts, ctx: Context):
    """No valid certificate for another platform, and none suspended (it may be reinstated:
    the vehicle still holds it until the bureau decides)."""
    suspended = [c for c in facts.data(CERTIFICATES) or [] if c["status"] == Status.SUSPENDED]
    if suspended:
        return failed(*suspended_reason(suspended[0]["number"]), suspended=suspended[0]["number"])
    others = [c for c in valid_certificates(facts, ctx) if c["platform_code"] != ctx.inputs["platform"]]
    if others:
        return failed(single_platform_reason(others[0]["platform_code"]),
                      single_platform_reason_en(others[0]["platform_code"]),
                      held_for_platform=others[0]["platform_code"], number=others[0]["number"])
    return passed("该车辆没有服务于其他平台的有效运输证", "No valid transport certificate for another platform",
                  platform=ctx.inputs["platform"])


def suspended_reason(number: str) -> tuple[str, str]:
    return (f"该车辆的运输证（{number}）已暂停使用，正在等待处理决定，决定作出前不能为该车辆申请新的运输证。"
            "持证人如有异议，请在 i厦门 App「我的证照 · 暂停与异议」中提出。",
            f"The vehicle's transport certificate {number} is suspended and awaits the bureau's "
            "decision; no new certificate can be applied for meanwhile. The holder may object "
            "in the i厦门 app (My certificates · Suspensions).")


def single_platform_reason(platform_code: str) -> str:
    return (f"该车辆已持有服务于平台「{platform_name(platform_code)}」的有效运输证，一辆车只能服务一个平台。"
            "如需更换平台，请先申请注销原运输证。")


def single_platform_reason_en(platform_code: str) -> str:
    return (f"This vehicle already holds a valid transport certificate for platform "
            f"{platform_name(platform_code)}; one vehicle serves one platform. Cancel that "
            "certificate first.")


@rule("veh.blacklist", title=("失信黑名单", "Blacklist"), legal_basis=credit.NOTICE, needs=[credit.ENTRIES])
def blacklist(facts: Facts, ctx: Context):
    """The vehicle is not on the 黑名单 (``backend.credit``); a refusal names the entry."""
    return credit.verdict(facts, credit.ENTRIES, "该车辆", "The vehicle is")
