import json
import logging

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.audit.operations import record
from tests.factories import citizen_token, id_number


def _entries(database):
    return database.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()


def test_registration_is_audited_with_the_id_number_masked(client, database):
    number, headers = citizen_token(client, id_number(), name="审计")
    client.get("/api/v1/me", headers=headers)
    entry = _entries(database)[-1]
    assert entry.action == "person.registered"
    assert entry.actor.startswith("idp:")
    text = json.dumps([e.before for e in _entries(database)] + [e.after for e in _entries(database)],
                      ensure_ascii=False)
    assert number not in text
    assert number[:3] + "*" * 11 + number[-4:] in text


def test_each_entry_links_to_the_hash_of_the_one_before(database):
    first = record("system", "test.one", "thing", 1, after={"n": 1})
    second = record("system", "test.two", "thing", 1, before={"n": 1}, after={"n": 2})
    database.session.commit()
    assert second.id == first.id + 1
    assert second.prev_hash == first.hash


def test_verify_passes_on_an_intact_chain(cli, database):
    record("system", "test.one", "thing", 1, after={"n": 1})
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_verify_names_the_altered_entry(cli, database):
    entries = [record("system", "test.step", "thing", 7, after={"n": n}) for n in range(3)]
    database.session.commit()
    target = entries[1]
    database.session.execute(
        sa.update(AuditEntry).where(AuditEntry.id == target.id).values(after={"n": 99}))
    database.session.expire_all()
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit entry {target.id}: content was altered" in result.output


def test_verify_notices_a_deleted_entry(cli, database):
    entries = [record("system", "test.step", "thing", 7, after={"n": n}) for n in range(3)]
    database.session.commit()
    database.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entries[1].id))
    database.session.expire_all()
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit entry {entries[1].id}: missing" in result.output


def test_verify_notices_the_newest_entries_deleted(cli, database):
    entries = [record("system", "test.step", "thing", 7, after={"n": n}) for n in range(2)]
    database.session.commit()
    database.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entries[-1].id))
    database.session.expire_all()
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit entry {entries[-1].id}: missing" in result.output


def test_id_numbers_never_reach_the_logs_unmasked(caplog):
    number = id_number()
    with caplog.at_level(logging.INFO):
        logging.getLogger("backend.anything").info("checking %s for renewal", number)
    assert number not in caplog.text
    assert number[:3] in caplog.text and number[-4:] in caplog.text


def test_access_log_drops_certificate_tokens_and_masks_id_numbers():
    from backend.common.access_log import scrub

    number = id_number()
    line = f'"GET /v/eyJhbGciOiJFZERTQSJ9.eyJuIjoiMzUw.sig HTTP/1.1" 200 ?who={number}'
    scrubbed = scrub(line)
    assert "eyJ" not in scrubbed and "/v/…" in scrubbed
    assert number not in scrubbed
