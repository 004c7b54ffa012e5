"""MQTT clients as the worker, the simulator and the benchmark make them (paho-mqtt, MQTT
3.1.1: paho spends about three times the CPU on an MQTT 5 message, its properties parsed, and
the worker needs nothing MQTT 5 adds).

The worker keeps one **persistent session** on the broker (a fixed client id and
``clean_session`` false; the broker keeps it ``persistent_client_expiration``, 14 days in
``deploy/mosquitto/mosquitto.conf``): the broker queues the reads published while the worker
is down and delivers them when it is back. It acknowledges a
read (PUBACK) only once its batch is committed (``manual_ack``), so a read the broker accepted
from a camera is never dropped between the broker and the database: a worker that dies before
its commit gets the same reads again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> Broker:
        """``mqtt://[user:password@]host[:port]``."""
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError(f"not an mqtt:// URL: {url!r}")
        return cls(parts.hostname, parts.port or 1883,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


def client(broker: Broker, client_id: str, *, persistent: bool = False,
           manual_ack: bool = False) -> paho.Client:
    """A client for ``broker`` (not yet connected). A persistent one resumes the session the
    broker kept for this client id, with the reads queued for it."""
    mqtt = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                       clean_session=not persistent, protocol=paho.MQTTv311,
                       manual_ack=manual_ack)
    if broker.username:
        mqtt.username_pw_set(broker.username, broker.password)
    return mqtt


def connect(mqtt: paho.Client, broker: Broker) -> None:
    """Connect (the network loop is the caller's to start)."""
    mqtt.connect(broker.host, broker.port, keepalive=30)
