"""Credit grades by the rules in grades.json, with the breakdown that produced them."""

import datetime as dt

import pytest

from backend.credit import grades, operations
from backend.credit.catalogue import SubjectKind
from backend.credit.models import Grade
from backend.db import db
from backend.licensing.operations import today
from tests.credit.helpers import person, record
from tests.supervision.platforms import licensed_platform


def test_a_driver_loses_the_points_of_their_records_in_the_year(database):
    driver = person()
    record("drv.overcharge", driver.id_number)        # −3
    record("drv.abandon_or_detour", driver.id_number)  # −3
    result = grades.grade_driver(driver.id_number, grades.as_of(today()))
    assert result["score"] == 14 and result["grade"] == "AA"
    assert [line["points"] for line in result["breakdown"]["records"]] == [3, 3]
    assert grades.grade_driver(person().id_number, grades.as_of(today()))["grade"] == "AAA"


def test_a_record_outside_the_period_or_overturned_does_not_count(database):
    driver = person()
    record("drv.overcharge", driver.id_number, occurred_on=today() - dt.timedelta(days=400))
    overturned = record("drv.overcharge", driver.id_number)
    operations.uphold_appeal(overturned, "复议撤销", actor="staff:clerk")
    assert grades.grade_driver(driver.id_number, grades.as_of(today()))["score"] == 20


def test_a_blacklisted_driver_is_graded_b_whatever_the_score(database):
    driver = person()
    record("drv.forged_certificate", driver.id_number)  # −10 and the blacklist
    result = grades.grade_driver(driver.id_number, grades.as_of(today()))
    assert result["score"] == 10 and result["grade"] == "B"
    assert result["breakdown"]["cap"] == {"because": "blacklisted", "grade": "B", "would_be": "A"}


def test_a_platform_is_graded_on_the_indicators_with_a_figure_less_its_records(database):
    platform = licensed_platform()
    period = grades.as_of(today())
    figures = grades.platform_figures([platform], period)[platform.code]
    assert figures["dual_compliance_rate"] is None  # (not available: left out)
    result = grades.grade_platform(platform, period, dict(
        figures, licensed_vehicles_reporting_share=0.8, orders_complete_share=1.0,
        consistent_share=1.0, upheld_complaints=10))
    lines = {line["code"]: line for line in result["breakdown"]["indicators"]}
    assert lines["dual_compliance"]["points"] is None
    assert lines["data_access"]["points"] == 200.0 and lines["complaints"]["points"] == 180.0
    # (200 + 150 + 100 + 180) of 700 → scaled to 1000
    assert result["breakdown"]["scaled"] == 900.0 and result["grade"] == "AAAA"
    record("plat.vehicle_condition", platform.uscc, platform.name)  # −30
    result = grades.grade_platform(platform, period, dict(
        figures, licensed_vehicles_reporting_share=0.8, orders_complete_share=1.0,
        consistent_share=1.0, upheld_complaints=10))
    assert result["score"] == 870.0 and result["grade"] == "AAA"


def test_the_yearly_command_stores_every_grade_and_a_rerun_replaces_it(cli, database):
    platform = licensed_platform()
    driver = person()
    record("drv.overcharge", driver.id_number)
    year = str(today().year)
    for _ in range(2):
        result = cli.invoke(args=["credit", "grades", "--year", year])
        assert result.exit_code == 0, result.output
    stored = db.session.query(Grade).filter(Grade.period == year).all()
    kinds = {(g.subject_kind, g.subject_key): g for g in stored}
    assert len(stored) == len(kinds)
    assert kinds[SubjectKind.DRIVER, driver.id_number].grade == "AA"
    assert (SubjectKind.PLATFORM, platform.uscc) in kinds
    assert grades.latest_yearly(SubjectKind.PLATFORM, platform.uscc).period == year


@pytest.mark.parametrize(("day", "first"), [(dt.date(2026, 12, 6), dt.date(2025, 12, 7)),
                                            (dt.date(2028, 2, 29), dt.date(2027, 3, 1))])
def test_as_of_a_day_covers_the_twelve_months_ending_that_day(day, first):
    assert grades.as_of(day).first == first and grades.as_of(day).last == day


def test_a_platforms_grade_reads_its_dual_compliance_rate_as_the_dashboard_counts_it(
        month_of_orders):
    big, small, aggregator = month_of_orders
    november = grades.Period("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    figures = grades.platform_figures([big, small, aggregator], november)
    assert [figures[p.code]["dual_compliance_rate"] for p in (big, small, aggregator)] == [
        0.9, 0.25, 1.0]
    result = grades.grade_platform(big, november, figures[big.code])
    lines = {line["code"]: line for line in result["breakdown"]["indicators"]}
    assert lines["dual_compliance"]["points"] is not None
