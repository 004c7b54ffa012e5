"""Exam sessions: examiners add them, applicants awaiting the exams are booked into one and
told where and when (app message and SMS), and may choose another in the app."""

import datetime as dt

import sqlalchemy as sa

from backend.drivers.models import ExamBooking, ExamSession
from backend.licensing.models import State
from backend.licensing.operations import today
from backend.notify.models import PersonMessage, Sms
from backend.staff.models import Role
from tests.factories import citizen_token
from tests.harness import post
from tests.staff.conftest import application, apply, eligible_driver


def _beijing_input(days: int, hour: int = 9) -> str:
    day = today() + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00"


def _add_session(client, days: int, capacity: int, place="厦门市机动车驾驶人考试中心（集美）"):
    return post(client, "/console/exam-sessions", {"place": place, "starts_at": _beijing_input(days),
                                                   "capacity": str(capacity)})


def _sms_for(database, number):
    database.session.expire_all()
    return database.session.scalars(sa.select(Sms.text).where(Sms.reference == number)).all()


def test_an_applicant_waits_for_a_session_and_is_booked_and_texted_when_one_is_added(
        client, sign_in, database):
    first, second = eligible_driver(), eligible_driver("王海")
    number_1, number_2 = apply(client, first), apply(client, second, "王海")
    assert _sms_for(database, number_1) == []  # no session yet: told in the app only
    sign_in(Role.EXAMINER)
    page = client.get("/console/exam-sessions").get_data(as_text=True)
    assert number_1 in page and number_2 in page  # waiting for a seat

    response = _add_session(client, days=10, capacity=1)
    assert response.status_code == 302
    session_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 名待考人员" in session_page and number_1 in session_page  # the longest waiting
    assert number_2 not in session_page
    when = _beijing_input(10).replace("T", " ")
    [sms] = _sms_for(database, number_1)
    assert when in sms and "厦门市机动车驾驶人考试中心（集美）" in sms and number_1 in sms
    assert _sms_for(database, number_2) == []
    # the second one is still waiting, and shown so
    assert number_2 in client.get("/console/exam-sessions").get_data(as_text=True)
    assert "尚未安排场次" in client.get("/console/exams").get_data(as_text=True)


def test_a_new_application_is_booked_into_the_first_session_with_a_seat(client, sign_in, database):
    sign_in(Role.EXAMINER)
    assert _add_session(client, days=5, capacity=1, place="甲考场").status_code == 302
    assert _add_session(client, days=9, capacity=5, place="乙考场").status_code == 302
    number_1 = apply(client, eligible_driver())
    number_2 = apply(client, eligible_driver("王海"), "王海")
    assert "甲考场" in _sms_for(database, number_1)[0]
    assert "乙考场" in _sms_for(database, number_2)[0]  # the first one was full
    database.session.expire_all()
    assert [s.booked for s in database.session.scalars(
        sa.select(ExamSession).order_by(ExamSession.starts_at))] == [1, 1]


def test_the_applicant_sees_the_booking_and_chooses_another_session_in_the_app(
        client, sign_in, database):
    sign_in(Role.EXAMINER)
    _add_session(client, days=5, capacity=2, place="甲考场")
    _add_session(client, days=12, capacity=1, place="乙考场")
    driver = eligible_driver()
    number = apply(client, driver)
    _, headers = citizen_token(client, driver, "林志远")

    booking = client.get(f"/api/v1/applications/{number}/exam-booking", headers=headers)
    assert booking.status_code == 200 and booking.json["session"]["place"] == "甲考场"
    sessions = client.get("/api/v1/exam-sessions", headers=headers).json["items"]
    later = next(s for s in sessions if s["place"] == "乙考场")
    assert later["seats_left"] == 1

    moved = client.put(f"/api/v1/applications/{number}/exam-booking", headers=headers,
                       json={"session": later["id"]})
    assert moved.status_code == 200, moved.json
    assert moved.json["session"]["place"] == "乙考场"
    assert "乙考场" in _sms_for(database, number)[-1]
    database.session.expire_all()
    seats = {s.place: s.booked for s in database.session.scalars(sa.select(ExamSession))}
    assert seats == {"甲考场": 0, "乙考场": 1}  # the old seat was given back
    messages = database.session.scalars(sa.select(PersonMessage.title)
                                        .where(PersonMessage.reference == number)).all()
    assert len(messages) == 2

    # the full session, another person's application, a bad body
    other = eligible_driver("王海")
    other_number = apply(client, other, "王海")
    _, other_headers = citizen_token(client, other, "王海")
    full = client.put(f"/api/v1/applications/{other_number}/exam-booking", headers=other_headers,
                      json={"session": later["id"]})
    assert full.status_code == 409 and "已约满" in full.json["message"]
    assert client.put(f"/api/v1/applications/{number}/exam-booking", headers=other_headers,
                      json={"session": later["id"]}).status_code == 404
    assert client.put(f"/api/v1/applications/{number}/exam-booking", headers=headers,
                      json={"session": "2"}).status_code == 422


def test_a_failed_subject_books_the_retake_into_the_next_session(client, sign_in, database,
                                                                 app):
    sign_in(Role.EXAMINER)
    _add_session(client, days=5, capacity=2, place="甲考场")
    number = apply(client, eligible_driver())
    # the session is held (moved into the past here), and the applicant fails a subject
    database.session.expire_all()
    held = database.session.scalar(sa.select(ExamSession))
    held.starts_at = held.starts_at - dt.timedelta(days=6)
    database.session.commit()
    _add_session(client, days=8, capacity=2, place="乙考场")
    post(client, "/console/exams", {"application_number": number, "subject": "national",
                                    "score": "50", "passed": "no"})
    assert application(database, number).state == State.AWAITING_EXAM
    bookings = database.session.scalars(sa.select(ExamBooking).order_by(ExamBooking.id)).all()
    assert [b.session.place for b in bookings] == ["甲考场", "乙考场"]
    assert "乙考场" in _sms_for(database, number)[-1]


def test_an_examiner_cannot_shrink_a_session_below_its_bookings_and_a_move_is_told(
        client, sign_in, database):
    sign_in(Role.EXAMINER)
    location = _add_session(client, days=5, capacity=3, place="甲考场").headers["Location"]
    number = apply(client, eligible_driver())
    refused = post(client, location, {"place": "甲考场", "starts_at": _beijing_input(5),
                                      "capacity": "0"})
    assert refused.status_code == 200
    moved = post(client, location, {"place": "丙考场", "starts_at": _beijing_input(6, 14),
                                    "capacity": "3"})
    assert moved.status_code == 302
    last = _sms_for(database, number)[-1]
    assert "改为" in last and "丙考场" in last and _beijing_input(6, 14).replace("T", " ") in last


def test_only_examiners_manage_sessions(client, sign_in):
    sign_in(Role.CLERK)
    assert client.get("/console/exam-sessions").status_code == 403


def test_the_exam_centre_adds_a_session_from_the_command_line(cli, client, database):
    number = apply(client, eligible_driver())
    day = (today() + dt.timedelta(days=7)).isoformat()
    result = cli.invoke(args=["exams", "session-add", "--place", "丁考场", "--at", f"{day} 14:30",
                              "--capacity", "10"])
    assert result.exit_code == 0, result.output
    assert f"{day} 14:30 (Beijing time), 丁考场, 1/10 booked" in result.output
    assert "丁考场" in _sms_for(database, number)[0]
    listed = cli.invoke(args=["exams", "sessions"])
    assert "1/10" in listed.output and "丁考场" in listed.output
    past = cli.invoke(args=["exams", "session-add", "--place", "戊", "--at", "2000-01-01 09:00",
                            "--capacity", "10"])
    assert past.exit_code == 2 and "future" in past.output
