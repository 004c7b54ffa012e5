"""The chained logs are written in batches outside the ORM: savepoints, late ids, the chain."""

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.audit.operations import record, verify_chain
from backend.identity.models import Person
from tests.factories import id_number


def _actions(database) -> list[str]:
    return database.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_entries_of_a_savepoint_that_rolls_back_before_writing_them_are_dropped(database):
    record("system", "test.kept", "thing", 1)
    with pytest.raises(RuntimeError), database.session.begin_nested():
        record("system", "test.dropped", "thing", 2)
        raise RuntimeError
    record("system", "test.after", "thing", 3)
    database.session.flush()
    assert "test.dropped" not in _actions(database)
    assert _actions(database)[-2:] == ["test.kept", "test.after"]
    assert verify_chain()[1] is None


def test_entries_written_in_a_savepoint_that_rolls_back_leave_the_chain_intact(database):
    record("system", "test.before", "thing", 1)
    database.session.flush()
    with pytest.raises(RuntimeError), database.session.begin_nested():
        record("system", "test.dropped", "thing", 2)
        database.session.flush()
        raise RuntimeError
    after = record("system", "test.after", "thing", 3)
    database.session.flush()
    assert "test.dropped" not in _actions(database)
    assert verify_chain()[1] is None
    assert after.id == database.session.scalar(sa.select(sa.func.max(AuditEntry.id)))


def test_an_object_not_flushed_yet_is_recorded_with_its_id(database):
    person = Person(id_number=id_number(), name="林晚到")
    database.session.add(person)
    entry = record("system", "test.late_id", "person", person)
    database.session.flush()
    assert person.id is not None
    assert entry.object_id == str(person.id)
    assert verify_chain()[1] is None


def test_entries_alone_are_written_when_the_session_commits(database):
    entry = record("system", "test.only", "thing", 1)
    database.session.commit()
    assert database.session.get(AuditEntry, entry.id).action == "test.only"
