"""The camera worker (``flask --app backend enforcement cameras``): subscribes to every
camera's topic with QoS 1 on a persistent session, classifies the reads in batches and stores
them, then acknowledges them.

paho's network thread only appends each message to a queue. The main thread takes whatever
has arrived (up to ``batch`` reads), catches the classifier up with the licence register and
the feed, classifies, stores the batch in one transaction, and only after the commit sends the
PUBACKs. Killed at any point, the worker loses nothing the broker accepted: what it had not
acknowledged is delivered again to its session, and a read stored twice is the same row.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from backend.db import db, utcnow
from backend.enforcement import mqtt, operations
from backend.enforcement.classify import Classifier
from backend.enforcement.messages import TOPIC_FILTER, BadRead, parse
from backend.enforcement.models import Result
from backend.supervision import events
from backend.transactions import in_transaction

log = logging.getLogger(__name__)


@dataclass
class Totals:
    reads: int = 0  # messages taken (a redelivered one counts again)
    stored: int = 0  # new reads stored
    suspected: int = 0
    rejected: int = 0
    batches: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


class Worker:
    def __init__(self, *, batch: int = 5000, client_id: str | None = None,
                 share: str | None = None) -> None:
        config = current_app.config
        self.broker = mqtt.Broker.from_url(config["ENFORCEMENT_MQTT_URL"])
        self.client_id = client_id or config["ENFORCEMENT_MQTT_CLIENT_ID"]
        # Workers sharing a group (MQTT shared subscription) each get a part of the reads.
        self.topic = f"$share/{share}/{TOPIC_FILTER}" if share else TOPIC_FILTER
        self.batch = batch
        self.classifier = Classifier(events.store(), dt.timedelta(
            minutes=config["ENFORCEMENT_FEED_WINDOW_MINUTES"]))
        self.totals = Totals()
        self.stop = threading.Event()
        self._incoming: collections.deque = collections.deque()
        self._arrived = threading.Event()
        self._subscribed = threading.Event()

    # -- the network thread ----------------------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self._subscribed.set()

    def _on_message(self, client, userdata, message) -> None:
        self._incoming.append(message)
        self._arrived.set()

    # -- the main thread -------------------------------------------------------------------------

    def run(self, idle_exit: float | None = None) -> Totals:
        """Work until ``stop`` is set (or, with ``idle_exit``, after that many seconds with
        nothing to do); returns the totals."""
        in_transaction(self.classifier.catch_up)(utcnow(), force_feed=True)
        client = mqtt.client(self.broker, self.client_id, persistent=True, manual_ack=True)
        client.on_connect, client.on_subscribe = self._on_connect, self._on_subscribe
        client.on_message = self._on_message
        mqtt.connect(client, self.broker)
        client.loop_start()
        try:
            self._loop(client, idle_exit)
        finally:
            client.disconnect()
            client.loop_stop()
        return self.totals

    def _loop(self, client, idle_exit: float | None) -> None:
        idle_since = time.monotonic()
        while not self.stop.is_set():
            if not self._incoming:
                self._arrived.wait(0.2)
                self._arrived.clear()
                if (idle_exit is not None and not self._incoming and self._subscribed.is_set()
                        and time.monotonic() - idle_since > idle_exit):
                    return
                continue
            taken = [self._incoming.popleft()
                     for _ in range(min(self.batch, len(self._incoming)))]
            self._process_or_put_back(taken)
            for message in taken:
                client.ack(message.mid, message.qos)
            idle_since = time.monotonic()

    def _process_or_put_back(self, taken: list) -> None:
        """Store the batch; if the database fails, wait and try again (nothing is
        acknowledged meanwhile, so a worker stopped now loses nothing either)."""
        while True:
            try:
                in_transaction(self.process)(taken)
                return
            except StaleDataError:
                # Another worker sharing the stream changed the same open alert first: expected
                # (optimistic concurrency); the batch is stored again at once on what it wrote.
                log.info("another worker changed an alert of this batch of %d reads; storing "
                         "it again", len(taken))
                db.session.remove()
                if self.stop.is_set():
                    raise
            except Exception:
                log.exception("storing a batch of %d reads failed; retrying", len(taken))
                db.session.remove()
                if self.stop.wait(1.0):
                    raise

    def process(self, messages: list) -> None:
        """Classify and store one batch (the caller owns the transaction)."""
        now = utcnow()
        self.classifier.catch_up(now)
        classified, rejected = [], []
        for message in messages:
            try:
                read = parse(message.topic, message.payload, now)
            except BadRead as error:
                rejected.append((message.topic, message.payload, str(error)))
                continue
            classified.append((read, self.classifier.classify(read)))
        stored = operations.record(classified, now)
        operations.reject(rejected, now)
        self.totals.reads += len(messages)
        self.totals.stored += stored
        self.totals.suspected += sum(1 for _, c in classified if c.result == Result.SUSPECTED)
        self.totals.rejected += len(rejected)
        self.totals.batches += 1
