"""The chained logs: numbered and linked when the transaction commits, dropped with a savepoint
that rolls back."""

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.audit.operations import record, verify_chain
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
    database.session.commit()
    assert "test.dropped" not in _actions(database)
    assert _actions(database)[-2:] == ["test.kept", "test.after"]
    assert verify_chain()[1] is None


def test_entries_of_a_savepoint_that_rolls_back_after_a_flush_leave_the_chain_intact(database):
    record("system", "test.before", "thing", 1)
    database.session.commit()
    with pytest.raises(RuntimeError), database.session.begin_nested():
        record("system", "test.dropped", "thing", 2)
        database.session.flush()
        raise RuntimeError
    after = record("system", "test.after", "thing", 3)
    database.session.commit()
    assert "test.dropped" not in _actions(database)
    assert verify_chain()[1] is None
    assert after.id == database.session.scalar(sa.select(sa.func.max(AuditEntry.id)))


def test_an_object_not_written_yet_is_recorded_with_its_id(database):
    person = Person(id_number=id_number(), name="林晚到")
    database.session.add(person)
    entry = record("system", "test.late_id", "person", person)
    database.session.commit()
    assert person.id is not None
    assert entry.object_id == str(person.id)
    assert verify_chain()[1] is None


def test_entries_alone_are_written_when_the_session_commits(database):
    entry = record("system", "test.only", "thing", 1)
    database.session.commit()
    assert database.session.get(AuditEntry, entry.id).action == "test.only"


def test_a_savepoint_that_loses_a_race_takes_its_number_and_entries_back(database):
    """The contested insert (one vehicle, one platform) as domain code writes it."""
    taken = Person(id_number=id_number(), name="林先到")
    database.session.add(taken)
    record("system", "test.before", "thing", 1)
    database.session.commit()
    with pytest.raises(sa.exc.IntegrityError), database.session.begin_nested():
        late = Person(id_number=taken.id_number, name="林后到",
                      address=f"第{next_value('test.contest')}号")
        database.session.add(late)
        record("system", "test.with_it", "person", late)
    record("system", "test.instead", "thing", 2)
    database.session.commit()
    assert _actions(database)[-2:] == ["test.before", "test.instead"]
    assert current_value("test.contest") == 0
    assert verify_chain()[1] is None


def test_ordinary_orm_inside_a_matter_handler_is_written_with_the_decision(
        client, database, monkeypatch):
    """Domain code needs nothing but SQLAlchemy: rows added inside a handler through a
    relationship, or with the application's id after a flush, go in with the decision."""
    from backend.drivers.models import ExamAttempt
    from backend.licensing import operations
    from backend.licensing.models import Application, ApplicationEvent, State
    from backend.matters import registry
    from tests.certificates.holders import driver_with_certificate
    from tests.drivers.helpers import apply

    class Annotating(registry.HANDLERS["driver-cert-cancel"].__class__):
        def approve(self, application, actor):
            database.session.add(ApplicationEvent(application=application, from_state=None,
                                                  to_state=State.SUBMITTED, actor=actor,
                                                  reason="一条普通的记录"))
            database.session.flush()  # (the application's id, for a row that names it)
            database.session.add(ExamAttempt(application_id=application.id, subject="national",
                                             score=90, passed=True, recorded_by=actor))
            super().approve(application, actor)

    monkeypatch.setitem(registry.HANDLERS, "driver-cert-cancel", Annotating())
    _, headers, _ = driver_with_certificate(client)
    response = apply(client, headers, matter="driver-cert-cancel")

    assert response.status_code == 201, response.json
    assert response.json["status"] == "approved"
    application = operations.by_number(response.json["number"])
    assert database.session.scalar(sa.select(ExamAttempt.score).where(
        ExamAttempt.application_id == application.id)) == 90
    assert "一条普通的记录" in [e.reason for e in application.events]
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.id == application.id)) == 1
    assert verify_chain()[1] is None
