import time

import pytest

from backend.verification.sources import (
    AnswerInvalid,
    CircuitBreaker,
    HttpSource,
    Question,
    SourceUnavailable,
)
from tests.stub_department import StubDepartment

QUESTION = Question("police_records", "records", {"id_number": "350203199001011237"})


@pytest.fixture
def department():
    with StubDepartment() as stub:
        yield stub


def test_answers_found_and_not_found(department):
    department.records[("records", "350203199001011237")] = [{"category": "drug_use",
                                                              "recorded_on": "2020-01-01"}]
    source = HttpSource("police_records", department.url)
    assert source.ask(QUESTION) == [{"category": "drug_use", "recorded_on": "2020-01-01"}]
    other = Question("police_records", "records", {"id_number": "110105194912310021"})
    assert source.ask(other) is None


def test_retries_a_bounded_number_of_times_then_gives_up(department):
    department.status = 503
    source = HttpSource("police_records", department.url, retries=2)
    with pytest.raises(SourceUnavailable):
        source.ask(QUESTION)
    assert department.requests == 3


def test_times_out_instead_of_hanging(department):
    department.delay = 1.0
    source = HttpSource("police_records", department.url, timeout=0.1, retries=0)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable):
        source.ask(QUESTION)
    assert time.monotonic() - started < 0.8


def test_circuit_opens_after_repeated_failures_and_stops_calling(department):
    department.status = 500
    source = HttpSource("police_records", department.url, retries=0,
                        breaker=CircuitBreaker(threshold=2, cooldown=60))
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            source.ask(QUESTION)
    calls = department.requests
    with pytest.raises(SourceUnavailable, match="circuit open"):
        source.ask(QUESTION)
    assert department.requests == calls


def test_circuit_lets_a_trial_through_after_the_cooldown(department):
    breaker = CircuitBreaker(threshold=1, cooldown=0.05)
    source = HttpSource("police_records", department.url, retries=0, breaker=breaker)
    department.status = 500
    with pytest.raises(SourceUnavailable):
        source.ask(QUESTION)
    assert breaker.is_open
    department.status = 200
    time.sleep(0.06)
    assert source.ask(QUESTION) is None  # answered (not found) by the recovered department
    assert not breaker.is_open


def test_a_department_that_is_gone_is_unavailable():
    stub = StubDepartment()
    url = stub.url
    stub.stop()
    with pytest.raises(SourceUnavailable):
        HttpSource("police_records", url, timeout=0.2, retries=0).ask(QUESTION)


def test_null_data_is_an_invalid_answer_not_a_not_found(department):
    department.bodies[("records", "350203199001011237")] = {"data": None}
    with pytest.raises(AnswerInvalid):
        HttpSource("police_records", department.url).ask(QUESTION)


def test_an_answer_outside_the_contract_is_not_asked_again_but_counts_against_the_breaker(
        department):
    department.bodies[("records", "350203199001011237")] = {"data": [{"category": "jaywalking",
                                                                      "recorded_on": "2020-01-01"}]}
    source = HttpSource("police_records", department.url, retries=2,
                        breaker=CircuitBreaker(threshold=2, cooldown=60))
    for _ in range(2):
        with pytest.raises(AnswerInvalid):
            source.ask(QUESTION)
    assert department.requests == 2
    assert source.breaker.is_open
