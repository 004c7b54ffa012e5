"""The scale path: NATS JetStream between the intake and the event store (DESIGN.md §8).

With ``SUPERVISION_STREAM_URL`` set, the intake publishes each accepted batch to the stream
``SUPERVISION_STREAM_NAME`` on the subject ``<stream>.<CompanyId>.<IPCType>`` and answers the
platform only once JetStream has acknowledged it (stored, and replicated when the stream has
replicas). ``flask supervision consume`` writers, as many as wanted on as many machines, share one
durable pull consumer: each fetches a batch of messages, writes them to the store (``events.Store``,
one durable file per interface and day) and acknowledges them only then. A writer killed before
its acknowledgement leaves its messages to be delivered again to another writer; the copies it may
already have written are counted once (the store deduplicates by natural key), so nothing is lost
and nothing is counted twice.

A message is the batch as an Arrow IPC stream of the interface's schema (``events.build_table``),
split to stay under the server's maximum payload, with a ``Nats-Msg-Id`` so that JetStream drops a
republished copy within its duplicate window.

nats-py is asynchronous; this module keeps that inside: the intake's side (``publisher``) runs an
event loop in a daemon thread of each process and offers a blocking ``publish``; the writer's side
(``consume``) runs its own loop until stopped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import re
import signal
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

import nats
import nats.errors
import nats.js.errors
import pyarrow as pa
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig

from backend.supervision import events

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5.0
# Messages stay in the stream this long after they are written, for replay or a second consumer.
MAX_AGE_SECONDS = 7 * 24 * 3600
DUPLICATE_WINDOW_SECONDS = 120
WRITERS = "writers"  # the durable consumer every writer shares
_SUBJECT_TOKEN = re.compile(r"[^A-Za-z0-9_-]")


def subject(stream_name: str, company_id: str, interface_name: str) -> str:
    return f"{stream_name}.{_SUBJECT_TOKEN.sub('_', company_id)}.{interface_name}"


async def ensure_stream(js, stream_name: str, replicas: int = 1) -> None:
    """Create the stream if it does not exist (a stream that exists is left as configured)."""
    try:
        await js.stream_info(stream_name)
    except nats.js.errors.NotFoundError:
        await js.add_stream(StreamConfig(
            name=stream_name, subjects=[f"{stream_name}.>"], storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS, max_age=MAX_AGE_SECONDS,
            duplicate_window=DUPLICATE_WINDOW_SECONDS, num_replicas=replicas,
        ))


async def _connect(url: str, name: str, reconnect_forever: bool = False):
    """The intake's connection fails within seconds when no server answers (the platform gets
    503 and the next request tries again); a writer waits for the server for ever."""
    servers = [server.strip() for server in url.split(",") if server.strip()]  # a cluster's
    return await nats.connect(servers=servers, name=name, connect_timeout=2,
                              reconnect_time_wait=1,
                              max_reconnect_attempts=-1 if reconnect_forever else 3)


def encode(table: pa.Table, max_bytes: int) -> list[bytes]:
    """The table as Arrow IPC payloads of at most ``max_bytes`` each (fewer rows each if needed)."""
    payload = _ipc(table)
    if len(payload) <= max_bytes or table.num_rows <= 1:
        return [payload]
    half = table.num_rows // 2
    return encode(table.slice(0, half), max_bytes) + encode(table.slice(half), max_bytes)


def decode(payload: bytes) -> pa.Table:
    return pa.ipc.open_stream(payload).read_all()


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


# ---------------------------------------------------------------------------------------------
# The intake's side


class Publisher:
    """A process's connection to JetStream with a blocking ``publish`` for sync workers."""

    def __init__(self, url: str, stream_name: str, replicas: int = 1):
        self.url, self.stream_name, self.replicas = url, stream_name, replicas
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="jetstream-publisher", daemon=True)
        self._thread.start()
        self._connection = None
        self._js = None
        self._max_payload = 0

    def publish(self, interface_name: str, table: pa.Table) -> None:
        """Publish the batch and wait for JetStream's acknowledgement of every part of it;
        ``events.Unavailable`` when the stream does not acknowledge in time."""
        try:
            self._run(self._publish(interface_name, table), PUBLISH_TIMEOUT_SECONDS * 2)
        except (nats.errors.Error, OSError, concurrent.futures.TimeoutError) as error:
            raise events.Unavailable(f"JetStream: {error!r}") from error

    def _run(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _publish(self, interface_name: str, table: pa.Table) -> None:
        js = await self._jetstream()
        company_id = table["CompanyId"][0].as_py()
        target = subject(self.stream_name, company_id, interface_name)
        batch = uuid.uuid4().hex
        parts = encode(table, self._max_payload - 4096)
        await asyncio.gather(*(
            js.publish(target, payload, timeout=PUBLISH_TIMEOUT_SECONDS,
                       headers={"Nats-Msg-Id": f"{batch}-{index}"})
            for index, payload in enumerate(parts)
        ))

    async def _jetstream(self):
        async with self._connecting():
            if self._connection is not None and self._connection.is_closed:
                self._connection = self._js = None  # gave up reconnecting: start again
            if self._js is None:
                connection = await _connect(self.url, f"supervision-intake-{os.getpid()}")
                js = connection.jetstream()
                await ensure_stream(js, self.stream_name, self.replicas)
                self._connection, self._max_payload, self._js = (
                    connection, connection.max_payload, js)
        return self._js

    def _connecting(self) -> asyncio.Lock:
        # Created in the loop's thread: concurrent first publishes share one connection.
        if not hasattr(self, "_connect_lock"):
            self._connect_lock = asyncio.Lock()
        return self._connect_lock

    def close(self) -> None:
        async def close_connection():
            if self._connection is not None and not self._connection.is_closed:
                await self._connection.close()
        try:
            self._run(close_connection(), PUBLISH_TIMEOUT_SECONDS)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(PUBLISH_TIMEOUT_SECONDS)
            self._loop.close()


_publishers: dict[tuple, Publisher] = {}
_publishers_lock = threading.Lock()


def publisher(url: str, stream_name: str, replicas: int = 1) -> Publisher:
    """This process's publisher (a gunicorn worker forked after another was made gets its own)."""
    key = (os.getpid(), url, stream_name)
    with _publishers_lock:
        if key not in _publishers:
            _publishers[key] = Publisher(url, stream_name, replicas)
        return _publishers[key]


# ---------------------------------------------------------------------------------------------
# The writer's side


@dataclass
class Consumed:
    messages: int = 0
    rows: int = 0
    batches: int = 0


def consume(store: events.Store, url: str, stream_name: str, *, batch: int = 64,
            idle_seconds: float | None = None, replicas: int = 1,
            ack_wait: float = 30) -> Consumed:
    """Write the stream's messages to the store until SIGTERM/SIGINT, or until nothing came
    for ``idle_seconds`` (when given). Returns what this writer wrote. ``ack_wait`` is how long
    a fetched batch waits for its acknowledgement before it goes to another writer (it is set
    when the durable consumer is first made)."""
    return asyncio.run(_consume(store, url, stream_name, batch, idle_seconds, replicas,
                                ack_wait))


async def _consume(store, url, stream_name, batch, idle_seconds, replicas,
                   ack_wait) -> Consumed:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopping.set)
    connection = await _connect(url, f"supervision-writer-{os.getpid()}", reconnect_forever=True)
    js = connection.jetstream()
    await ensure_stream(js, stream_name, replicas)
    subscription = await js.pull_subscribe(
        f"{stream_name}.>", durable=WRITERS, stream=stream_name,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait, max_deliver=-1,
                              max_ack_pending=20_000),
    )
    done = Consumed()
    last_message = time.monotonic()
    try:
        while not stopping.is_set():
            try:
                messages = await subscription.fetch(batch, timeout=1)
            except TimeoutError:  # nats-py raises its own and asyncio's
                if idle_seconds is not None and time.monotonic() - last_message > idle_seconds:
                    break
                continue
            last_message = time.monotonic()
            done.rows += await _write(store, messages)
            done.messages += len(messages)
            done.batches += 1
    finally:
        with contextlib.suppress(nats.errors.Error):
            await connection.flush()  # the last acknowledgements
        await connection.close()
    return done


async def _write(store: events.Store, messages) -> int:
    """Write a fetched batch (one file per interface and day), then acknowledge it."""
    tables = defaultdict(list)
    readable = []
    for message in messages:
        interface_name = message.subject.rsplit(".", 1)[-1]
        try:
            if interface_name not in events.INTERFACES:
                raise ValueError(f"no event interface {interface_name!r}")
            tables[interface_name].append(decode(message.data))
            readable.append(message)
        except (pa.ArrowInvalid, ValueError):
            log.exception("unreadable message on %s dropped", message.subject)
            await message.term()
    rows = 0
    try:
        for interface_name, parts in tables.items():
            table = pa.concat_tables(parts, promote_options="default")
            await asyncio.to_thread(store.write, interface_name, table)
            rows += table.num_rows
    except events.Unavailable:
        log.exception("the store refused a batch: it will be delivered again")
        for message in readable:
            await message.nak(delay=5)
        return 0
    for message in readable:
        await message.ack()
    return rows
