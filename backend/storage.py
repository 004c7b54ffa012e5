"""How the database is run: the one module that knows SQLite's and PostgreSQL's ways.

Domain packages never import this. The app factory calls ``configure(engine)`` once; from
then on the session behaves as plain SQLAlchemy everywhere.

On the embedded SQLite default a request reads without any lock and its first write queues for
the one writer lock (``BEGIN IMMEDIATE``): decisions check the other departments in parallel and
only their writes take turns. A write that depends on an earlier read says so the ordinary way
(a version column, a unique constraint, a guarded status), as it must on PostgreSQL too.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import os
import sqlite3
import threading

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.common.private_files import create_private_file, tighten


def init_app(app) -> None:
    """Engine options, before the engine is made. A server's connections can go stale
    (restarts, idle timeouts): each is tested when taken from the pool. The embedded SQLite
    file's cannot, and every request would pay for it."""
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).setdefault(
        "pool_pre_ping", not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"))
    make_sqlite_file_private(app.config["SQLALCHEMY_DATABASE_URI"])


def make_sqlite_file_private(url: str) -> None:
    """The SQLite file is created 0600 before SQLite opens it (SQLite would create it under the
    umask, often world-readable); SQLite gives its journal, WAL and shared-memory files the
    database file's mode. Existing ones open to others are tightened with a warning."""
    database = sa.engine.make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:") \
            or not os.path.isdir(os.path.dirname(database) or "."):
        return  # (no file; or no folder for one, which SQLite reports on its own)
    create_private_file(database)
    for suffix in ("-journal", "-wal", "-shm", ".writer-lock"):
        if os.path.exists(database + suffix):
            tighten(database + suffix)


def configure(engine: sa.Engine) -> None:
    """Set up the engine's database for this service (nothing to do on PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        tune_sqlite(engine)


_HELD = "storage.held"  # session.info: what the transaction loaded


@sa.event.listens_for(Session, "loaded_as_persistent")
def _hold(session: Session, instance) -> None:
    """Keep what a transaction loaded until it ends. The session's identity map holds objects
    weakly: a row read to check a request (the certificate in force) and let go would be read
    again, with a flush first, when the decision asks for it by its id."""
    session.info.setdefault(_HELD, []).append(instance)


@sa.event.listens_for(Session, "after_transaction_end")
def _let_go(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)


WRITER_LOCK = "wyc.writer_lock"  # Connection.info key: the held lock's file descriptor
LOCK_FILE = "wyc.lock_file"  # Connection.info key: the connection's descriptor of the lock file
DEFERRED = "wyc.deferred_savepoints"  # Connection.info key: savepoints not yet begun
CHECKPOINT_EVERY = 200  # commits of this process between checkpoints (a decision: ~25 pages)
_READS = ("SELECT", "PRAGMA")
_SAVEPOINTS = ("SAVEPOIN", "RELEASE", "ROLLBACK")  # (ROLLBACK TO SAVEPOINT …)
_NOTHING = "SELECT 0"


def _defer_savepoint(connection: sa.Connection, statement: str) -> str:
    """A savepoint of a transaction that has not written yet is begun only when it first
    writes (with the writer lock): one that only read, or that wrote nothing before it was
    released or rolled back, never takes the lock. Returns the statement to run instead."""
    deferred = connection.info.setdefault(DEFERRED, [])
    if statement.lstrip().upper().startswith("SAVEPOINT"):
        deferred.append(statement)
        return _NOTHING
    name = statement.split()[-1]
    if deferred and deferred[-1].split()[-1] == name:  # (released or rolled back unwritten)
        deferred.pop()
        return _NOTHING
    raise RuntimeError(f"savepoint {name} ended out of order")


class _Checkpointer:
    """Copies SQLite's write-ahead log back into the database file, in a thread of its own, and
    lets the log start over.

    SQLite would do it inside whichever commit crosses its threshold, in the writer lock, and
    that commit would wait (most of it the file's sync; README, Decision throughput). Here every ``CHECKPOINT_EVERY`` commits of a process ask this thread for a passive
    checkpoint, which never blocks readers or writers, for the bulk of the pages. Under steady
    load it never quite catches up with the writers, and then the log grows without end,
    every commit extending the file. So the pages committed while it
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


def tune_sqlite(engine: sa.Engine) -> None:
    """The embedded default's SQLite: WAL, foreign keys, readers in parallel, one writer at a
    time.

    A transaction reads without any lock (each read sees what is committed; in WAL mode readers
    never wait). Its first write queues for the writer lock and starts ``BEGIN IMMEDIATE``, so
    concurrent writers queue instead of failing half-way, and only the writing end of a request
    is serialised. Writes that depend on an earlier read say so to the database (a row's version,
    unique constraints), as they must on PostgreSQL too. Writers queue on
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

    @sa.event.listens_for(engine, "before_cursor_execute", retval=True)
    def before_write(connection, _cursor, statement, parameters, _context, _executemany):
        if WRITER_LOCK in connection.info:
            return statement, parameters
        head = statement.lstrip()[:8].upper()
        if head.startswith(_READS):
            return statement, parameters
        if head.startswith(_SAVEPOINTS):
            return _defer_savepoint(connection, statement), parameters
        start_writing(connection)
        for deferred in connection.info.pop(DEFERRED, ()):  # (outermost first)
            connection.connection.dbapi_connection.execute(deferred)
        return statement, parameters

    def release(connection):
        connection.info.pop(DEFERRED, None)
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
            connection.info.pop(DEFERRED, None)
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
