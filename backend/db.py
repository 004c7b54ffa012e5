"""Database foundation: the declarative base, shared column types and the one session.

Domain code uses ``db.session`` as plain SQLAlchemy 2: ``add``, relationships, ``flush`` when
an id is needed, ``begin_nested()`` around a step that may lose a race. Operations flush; the
request or the command commits (``backend.transactions``). How the database itself is set up
(SQLite's writer lock, PostgreSQL's pool) is ``backend.storage``'s business, not the domains'.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

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


db = SQLAlchemy(model_class=Base)


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
