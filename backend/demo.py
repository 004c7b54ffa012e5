"""Demo data for the embedded default: clearly labelled demo accounts, loaded into an empty
database by ``flask setup`` (so by ``make run``). Never loaded when LOAD_DEMO_DATA is off, and
never in production (APP_ENV=production), whatever LOAD_DEMO_DATA says."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import current_app
from stdnum.cn import ric

from backend.alerts.demo import load_alerts_demo
from backend.config import DEMO_DATA_IN_PRODUCTION, ConfigurationError
from backend.credit.demo import load_credit_demo
from backend.db import db
from backend.hotline.demo import load_hotline_demo
from backend.identity.operations import register_or_update
from backend.identity.portraits import demo_portrait_base64
from backend.licensing.operations import today as licensing_today
from backend.platforms.demo import load_platform_demo
from backend.staff.models import Role, StaffUser
from backend.staff.operations import create_staff
from backend.vehicles.demo import load_vehicle_demo
from backend.verification.imports import import_file

# Documented in the README; the console shows who is signed in.
DEMO_STAFF = [
    ("clerk", Role.CLERK, "演示窗口人员", "demo-clerk-2026"),
    ("examiner", Role.EXAMINER, "演示考试员", "demo-examiner-2026"),
    ("mailroom", Role.MAILROOM, "演示寄递员", "demo-mailroom-2026"),
    ("province", Role.PROVINCE, "演示省厅认定员", "demo-province-2026"),
    ("agent", Role.AGENT, "演示话务员", "demo-agent-2026"),
    ("handler", Role.HANDLER, "演示承办人（客运管理处）", "demo-handler-2026"),
    ("supervisor", Role.SUPERVISOR, "演示监管员（运输监管处）", "demo-supervisor-2026"),
    ("officer", Role.OFFICER, "演示执法队员", "demo-officer-2026"),
    ("admin", Role.ADMIN, "演示管理员", "demo-admin-2026"),
]


def demo_id_number(birth: str, sequence: int, region: str = "350203") -> str:
    """A well-formed ID number for a demo citizen (check digit computed, region real)."""
    body = f"{region}{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


ELIGIBLE_LICENCE = {"licence_class": "C1", "first_issued_on": "2015-05-01", "status": "valid",
                    "valid_until": "2031-05-01",
                    "cycles": [{"start": "2025-05-01", "end": "2026-04-30", "points": 3}]}


def _person(number: str, name: str, **identity) -> dict:
    """An identity record with a generated portrait marked 演示 (``photo=None``: none)."""
    record = {"id_number": number, "name": name, "sex": "1" if int(number[16]) % 2 else "2",
              "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
              "hukou_region": "350203", "card_valid_until": "长期", "card_reported_lost": False,
              "photo": demo_portrait_base64(number), **identity}
    return {key: value for key, value in record.items() if value is not None}


# (name, ID number, what the demo shows, identity overrides, licence overrides, police records,
#  residence permit). Listed in the README so a new user can try each outcome.
DEMO_DRIVERS = [
    ("演示陈合格", demo_id_number("19900101", 11), "eligible: waits for the exam", {}, {}, [], None),
    ("演示林持证", demo_id_number("19880808", 13),
     "holds a certificate ending in 60 days: renew, reissue (lost or damaged), cancel",
     {}, {}, [], None),
    ("演示王外地", demo_id_number("19920303", 15, "350102"), "eligible through a residence permit",
     {"hukou_region": "350102"}, {}, [], {"city_code": "350206", "valid_until": "2028-12-31"}),
    ("演示张挂失", demo_id_number("19910202", 17), "drv.identity (card reported lost)",
     {"card_reported_lost": True}, {}, [], None),
    ("演示李吊销", demo_id_number("19890909", 19), "drv.licence_valid (licence revoked)",
     {}, {"status": "revoked"}, [], None),
    ("演示赵新手", demo_id_number("19950505", 21), "drv.experience (licence since 2025)",
     {}, {"first_issued_on": "2025-01-10"}, [], None),
    ("演示钱满分", demo_id_number("19870707", 23), "drv.points (12 points last cycle)",
     {}, {"cycles": [{"start": "2025-05-01", "end": "2026-04-30", "points": 12}]}, [], None),
    ("演示孙肇事", demo_id_number("19860606", 25), "drv.criminal (traffic crime)",
     {}, {}, [{"category": "traffic_crime", "recorded_on": "2021-06-01"}], None),
    ("演示周酒驾", demo_id_number("19850404", 27), "drv.drugs_dui (drink driving)",
     {}, {}, [{"category": "drink_driving", "recorded_on": "2023-03-15"}], None),
    ("演示吴外省", demo_id_number("19930303", 29, "350102"), "drv.residence (no Xiamen hukou or permit)",
     {"hukou_region": "350102"}, {}, [], None),
    ("演示郑超龄", demo_id_number("19620101", 31, "350200"), "drv.age (over 60)", {}, {}, [], None),
    ("演示冯预警", demo_id_number("19840303", 33), "certificate suspended by a police alert: "
     "object in the app, a clerk decides (backend/alerts/demo.py)", {}, {}, [], None),
    ("演示刘无照", demo_id_number("19940404", 33), "eligible, but the register holds no photo: "
     "after the exams the certificate waits for a clerk", {"photo": None}, {}, [], None),
    ("演示何失信", demo_id_number("19840404", 33), "drv.blacklist (on the 黑名单)", {}, {}, [], None),
]


def _add_demo_exam_sessions() -> None:
    """Two sessions a week and two apart (Beijing time, 09:00), so an applicant is booked."""
    from backend.drivers.exams import add_session
    from backend.drivers.schemas import BEIJING
    today = dt.datetime.now(BEIJING).date()
    for days, seats in ((7, 40), (14, 40)):
        day = today + dt.timedelta(days=days)
        add_session("厦门市机动车驾驶人考试中心（演示考场），集美区杏林湾路 1 号", dt.datetime(
            day.year, day.month, day.day, 9, 0, tzinfo=BEIJING), seats, actor="demo")


def _load_demo_drivers() -> None:
    for name, number, _shows, identity, licence, police, permit in DEMO_DRIVERS:
        _import("identity", [_person(number, name, **identity)])
        _import("driving_licence", [{"id_number": number, **ELIGIBLE_LICENCE, **licence}])
        _import("police_records", [{"id_number": number, **record} for record in police])
        if permit:
            _import("residence_permit", [{"id_number": number, **permit}])
    _issue_demo_certificate(DEMO_DRIVERS[1][1], DEMO_DRIVERS[1][0], days_left=60)


def _import(source: str, records: list[dict]) -> None:
    if records:
        import_file(source, [json.dumps(r, ensure_ascii=False) for r in records])


def _issue_demo_certificate(number: str, name: str, *, days_left: int | None = None) -> None:
    """Take the demo holder through application and exam, as the real flow would. With
    ``days_left`` the certificate is dated as if issued a term ago, ending in that many days,
    so its renewal window (the last ``CERT_RENEWAL_WINDOW_DAYS``) is open."""
    from backend.drivers.operations import record_exam
    from backend.licensing.operations import submit
    from backend.matters.registry import Channel

    person = register_or_update(number, name, actor="demo")
    address = {"recipient": name, "phone": "13800000000", "region_code": "350203",
               "detail": "思明区演示路1号（演示地址）"}
    application, _ = submit(person, "driver-cert-issue", {"phone": "13800000000",
                            "mailing_address": address}, channel=Channel.COUNTER, actor="demo")
    record_exam(application, "national", 92, True, actor="demo")
    record_exam(application, "regional", 88, True, actor="demo")
    if days_left is not None:
        certificate = application.certificate
        term = certificate.valid_until - certificate.valid_from
        certificate.valid_until = licensing_today() + dt.timedelta(days=days_left)
        certificate.valid_from = certificate.valid_until - term


def load_demo_data() -> bool:
    """Load everything once; return False when the database already has staff accounts.
    (Checked here too: a configuration changed after the start must not open production.)"""
    if current_app.config["ENV_MODE"] == "production":
        raise ConfigurationError(DEMO_DATA_IN_PRODUCTION)
    if db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)):
        return False
    for username, role, display_name, password in DEMO_STAFF:
        create_staff(username, role, password, actor="demo", display_name=display_name)
    _add_demo_exam_sessions()
    _load_demo_drivers()
    load_vehicle_demo()
    load_platform_demo()
    load_hotline_demo()
    load_alerts_demo()
    load_credit_demo(DEMO_DRIVERS[-1][1], DEMO_DRIVERS[-1][0])
    return True
