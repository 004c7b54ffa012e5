"""How the database is run (``backend.storage``) and what a decision may rely on.

* On SQLite, only writing takes the writer lock: a request that reads is answered while
  another transaction is writing.
* A certificate is replaced only if it is still as the decision read it; otherwise 409 and
  nothing is written (the row's version, checked by SQLAlchemy).
* A decision's rows read back through a fresh session as the answer showed them.
* SQLite's write-ahead log is copied back into the database file by a thread of its own, and
  starts over even while writers and readers never stop.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, Status
from backend.db import db
from backend.licensing import operations
from backend.licensing.models import Application, State
from backend.storage import _Checkpointer
from tests.certificates.holders import driver_with_certificate
from tests.drivers.helpers import apply, eligible_records, import_records
from tests.factories import citizen_token, id_number


def test_a_read_is_answered_while_another_transaction_holds_the_writer_lock(sqlite_app):
    number = id_number()
    with sqlite_app.app_context():
        import_records(eligible_records(number, "陈读者"))
        db.session.commit()
    client = sqlite_app.test_client()
    _, headers = citizen_token(client, number, "陈读者")
    assert apply(client, headers).status_code == 201

    writing, done = threading.Event(), threading.Event()

    def writer():
        with sqlite_app.app_context():
            db.session.execute(sa.text(
                "UPDATE counters SET value = value WHERE name = 'audit.entries'"))
            writing.set()  # holds the writer lock (and SQLite's) until told to finish
            done.wait(10)
            db.session.rollback()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(5)
        started = time.monotonic()
        response = client.get("/api/v1/applications", headers=headers)
        assert response.status_code == 200 and response.json["total"] == 1
        assert time.monotonic() - started < 2  # not queued behind the writer
    finally:
        done.set()
        thread.join()


def test_a_certificate_changed_since_the_decision_read_it_is_409_and_nothing_is_written(
        client, database, monkeypatch):
    _, headers, certificate = driver_with_certificate(client)
    database.session.commit()  # (the exam results, entered directly)
    certificate_id, number = certificate.id, certificate.number
    applications = database.session.scalar(sa.select(sa.func.count()).select_from(Application))
    check = operations.check

    def checks_then_someone_else_renews(application, handler, actor):
        checked = check(application, handler, actor)
        database.session.execute(sa.text(
            "UPDATE certificates SET status = 'replaced', row_version = row_version + 1 "
            "WHERE id = :id"), {"id": certificate_id})
        return checked

    monkeypatch.setattr(operations, "check", checks_then_someone_else_renews)
    response = apply(client, headers, matter="driver-cert-renew")

    assert response.status_code == 409
    assert "刚刚已被另一项操作改变" in response.json["message"]
    database.session.expire_all()
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Application)) \
        == applications
    versions = database.session.scalars(sa.select(Certificate).where(
        Certificate.kind == Kind.DRIVER, Certificate.number == number)).all()
    assert [(c.version, c.status) for c in versions] == [(1, Status.VALID)]


def test_a_decision_reads_back_from_the_database_as_the_answer_showed_it(client, database):
    _, headers, _ = driver_with_certificate(client)
    answer = apply(client, headers, matter="driver-cert-renew").json
    database.session.expire_all()

    stored = operations.by_number(answer["number"])
    assert stored.state == State.ISSUED and stored.decided_at.tzinfo is not None
    assert stored.inputs["certificate_id"] and stored.open_key is None
    assert [e.to_state for e in stored.events] == [
        State.SUBMITTED, State.CHECKING, State.APPROVED, State.ISSUED]
    assert [h["to_state"] for h in answer["history"]] == [e.to_state.value for e in stored.events]
    assert {r.rule: r.outcome.value for r in stored.rule_results} == \
        {c["rule"]: c["outcome"] for c in answer["checks"]}
    new = database.session.get(Certificate, answer["certificate_id"])
    assert (new.version, new.status, new.previous.status) == (2, Status.VALID, Status.REPLACED)
    assert new.issued_at.tzinfo is not None and stored.mailing_items[-1].certificate_id == new.id


def test_the_write_ahead_log_is_copied_back_by_a_thread_of_its_own(tmp_path):
    path = str(tmp_path / "wal.sqlite3")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE t (x TEXT)")
    connection.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 2000)
    before = (tmp_path / "wal.sqlite3").stat().st_size

    _Checkpointer(path).wanted()

    deadline = time.monotonic() + 10
    while (tmp_path / "wal.sqlite3").stat().st_size == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "wal.sqlite3").stat().st_size > before + 500_000
    connection.close()


def test_the_write_ahead_log_starts_over_under_steady_writes_and_reads(sqlite_app, monkeypatch):
    """A passive checkpoint alone never catches up with writers that never stop: the log would
    grow by every commit. With the last pages copied in the writer lock, it starts over."""
    monkeypatch.setattr("backend.storage.CHECKPOINT_EVERY", 20)
    path = sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    stop = threading.Event()

    def reader():  # another worker's requests, reading all the while
        connection = sqlite3.connect(path)
        while not stop.is_set():
            connection.execute("SELECT count(*) FROM filler").fetchone()
        connection.close()

    with sqlite_app.app_context():
        db.session.execute(sa.text("CREATE TABLE filler (x TEXT)"))
        db.session.commit()
        threading.Thread(target=reader, daemon=True).start()
        started_over = _times_started_over(path)
        try:
            for _ in range(400):  # 26 kB of log each
                db.session.execute(sa.text("INSERT INTO filler VALUES (:x)"), {"x": "x" * 16000})
                db.session.commit()
        finally:
            stop.set()
        assert db.session.execute(sa.text("SELECT count(*) FROM filler")).scalar() == 400

    # Without the copy in the writer lock the log would never start over: 400 × 26 kB (10 MB).
    assert _times_started_over(path) - started_over >= 2
    assert os.path.getsize(path + "-wal") < 8_000_000


def _times_started_over(path: str) -> int:
    """The write-ahead log header's checkpoint sequence number: +1 each time the log restarts."""
    with open(path + "-wal", "rb") as log:
        return int.from_bytes(log.read(16)[12:16], "big")
