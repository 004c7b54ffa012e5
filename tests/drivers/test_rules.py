"""Every driver rule at its boundary, evaluated on facts as the sources give them."""

import datetime as dt

import pytest

from backend import config as config_module
from backend.drivers.rules import DRIVER_RULES
from backend.licensing.models import Outcome
from backend.licensing.rules import Context, Facts, evaluate
from backend.verification.sources import Answer, Question, Status
from tests.factories import id_number

TODAY = dt.date(2026, 11, 30)
CONFIG = config_module.from_environment("/tmp")
NUMBER = id_number(dt.date(1990, 6, 15))


def answer(key: str, data, status=Status.FOUND) -> Answer:
    source, operation = key.split(".")
    return Answer(Question(source, operation, {}), status, data, f"q-{key}", 1.0, "mirror")


def facts(**overrides) -> Facts:
    data = {
        "identity.person": {"id_number": NUMBER, "name": "陈测试", "sex": "1",
                            "birth_date": "1990-06-15", "hukou_region": "350203",
                            "card_valid_until": "长期", "card_reported_lost": False},
        "police_records.records": [],
        "police_alerts.alerts": [],
        "driving_licence.licence": {"licence_class": "C1", "first_issued_on": "2015-05-01",
                                    "status": "valid", "valid_until": "2031-05-01", "cycles": []},
        "residence_permit.permit": None,
        "credit.entries": {"entries": []},
    }
    data.update(overrides)
    return Facts({key: answer(key, value, Status.FOUND if value is not None else Status.NOT_FOUND)
                  for key, value in data.items()})


def outcome_of(rule: str, the_facts: Facts, today=TODAY, number=NUMBER, name="陈测试") -> Outcome:
    context = Context(today=today, config=CONFIG, id_number=number, name=name)
    return evaluate([rule], the_facts, context)[0].verdict.outcome


def licence(**fields):
    base = {"licence_class": "C1", "first_issued_on": "2015-05-01", "status": "valid",
            "valid_until": "2031-05-01", "cycles": []}
    return {**base, **fields}


def test_an_eligible_driver_passes_every_rule():
    context = Context(today=TODAY, config=CONFIG, id_number=NUMBER, name="陈测试")
    assert {o.rule: o.verdict.outcome for o in evaluate(DRIVER_RULES, facts(), context)} == {
        rule: Outcome.PASS for rule in DRIVER_RULES}


@pytest.mark.parametrize(("first_issued", "expected"), [
    ("2023-12-01", Outcome.FAIL),   # three years complete tomorrow
    ("2023-11-30", Outcome.PASS),   # three years complete today: the date itself counts
    ("2023-11-29", Outcome.PASS),
])
def test_experience_boundary(first_issued, expected):
    the_facts = facts(**{"driving_licence.licence": licence(first_issued_on=first_issued)})
    assert outcome_of("drv.experience", the_facts) == expected


def test_experience_from_29_february_completes_on_1_march():
    the_facts = facts(**{"driving_licence.licence": licence(first_issued_on="2024-02-29")})
    assert outcome_of("drv.experience", the_facts, today=dt.date(2027, 2, 28)) == Outcome.FAIL
    assert outcome_of("drv.experience", the_facts, today=dt.date(2027, 3, 1)) == Outcome.PASS


def cycles(*points):
    """Consecutive yearly cycles ending before TODAY, oldest first, with these points."""
    start = dt.date(TODAY.year - len(points), 1, 1)
    result = []
    for offset, value in enumerate(points):
        begin = start.replace(year=start.year + offset)
        result.append({"start": begin.isoformat(),
                       "end": (begin.replace(year=begin.year + 1) - dt.timedelta(days=1)).isoformat(),
                       "points": value})
    return result


@pytest.mark.parametrize(("points", "expected"), [
    ((0, 11, 3), Outcome.PASS),         # 11 points is not a full 12
    ((0, 12, 3), Outcome.FAIL),         # 12 in the last three cycles
    ((12, 0, 0, 0), Outcome.PASS),      # 12 in a cycle just outside the last three
    ((0, 0, 15), Outcome.FAIL),
])
def test_points_boundary(points, expected):
    the_facts = facts(**{"driving_licence.licence": licence(cycles=cycles(*points))})
    assert outcome_of("drv.points", the_facts) == expected


def test_points_counts_the_current_cycle():
    current = [{"start": "2026-05-01", "end": "2027-04-30", "points": 12}]
    the_facts = facts(**{"driving_licence.licence": licence(cycles=cycles(0, 0) + current)})
    assert outcome_of("drv.points", the_facts) == Outcome.FAIL


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, Outcome.PASS),
    ({"status": "suspended"}, Outcome.FAIL),
    ({"valid_until": "2026-11-29"}, Outcome.FAIL),
    ({"valid_until": "2026-11-30"}, Outcome.PASS),
    ({"licence_class": "D"}, Outcome.FAIL),
    ({"licence_class": "B2"}, Outcome.PASS),
])
def test_licence_valid(fields, expected):
    assert outcome_of("drv.licence_valid", facts(**{"driving_licence.licence": licence(**fields)})) == expected


def test_no_licence_fails_licence_and_experience_only():
    the_facts = facts(**{"driving_licence.licence": None})
    assert outcome_of("drv.licence_valid", the_facts) == Outcome.FAIL
    assert outcome_of("drv.experience", the_facts) == Outcome.FAIL
    assert outcome_of("drv.points", the_facts) == Outcome.PASS


@pytest.mark.parametrize(("category", "criminal", "drugs"), [
    ("traffic_crime", Outcome.FAIL, Outcome.PASS),
    ("dangerous_driving", Outcome.FAIL, Outcome.PASS),
    ("violent_crime", Outcome.FAIL, Outcome.PASS),
    ("drug_use", Outcome.PASS, Outcome.FAIL),
    ("drink_driving", Outcome.PASS, Outcome.FAIL),
])
def test_police_records_split_between_two_rules(category, criminal, drugs):
    the_facts = facts(**{"police_records.records": [{"category": category, "recorded_on": "2020-01-01"}]})
    assert outcome_of("drv.criminal", the_facts) == criminal
    assert outcome_of("drv.drugs_dui", the_facts) == drugs


def test_identity_fails_on_unknown_person_other_name_and_lost_card():
    assert outcome_of("drv.identity", facts(**{"identity.person": None})) == Outcome.FAIL
    assert outcome_of("drv.identity", facts(), name="陈别人") == Outcome.FAIL
    lost = dict(facts().data("identity.person"), card_reported_lost=True)
    assert outcome_of("drv.identity", facts(**{"identity.person": lost})) == Outcome.FAIL


@pytest.mark.parametrize(("hukou", "permit", "expected"), [
    ("350203", None, Outcome.PASS),
    ("350500", None, Outcome.FAIL),
    ("350500", {"city_code": "350200", "valid_until": "2026-11-30"}, Outcome.PASS),
    ("350500", {"city_code": "350200", "valid_until": "2026-11-29"}, Outcome.FAIL),
    ("350500", {"city_code": "350100", "valid_until": "2027-01-01"}, Outcome.FAIL),
])
def test_residence(hukou, permit, expected):
    person = dict(facts().data("identity.person"), hukou_region=hukou)
    the_facts = facts(**{"identity.person": person, "residence_permit.permit": permit})
    assert outcome_of("drv.residence", the_facts) == expected


@pytest.mark.parametrize(("birth", "expected"), [
    (dt.date(2008, 11, 30), Outcome.PASS),   # 18 today
    (dt.date(2008, 12, 1), Outcome.FAIL),    # 18 tomorrow
    (dt.date(1966, 12, 1), Outcome.PASS),    # 60 tomorrow
    (dt.date(1966, 11, 30), Outcome.FAIL),   # 60 today
])
def test_age_boundary(birth, expected):
    assert outcome_of("drv.age", facts(), number=id_number(birth)) == expected


def test_a_silent_source_makes_its_rules_unknown_and_no_other():
    silent = Facts({**facts().answers, "police_records.records": answer(
        "police_records.records", None, Status.UNAVAILABLE)})
    context = Context(today=TODAY, config=CONFIG, id_number=NUMBER, name="陈测试")
    outcomes = {o.rule: o.verdict.outcome for o in evaluate(DRIVER_RULES, silent, context)}
    assert {r for r, o in outcomes.items() if o == Outcome.UNKNOWN} == {"drv.criminal", "drv.drugs_dui"}
    assert Outcome.FAIL not in outcomes.values()


@pytest.mark.parametrize(("region", "words"), [("830000", "港澳台居民"), ("820000", "港澳台居民"),
                                               ("911840", "外国人永久居留身份证")])
def test_a_permit_or_foreigner_number_needs_a_xiamen_residence_permit(region, words):
    """Household registration is for mainland residents: a registry that answers with a
    Xiamen region (or none) for them does not pass the rule; a Xiamen permit does."""
    number = id_number(dt.date(1990, 6, 15), region)
    for hukou in ("350203", None):
        person = dict(facts().data("identity.person"), id_number=number, hukou_region=hukou)
        context = Context(today=TODAY, config=CONFIG, id_number=number, name="陈测试")
        [result] = evaluate(["drv.residence"], facts(**{"identity.person": person}), context)
        assert result.verdict.outcome == Outcome.FAIL
        assert words in result.verdict.reason and result.verdict.reason_en
    permit = {"city_code": "350200", "valid_until": "2027-01-01"}
    assert outcome_of("drv.residence", facts(**{"residence_permit.permit": permit}),
                      number=number) == Outcome.PASS


def test_the_age_of_a_permit_or_foreigner_holder_comes_from_their_number():
    for region in ("830000", "911840"):
        assert outcome_of("drv.age", facts(), number=id_number(dt.date(1950, 1, 1), region)) \
            == Outcome.FAIL
        assert outcome_of("drv.age", facts(), number=id_number(dt.date(1990, 1, 1), region)) \
            == Outcome.PASS
