"""MQTT clients as the worker, the simulator and the benchmark make them (paho-mqtt, MQTT 5).

The worker keeps one **persistent session** on the broker (a fixed client id, ``clean_start``
false and a session that outlives a disconnection by ``SESSION_EXPIRY``): the broker queues the
reads published while the worker is down and delivers them when it is back. It acknowledges a
read (PUBACK) only once its batch is committed (``manual_ack``), so a read the broker accepted
from a camera is never dropped between the broker and the database: a worker that dies before
its commit gets the same reads again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

SESSION_EXPIRY = 7 * 24 * 3600  # seconds the broker keeps the worker's session and queue
# Reads the broker may send the worker before the oldest is acknowledged (MQTT 5 Receive
# Maximum). It must cover a batch and the next one arriving: the worker acknowledges a whole
# batch at once after its commit.
RECEIVE_MAXIMUM = 20_000


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


def client(broker: Broker, client_id: str, *, manual_ack: bool = False) -> paho.Client:
    """A client for ``broker`` (not yet connected)."""
    mqtt = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                       protocol=paho.MQTTv5, manual_ack=manual_ack)
    if broker.username:
        mqtt.username_pw_set(broker.username, broker.password)
    return mqtt


def connect(mqtt: paho.Client, broker: Broker, *, persistent: bool) -> None:
    """Connect (the network loop is the caller's to start). A persistent session resumes the
    one the broker kept for this client id, with the reads queued for it."""
    properties = Properties(PacketTypes.CONNECT)
    if persistent:
        properties.SessionExpiryInterval = SESSION_EXPIRY
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
    mqtt.connect(broker.host, broker.port, keepalive=30, clean_start=not persistent,
                 properties=properties)
