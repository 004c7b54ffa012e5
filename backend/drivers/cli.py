"""``flask exams import FILE.csv``: results from the exam centre, all rows or none;
``flask exams session-add`` and ``flask exams sessions``: the exam sessions."""

import csv
import sys

import click
import sqlalchemy as sa

from backend.db import db, utcnow
from backend.drivers import exams
from backend.drivers.models import SUBJECTS, ExamSession
from backend.drivers.operations import record_exam
from backend.drivers.schemas import BEIJING, exam_time
from backend.errors import ApiError
from backend.licensing.models import State
from backend.licensing.operations import by_number
from backend.transactions import CommandGroup

exams_cli = CommandGroup("exams", help="Exam results for driver certificate applications.")
COLUMNS = ["application_number", "subject", "score", "passed"]
TRUE, FALSE = {"true", "1", "yes", "y", "是"}, {"false", "0", "no", "n", "否"}


class BadRow(ValueError):
    pass


def parse_row(row: dict) -> tuple:
    application = by_number((row.get("application_number") or "").strip())
    if application is None:
        raise BadRow("application_number: no such application")
    if application.state != State.AWAITING_EXAM:
        raise BadRow(f"application_number: {application.number} is {application.state.value}, "
                     "not awaiting_exam")
    subject = (row.get("subject") or "").strip()
    if subject not in SUBJECTS:
        raise BadRow("subject: must be national or regional")
    try:
        score = int((row.get("score") or "").strip())
    except ValueError:
        raise BadRow("score: must be a whole number") from None
    if not 0 <= score <= 100:
        raise BadRow("score: must be between 0 and 100")
    passed = (row.get("passed") or "").strip().lower()
    if passed not in TRUE | FALSE:
        raise BadRow("passed: must be true or false")
    return application, subject, score, passed in TRUE


@exams_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_command(file):
    """Record exam results; both subjects passed issues the certificate."""
    reader = csv.DictReader(file)
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
        click.echo(f"error: {file.name}: header must be {','.join(COLUMNS)}", err=True)
        sys.exit(2)
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            rows.append(parse_row(row))
        except BadRow as error:
            click.echo(f"error: {file.name}: line {line}, {error}; nothing was imported", err=True)
            sys.exit(2)
    for line, (application, subject, score, passed) in enumerate(rows, start=2):
        try:
            record_exam(application, subject, score, passed, actor="exam-centre")
        except ApiError as error:  # (the command's transaction is rolled back: nothing kept)
            click.echo(f"error: {file.name}: line {line}, {error.message_en}; nothing was "
                       "imported", err=True)
            sys.exit(2)
    issued = len({application.id for application, *_ in rows if application.state == State.ISSUED})
    click.echo(f"{len(rows)} results recorded, {issued} certificates issued")


@exams_cli.command("session-add")
@click.option("--place", required=True, help="Where the exams are held.")
@click.option("--at", "starts", required=True, type=click.DateTime(["%Y-%m-%d %H:%M"]),
              help="Start, Beijing time: 'YYYY-MM-DD HH:MM'.")
@click.option("--capacity", required=True, type=click.IntRange(1, exams.MAX_CAPACITY))
def session_add(place, starts, capacity):
    """Add an exam session; applicants waiting for a seat are booked into it and told."""
    try:
        session = exams.add_session(place, starts.replace(tzinfo=BEIJING), capacity,
                                    actor="exam-centre")
    except ApiError as error:
        click.echo(f"error: {error.message_en}", err=True)
        sys.exit(2)
    click.echo(f"session {session.id}: {exam_time(session.starts_at)} (Beijing time), "
               f"{session.place}, {session.booked}/{session.capacity} booked")


@exams_cli.command("sessions")
def sessions_command():
    """Upcoming exam sessions with their seats (Beijing time)."""
    for session in db.session.scalars(sa.select(ExamSession)
                                      .where(ExamSession.starts_at > utcnow())
                                      .order_by(ExamSession.starts_at)):
        click.echo(f"{session.id}\t{exam_time(session.starts_at)}\t{session.booked}/"
                   f"{session.capacity}\t{session.place}")
