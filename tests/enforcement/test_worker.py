"""The camera worker against a real Mosquitto started with the project's configuration: QoS 1
on a persistent session, killed and restarted while the cameras keep publishing; every read
the broker acknowledged to a camera is stored once."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend.db import db, utcnow
from backend.enforcement import mqtt
from backend.enforcement.models import AlertStatus, CameraAlert, CameraRead, RejectedRead, Result
from tests.enforcement.broker import LocalBroker
from tests.enforcement.helpers import feed_positions, message, transport_certificate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker(tmp_path):
    with LocalBroker(tmp_path / "mosquitto") as running:
        yield running


@pytest.fixture
def workers():
    """Start workers with ``workers.start(...)``; any still running are killed afterwards."""
    started = []

    class Workers:
        @staticmethod
        def start(*args, **kwargs) -> subprocess.Popen:
            started.append(start_worker(*args, **kwargs))
            return started[-1]

    yield Workers
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def start_worker(app, broker: LocalBroker, log: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INSTANCE_PATH": app.instance_path,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LOAD_DEMO_DATA": "0",
           "ENFORCEMENT_MQTT_URL": broker.url, "ENFORCEMENT_MQTT_CLIENT_ID": "test-worker"}
    with open(log, "ab") as out:  # (the worker keeps its copy)
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "backend",
                                 "enforcement", "cameras", "--batch", "200", *extra],
                                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=out,
                                text=True)


def subscribed(broker: LocalBroker) -> None:
    """Wait until the worker's session exists: a probe read gets through."""
    probe = mqtt.client(mqtt.Broker.from_url(broker.url), "probe")
    mqtt.connect(probe, mqtt.Broker.from_url(broker.url))
    probe.loop_start()
    try:
        deadline = time.monotonic() + 30
        while stored({"闽DK00009"}) == 0:
            assert time.monotonic() < deadline, "the worker did not subscribe"
            probe.publish(*message("闽DK00009", utcnow(), camera="PROBE"),
                          qos=1).wait_for_publish(5)
            time.sleep(0.3)
    finally:
        probe.disconnect()
        probe.loop_stop()


def stored(plates: set[str] | None = None) -> int:
    db.session.remove()
    query = sa.select(sa.func.count()).select_from(CameraRead)
    if plates is not None:
        query = query.where(CameraRead.plate.in_(plates))
    return db.session.scalar(query)


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


class Camera(threading.Thread):
    """A camera publishing reads with QoS 1 at a steady rate; ``acknowledged`` counts the
    reads the broker took (PUBACK)."""

    def __init__(self, broker: LocalBroker, camera: str, plates: list[str], count: int,
                 rate: float) -> None:
        super().__init__(daemon=True)
        self.broker, self.camera, self.plates = broker, camera, plates
        self.count, self.rate, self.acknowledged = count, rate, 0

    def run(self) -> None:
        client = mqtt.client(mqtt.Broker.from_url(self.broker.url), self.camera)
        client.max_inflight_messages_set(200)
        mqtt.connect(client, mqtt.Broker.from_url(self.broker.url))
        client.loop_start()
        start, sent = utcnow(), []
        for n in range(self.count):
            time.sleep(1 / self.rate)
            plate = self.plates[n % len(self.plates)]
            seen_at = start + dt.timedelta(milliseconds=n)
            sent.append(client.publish(*message(plate, seen_at, camera=self.camera), qos=1))
        for info in sent:
            info.wait_for_publish(timeout=30)
        self.acknowledged = sum(1 for info in sent if info.is_published())
        client.disconnect()
        client.loop_stop()


def test_reads_survive_the_worker_killed_and_restarted_while_cameras_publish(
        sqlite_app, broker, workers, tmp_path):
    with sqlite_app.app_context():
        for plate in ("闽DK00001", "闽DK00002"):
            transport_certificate(plate, "lujiang-go")
        feed_positions("3502DEMOGREEN", "闽DK66666", utcnow() - dt.timedelta(minutes=2))
        db.session.commit()
        log = tmp_path / "worker.log"
        worker = workers.start(sqlite_app, broker, log)
        subscribed(broker)

        plates = ["闽DK00001", "闽DK00002", "闽DK66666", "闽DK12345", "闽DK54321"]
        cameras = [Camera(broker, f"CAM-{n}", plates, count=1500, rate=400) for n in range(3)]
        for camera in cameras:
            camera.start()
        time.sleep(1.5)
        worker.send_signal(signal.SIGKILL)  # mid-batch, nothing flushed, nothing said
        worker.wait()
        time.sleep(1.5)  # the cameras keep publishing; the broker queues for the session
        worker = workers.start(sqlite_app, broker, log, "--idle-exit", "3")
        for camera in cameras:
            camera.join(timeout=60)
        acknowledged = sum(camera.acknowledged for camera in cameras)
        assert acknowledged == 4500
        wait_for(lambda: stored(set(plates)) == acknowledged)
        assert worker.wait(timeout=60) == 0, log.read_text()

        db.session.remove()
        results = dict(db.session.execute(
            sa.select(CameraRead.result, sa.func.count()).where(CameraRead.plate.in_(plates))
            .group_by(CameraRead.result)).all())
        assert results == {Result.LICENSED: 1800, Result.SUSPECTED: 900, Result.ORDINARY: 1800}
        alert = db.session.scalar(sa.select(CameraAlert).where(CameraAlert.plate == "闽DK66666"))
        assert (alert.status, alert.reasons, alert.companies) == (
            AlertStatus.OPEN, ["feed"], ["3502DEMOGREEN"])


def test_workers_sharing_a_group_each_take_a_part_and_store_every_read_once(
        sqlite_app, broker, workers, tmp_path):
    def start(n: int, idle: str):
        return workers.start(sqlite_app, broker, tmp_path / f"worker{n}.log", "--idle-exit",
                             idle, "--share", "cameras", "--client-id", f"test-worker-{n}")

    with sqlite_app.app_context():
        # a first run makes both sessions and their subscriptions (a worker only exits idle
        # once it has subscribed); then both come back and wait for the reads
        for first in [start(n, "0.5") for n in (1, 2)]:
            assert first.wait(timeout=60) == 0
        log = broker.directory / "mosquitto.log"
        connected = log.read_text().count("as test-worker-")
        shared = [start(n, "4") for n in (1, 2)]
        wait_for(lambda: log.read_text().count("as test-worker-") == connected + 2)
        plates = ["闽DS00001", "闽DS00002", "闽DS00003"]
        camera = Camera(broker, "CAM-SHARED", plates, count=1200, rate=600)
        camera.start()
        camera.join(timeout=60)
        assert camera.acknowledged == 1200
        wait_for(lambda: stored(set(plates)) == 1200)
        taken = []
        for worker in shared:
            output, _ = worker.communicate(timeout=60)
            taken.append(json.loads(output.splitlines()[-1])["stored"])
        assert sum(taken) == 1200 and min(taken) > 0, taken


def test_a_message_that_is_not_a_read_is_kept_for_the_vendor_and_acknowledged(
        sqlite_app, broker, workers, tmp_path):
    with sqlite_app.app_context():
        worker = workers.start(sqlite_app, broker, tmp_path / "worker.log", "--idle-exit", "3")
        camera = mqtt.client(mqtt.Broker.from_url(broker.url), "XMSTN-01")
        mqtt.connect(camera, mqtt.Broker.from_url(broker.url))
        camera.loop_start()
        subscribed(broker)
        topic, _ = message("闽DK00010", utcnow(), camera="XMSTN-01")
        for payload in (b"{not json", *[message(plate, utcnow(), camera="XMSTN-01")[1]
                                        for plate in ("闽X", "闽DK00010")]):
            camera.publish(topic, payload, qos=1).wait_for_publish(10)
        assert worker.wait(timeout=60) == 0
        db.session.remove()
        reasons = db.session.scalars(sa.select(RejectedRead.reason).order_by(RejectedRead.id)).all()
        assert [r.split(" ")[0] for r in reasons] == ["不是", "plate"]
        assert stored({"闽DK00010"}) == 1
        camera.disconnect()
        camera.loop_stop()
