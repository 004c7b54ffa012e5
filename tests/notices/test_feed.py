"""``GET /ipc/v1/notices``: a platform reads its own notices, signed like the intake; reading
past a notice acknowledges it, and the callback then does not send it."""

from __future__ import annotations

import secrets
import time

import sqlalchemy as sa

from backend.certificates import operations as certificates
from backend.certificates.models import Status
from backend.devices.keys import signature, string_to_sign
from backend.notices import delivery
from backend.notices.models import PlatformNotice
from backend.supervision.models import IntakeNonce
from tests.notices.helpers import Callback, driver_certificate, free_port, verify_bureau_signature
from tests.supervision.platforms import signed_sender


def read(sender, query: str = "", *, secret: str | None = None, nonce: str | None = None,
         timestamp: float | None = None):
    path = "/ipc/v1/notices" + (f"?{query}" if query else "")
    stamp = str(int(time.time() if timestamp is None else timestamp))
    nonce = nonce or secrets.token_hex(16)
    signed = signature(secret or sender.secret, string_to_sign("GET", path, stamp, nonce, b""))
    return sender.client.get(path, headers={
        "X-Company-Id": sender.company_id, "X-Timestamp": stamp, "X-Nonce": nonce,
        "X-Signature": signed})


def suspended_and_reinstated(database, platform_code: str):
    certificate = driver_certificate(platform_code=platform_code)
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="预警")
    certificates.set_status(certificate, Status.VALID, actor="test", reason="恢复")
    database.session.commit()
    return certificate


def platform_of(database, sender):
    from backend.platforms.models import Platform

    return database.session.scalar(sa.select(Platform).where(
        Platform.company_id == sender.company_id))


def test_a_platform_reads_its_own_notices_in_order_signed_by_the_bureau(database, client):
    mine, other = signed_sender(client, database), signed_sender(client, database)
    certificate = suspended_and_reinstated(database, platform_of(database, mine).code)
    suspended_and_reinstated(database, platform_of(database, other).code)

    answer = read(mine, "after=0")
    assert answer.status_code == 200, answer.json
    events = [(n["event"], n["LicenseId"]) for n in answer.json["notices"]]
    assert events == [("suspended", certificate.number), ("reinstated", certificate.number)]
    cursors = [n["cursor"] for n in answer.json["notices"]]
    assert cursors == sorted(cursors) and answer.json["next_after"] == cursors[-1]
    keyset = client.get("/.well-known/certificate-keys").json
    assert verify_bureau_signature(dict(answer.headers), "GET", "/ipc/v1/notices?after=0",
                                   answer.data, keyset)
    assert read(mine, f"after={cursors[-1]}").json["notices"] == []


def test_reading_after_a_cursor_acknowledges_up_to_it_and_the_callback_skips_those(database,
                                                                                   client):
    sender = signed_sender(client, database)
    platform = platform_of(database, sender)
    suspended_and_reinstated(database, platform.code)
    first, second = read(sender).json["notices"]
    assert read(sender, f"after={first['cursor']}&limit=1").json["acknowledged"] == 1

    callback = Callback(free_port())
    platform.notice_url = callback.url
    database.session.commit()
    callback.start()
    try:
        delivery.deliver_round(commit=database.session.commit)
    finally:
        callback.stop()
    assert [notice["notice_id"] for *_, notice in callback.received] == [second["notice_id"]]
    rows = database.session.scalars(sa.select(PlatformNotice).order_by(PlatformNotice.id)).all()
    assert [(r.delivered_by, r.attempts) for r in rows] == [("feed", 0), ("callback", 1)]


def test_unsigned_forged_or_replayed_reads_are_refused(database, client):
    sender = signed_sender(client, database)
    suspended_and_reinstated(database, platform_of(database, sender).code)
    assert client.get("/ipc/v1/notices").status_code == 401
    assert read(sender, secret="not-the-secret").status_code == 401
    assert read(sender, timestamp=time.time() - 3600).status_code == 401
    nonce = secrets.token_hex(8)
    assert read(sender, nonce=nonce).status_code == 200
    assert read(sender, nonce=nonce).status_code == 401


def test_a_bad_cursor_or_limit_is_400_and_acknowledges_nothing(database, client):
    sender = signed_sender(client, database)
    suspended_and_reinstated(database, platform_of(database, sender).code)
    nonces = database.session.scalar(sa.select(sa.func.count()).select_from(IntakeNonce))
    for query in ("after=-1", "after=x", "after=1&limit=0", "after=1&limit=100000",
                  "after=99999999999999999999"):
        answer = read(sender, query)
        assert answer.status_code == 400, query
        assert answer.json["message"] and answer.json["message_en"]
    database.session.expire_all()
    assert database.session.scalar(sa.select(sa.func.count()).select_from(IntakeNonce)) == nonces
    assert all(n.delivered_at is None for n in database.session.scalars(sa.select(PlatformNotice)))
