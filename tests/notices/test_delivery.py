"""The delivery worker against a platform callback that is down, then refuses, then takes
notices: every notice delivered once, in order per certificate, and a worker killed in the
middle loses nothing. The worker is the real command (``flask notices deliver``) in processes
of its own, on a database whose transactions really commit (SQLite file and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend.certificates import operations as certificates
from backend.certificates.models import Status
from backend.db import db
from backend.notices.models import PlatformNotice
from tests.conftest import POSTGRES_URL
from tests.notices.helpers import (
    Callback,
    driver_certificate,
    free_port,
    platform,
    serves,
    transport_certificate,
    verify_bureau_signature,
)

REPO = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=DATABASES)
def real_app(request):
    return request.getfixturevalue("sqlite_app" if request.param == "sqlite" else "committed_app")


def worker_env(app) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "INSTANCE_PATH": app.instance_path,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LOAD_DEMO_DATA": "0",
            "SIGNING_KEYS_DIR": app.config["SIGNING_KEYS_DIR"],
            "NOTICE_RETRY_BASE_SECONDS": "0.2", "NOTICE_RETRY_MAX_SECONDS": "1",
            "NOTICE_TIMEOUT_SECONDS": "2"}


def deliver(app, *options, **run) -> subprocess.Popen:
    return subprocess.Popen([FLASK, "--app", "backend", "notices", "deliver", *options],
                            env=worker_env(app), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **run)


def rows() -> list[PlatformNotice]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PlatformNotice).order_by(PlatformNotice.id)))


def test_an_outage_then_refusals_then_delivery_every_notice_once_in_order(real_app):
    first_port, second_port = free_port(), free_port()
    first_callback, second_callback = Callback(first_port), Callback(second_port)
    with real_app.app_context():
        first, second = platform(), platform()
        first.notice_url, second.notice_url = first_callback.url, second_callback.url
        x, y = driver_certificate(), driver_certificate()
        vehicle = transport_certificate(second.code)
        serves(first, driver=x.number)
        serves(second, driver=x.number)
        serves(first, driver=y.number)
        db.session.commit()
        for certificate, status in [(x, Status.SUSPENDED), (y, Status.SUSPENDED),
                                    (x, Status.VALID), (vehicle, Status.CANCELLED),
                                    (x, Status.REVOKED)]:
            certificates.set_status(certificate, status, actor="test", reason=status.value)
            db.session.commit()
        expected = [(n.platform_code, n.subject, n.event, n.notice_id) for n in rows()]
        codes = {"first": first.code, "second": second.code}
    assert len(expected) == 3 * 2 + 1 + 1  # X to both (3 each), Y to one, the vehicle to one

    # Both platforms down: a round fails, nothing is delivered, every notice still waits.
    once = deliver(real_app)
    out, err = once.communicate(timeout=60)
    assert once.returncode == 0, err
    assert "delivered 0" in out
    with real_app.app_context():
        assert all(n.delivered_at is None for n in rows())
        assert any(n.attempts and n.last_error for n in rows())

    # A worker running through the outage is killed outright: nothing is lost.
    looping = deliver(real_app, "--loop", "--interval", "0.1")
    time.sleep(2)
    looping.send_signal(signal.SIGKILL)
    looping.communicate(timeout=10)

    # The platforms come back; the first refuses the first suspension it is sent, once.
    first_callback.fail_first["suspended"] = 1
    first_callback.start()
    second_callback.start()
    worker = deliver(real_app, "--loop", "--interval", "0.1")
    try:
        deadline = time.monotonic() + 60
        with real_app.app_context():
            while any(n.delivered_at is None for n in rows()) and time.monotonic() < deadline:
                time.sleep(0.3)
            delivered = rows()
    finally:
        worker.terminate()
        worker_out, worker_err = worker.communicate(timeout=10)
        first_callback.stop()
        second_callback.stop()
    assert all(n.delivered_by == "callback" for n in delivered), (
        [(n.id, n.attempts, n.last_error) for n in delivered], worker_err[-2000:])

    received = {codes["first"]: first_callback.received, codes["second"]: second_callback.received}
    got = [(code, notice["notice_id"]) for code, calls in received.items()
           for *_, notice in calls]
    assert sorted(got) == sorted((code, notice_id) for code, _, _, notice_id in expected)
    assert len(set(got)) == len(got)  # once each
    for code, calls in received.items():
        for subject in {s for c, s, _, _ in expected if c == code}:
            sent = [n["event"] for *_, n in calls
                    if f"{n['kind']}:{n['certificate_number']}" == subject]
            assert sent == [e for c, s, e, _ in expected if (c, s) == (code, subject)]
    assert (codes["first"] and any(status == 500 for _, status in first_callback.answers))

    with real_app.test_client() as client:
        keyset = client.get("/.well-known/certificate-keys").json
    for headers, path, body, _ in first_callback.received + second_callback.received:
        assert path == "/wyc/notices?v=1"
        assert verify_bureau_signature(headers, "POST", path, body, keyset)
        assert not verify_bureau_signature(headers, "POST", path, body + b" ", keyset)
