"""Demo vehicles for the embedded default: one that passes and one that fails each rule.

Loaded with the rest of the demo data by ``flask setup`` into an empty database, through the
same import contracts a department's export uses. Every owner, company and plate here is made
up and named as such (演示…). The demo GPS positions are "now" when loaded and go stale after
10 minutes: ``flask vehicles demo-gps-refresh`` makes them current again. The table in the README
lists what each plate shows.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import current_app

from backend.certificates import operations as certificates
from backend.certificates.models import Kind, Status
from backend.common.counters import next_value
from backend.db import db
from backend.identity.operations import register_or_update
from backend.licensing import operations as licensing
from backend.licensing.models import State
from backend.licensing.rules import add_years
from backend.matters.registry import Channel
from backend.platforms.imports import PLATFORM_IMPORTER
from backend.vehicles.models import MirrorGps, MirrorVehicle
from backend.vehicles.operations import (
    NUMBER_COUNTER,
    transport_certificate_number,
    transport_validity,
)
from backend.verification.imports import IMPORTERS, parse_lines, upsert

# Valid ID numbers (GB 11643 check digits from python-stdnum), made up for the demo.
OWNER_A = ("350211198606060013", "演示车主甲")
OWNER_B = ("350211198812120021", "演示车主乙")

GREEN, LUJIANG, LAPSED, AGGREGATOR = "xm-green-ride", "lujiang-go", "haixi-legacy", "xm-juhe-go"
# (code, name, USCC, licence number, ministry CompanyId, licence valid for … years from today,
# status); each licence began four years before it ends. The last is an aggregator (聚合平台),
# listed apart in the dual-compliance ranking.
PLATFORMS = [
    (GREEN, "演示绿行约车（厦门）科技有限公司", "91350203MA31ABCD2Y", "闽交运管许可厦字350200000101号",
     "3502DEMOGREEN", 3, "valid"),
    (LUJIANG, "演示鹭江出行网络科技有限公司", "91350206MA2Y0G0L1M", "闽交运管许可厦字350200000102号",
     "3502DEMOLUJIANG", 2, "valid"),
    (LAPSED, "演示海西旧约车服务有限公司", "91350211MA34QW8E54", "闽交运管许可厦字350200000103号",
     "3502DEMOHAIXI", -1, "valid"),
    (AGGREGATOR, "演示聚合打车（厦门）网络科技有限公司", "91350206MA8JUHE17J", "闽交运管许可厦字350200000104号",
     "3502DEMOJUHE", 3, "valid"),
]

# What a healthy demo vehicle looks like; each listed vehicle changes one thing (age: years, days).
GOOD = {"power_type": "BEV", "seats": 5, "age": (1, 180), "use_nature": "reserved_taxi",
        "status": "normal", "owner": OWNER_A, "category": "passenger_car"}
# (plate, what differs from GOOD, the platform to apply for, the rule that fails, what it shows).
# All owned by 演示车主甲 unless said otherwise; the README's table and a test are made from this.
VEHICLES = [
    ("闽DD10001", {}, GREEN, None, "passes every rule: issued at once"),
    ("闽DD10002", {"status": "seized"}, GREEN, "veh.registered", "registry status seized (查封)"),
    ("闽DD10003", {"owner": OWNER_B}, GREEN, "veh.owner", "registered to 演示车主乙"),
    ("闽AD10004", {}, GREEN, "veh.plate_local", "a Fuzhou (闽A) plate"),
    ("闽DD10005", {"seats": 9}, GREEN, "veh.category_seats", "9 seats"),
    ("闽DF10006", {"power_type": "PHEV"}, GREEN, "veh.power", "plug-in hybrid"),
    ("闽DD10007", {"age": (4, 0)}, GREEN, "veh.age", "registered 4 years ago, first application"),
    ("闽DD10008", {"use_nature": "non_operating"}, GREEN, "veh.use_nature", "use nature 非营运"),
    ("闽DD10009", {"inspection_days": -20}, GREEN, "veh.inspection", "inspection expired 20 days ago"),
    ("闽DD10010", {"insurance_days": -30}, GREEN, "veh.insurance", "insurance ended 30 days ago"),
    ("闽DD10011", {"gps_minutes": 120}, GREEN, "veh.gps_live", "last position 2 hours ago"),
    ("闽DD10012", {}, LAPSED, "veh.platform_licensed", "applies for a platform whose licence lapsed"),
    ("闽DD10013", {}, GREEN, "veh.single_platform",
     "already serves lujiang-go; also the vehicle to try cancel and reissue on (renewal: refused "
     "until its window opens)"),
    ("闽DD10014", {"age": (5, 0)}, GREEN, None,
     "registered 5 years ago but held a certificate before (re-application, ≤ 6 years): issued"),
]
DEMO_PLATES = [plate for plate, *_ in VEHICLES]


def _load(importer, records: list[dict]) -> None:
    upsert(importer, parse_lines(importer, (json.dumps(r, ensure_ascii=False) for r in records)))


def _vehicle_record(number: int, plate: str, spec: dict, today: dt.date) -> dict:
    years, days = spec["age"]
    owner_id, owner_name = spec["owner"]
    return {"plate": plate, "vin": f"LDEMO0000000{number:05d}", "owner_id_number": owner_id,
            "owner_name": owner_name, "category": spec["category"], "seats": spec["seats"],
            "power_type": spec["power_type"], "wheelbase_mm": 2700,
            "first_registered_on": (add_years(today, -years) - dt.timedelta(days=days)).isoformat(),
            "use_nature": spec["use_nature"],
            "inspection_valid_until": (today + dt.timedelta(days=spec.get("inspection_days", 300))).isoformat(),
            "status": spec["status"]}


def _gps_records(now: dt.datetime) -> list[dict]:
    return [{"plate": plate,
             "last_position_at": (now - dt.timedelta(minutes={**GOOD, **spec}.get("gps_minutes", 0)))
             .astimezone(licensing.XIAMEN).isoformat(timespec="seconds")}
            for plate, spec, *_ in VEHICLES]


def load_vehicle_demo() -> None:
    today, now = licensing.today(), dt.datetime.now(dt.UTC)
    _load(PLATFORM_IMPORTER, [
        {"code": code, "name": name, "uscc": uscc, "licence_number": licence,
         "company_id": company_id, "licensed_from": add_years(today, years - 4).isoformat(),
         "valid_until": add_years(today, years).isoformat(), "status": status,
         "aggregator": code == AGGREGATOR}
        for code, name, uscc, licence, company_id, years, status in PLATFORMS])
    specs = [(plate, {**GOOD, **spec}) for plate, spec, *_ in VEHICLES]
    _load(IMPORTERS["vehicle_registry"],
          [_vehicle_record(n, plate, spec, today) for n, (plate, spec) in enumerate(specs, 1)])
    _load(IMPORTERS["insurance"], [
        {"plate": plate, "policy_number": f"DEMO-PDAA{n:06d}", "insurer": "演示财产保险厦门分公司",
         "kind": "营业用汽车损失保险及承运人责任险",
         "valid_until": (today + dt.timedelta(days=spec.get("insurance_days", 200))).isoformat()}
        for n, (plate, spec) in enumerate(specs, 1)])
    _load(IMPORTERS["gps"], _gps_records(now))
    _demo_certificates(today)


DEMO_ADDRESS = {"recipient": "演示车主甲", "phone": "13800000001", "region_code": "350211",
                "detail": "集美区演示路8号（演示地址）"}


def _demo_certificates(today: dt.date) -> None:
    """闽DD10014 served lujiang-go years ago and was cancelled; 闽DD10013 is issued now, through
    the same application flow an owner goes through, and serves lujiang-go."""
    owner = register_or_update(*OWNER_A, actor="demo", source="demo")
    register_or_update(*OWNER_B, actor="demo", source="demo")
    first = db.session.get(MirrorVehicle, "闽DD10014").first_registered_on
    starts = add_years(today, -4)
    earlier = certificates.issue(
        kind=Kind.TRANSPORT, holder=owner, actor="demo",
        number=transport_certificate_number(next_value(NUMBER_COUNTER),
                                            current_app.config["TRANSPORT_CERT_NUMBER_PATTERN"]),
        valid_from=starts, valid_until=transport_validity(first, starts),
        plate="闽DD10014", platform_code=LUJIANG, valid_plate="闽DD10014")
    certificates.set_status(earlier, Status.CANCELLED, actor="demo",
                            reason="演示：车辆曾退出网约车经营，运输证已注销")
    application, _ = licensing.submit(
        owner, "vehicle-permit-issue",
        {"plate": "闽DD10013", "platform": LUJIANG, "mailing_address": DEMO_ADDRESS},
        channel=Channel.COUNTER, actor="demo")
    if application.state != State.ISSUED:
        raise RuntimeError(f"demo vehicle 闽DD10013 was not issued: {application.state}")


def refresh_demo_gps() -> int:
    """Make the demo positions current (the stale demo vehicle stays two hours behind)."""
    records = [r for r in _gps_records(dt.datetime.now(dt.UTC))
               if db.session.scalar(sa.select(MirrorGps.plate).where(MirrorGps.plate == r["plate"]))]
    _load(IMPORTERS["gps"], records)
    return len(records)
