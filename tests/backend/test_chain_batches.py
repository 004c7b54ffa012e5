"""The chained logs are written in batches outside the ORM: savepoints, late ids, the chain."""

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.audit.operations import record, verify_chain
from backend.common.chain import add, undone_on_conflict
from backend.common.counters import current_value, next_value
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


def _contested_person(database, number: str, handed_over: list) -> Person:
    """A person queued as a contested insert, numbered from a counter right before it goes in,
    with an audit entry that stands or falls with it."""
    person = Person(id_number=number, name="林后到")

    def on_conflict(error):
        handed_over.append(error)
        record("system", "test.instead", "person", number)
        database.session.flush()

    with undone_on_conflict(database.session, on_conflict):
        add(database.session, person, contested=True,
            before_insert=lambda: setattr(person, "address", f"第{next_value('test.contest')}号"))
        record("system", "test.with_it", "person", person)
    return person


def test_a_contested_insert_refused_drops_its_block_gives_its_number_back_and_hands_over(
        database):
    taken = Person(id_number=id_number(), name="林先到")
    database.session.add(taken)
    record("system", "test.before", "thing", 1)
    database.session.flush()
    record("system", "test.queued_before", "thing", 2)
    handed_over = []
    _contested_person(database, taken.id_number, handed_over)
    database.session.flush()
    assert len(handed_over) == 1 and isinstance(handed_over[0], sa.exc.IntegrityError)
    assert _actions(database)[-3:] == ["test.before", "test.queued_before", "test.instead"]
    assert current_value("test.contest") == 0
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
        Person.id_number == taken.id_number)) == 1
    assert verify_chain()[1] is None


def test_a_contested_insert_that_goes_in_is_written_with_its_block(database):
    handed_over = []
    person = _contested_person(database, id_number(), handed_over)
    database.session.flush()
    assert handed_over == []
    assert person.id is not None and person.address == "第1号"
    assert database.session.get(Person, person.id) is person
    assert _actions(database)[-1] == "test.with_it"
    assert verify_chain()[1] is None
