"""SQL on the database driver itself, for the few statements every decision runs.

An instant decision writes a dozen rows and reads a handful. Through SQLAlchemy each statement
costs 90–150 µs of Python on the reference machine (building the statement, its cache key, the
execution context, the result object); the driver underneath answers the same statement in
about 10 µs. So the decision path (application rows, history, rule results, the chained logs,
certificates, mailing items, mirror reads) runs its SQL here, on the driver connection that
the session's own connection wraps: same transaction, same writer lock, no second connection.
Everything else (the console, imports, the command line) keeps using the ORM.

Statements are written once with ``:name`` parameters and work on SQLite and PostgreSQL
(psycopg); values are adapted here the way the models' column types store them, so rows
written here and rows written through the ORM are the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.interfaces import MANYTOONE

from backend.db import begin_writing, db

_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")
_CACHED = "wyc.statements"  # session.info: (transaction, Statements) of the current transaction
_READ = "wyc.read"  # session.info: what ``load`` read in this transaction (held: see there)


@functools.cache
def _for_psycopg(statement: str) -> str:
    return _PARAMETER.sub(r"%(\1)s", statement.replace("%", "%%"))


def _is_sqlite(connection: sa.Connection) -> bool:
    return connection.dialect.name == "sqlite"


_AS_IS = frozenset({str, int, float, bool, type(None)})
# (made once: ``json.dumps`` with an option builds a new encoder every call)
_json = json.JSONEncoder(ensure_ascii=False).encode


def adapt(value, sqlite: bool):
    """A Python value as the models' column types store it on this database."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):  # UTCDateTime: naive UTC
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(" ", "microseconds") if sqlite else value
    if isinstance(value, dt.date):
        return value.isoformat() if sqlite else value
    if isinstance(value, dict | list):
        return _json(value)
    return value


def _insert(table: str, columns: list[str]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + column for column in columns)})")


class Statements:
    """The driver cursor of the session's current connection, with ``:name`` statements.

    ``Statements()`` is the session's (one per transaction: asking the session for its
    connection costs more than most of these statements); ``Statements(connection)`` is that
    connection's.
    """

    def __new__(cls, connection: sa.Connection | None = None):
        if connection is not None:
            return super().__new__(cls)
        session = db.session()
        # (A savepoint is a transaction of its own: asking the session for its connection is
        # what makes SQLAlchemy emit the SAVEPOINT.)
        transaction = session.get_nested_transaction() or session.get_transaction()
        cached = session.info.get(_CACHED)
        if cached is not None and transaction is not None and cached[0] is transaction:
            return cached[1]
        statements = super().__new__(cls)
        statements.__init__(session.connection())
        session.info[_CACHED] = (session.get_nested_transaction() or session.get_transaction(),
                                 statements)
        return statements

    def __init__(self, connection: sa.Connection | None = None):
        if connection is None:  # (set up by ``__new__``)
            return
        self.connection = connection
        if not self.connection.in_transaction():  # so that the caller's commit commits
            self.connection.begin()
        self.sqlite = _is_sqlite(self.connection)
        self.driver = self.connection.connection.dbapi_connection

    def _statement(self, statement: str) -> str:
        return statement if self.sqlite else _for_psycopg(statement)

    def _params(self, params: Mapping) -> dict:
        """The driver's parameters: a new dict (the caller's is left alone), values adapted."""
        if not params:
            return {}
        sqlite = self.sqlite  # (most values go as they are: no call for those)
        return {name: value if type(value) in _AS_IS else adapt(value, sqlite)
                for name, value in params.items()}

    def _cursor(self, write: bool):
        if write:
            begin_writing(self.connection)
        return self.driver.cursor()

    def _run(self, cursor, statement: str, params, many: bool = False) -> None:
        """Run on the driver; its errors come out as SQLAlchemy's (``IntegrityError``, …)."""
        try:
            if many:
                cursor.executemany(self._statement(statement), params)
            else:
                cursor.execute(self._statement(statement), params)
        except self.connection.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DBAPIError.instance(
                statement, params, error, self.connection.dialect.loaded_dbapi.Error) from error

    def rows(self, statement: str, params: Mapping = (), *, write: bool = False) -> list[tuple]:
        cursor = self._cursor(write)
        try:
            self._run(cursor, statement, self._params(params))
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def records(self, statement: str, params: Mapping = ()) -> list[dict]:
        """The rows of a query as dicts keyed by the names of its columns."""
        cursor = self._cursor(False)
        try:
            self._run(cursor, statement, self._params(params))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def row(self, statement: str, params: Mapping = (), *, write: bool = False) -> tuple | None:
        found = self.rows(statement, params, write=write)
        return found[0] if found else None

    def value(self, statement: str, params: Mapping = (), *, write: bool = False):
        found = self.row(statement, params, write=write)
        return found[0] if found else None

    def write(self, statement: str, params: Mapping = ()) -> int:
        """Run an INSERT, UPDATE or DELETE; the number of rows it touched."""
        cursor = self._cursor(True)
        try:
            self._run(cursor, statement, self._params(params))
            return cursor.rowcount
        finally:
            cursor.close()

    def adapted(self, row: Mapping) -> dict:
        """``row`` as the driver takes it (a new dict; a function is left as it is): what
        ``insert(…, adapted=True)`` expects, built before the writer lock is taken."""
        return self._params(row)

    def write_many(self, statement: str, rows: Iterable[Mapping], *, adapted: bool = False) -> None:
        rows = list(rows) if adapted else [self._params(row) for row in rows]
        if not rows:
            return
        cursor = self._cursor(True)
        try:
            self._run(cursor, statement, rows, many=True)
        finally:
            cursor.close()

    def insert(self, table: str, rows: Sequence[Mapping], *, adapted: bool = False) -> None:
        """Insert rows that all have the same columns, with one statement (``adapted``: rows
        that went through ``adapted`` already)."""
        if rows:
            self.write_many(_insert(table, list(rows[0])), rows, adapted=adapted)

    def insert_returning_id(self, table: str, row: Mapping) -> int:
        return self.value(_insert(table, list(row)) + " RETURNING id", row, write=True)

    def insert_object(self, instance) -> None:
        """Insert a new model instance as its columns say, the way the ORM would: Python-side
        defaults applied, foreign keys taken from many-to-one relationships set in memory. The
        instance then holds every column (its id too) and is detached, ready to be attached
        to a session without being loaded again."""
        shape = _shape(type(instance))
        values = instance.__dict__
        for key, pairs in shape.many_to_one:
            related = values.get(key)
            if related is not None:
                for local, remote in pairs:
                    values[local] = getattr(related, remote)
        row = {}
        for key, name, default in shape.inserted:
            if key in values:
                row[name] = values[key]
            elif default is not None:
                row[name] = default.arg(None) if default.is_callable else default.arg
            else:
                row[name] = None
        values[shape.primary_key] = self.insert_returning_id(shape.table, row)
        for key, name, _ in shape.inserted:
            values.setdefault(key, row[name])
        make_transient_to_detached(instance)

    def get(self, model: type, key):
        """The ``model`` row with primary key ``key``: the session's instance when it has it
        (no statement), else as ``load`` reads it."""
        shape = _shape(model)
        identity = shape.mapper.identity_key_from_primary_key([key])
        if (existing := db.session().identity_map.get(identity)) is not None:
            return existing
        return self.load(model, f"{shape.key_column} = :key", {"key": key})

    def load(self, model: type, where: str, params: Mapping, *, order_by: str = ""):
        """The first ``model`` row matching ``where``, as the session's persistent instance
        (the one already in the session if it has it), or None. Like an ORM query, without its
        overhead: for the few lookups every decision makes."""
        shape = _shape(model)
        row = self.row(f"SELECT {shape.select} FROM {shape.table} WHERE {where}"
                       f"{' ORDER BY ' + order_by if order_by else ''} LIMIT 1", params)
        if row is None:
            return None
        session = db.session()
        identity = shape.mapper.identity_key_from_primary_key([row[shape.key_position]])
        if (existing := session.identity_map.get(identity)) is not None:
            return existing
        instance = shape.mapper.class_manager.new_instance()
        for (key, convert), value in zip(shape.loaded, row, strict=True):
            instance.__dict__[key] = value if value is None or convert is None else convert(value)
        make_transient_to_detached(instance)
        # ``session.add`` without its save-update cascade, which walks every relationship:
        # nothing is loaded on a row just read, so there is nothing for it to find.
        session._save_or_update_impl(sa.inspect(instance))
        # The session's identity map holds its instances weakly: a row read to check the
        # request (the certificate in force) and dropped would be read again by the decision.
        # Held until the transaction ends.
        session.info.setdefault(_READ, []).append(instance)
        return instance


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _let_go(session: sa.orm.Session, transaction: sa.orm.SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_READ, None)


@dataclasses.dataclass(frozen=True)
class _Shape:
    mapper: sa.orm.Mapper
    table: str
    primary_key: str
    key_column: str
    key_position: int
    select: str
    inserted: list  # (attribute, column name, Python-side default) for every non-key column
    loaded: list  # (attribute, converter of the driver's value) for every column
    many_to_one: list  # (relationship, [(local attribute, remote attribute)])


def _converter(column_type):
    """How the driver's value becomes what the ORM would have given (None: as it is)."""
    from backend.db import UTCDateTime

    if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
        return column_type.enum_class
    if isinstance(column_type, UTCDateTime):
        return as_utc
    if isinstance(column_type, sa.Date):
        return as_date
    if isinstance(column_type, sa.JSON):
        return as_json
    if isinstance(column_type, sa.Boolean):
        return bool
    return None


@functools.cache
def _shape(model: type) -> _Shape:
    mapper = sa.inspect(model)
    attributes = [(attribute.key, attribute.columns[0]) for attribute in mapper.column_attrs]
    (key_position, (primary_key, key_column)), = [(i, a) for i, a in enumerate(attributes)
                                                  if a[1].primary_key]
    return _Shape(
        mapper=mapper, table=mapper.local_table.name, primary_key=primary_key,
        key_column=key_column.name, key_position=key_position,
        select=", ".join(c.name for _, c in attributes),
        inserted=[(key, column.name, column.default) for key, column in attributes
                  if not column.primary_key],
        loaded=[(key, _converter(column.type)) for key, column in attributes],
        many_to_one=[(r.key, [(local.key, remote.key) for local, remote in r.local_remote_pairs])
                     for r in mapper.relationships if r.direction is MANYTOONE])


# -- reading what the driver hands back ---------------------------------------------------------

def as_date(value) -> dt.date | None:
    """A date column's value (SQLite hands back text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def as_utc(value) -> dt.datetime | None:
    """A ``UTCDateTime`` column's value, aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


def as_json(value):
    """A JSON column's value (SQLite hands back text, psycopg the parsed value)."""
    return json.loads(value) if isinstance(value, str | bytes) else value
