"""The scale path on the real NATS JetStream at 127.0.0.1:4222: the intake answers after the
stream has the batch, writers share one durable consumer, a writer killed mid-batch loses
nothing and counts nothing twice. Each test has a stream of its own, deleted afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nats
import pytest

from backend.supervision import events, stream
from tests.supervision.test_events import DEC_5_2330_BEIJING, RECEIVED, order, positions

NATS_URL = "nats://127.0.0.1:4222"
ROOT = Path(__file__).resolve().parents[2]


def _nats_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 4222)) == 0


async def _jetstream(action):
    connection = await nats.connect(NATS_URL)
    try:
        return await action(connection.jetstream())
    finally:
        await connection.close()


def jetstream(action):
    """Run ``action(js)`` (a coroutine function) on a connection of its own."""
    return asyncio.run(_jetstream(action))


@pytest.fixture
def stream_name():
    if not _nats_answers():
        pytest.skip("no NATS server at 127.0.0.1:4222")
    name = f"SUPTEST_{uuid.uuid4().hex[:10].upper()}"
    yield name

    async def delete(js):
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_stream(name)
    jetstream(delete)
    for key in [key for key in stream._publishers if key[2] == name]:
        stream._publishers.pop(key).close()


@pytest.fixture
def stream_app(app, stream_name, tmp_path, monkeypatch):
    for key, value in {"SUPERVISION_STREAM_URL": NATS_URL, "SUPERVISION_STREAM_NAME": stream_name,
                       "SUPERVISION_EVENTS_DIR": str(tmp_path / "events")}.items():
        monkeypatch.setitem(app.config, key, value)
    return app


def messages_in(name: str) -> int:
    async def count(js):
        return (await js.stream_info(name)).state.messages
    return jetstream(count)


def test_the_intake_returns_once_jetstream_has_the_batch_and_a_writer_then_stores_it(
        stream_app, stream_name, tmp_path):
    with stream_app.app_context():
        events.accept("3502TEST", "orderCreate", [order("XM-1"), order("XM-2")], RECEIVED)
        store = events.store()

        assert messages_in(stream_name) == 1  # acknowledged by the stream …
        assert store.query("SELECT count(*) AS n FROM orderCreate") == [{"n": 0}]  # … not written

        done = stream.consume(store, NATS_URL, stream_name, idle_seconds=1)

        assert (done.messages, done.rows) == (1, 2)
        assert store.query("SELECT OrderId, CompanyId, received_at FROM orderCreate ORDER BY 1") \
            == [{"OrderId": f"XM-{n}", "CompanyId": "3502TEST",
                 "received_at": dt.datetime(2026, 12, 6, 10, 0)} for n in (1, 2)]
    assert messages_in(stream_name) == 1  # kept for replay (max_age), the consumer moved on
    assert stream.consume(store, NATS_URL, stream_name, idle_seconds=1).messages == 0


def test_a_batch_larger_than_one_message_arrives_whole(stream_app, stream_name):
    with stream_app.app_context():
        events.accept("3502TEST", "positionVehicle", positions(20_000, step=1), RECEIVED)
        assert messages_in(stream_name) > 1
        stream.consume(events.store(), NATS_URL, stream_name, idle_seconds=1)
        assert events.query("SELECT count(*) AS n FROM positionVehicle") == [{"n": 20_000}]


def test_without_a_stream_server_the_intake_is_told_unavailable(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_STREAM_URL", "nats://127.0.0.1:1")
    monkeypatch.setitem(app.config, "SUPERVISION_STREAM_NAME", "SUPTEST_NOWHERE")
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(tmp_path))
    started = time.monotonic()
    with app.app_context(), pytest.raises(events.Unavailable):
        events.accept("3502TEST", "orderCreate", [order("XM-1")], RECEIVED)
    assert time.monotonic() - started < 10
    assert list(tmp_path.rglob("*.parquet")) == []


# -- writer processes ----------------------------------------------------------------------------

def _writer(stream_name: str, store_dir: Path, *extra: str) -> subprocess.Popen:
    environment = dict(os.environ, PYTHONPATH=str(ROOT), SUPERVISION_STREAM_URL=NATS_URL,
                       SUPERVISION_STREAM_NAME=stream_name, SUPERVISION_EVENTS_DIR=str(store_dir),
                       INSTANCE_PATH=str(store_dir.parent),
                       DATABASE_URL=f"sqlite:///{store_dir.parent / 'writer.sqlite3'}",
                       LOAD_DEMO_DATA="0", SUPERVISION_STREAM_ACK_WAIT="3")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "backend", "supervision", "consume", *extra],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _consumer_state(stream_name: str):
    async def info(js):
        return await js.consumer_info(stream_name, stream.WRITERS)
    return jetstream(info)


def test_writers_share_the_feed_and_one_killed_mid_batch_loses_and_doubles_nothing(
        stream_name, tmp_path):
    store_dir = tmp_path / "events"
    publisher = stream.Publisher(NATS_URL, stream_name)
    batches, per_batch = 120, 250
    try:
        for batch in range(batches):
            # Each message spans a week, so one fetched batch is many files, one per day.
            records = positions(per_batch, start=DEC_5_2330_BEIJING - batch * 7,
                                vehicle=f"闽D{batch:05d}", step=2400)
            publisher.publish("positionVehicle", events.build_table(
                "positionVehicle", "3502TEST", records, RECEIVED))
    finally:
        publisher.close()

    doomed = _writer(stream_name, store_dir, "--batch", "40")
    deadline = time.monotonic() + 60
    while not list(store_dir.rglob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.005)
    doomed.send_signal(signal.SIGKILL)  # its first batch's files are on disk, unacknowledged
    doomed.communicate(timeout=10)
    written_before = len(list(store_dir.rglob("*.parquet")))
    assert written_before > 0

    # They wait longer than the acknowledgement deadline: the dead writer's batch comes back.
    survivors = [_writer(stream_name, store_dir, "--batch", "5", "--idle-exit", "6")
                 for _ in range(2)]
    reports = []
    for writer in survivors:
        out, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))

    store = events.Store(store_dir)
    assert store.query("SELECT count(*) AS n FROM positionVehicle") == [
        {"n": batches * per_batch}]
    state = _consumer_state(stream_name)
    assert state.num_pending == 0 and state.num_ack_pending == 0
    assert sum(report["messages"] for report in reports) >= batches - 40
    assert len(list(store_dir.rglob("*.parquet"))) > written_before


# -- through the intake over HTTP ---------------------------------------------------------------

@pytest.fixture
def sender(stream_app, database):
    from tests.supervision.platforms import PlatformClient, licensed_platform, with_secret

    platform = licensed_platform()
    secret = with_secret(platform)
    database.session.commit()
    return PlatformClient(stream_app.test_client(), platform, secret)


@pytest.mark.parametrize("encoding", ["json", "protobuf"])
def test_a_platforms_batch_is_answered_after_the_stream_has_it_and_written_by_a_writer(
        sender, stream_app, stream_name, encoding):
    from tests.supervision.platforms import record

    batch = [record("orderCreate", sender.company_id, OrderId=f"JS-{encoding}-{n}")
             for n in range(3)]

    answer = sender.send("orderCreate", batch, encoding=encoding)

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["accepted"] == 3
    assert messages_in(stream_name) == 1
    with stream_app.app_context():
        store = events.store()
        assert store.query("SELECT count(*) AS n FROM orderCreate") == [{"n": 0}]
        stream.consume(store, NATS_URL, stream_name, idle_seconds=1)
        assert [row["OrderId"] for row in store.query(
            "SELECT OrderId FROM orderCreate ORDER BY 1")] == [
            f"JS-{encoding}-{n}" for n in range(3)]


def test_a_platform_is_told_to_resend_when_the_stream_does_not_answer(
        sender, stream_app, monkeypatch):
    from tests.supervision.platforms import record

    monkeypatch.setitem(stream_app.config, "SUPERVISION_STREAM_URL", "nats://127.0.0.1:1")

    answer = sender.send("orderCreate", [record("orderCreate", sender.company_id)])

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert answer.get_json()["ipc_code"] == 503
