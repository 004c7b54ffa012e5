"""The camera simulator publishes a realistic stream: several cameras, licensed plates from the
register, unlicensed plates from the platforms' feed where and when the feed had them."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from backend.db import utcnow
from backend.enforcement import mqtt
from backend.enforcement.messages import TOPIC_FILTER, parse
from tests.enforcement.broker import LocalBroker
from tests.enforcement.helpers import feed_positions, transport_certificate


@pytest.fixture
def broker(tmp_path):
    with LocalBroker(tmp_path / "mosquitto") as running:
        yield running


def test_the_simulator_publishes_reads_from_several_cameras_some_of_unlicensed_cars(
        app, cli, broker, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ENFORCEMENT_MQTT_URL", broker.url)
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(tmp_path / "events"))
    transport_certificate("闽DD60001", "lujiang-go")
    seen = utcnow() - dt.timedelta(hours=3)
    feed_positions("3502DEMOGREEN", "闽DD66601", seen)
    received = []
    listener = mqtt.client(mqtt.Broker.from_url(broker.url), "listener")
    listener.on_connect = lambda c, *_: c.subscribe(TOPIC_FILTER, qos=1)
    listener.on_message = lambda c, u, message: received.append(message)
    mqtt.connect(listener, mqtt.Broker.from_url(broker.url))
    listener.loop_start()
    time.sleep(0.5)
    result = cli.invoke(args=["enforcement", "simulate", "--reads", "400", "--rate", "0",
                              "--illegal", "0.1", "--cameras", "8"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[-1])["acknowledged"] == 400
    deadline = time.monotonic() + 20
    while len(received) < 400 and time.monotonic() < deadline:
        time.sleep(0.1)
    listener.disconnect()
    listener.loop_stop()
    reads = [parse(m.topic, m.payload, utcnow()) for m in received]  # every one well-formed
    assert len(reads) == 400
    assert len({r.camera for r in reads}) == 8
    assert any(r.camera.startswith("PATROL") for r in reads)
    illegal = [r for r in reads if r.plate == "闽DD66601"]
    assert 20 <= len(illegal) <= 60
    assert all(abs(r.seen_at - seen) < dt.timedelta(seconds=1) for r in illegal)
    assert any(r.plate == "闽DD60001" for r in reads)
