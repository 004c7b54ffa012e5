"""Races that only a real database settles: proven on PostgreSQL with committed transactions."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from backend.db import db, utcnow
from backend.drivers.exams import add_session
from backend.drivers.models import ExamBooking, ExamSession
from backend.licensing.models import Application
from tests.conftest import POSTGRES_URL
from tests.drivers.helpers import ADDRESS, eligible_records, import_records
from tests.factories import citizen_token, id_number
from tests.harness import fire_together

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="no PostgreSQL server answers")


def test_concurrent_identical_submissions_make_one_application(committed_app):
    number = id_number()
    with committed_app.app_context():
        import_records(eligible_records(number, "陈并发"))
        db.session.commit()
    client = committed_app.test_client()
    _, headers = citizen_token(client, number, "陈并发")
    body = {"matter": "driver-cert-issue", "phone": "13800000000", "mailing_address": ADDRESS}
    responses = fire_together([lambda: committed_app.test_client().post(
        "/api/v1/applications", json=body, headers={**headers, "Idempotency-Key": "same-key"})] * 4)
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json["number"] for r in responses}) == 1
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_concurrent_different_keys_still_make_one_open_application(committed_app):
    number = id_number()
    with committed_app.app_context():
        import_records(eligible_records(number, "林并发"))
        db.session.commit()
    _, headers = citizen_token(committed_app.test_client(), number, "林并发")
    body = {"matter": "driver-cert-issue", "phone": "13800000000", "mailing_address": ADDRESS}
    responses = fire_together([lambda: committed_app.test_client().post(
        "/api/v1/applications", json=body,
        headers={**headers, "Idempotency-Key": str(threading.get_ident())})] * 4)
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_first_time_and_returning_applicants_at_once_never_fail(committed_app):
    """Registering a new person and numbering an application take locks in different orders;
    no mix of the two may deadlock (a citizen would get a 500)."""
    people = [(id_number(), f"陈并发{i}") for i in range(6)]
    with committed_app.app_context():
        for number, name in people:
            import_records(eligible_records(number, name))
        db.session.commit()
    client = committed_app.test_client()
    tokens = [citizen_token(client, number, name)[1] for number, name in people]
    for headers in tokens[:3]:  # half of them are known already
        client.get("/api/v1/me", headers=headers)
    body = {"matter": "driver-cert-issue", "phone": "13800000000", "mailing_address": ADDRESS}
    pending = iter(tokens)
    lock = threading.Lock()

    def submit():
        with lock:
            headers = next(pending)
        return committed_app.test_client().post("/api/v1/applications", json=body, headers=headers)

    responses = fire_together([submit] * len(tokens))
    assert [r.status_code for r in responses] == [201] * len(tokens)


def test_applicants_approved_at_once_never_take_the_last_exam_seat_twice(committed_app):
    """Four eligible applicants at once, one session with two seats: two are booked into it,
    the others wait for the next session; the seats counted are the bookings made."""
    people = [(id_number(), f"王抢座{i}") for i in range(4)]
    with committed_app.app_context():
        add_session("并发考场", utcnow() + dt.timedelta(days=5), 2, actor="test")
        for number, name in people:
            import_records(eligible_records(number, name))
        db.session.commit()
    client = committed_app.test_client()
    tokens = [citizen_token(client, number, name)[1] for number, name in people]
    body = {"matter": "driver-cert-issue", "phone": "13800000000", "mailing_address": ADDRESS}
    responses = fire_together([
        (lambda headers=headers: committed_app.test_client().post(
            "/api/v1/applications", json=body, headers=headers)) for headers in tokens])
    assert [r.status_code for r in responses] == [201] * 4
    assert {r.json["status"] for r in responses} == {"awaiting_exam"}
    with committed_app.app_context():
        session = db.session.scalar(sa.select(ExamSession).where(ExamSession.place == "并发考场"))
        booked = db.session.scalar(sa.select(sa.func.count()).select_from(ExamBooking)
                                   .where(ExamBooking.session_id == session.id))
        assert (session.booked, booked) == (2, 2)
