"""Exam sessions (考试场次): where and when the exams are held, and who sits them.

The examiners add sessions (place, time, seats) in the console or with ``flask exams
session-add``. An applicant whose checks passed (``awaiting_exam``) is booked into the first
session with a seat that starts at least ``EXAM_BOOKING_LEAD_HOURS`` later, or, when there is
none yet, as soon as the examiners add one; they may choose another session in the app. After
a failed subject they are booked into the next session for the retake. Every booking is told
to the applicant in the app and by SMS (``backend.notify``).

A seat is taken by one guarded update (``booked = booked + 1 WHERE booked < capacity``), so two
bookings at once can never take the last seat twice, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from backend.audit.operations import record
from backend.db import db, utcnow
from backend.drivers.models import ExamBooking, ExamSession
from backend.drivers.schemas import exam_time as local
from backend.errors import ApiError
from backend.licensing.models import Application, State
from backend.licensing.operations import require_state
from backend.notify import operations as notify

MAX_CAPACITY = 1000


def _earliest_start() -> dt.datetime:
    return utcnow() + dt.timedelta(hours=current_app.config["EXAM_BOOKING_LEAD_HOURS"])


def bookable_sessions() -> list[ExamSession]:
    """Sessions an applicant can be booked into now: far enough ahead, with a seat left."""
    return list(db.session.scalars(
        sa.select(ExamSession).where(ExamSession.starts_at >= _earliest_start(),
                                     ExamSession.booked < ExamSession.capacity)
        .order_by(ExamSession.starts_at, ExamSession.id)))


def _validate(place: str, starts_at: dt.datetime, capacity: int, *, booked: int = 0) -> str:
    place = (place or "").strip()
    if not 1 <= len(place) <= 200:
        raise ApiError(422, "请填写考试地点（不超过 200 字）。",
                       "The place is required (at most 200 characters).", field="place")
    if starts_at.tzinfo is None:
        raise ApiError(422, "考试时间须带时区。", "The time needs a time zone.", field="starts_at")
    if starts_at <= utcnow():
        raise ApiError(422, "考试时间须在将来。", "The session must start in the future.",
                       field="starts_at")
    if not max(1, booked) <= capacity <= MAX_CAPACITY:
        raise ApiError(422, f"座位数应在 {max(1, booked)} 到 {MAX_CAPACITY} 之间"
                            f"（已预约 {booked} 人）。",
                       f"Capacity must be between {max(1, booked)} and {MAX_CAPACITY} "
                       f"({booked} already booked).", field="capacity")
    return place


def add_session(place: str, starts_at: dt.datetime, capacity: int, *,
                actor: str) -> ExamSession:
    """A new session; applicants still waiting for a seat are booked into it at once."""
    place = _validate(place, starts_at, capacity)
    session = ExamSession(place=place, starts_at=starts_at, capacity=capacity, booked=0,
                          created_by=actor)
    db.session.add(session)
    db.session.flush()
    record(actor, "exam_session.added", "exam_session", session.id,
           after={"place": place, "starts_at": starts_at.isoformat(), "capacity": capacity})
    if session.starts_at >= _earliest_start():
        for application in waiting_without_seat(limit=capacity):
            if not _book(application, session, actor=actor, chosen=False):
                break
    db.session.flush()
    return session


def change_session(session: ExamSession, *, place: str, starts_at: dt.datetime, capacity: int,
                   actor: str) -> None:
    """Move or resize a session (never below the seats taken); the people booked are told."""
    place = _validate(place, starts_at, capacity, booked=session.booked)
    before = {"place": session.place, "starts_at": session.starts_at.isoformat(),
              "capacity": session.capacity}
    moved = place != session.place or starts_at != session.starts_at
    session.place, session.starts_at, session.capacity = place, starts_at, capacity
    record(actor, "exam_session.changed", "exam_session", session.id, before=before,
           after={"place": place, "starts_at": starts_at.isoformat(), "capacity": capacity})
    if moved:
        for booking in bookings_of(session):
            if current_booking(booking.application) is booking:
                _tell_booked(booking.application, session, changed=True)
    db.session.flush()


def bookings_of(session: ExamSession) -> list[ExamBooking]:
    return list(db.session.scalars(sa.select(ExamBooking).where(ExamBooking.session_id == session.id)
                                   .order_by(ExamBooking.id)))


def current_booking(application: Application) -> ExamBooking | None:
    """The application's latest booking."""
    return db.session.scalar(sa.select(ExamBooking)
                             .where(ExamBooking.application_id == application.id)
                             .order_by(ExamBooking.id.desc()).limit(1))


def _upcoming(booking: ExamBooking | None) -> bool:
    return booking is not None and booking.session.starts_at > utcnow()


def waiting_without_seat(limit: int) -> list[Application]:
    """Applications awaiting the exams with no session ahead of them, the longest waiting
    first."""
    ahead = (sa.select(ExamBooking.application_id).join(ExamSession)
             .where(ExamSession.starts_at > utcnow()))
    return list(db.session.scalars(
        sa.select(Application).where(Application.state == State.AWAITING_EXAM,
                                     Application.id.not_in(ahead))
        .order_by(Application.decided_at, Application.id).limit(limit)))


def _take_seat(session: ExamSession) -> bool:
    taken = db.session.execute(
        sa.update(ExamSession).where(ExamSession.id == session.id,
                                     ExamSession.booked < ExamSession.capacity)
        .values(booked=ExamSession.booked + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(session, ["booked"])
    return taken == 1


def _give_back_seat(session: ExamSession) -> None:
    db.session.execute(sa.update(ExamSession).where(ExamSession.id == session.id)
                       .values(booked=ExamSession.booked - 1)
                       .execution_options(synchronize_session=False))
    db.session.expire(session, ["booked"])


def _book(application: Application, session: ExamSession, *, actor: str, chosen: bool) -> bool:
    if not _take_seat(session):
        return False
    db.session.add(ExamBooking(application=application, session=session, booked_by=actor))
    record(actor, "exam.booked", "application", application,
           after={"session": session.id, "starts_at": session.starts_at.isoformat(),
                  "place": session.place, "chosen": chosen})
    _tell_booked(application, session)
    return True


def _tell_booked(application: Application, session: ExamSession, *, changed: bool = False):
    when, number = local(session.starts_at), application.number
    what = "考试安排有变" if changed else "考试已安排"
    notify.tell(
        application.applicant, kind="exam.booked", reference=number,
        title=f"{what}：{when} · Exam {'moved' if changed else 'booked'}",
        body=(f"您的办件 {number}（网约车驾驶员证）{what}：北京时间 {when}，地点：{session.place}。"
              "请携带本人身份证提前 30 分钟到场；如需改期，可在 i厦门“我的办件”中改选其他场次。"
              f"\nYour exam for application {number}: {when} (Beijing time) at {session.place}. "
              "Bring your ID card and arrive 30 minutes early; you can choose another session "
              "in the app."),
        sms=(f"【厦门交通】您的网约车驾驶员考试{'改为' if changed else '安排在'}{when}，"
             f"地点：{session.place}。请携带身份证提前30分钟到场。办件{number}"))


def book_next(application: Application, *, actor: str) -> ExamBooking | None:
    """Book the application into the first session with a seat; without one, tell the
    applicant they will be told when there is (the examiners' next session books them)."""
    db.session.flush()  # (the application's number, for the message)
    for session in bookable_sessions():
        if _book(application, session, actor=actor, chosen=False):
            return current_booking(application)
    notify.tell(
        application.applicant, kind="exam.waiting", reference=application.number,
        title="资格审核通过，等待考试安排 · Waiting for an exam session",
        body=(f"您的办件 {application.number} 资格审核已通过。目前没有可预约的考试场次，"
              "考试中心安排场次后将以短信和消息通知您时间地点。"
              f"\nApplication {application.number} passed the checks. There is no exam "
              "session with a free seat yet; you will be told by SMS when you are booked."))
    return None


def choose(application: Application, session_id: int, *, actor: str) -> ExamBooking:
    """The applicant's own choice of session (from ``bookable_sessions``); the seat of an
    upcoming booking is given back."""
    require_state(application, State.AWAITING_EXAM)
    session = db.session.get(ExamSession, session_id)
    if session is None:
        raise ApiError(404, "未找到该考试场次。", "No such exam session.")
    current = current_booking(application)
    if current is not None and current.session_id == session.id:
        raise ApiError(409, "您已预约该场次。", "You are already booked into this session.")
    if any(b.session_id == session.id for b in _all_bookings(application)):
        raise ApiError(409, "您已参加过该场次，请选择其他场次。",
                       "You have sat this session already; choose another.")
    if session.starts_at < _earliest_start():
        raise ApiError(409, "该场次即将开始或已结束，不能再预约，请选择其他场次。",
                       "This session starts too soon to book; choose another.")
    if not _take_seat(session):
        raise ApiError(409, "该场次已约满，请选择其他场次。", "This session is full; choose another.")
    if _upcoming(current):
        _give_back_seat(current.session)
        record(actor, "exam.unbooked", "application", application,
               before={"session": current.session_id})
        db.session.delete(current)
        db.session.flush()
    booking = ExamBooking(application=application, session=session, booked_by=actor)
    db.session.add(booking)
    record(actor, "exam.booked", "application", application,
           after={"session": session.id, "starts_at": session.starts_at.isoformat(),
                  "place": session.place, "chosen": True})
    _tell_booked(application, session)
    db.session.flush()
    return booking


def _all_bookings(application: Application) -> list[ExamBooking]:
    return list(db.session.scalars(sa.select(ExamBooking)
                                   .where(ExamBooking.application_id == application.id)))


def after_result(application: Application, *, passed: bool, actor: str) -> None:
    """A failed subject on an application still awaiting the exams: a seat at the next session
    for the retake, unless one is booked ahead already."""
    if passed or application.state != State.AWAITING_EXAM:
        return
    if not _upcoming(current_booking(application)):
        book_next(application, actor=actor)
