"""Dual compliance (双合规) on hand-made orders whose answers are known: each order's records are
written to the real event store, each certificate is issued and changed through the certificate
operations at chosen seconds, and the figures come from ``backend.supervision.compliance``."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import duckdb
import pytest

from backend.certificates import operations as certificates
from backend.certificates.models import Kind, Status
from backend.db import db
from backend.identity.operations import register_or_update
from backend.staff.models import Role
from backend.supervision import compliance, events, simulator
from backend.supervision.interfaces import BEIJING
from backend.supervision.models import BaseRecord
from tests.factories import id_number
from tests.supervision.platforms import licensed_platform, record

DAY = dt.date(2026, 11, 10)
MONTH = dt.date(2026, 11, 1)
_orders = iter(range(1, 10**6))


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BEIJING)


def order(company: str, driver: str, plate: str, departs: dt.datetime, *, area: int = 350203,
          steps: tuple[str, ...] = ("match", "depart", "pay")) -> str:
    """An order's records in the event store: matched two minutes before it departs, paid when
    it arrives twenty minutes after."""
    order_id = f"C{next(_orders):07d}"
    f14 = simulator.f14
    arrives = departs + dt.timedelta(minutes=20)
    records = {
        "match": ("orderMatch", record("orderMatch", company, OrderId=order_id, Address=area,
                                       LicenseId=driver, VehicleNo=plate,
                                       DistributeTime=f14(departs - dt.timedelta(minutes=2)))),
        "depart": ("operateDepart", record("operateDepart", company, OrderId=order_id,
                                           LicenseId=driver, VehicleNo=plate, DepTime=f14(departs))),
        "arrive": ("operateArrive", record("operateArrive", company, OrderId=order_id,
                                           DestTime=f14(arrives))),
        "pay": ("operatePay", record("operatePay", company, OrderId=order_id, OnArea=area,
                                     LicenseId=driver, VehicleNo=plate, DepTime=f14(departs),
                                     DestTime=f14(arrives), PayTime=f14(arrives))),
    }
    for step in steps:
        interface, values = records[step]
        events.store().write(interface, events.build_table(interface, company, [values],
                                                           dt.datetime.now(dt.UTC)))
    return order_id


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)``: certificates issued from now on are issued at ``moment``."""
    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(certificates, "utcnow", lambda: moment.astimezone(dt.UTC))
    return set_to


@pytest.fixture
def platform(app, database):
    return licensed_platform()


def driver_certificate(driver: str, *, valid_from=dt.date(2026, 1, 1),
                       valid_until=dt.date(2031, 12, 31), previous=None):
    holder = register_or_update(driver, "测试司机", actor="test")
    return certificates.issue(kind=Kind.DRIVER, number=f"D-{driver}", holder=holder, actor="test",
                              valid_from=valid_from, valid_until=valid_until, previous=previous)


def transport_certificate(plate: str, platform, *, valid_from=dt.date(2026, 1, 1),
                          valid_until=dt.date(2031, 12, 31)):
    holder = register_or_update(id_number(dt.date(1970, 1, 1)), "测试车主", actor="test")
    return certificates.issue(kind=Kind.TRANSPORT, number=f"T-{plate}", holder=holder, actor="test",
                              valid_from=valid_from, valid_until=valid_until, plate=plate,
                              platform_code=platform.code, valid_plate=plate)


def verdicts(platform, first=DAY, last=None) -> dict[str, tuple[bool, bool]]:
    """Each order of the platform: (driver compliant, vehicle compliant)."""
    question, _ = compliance.ask([platform.company_id], first, last or first)
    try:
        rows = question.rows(f"SELECT * FROM ({compliance.ORDER_COMPLIANCE}) o"
                             " WHERE company_id = ?", [platform.company_id])
        # The grouped counts always equal the order-by-order ones.
        grouped, per_order = (sorted(question.connection.execute(sql).fetchall())
                              for sql in (compliance.DAILY_COUNTS,
                                          compliance.DAILY_COUNTS_PER_ORDER))
        assert grouped == per_order
    finally:
        question.close()
    return {row["order_id"]: (row["driver_ok"], row["vehicle_ok"]) for row in rows}


def licensed_pair(platform, clock, issued: dt.datetime, **driver_dates):
    """A driver and a vehicle, both certified at ``issued``."""
    driver, plate = id_number(dt.date(1985, 5, 5)), f"闽DC{next(_orders) % 10000:04d}"
    clock(issued)
    driver_certificate(driver, **driver_dates)
    transport_certificate(plate, platform)
    return driver, plate


# -- in force, to the second ---------------------------------------------------------------------

def test_an_order_at_the_second_a_certificate_is_issued_counts_and_one_second_before_does_not(
        platform, clock):
    issued = at(DAY, 10)
    driver, plate = licensed_pair(platform, clock, issued, valid_from=DAY)
    company = platform.company_id
    before = order(company, driver, plate, issued - dt.timedelta(seconds=1))
    on_time = order(company, driver, plate, issued)
    assert verdicts(platform) == {before: (False, False), on_time: (True, True)}


def test_a_certificate_covers_its_last_day_to_midnight(platform, clock):
    last_day = DAY
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30),
                                  valid_from=dt.date(2026, 1, 1), valid_until=last_day)
    company = platform.company_id
    last_second = order(company, driver, plate, at(last_day, 23, 59, 59))
    midnight = order(company, driver, plate, at(last_day + dt.timedelta(days=1), 0))
    assert verdicts(platform, DAY, DAY + dt.timedelta(days=1)) == {
        last_second: (True, True), midnight: (False, True)}


def test_an_order_matched_before_midnight_that_departs_after_it_counts_once_on_its_day(
        platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    order(platform.company_id, driver, plate, at(DAY + dt.timedelta(days=1), 0, 1))  # matched 23:59
    counts, _ = compliance.daily([platform], DAY, DAY + dt.timedelta(days=1))
    assert {day: c.completed for (_, day), c in counts.items()} == {DAY + dt.timedelta(days=1): 1}


def test_a_suspension_ends_cover_at_its_second_and_a_reinstatement_restores_it(platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    certificate = certificates.current_certificate(
        register_or_update(driver, "测试司机", actor="test"), Kind.DRIVER)
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="警方通报",
                            at=at(DAY, 12).astimezone(dt.UTC))
    certificates.set_status(certificate, Status.VALID, actor="test", reason="恢复",
                            at=at(DAY, 14).astimezone(dt.UTC))
    company = platform.company_id
    orders = {moment: order(company, driver, plate, at(DAY, *moment))
              for moment in [(11, 59, 59), (12, 0, 0), (13, 59, 59), (14, 0, 0)]}
    found = verdicts(platform)
    assert [found[orders[m]][0] for m in sorted(orders)] == [True, False, False, True]


def test_a_certificate_revoked_at_ten_covers_a_09_59_departure_and_not_10_00_or_10_01(
        platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    certificate = certificates.current_certificate(
        register_or_update(driver, "测试司机", actor="test"), Kind.DRIVER)
    certificates.set_status(certificate, Status.REVOKED, actor="test", reason="吊销",
                            at=at(DAY, 10).astimezone(dt.UTC))
    company = platform.company_id
    early = order(company, driver, plate, at(DAY, 9, 59, 59))
    exact = order(company, driver, plate, at(DAY, 10))
    later = order(company, driver, plate, at(DAY, 10, 1))
    assert verdicts(platform) == {early: (True, True), exact: (False, True), later: (False, True)}


def test_a_renewal_leaves_no_gap(platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=300),
                                  valid_until=DAY + dt.timedelta(days=20))
    old = certificates.current_certificate(register_or_update(driver, "测试司机", actor="test"),
                                           Kind.DRIVER)
    renewed_at = at(DAY, 15, 30)
    clock(renewed_at)
    driver_certificate(driver, valid_from=DAY, valid_until=dt.date(2032, 11, 9), previous=old)
    company = platform.company_id
    around = [order(company, driver, plate, renewed_at + dt.timedelta(seconds=s))
              for s in (-1, 0, 1)]
    assert [verdicts(platform)[o] for o in around] == [(True, True)] * 3


def test_a_driver_certified_in_another_city_is_not_driver_compliant(platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    elsewhere = id_number(dt.date(1979, 3, 3), region="350102")
    # The platform's base information says 福州 certified the driver; Xiamen's register has none.
    db.session.add(BaseRecord(company_id=platform.company_id, interface="baseInfoDriver",
                              natural_key=elsewhere, update_time=20261101000000, data={
                                  "LicenseId": elsewhere, "CertificateNo": "FZ-350100-0001",
                                  "NetworkCarIssueOrganization": "福州市交通运输局"}))
    company = platform.company_id
    ours = order(company, driver, plate, at(DAY, 9))
    theirs = order(company, elsewhere, plate, at(DAY, 9))
    assert verdicts(platform) == {ours: (True, True), theirs: (False, True)}
    [lead] = [lead for lead in compliance.leads([platform], DAY, DAY) if lead.kind == "driver"]
    assert (lead.holder, lead.orders, lead.history) == (elsewhere, 1, "never")


def test_a_plate_the_platform_reports_in_another_colour_is_not_the_certified_vehicle(
        platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    company = platform.company_id
    first = order(company, driver, plate, at(DAY, 9))
    assert verdicts(platform)[first] == (True, True)     # no colour given: the plate decides
    vehicle = BaseRecord(company_id=company, interface="baseInfoVehicle", natural_key=plate,
                         update_time=20261101000000, data={"VehicleNo": plate, "PlateColor": "1"})
    db.session.add(vehicle)
    db.session.flush()
    assert verdicts(platform)[first] == (True, True)     # blue, as a seven-character plate is
    vehicle.data = {"VehicleNo": plate, "PlateColor": "2"}  # a yellow 闽DCxxxx is another vehicle
    db.session.flush()
    assert verdicts(platform)[first] == (True, False)
    [lead] = compliance.leads([platform], DAY, DAY)
    assert (lead.kind, lead.holder, lead.history, lead.wrong_colour) == (
        "transport", plate, "colour", "2")


# -- which orders count -------------------------------------------------------------------------

def test_only_completed_orders_reported_for_xiamen_count(platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    company = platform.company_id
    paid = order(company, driver, plate, at(DAY, 8))
    arrived = order(company, driver, plate, at(DAY, 9), steps=("match", "depart", "arrive"))
    order(company, driver, plate, at(DAY, 10), steps=("match", "depart"))   # not completed
    order(company, driver, plate, at(DAY, 11), area=350102)                  # 福州
    # No departure record: the match time is the order's time.
    matched = order(company, driver, plate, at(DAY, 12), steps=("match", "pay"))
    assert set(verdicts(platform)) == {paid, arrived, matched}


def test_an_order_belongs_to_the_day_of_its_departure(platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    late = order(platform.company_id, driver, plate, at(DAY, 23, 50))   # paid after midnight
    counts, _ = compliance.daily([platform], DAY, DAY + dt.timedelta(days=1))
    assert counts == {(platform.code, DAY): compliance.Counts(1, 1, 1, 1)}
    assert late in verdicts(platform)


# -- recomputation -----------------------------------------------------------------------------

def test_late_data_rebuilds_only_its_day_and_a_licence_correction_none(platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    company = platform.company_id
    days = [DAY + dt.timedelta(days=n) for n in range(5)]
    for day in days:
        order(company, driver, plate, at(day, 9))
    compliance.daily([platform], days[0], days[-1])
    order(company, id_number(dt.date(1991, 1, 1)), plate, at(days[2], 18))   # arrives late
    counts, refresh = compliance.daily([platform], days[0], days[-1])
    # (the day before reads the day's payments, paid after its midnight; the day after reads
    # the day's matches, for departures after midnight)
    assert refresh.rebuilt == days[1:4] and refresh.current == [days[0], days[4]]
    assert counts[platform.code, days[2]] == compliance.Counts(2, 1, 2, 1)

    # A correction: the driver's certificate was in fact suspended from the last day, 08:00.
    certificate = certificates.current_certificate(
        register_or_update(driver, "测试司机", actor="test"), Kind.DRIVER)
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="补录暂扣",
                            at=at(days[4], 8).astimezone(dt.UTC))
    counts, refresh = compliance.daily([platform], days[0], days[-1])
    assert refresh.rebuilt == [] and counts[platform.code, days[4]] == compliance.Counts(1, 0, 1, 0)


# -- rates and the ranking ----------------------------------------------------------------------

@pytest.fixture
def month_of_orders(app, database, clock):
    """Three platforms in November (one an aggregator) and one in October, orders known."""
    big, small, aggregator = licensed_platform(), licensed_platform(), licensed_platform()
    aggregator.aggregator = True
    driver, plate = licensed_pair(big, clock, at(DAY, 0) - dt.timedelta(days=60))
    stranger = id_number(dt.date(1992, 2, 2))
    for n in range(10):     # big: 10 orders, 9 dual-compliant (90 %)
        order(big.company_id, stranger if n == 0 else driver, plate, at(DAY, 8, n))
    for n in range(4):      # small: 4 orders, 1 dual-compliant (25 %)
        order(small.company_id, driver if n == 0 else stranger, plate, at(DAY, 9, n))
    for n in range(2):      # the aggregator: 2 orders, both (100 %)
        order(aggregator.company_id, driver, plate, at(DAY, 10, n))
    for n in range(5):      # big in October: 5 orders, 4 dual-compliant (80 %)
        order(big.company_id, stranger if n == 0 else driver, plate, at(dt.date(2026, 10, 20), 9, n))
    db.session.flush()
    return big, small, aggregator


def test_the_ranking_is_by_completed_orders_with_aggregators_apart(month_of_orders):
    big, small, aggregator = month_of_orders
    report = compliance.month_report(MONTH)
    assert [(r["rank"], r["code"], r["completed"], r["dual_rate"]) for r in report["ranking"]] == [
        (1, big.code, 10, 0.9), (2, small.code, 4, 0.25)]
    assert [(r["rank"], r["code"], r["dual_rate"]) for r in report["aggregators"]] == [
        (1, aggregator.code, 1.0)]
    assert report["named"] == [big.name, aggregator.name]       # at 80 % or more
    assert report["ranking"][0]["change_points"] == 10.0          # 80 % → 90 %
    assert report["ranking"][1]["change_points"] is None          # nothing in October
    assert (report["city"]["completed"], report["city"]["dual_compliant"]) == (16, 12)
    assert report["city"]["change_points"] == round((12 / 16 - 0.8) * 100, 2)
    assert report["trend"][-2:] == [
        {"month": "2026-10", **compliance.Counts(5, 4, 5, 4).to_json()},
        {"month": "2026-11", **compliance.Counts(16, 12, 16, 12).to_json()}]


def test_staff_api_gives_the_same_numbers_per_day_and_month(month_of_orders, client, sign_in):
    big, *_ = month_of_orders
    sign_in(Role.SUPERVISOR)
    answer = client.get("/api/v1/supervision/compliance?from=2026-10-01&to=2026-11-30"
                        "&granularity=month")
    assert answer.status_code == 200
    by_code = {p["code"]: p["figures"] for p in answer.json["platforms"]}
    assert [(f["period"], f["completed"], f["dual_compliant"]) for f in by_code[big.code]] == [
        ("2026-10", 5, 4), ("2026-11", 10, 9)]
    assert [f["dual_rate"] for f in answer.json["city"]] == [0.8, 0.75]
    one = client.get(f"/api/v1/supervision/compliance?platform={big.code}&from={DAY}&to={DAY}")
    assert [p["code"] for p in one.json["platforms"]] == [big.code]
    assert one.json["platforms"][0]["figures"] == [{
        "period": DAY.isoformat(), **compliance.Counts(10, 9, 10, 9).to_json()}]


def test_the_staff_api_is_for_supervisors_and_refuses_bad_input(app, database, client, sign_in):
    assert client.get("/api/v1/supervision/compliance").status_code == 401
    sign_in(Role.CLERK)
    assert client.get("/api/v1/supervision/compliance").status_code == 403
    sign_in(Role.SUPERVISOR)
    for query in ("granularity=week", "from=2026-13-01", "from=2026-11-02&to=2026-11-01",
                  "platform=nobody"):
        answer = client.get(f"/api/v1/supervision/compliance?{query}")
        assert answer.status_code in (400, 404) and answer.json["message"], query


def test_the_public_figures_have_the_ranking_and_no_personal_data(month_of_orders, client):
    big, small, aggregator = month_of_orders
    answer = client.get("/api/v1/public/compliance?month=2026-11")
    assert answer.status_code == 200
    assert [r["code"] for r in answer.json["ranking"]] == [big.code, small.code]
    assert answer.json["city"]["dual_rate"] == 0.75
    text = answer.get_data(as_text=True)
    assert "闽DC" not in text and not re.search(r"[0-9]{17}[0-9X]", text)   # no plate, no ID
    assert client.get("/api/v1/public/compliance?month=2099-01").status_code == 422
    assert client.get("/api/v1/public/compliance?month=November").status_code == 422


# -- leads, the dashboard, the bulletin ---------------------------------------------------------

def test_leads_export_as_excel_friendly_csv_with_masked_id_numbers(month_of_orders, client,
                                                                   sign_in):
    sign_in(Role.SUPERVISOR)
    answer = client.get("/console/supervision/compliance/leads.csv?month=2026-11")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    stranger_rows = [line for line in text.splitlines() if "从未持证" in line]
    assert len(stranger_rows) == 2          # the stranger, behind orders of two platforms
    assert all("*" in row and "/console/supervision/compliance/leads/driver/" in row
               for row in stranger_rows)
    link = stranger_rows[0].rsplit(",", 1)[1]
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200 and "从未有过" in page.get_data(as_text=True)


def test_the_dashboard_shows_the_ranking_charts_quality_and_leads(month_of_orders, client,
                                                                  sign_in):
    big, *_ = month_of_orders
    sign_in(Role.SUPERVISOR)
    page = client.get("/console/supervision/compliance/?month=2026-11").get_data(as_text=True)
    assert big.name in page and "90.0%" in page and "+10.00" in page
    assert page.count("<svg") == 2 and "<polyline" in page and "<rect" in page
    assert "执法线索" in page and "数据质量" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)     # nothing from elsewhere


def test_the_dashboard_is_for_supervisors(app, database, client, sign_in):
    sign_in(Role.CLERK)
    assert client.get("/console/supervision/compliance/").status_code == 403


def test_the_bulletin_is_a_chinese_pdf_with_the_ranking(month_of_orders, cli, tmp_path):
    big, *_ = month_of_orders
    out = tmp_path / "bulletin.pdf"
    result = cli.invoke(args=["supervision", "bulletin", "--month", "2026-11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "2026年11月双合规情况通报" in text and big.name in text and "90.00%" in text
    assert "聚合平台" in text and "数据传输质量" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts
    bad = cli.invoke(args=["supervision", "bulletin", "--month", "2026-13", "--out", str(out)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output


# -- the keys ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["350203199001010011", "35020319900101001X", "35020319900101001x",
                                   "12345", "闽D12345", "闽DF12345", "粤B0A12挂", "闽d12345", ""])
def test_keys_are_the_same_in_python_and_in_sql(value):
    connection = duckdb.connect()
    driver, plate = connection.execute(
        f"SELECT {compliance.driver_key_sql('$v')}, {compliance.plate_key_sql('$v')}",
        {"v": value}).fetchone()
    assert (driver, plate) == (compliance.driver_key(value), compliance.plate_key(value))


def test_keys_tell_every_plate_apart():
    plates = {f"闽D{a}{n:04d}" for a in "DF0" for n in range(0, 10000, 7)}
    plates |= {p + "1" for p in plates}
    assert len({compliance.plate_key(p) for p in plates}) == len(plates)


def test_pruning_drops_the_facts_of_the_days_pruned(platform, clock):
    driver, plate = licensed_pair(platform, clock, at(DAY, 0) - dt.timedelta(days=30))
    order(platform.company_id, driver, plate, at(DAY, 9))
    compliance.daily([platform], DAY, DAY)
    directory = compliance.facts_dir(events.store()) / f"day={DAY}"
    assert list(directory.glob("*.parquet"))
    compliance.prune_facts(events.store(), DAY)
    assert directory.is_dir()                      # (kept: not before the limit)
    compliance.prune_facts(events.store(), DAY + dt.timedelta(days=1))
    assert not directory.exists()
