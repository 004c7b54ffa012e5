"""A department that is down sends applications to review in time, and loses nothing."""

import time

import pytest
import sqlalchemy as sa

from backend.licensing.models import Application, State
from backend.licensing.operations import by_number, recheck
from backend.verification.models import SourceQuery
from tests.drivers.helpers import apply, make_driver
from tests.stub_department import StubDepartment


@pytest.fixture
def police_over_http(app):
    """Point the police source at a local stub department; restore the mirror afterwards."""
    saved = dict(app.config["SOURCE_URLS"]), app.config["SOURCE_BUDGET_SECONDS"]
    with StubDepartment() as department:
        app.config["SOURCE_URLS"] = {**saved[0], "police_records": department.url}
        app.config["SOURCE_BUDGET_SECONDS"] = 0.5
        app.extensions.pop("sources", None)
        yield department
    app.config["SOURCE_URLS"], app.config["SOURCE_BUDGET_SECONDS"] = saved
    app.extensions.pop("sources", None)


def test_police_answering_over_http_decides_normally(client, police_over_http):
    number, headers = make_driver(client)
    police_over_http.records[("records", number)] = []
    response = apply(client, headers)
    assert response.json["status"] == "awaiting_exam"


def test_slow_department_sends_the_application_to_review_within_the_budget(client, database,
                                                                            police_over_http):
    police_over_http.delay = 3.0
    _, headers = make_driver(client)
    started = time.monotonic()
    response = apply(client, headers)
    elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert response.json["status"] == "awaiting_review"
    assert elapsed < 1.5
    unknown = {c["rule"] for c in response.json["checks"] if c["outcome"] == "unknown"}
    assert unknown == {"drv.criminal", "drv.drugs_dui"}
    assert database.session.scalar(sa.select(Application.state)
                                   .where(Application.number == response.json["number"])) \
        == State.AWAITING_REVIEW


def test_stopped_department_then_back_rechecks_to_a_decision(client, app, police_over_http):
    number, headers = make_driver(client)
    police_over_http.status = 503
    application_number = apply(client, headers).json["number"]
    assert by_number(application_number).state == State.AWAITING_REVIEW
    police_over_http.status = 200
    police_over_http.records[("records", number)] = [{"category": "drug_use",
                                                      "recorded_on": "2024-01-01"}]
    app.extensions.pop("sources", None)  # a fresh circuit breaker, as after the cool-down
    recheck(by_number(application_number), actor="staff:test")
    assert by_number(application_number).state == State.REJECTED


def test_every_query_is_logged_with_who_and_why(client, database):
    _, headers = make_driver(client)
    number = apply(client, headers).json["number"]
    rows = database.session.scalars(sa.select(SourceQuery).where(SourceQuery.purpose == number)).all()
    assert {r.source for r in rows} == {"identity", "police_records", "police_alerts",
                                        "driving_licence", "residence_permit", "credit"}
    assert all(r.requester.startswith("person:") and r.request_hash and r.hash for r in rows)


def test_query_log_chain_detects_tampering(client, database):
    from backend.audit.operations import verify_chain
    from backend.verification.sources import QUERY_LOG_COUNTER, query_hash

    _, headers = make_driver(client)
    apply(client, headers)
    assert verify_chain(SourceQuery, QUERY_LOG_COUNTER, query_hash)[1] is None
    victim = database.session.scalars(sa.select(SourceQuery).order_by(SourceQuery.id)).first()
    database.session.execute(sa.update(SourceQuery).where(SourceQuery.id == victim.id)
                             .values(outcome="not_found"))
    database.session.expire_all()
    problem = verify_chain(SourceQuery, QUERY_LOG_COUNTER, query_hash)[1]
    assert problem.entry_id == victim.id


def test_a_rejected_application_names_the_department_not_asked_and_promises_no_review(
        client, police_over_http):
    """The licence fails and the police do not answer: the answer is a rejection, so its
    unanswered checks say which department could not be asked, never "已转人工审核", and
    never the source's internal name."""
    police_over_http.status = 503
    licence = [{"licence_class": "C1", "first_issued_on": "2015-05-01", "status": "revoked",
                "valid_until": "2031-05-01", "cycles": []}]
    _, headers = make_driver(client, driving_licence=licence)
    body = apply(client, headers).json
    assert body["status"] == "rejected"
    unknown = [c for c in body["checks"] if c["outcome"] == "unknown"]
    assert {c["rule"] for c in unknown} == {"drv.criminal", "drv.drugs_dui"}
    for check in unknown:
        assert "公安机关（违法犯罪记录）" in check["reason"]
        assert "police (criminal records) could not be asked" in check["reason_en"]
    chinese = " ".join([c["reason"] for c in body["checks"]]
                       + [h["reason"] or "" for h in body["history"]])
    english = " ".join(c["reason_en"] for c in body["checks"])
    assert "人工审核" not in chinese and "review" not in english
    assert "police_records" not in chinese + english
    assert "「吊销」" in chinese and "revoked" not in chinese


def test_a_review_says_which_department_could_not_be_asked(client, police_over_http):
    police_over_http.status = 503
    _, headers = make_driver(client)
    body = apply(client, headers).json
    assert body["status"] == "awaiting_review"
    assert body["history"][-1]["reason"] == "公安机关（违法犯罪记录）暂时无法核验，已转人工审核"
