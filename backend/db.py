"""Database foundation: the declarative base, shared column types and the one session."""

from __future__ import annotations

import datetime as dt
import fcntl
import itertools
import logging
import os
import sqlite3
import threading

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.orm import DeclarativeBase

from backend.common import chain

# A naming convention from day one keeps Alembic's constraint names stable on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    def flush(self, objects=None) -> None:
        """Flush, then write the queued hash-chained log entries (``backend.common.chain``).

        Entries are not ORM objects, so they go here rather than in a flush event: a session
        whose only news is log entries is "clean" and would skip its flush events.
        """
        chain.check_not_queuing(self)
        super().flush(objects)
        chain.write_pending(self)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})


def commit_keeping_state() -> None:
    """Commit now, keeping the loaded objects as they are (no reload): for a view that has
    decided and only has its answer left to write. The writer lock (SQLite) and row locks
    (PostgreSQL) are released before the answer is serialised, not after."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def enum_column(cls, length: int = 20) -> sa.Enum:
    """An enum stored by value (``"awaiting_exam"``) as a plain string: readable in SQL, and no
    database enum type to migrate when a value is added."""
    return sa.Enum(cls, native_enum=False, length=length,
                   values_callable=lambda members: [m.value for m in members])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC on every backend and always hands back an aware UTC datetime.

    SQLite has no time zones and PostgreSQL's ``timestamptz`` would convert on the way out;
    storing naive UTC makes values (and the audit hashes computed from them) identical on both.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.UTC)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


WRITER_LOCK = "wyc.writer_lock"  # Connection.info key: the held lock's file descriptor
LOCK_FILE = "wyc.lock_file"  # Connection.info key: the connection's descriptor of the lock file
CHECKPOINT_EVERY = 200  # commits of this process between checkpoints (a decision: ~25 pages)
_READS = ("SELECT", "PRAGMA")


class _Checkpointer:
    """Copies SQLite's write-ahead log back into the database file, in a thread of its own, and
    lets the log start over.

    SQLite would do it inside whichever commit crosses its threshold, in the writer lock, and
    that commit would wait (about 180 ms on the reference machine, most of it the file's
    sync). Here every ``CHECKPOINT_EVERY`` commits of a process ask this thread for a passive
    checkpoint, which never blocks readers or writers, for the bulk of the pages. Under steady
    load it never quite catches up with the writers, and then the log grows without end (300 MB
    after 2,000 decisions), every commit extending the file. So the pages committed while it
    ran are copied by the next commit of this process, still in the writer lock (``tail``, a
    few milliseconds); with everything copied, the writer after it writes the log from its
    beginning again.
    """

    def __init__(self, database: str):
        self.database, self.pid, self.thread = database, None, None
        self.pending, self.guard = threading.Event(), threading.Lock()
        self.tail_due = False

    def wanted(self) -> None:
        with self.guard:
            if self.pid != os.getpid() or not self.thread.is_alive():  # (first, or forked)
                self.pid, self.pending = os.getpid(), threading.Event()
                self.thread = threading.Thread(target=self._run, name="sqlite-checkpoint",
                                               daemon=True)
                self.thread.start()
        self.pending.set()

    def tail(self, driver: sqlite3.Connection) -> None:
        """In the writer lock, after a commit: copy what the thread has left, if it has run."""
        if self.tail_due:
            self.tail_due = False
            _checkpoint(driver)

    def _run(self) -> None:
        connection = sqlite3.connect(self.database, isolation_level=None)
        while True:
            self.pending.wait()
            self.pending.clear()
            for _ in range(2):  # the second pass: what was committed during the first
                _checkpoint(connection)
            self.tail_due = True


def _checkpoint(connection: sqlite3.Connection) -> None:
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as error:  # (the next one will catch up)
        logging.getLogger(__name__).warning("WAL checkpoint failed: %s", error)


def begin_writing(connection: sa.Connection) -> None:
    """Before a transaction's first write on SQLite: queue for the writer lock, then
    ``BEGIN IMMEDIATE``. Anything else (PostgreSQL, a transaction already writing): nothing."""
    begin = connection.info.get("wyc.begin_writing")
    if begin is not None and WRITER_LOCK not in connection.info:
        begin(connection)


def tune_sqlite(engine: sa.Engine) -> None:
    """The embedded default's SQLite: WAL, foreign keys, readers in parallel, one writer at a
    time.

    A transaction reads without any lock (each read sees what is committed; in WAL mode readers
    never wait). Its first write queues for the writer lock and starts ``BEGIN IMMEDIATE``, so
    concurrent writers queue instead of failing half-way, and only the write phase of a request
    is serialised. Writes that depend on an earlier read say so in SQL (``UPDATE … WHERE
    status = 'valid'``, unique constraints), as they must on PostgreSQL too. Writers queue on
    an ``flock`` beside the database file rather than on SQLite's busy handler, which polls with
    sleeps of up to 100 ms: a writer wakes the moment the one before it finishes.
    ``synchronous=NORMAL`` in WAL mode never corrupts the file; a power cut may lose the last
    transactions (production runs on PostgreSQL).
    """
    database = engine.url.database
    lock_path = f"{database}.writer-lock" if database and database != ":memory:" else None
    commits = itertools.count(1)
    checkpointer = _Checkpointer(database) if lock_path else None

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None  # autocommit until we BEGIN ourselves
        record.info["wyc.begin_writing"] = start_writing
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=15000",
                       "synchronous=NORMAL", "wal_autocheckpoint=0"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    def start_writing(connection: sa.Connection) -> None:
        descriptor = None
        if lock_path:
            # One descriptor per database connection, opened once (each is its own open file
            # description, so connections of one process queue on the lock like any others).
            descriptor = connection.info.get(LOCK_FILE)
            if descriptor is None:
                descriptor = connection.info[LOCK_FILE] = os.open(
                    lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        connection.info[WRITER_LOCK] = descriptor
        try:
            connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            release(connection)
            raise

    @sa.event.listens_for(engine, "before_cursor_execute")
    def before_write(connection, _cursor, statement, _parameters, _context, _executemany):
        if WRITER_LOCK not in connection.info and not statement.lstrip()[:6].upper().startswith(_READS):
            start_writing(connection)

    def release(connection):
        descriptor = connection.info.pop(WRITER_LOCK, None)
        if descriptor is not None:
            fcntl.flock(descriptor, fcntl.LOCK_UN)

    @sa.event.listens_for(engine, "close")
    def on_close(_dbapi_connection, record):
        if (descriptor := record.info.pop(LOCK_FILE, None)) is not None:
            os.close(descriptor)  # (closing it would also release a lock still held)

    @sa.event.listens_for(engine, "reset")
    def on_reset(dbapi_connection, record, _reset_state):
        """A connection going back to the pool mid-transaction: the pool rolls it back (without
        the engine's rollback event); the lock goes with it."""
        if WRITER_LOCK in record.info:
            dbapi_connection.rollback()
            release(record)

    # These events fire before SQLAlchemy ends the transaction. Ending it here first lets the
    # next writer in only once the database is free; otherwise its BEGIN IMMEDIATE would meet
    # the unfinished COMMIT and sleep in the busy handler. SQLAlchemy's own COMMIT or ROLLBACK
    # that follows is then a no-op (the driver sees no open transaction), or, should ours have
    # failed, tries again and reports the error the usual way. A transaction that only read
    # never began one: there is nothing to end.
    def end_then_release(connection, how: str):
        if WRITER_LOCK not in connection.info:
            return
        driver = connection.connection.dbapi_connection
        try:
            getattr(driver, how)()
        except Exception:  # noqa: BLE001, S110  (SQLAlchemy's own attempt reports it)
            pass
        else:
            if how == "commit" and checkpointer:
                checkpointer.tail(driver)
        finally:
            release(connection)
        if how == "commit" and checkpointer and next(commits) % CHECKPOINT_EVERY == 0:
            checkpointer.wanted()

    sa.event.listen(engine, "commit", lambda connection: end_then_release(connection, "commit"))
    sa.event.listen(engine, "rollback", lambda connection: end_then_release(connection, "rollback"))
