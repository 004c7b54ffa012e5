"""Signed checkpoints: the audit and query logs hold against someone who can write to the
database, on SQLite and PostgreSQL."""

import json
import uuid

import pytest
import sqlalchemy as sa

from backend.audit.chain import append
from backend.audit.checkpoints import chain_of
from backend.audit.operations import record
from backend.common.models import Counter
from backend.db import utcnow
from backend.verification.models import SourceQuery

LABELS = {"audit": "audit entry", "queries": "query log entry"}


@pytest.fixture
def checkpoint_file(app, tmp_path):
    """A checkpoint file and key directory of the test's own."""
    saved = {key: app.config[key] for key in ("AUDIT_CHECKPOINTS_FILE", "AUDIT_KEYS_DIR")}
    app.config.update(AUDIT_CHECKPOINTS_FILE=str(tmp_path / "checkpoints.jsonl"),
                      AUDIT_KEYS_DIR=str(tmp_path / "audit-keys"))
    yield tmp_path / "checkpoints.jsonl"
    app.config.update(saved)


def _add_entries(database, log: str, count: int) -> list[int]:
    session = database.session()
    for n in range(count):
        if log == "audit":
            record("system", "test.step", "thing", 7, after={"n": n})
        else:
            append(session, SourceQuery(
                query_id=str(uuid.uuid4()), at=utcnow(), requester="system", purpose="test",
                source="identity", operation="person", implementation="mirror",
                request_hash="a" * 64, response_hash="b" * 64, latency_ms=1.5, outcome="found"))
    database.session.commit()
    model = chain_of(log).model
    return database.session.scalars(sa.select(model.id).order_by(model.id)).all()[-count:]


def _verify(cli, log: str, *extra: str):
    return cli.invoke(args=["audit", "verify", "--log", log, *extra])


def _checkpoint(cli):
    result = cli.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result


def _delete_newest_and_lower_the_counter(database, log: str, keep: int) -> None:
    chain = chain_of(log)
    database.session.execute(sa.delete(chain.model).where(chain.model.id > keep))
    database.session.execute(sa.update(Counter).where(Counter.name == chain.counter)
                             .values(value=keep))
    database.session.expire_all()


def _rewrite_and_recompute(database, log: str, target: int) -> None:
    """Change one entry and recompute its hash and every later link and hash, as an operator
    who knows the hashing would."""
    chain = chain_of(log)
    rows = database.session.scalars(sa.select(chain.model).where(chain.model.id >= target)
                                    .order_by(chain.model.id)).all()
    if log == "audit":
        rows[0].after = {"n": 99}
    else:
        rows[0].outcome = "not_found"
    previous = rows[0].prev_hash
    for row in rows:
        row.prev_hash = previous
        row.hash = previous = chain.hash_of(row)
    database.session.flush()
    database.session.expire_all()


@pytest.mark.parametrize("log", ["audit", "queries"])
def test_an_untouched_log_with_checkpoints_verifies_intact(cli, database, checkpoint_file, log):
    _add_entries(database, log, 3)
    _checkpoint(cli)
    _add_entries(database, log, 2)  # entries after the newest checkpoint are fine too
    result = _verify(cli, log)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "signed checkpoints agree" in result.output


@pytest.mark.parametrize("log", ["audit", "queries"])
def test_newest_entries_deleted_with_the_counter_lowered_are_named(
        cli, database, checkpoint_file, log):
    ids = _add_entries(database, log, 4)
    _checkpoint(cli)
    _delete_newest_and_lower_the_counter(database, log, keep=ids[1])
    result = _verify(cli, log)
    assert result.exit_code == 1
    assert f"{LABELS[log]} {ids[2]}: missing" in result.output
    assert f"reaching {ids[-1]}" in result.output


@pytest.mark.parametrize("log", ["audit", "queries"])
def test_an_entry_rewritten_with_every_later_hash_recomputed_is_named(
        cli, database, checkpoint_file, log):
    ids = _add_entries(database, log, 5)
    _checkpoint(cli)
    _rewrite_and_recompute(database, log, ids[1])
    result = _verify(cli, log)
    assert result.exit_code == 1
    assert f"{LABELS[log]} {ids[1]}: differs from checkpoint line 1" in result.output


def test_a_forged_checkpoint_is_named(cli, database, checkpoint_file):
    ids = _add_entries(database, "audit", 2)
    _checkpoint(cli)
    # The operator appends a checkpoint of a chain they made up, with a signature they cannot make.
    genuine = json.loads(checkpoint_file.read_text().splitlines()[0])
    forged = {**genuine, "head": "f" * 64, "digests": ["f" * 16] * len(ids), "at": "2030-01-01"}
    with checkpoint_file.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    result = _verify(cli, "audit")
    assert result.exit_code == 1
    assert "checkpoint line 2: signature does not verify" in result.output
    refused = cli.invoke(args=["audit", "checkpoint"])  # nor is it signed over
    assert refused.exit_code == 1 and "checkpoint line 2" in refused.output


def test_a_checkpoint_line_removed_from_the_file_is_named(cli, database, checkpoint_file):
    _add_entries(database, "audit", 1)
    _checkpoint(cli)
    _add_entries(database, "audit", 1)
    _checkpoint(cli)
    _add_entries(database, "audit", 1)
    _checkpoint(cli)
    lines = checkpoint_file.read_text().splitlines()
    checkpoint_file.write_text("\n".join([lines[0], lines[2]]) + "\n")
    result = _verify(cli, "audit")
    assert result.exit_code == 1
    assert "checkpoint line 2: does not link to the line before it" in result.output


def test_the_witness_copy_shows_a_checkpoint_file_cut_back_with_the_log(
        cli, database, checkpoint_file, tmp_path):
    ids = _add_entries(database, "audit", 3)
    _checkpoint(cli)
    export = cli.invoke(args=["audit", "checkpoint", "--export"])
    witness = tmp_path / "witness.json"
    witness.write_text(export.output)
    assert json.loads(export.output)["public_keys"]["keys"]
    # The operator also holds the checkpoint file: both are cut back to the first entry.
    _delete_newest_and_lower_the_counter(database, "audit", keep=ids[0])
    checkpoint_file.write_text("")
    assert _verify(cli, "audit").exit_code == 0  # the local evidence is all gone...
    result = _verify(cli, "audit", "--witness", str(witness))  # ...the witness's is not
    assert result.exit_code == 1
    assert f"audit entry {ids[1]}: missing" in result.output
    assert "checkpoint line 1: in the witness's copy but gone from the checkpoint file" in result.output


def test_checkpoint_never_vouches_for_a_broken_chain(cli, database, checkpoint_file):
    ids = _add_entries(database, "audit", 2)
    _checkpoint(cli)
    _add_entries(database, "audit", 2)
    _rewrite_and_recompute(database, "audit", ids[0])
    result = cli.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert "no checkpoint written" in result.output
    assert len(checkpoint_file.read_text().splitlines()) == 1


def test_checkpoint_writes_nothing_when_no_log_moved(cli, database, checkpoint_file):
    _add_entries(database, "audit", 1)
    _checkpoint(cli)
    assert "nothing new" in _checkpoint(cli).output
    assert oct(checkpoint_file.stat().st_mode & 0o777) == "0o600"


def test_checkpoint_refuses_to_go_on_from_a_log_cut_back_under_it(cli, database, checkpoint_file):
    ids = _add_entries(database, "audit", 3)
    _checkpoint(cli)
    _delete_newest_and_lower_the_counter(database, "audit", keep=ids[0])
    _add_entries(database, "audit", 3)  # new entries take the deleted entries' numbers
    result = cli.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert f"audit entry {ids[-1]} is no longer what the last checkpoint recorded" in result.output


def test_a_broken_query_log_does_not_keep_the_audit_log_from_its_checkpoint(
        cli, database, checkpoint_file):
    _add_entries(database, "audit", 1)
    ids = _add_entries(database, "queries", 2)
    _checkpoint(cli)
    _add_entries(database, "audit", 1)
    _rewrite_and_recompute(database, "queries", ids[0])
    result = cli.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert "audit: checkpoint of entries" in result.output
    assert f"no checkpoint written: query log entry {ids[-1]} is no longer" in result.output
