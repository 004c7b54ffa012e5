"""Every kiosk request is signed; a forged, stale or replayed one is refused and does nothing."""

import datetime as dt
import math
import time

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.db import utcnow
from backend.devices import keys, operations
from backend.devices.models import Device, KioskNonce, KioskSession
from tests.devices.kiosks import card_for, eligible_driver


def _count(database, model) -> int:
    return database.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def holder(client):
    return eligible_driver(client)


def _nothing_written(database, before: tuple[int, int, int]) -> bool:
    database.session.expire_all()
    return (_count(database, KioskSession), _count(database, KioskNonce),
            _count(database, AuditEntry)) == before


def _counts(database) -> tuple[int, int, int]:
    return _count(database, KioskSession), _count(database, KioskNonce), _count(database, AuditEntry)


def test_a_signed_request_is_accepted_and_its_nonce_kept(kiosk, database):
    response = kiosk.call("GET", "/kiosk/v1/device")
    assert response.status_code == 200
    assert response.json["id"] == kiosk.device_id and abs(response.json["server_time"] - time.time()) < 5
    assert _count(database, KioskNonce) == 1
    assert database.session.get(Device, kiosk.device_id).last_seen_at is not None


@pytest.mark.parametrize("forgery", ["wrong secret", "body changed", "unknown device", "no headers"])
def test_forged_request_is_401_and_starts_no_session(kiosk, database, holder, forgery):
    before = _counts(database)
    card = card_for(holder)
    if forgery == "wrong secret":
        response = kiosk.call("POST", "/kiosk/v1/sessions", card, secret="not-the-secret")
    elif forgery == "body changed":
        response = kiosk.call("POST", "/kiosk/v1/sessions", card, sign_body=b'{"name": "x"}')
    elif forgery == "unknown device":
        response = kiosk.call("POST", "/kiosk/v1/sessions", card, headers={"X-Device-Id": "kiosk-000000000000"})
    else:
        response = kiosk.client.post("/kiosk/v1/sessions", json=card)
    assert response.status_code == 401
    assert set(response.json) >= {"code", "status", "message", "message_en"}
    assert _nothing_written(database, before)


def test_timestamp_61_seconds_off_is_refused_either_way(kiosk, database, holder):
    before = _counts(database)
    # (whole seconds, as the header carries them, taken so the server sees at least 61 s either
    # way however long the request takes to arrive: the time now rounded away from the server's)
    for stamp in (math.floor(time.time()) - 61, math.ceil(time.time()) + 61):
        response = kiosk.call("POST", "/kiosk/v1/sessions", card_for(holder), timestamp=stamp)
        assert response.status_code == 401 and "timestamp" in response.json["message_en"]
    assert _nothing_written(database, before)
    assert kiosk.call("GET", "/kiosk/v1/device", timestamp=time.time() - 55).status_code == 200


def test_replayed_nonce_is_refused_and_does_nothing_twice(kiosk, database, holder):
    first = kiosk.call("POST", "/kiosk/v1/sessions", card_for(holder), nonce="same-nonce-123")
    assert first.status_code == 201
    before = _counts(database)
    replay = kiosk.call("POST", "/kiosk/v1/sessions", card_for(holder), nonce="same-nonce-123")
    assert replay.status_code == 401 and "nonce" in replay.json["message_en"]
    assert _nothing_written(database, before)


def test_disabled_device_is_refused_until_enabled(kiosk, database):
    device = database.session.get(Device, kiosk.device_id)
    operations.set_enabled(device, False, actor="test")
    database.session.commit()
    before = _counts(database)
    assert kiosk.call("GET", "/kiosk/v1/device").status_code == 401
    assert _nothing_written(database, before)
    operations.set_enabled(device, True, actor="test")
    database.session.commit()
    assert kiosk.call("GET", "/kiosk/v1/device").status_code == 200


def test_rekey_stops_the_old_secret_at_once(kiosk, database):
    new_secret = operations.rekey(database.session.get(Device, kiosk.device_id), actor="test")
    database.session.commit()
    assert kiosk.call("GET", "/kiosk/v1/device").status_code == 401
    assert kiosk.call("GET", "/kiosk/v1/device", secret=new_secret).status_code == 200


def test_secret_is_stored_sealed_not_in_clear(kiosk, database):
    sealed = database.session.get(Device, kiosk.device_id).sealed_secret
    assert kiosk.secret not in sealed
    assert keys.unseal(kiosk.device_id, sealed) == kiosk.secret
    assert keys.unseal("kiosk-another0000", sealed) is None  # bound to its device


def test_old_nonces_are_purged_after_two_windows(kiosk, database):
    kiosk.call("GET", "/kiosk/v1/device", nonce="old-nonce-0001")
    old = database.session.scalar(sa.select(KioskNonce))
    old.seen_at = utcnow() - dt.timedelta(minutes=10)
    database.session.commit()
    kiosk.call("GET", "/kiosk/v1/device", nonce="new-nonce-0002")
    database.session.expire_all()
    assert database.session.scalars(sa.select(KioskNonce.nonce)).all() == ["new-nonce-0002"]
