"""Only licensed platforms, each only as itself: every intake request is signed, fresh and
used once; anything else is 401/403 and stores nothing."""

from __future__ import annotations

import datetime as dt
import json
import math
import time

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.supervision import events
from backend.supervision.models import IntakeCredential, IntakeNonce
from tests.supervision.platforms import (
    PlatformClient,
    envelope_json,
    licensed_platform,
    record,
    signed_sender,
)


@pytest.fixture
def sender(client, database):
    return signed_sender(client, database)


def _stored(company_id: str) -> int:
    rows = events.query(f'SELECT count(*) AS n FROM {events.view("orderCreate")} '
                        'WHERE "CompanyId" = ?', [company_id])
    return rows[0]["n"]


def _order_batch(sender, order_id="A-1") -> bytes:
    return envelope_json(sender.company_id, "orderCreate",
                         [record("orderCreate", sender.company_id, OrderId=order_id)])


def _post(sender, body=None, **options):
    return sender.post("/ipc/v1/order/create", body or _order_batch(sender), "application/json",
                       **options)


def test_a_signed_request_is_accepted_once(sender):
    assert _post(sender, nonce="nonce-once-0001").status_code == 200
    replay = _post(sender, nonce="nonce-once-0001")
    assert replay.status_code == 401 and "nonce" in replay.json["message_en"]
    assert _stored(sender.company_id) == 1


@pytest.mark.parametrize("tamper", ["secret", "timestamp_old", "timestamp_future", "company",
                                    "body"])
def test_a_request_not_signed_right_now_by_the_platform_is_401_and_stores_nothing(
        sender, tamper, database):
    options = {"secret": {"secret": "not-the-secret"},
               "timestamp_old": {"timestamp": time.time() - 301},
               # (rounded up: whole seconds, and still 301 s ahead when the request arrives)
               "timestamp_future": {"timestamp": math.ceil(time.time()) + 301},
               "company": {"company_id": "NOSUCHPLATFORM"}}.get(tamper, {})
    if tamper == "body":   # signed one body, sent another
        signed = _order_batch(sender, "A-signed")
        answer = sender.client.post("/ipc/v1/order/create", data=_order_batch(sender, "A-sent"),
                                    headers=sender.headers("/ipc/v1/order/create", signed,
                                                           "application/json"))
    else:
        answer = _post(sender, **options)
    assert answer.status_code == 401
    assert answer.json["message"].startswith("平台认证失败")
    assert _stored(sender.company_id) == 0
    assert database.session.scalar(sa.select(sa.func.count()).select_from(IntakeNonce).where(
        IntakeNonce.company_id == sender.company_id)) == 0


def test_missing_headers_are_401(sender):
    answer = sender.client.post("/ipc/v1/order/create", data=_order_batch(sender),
                                content_type="application/json")
    assert answer.status_code == 401 and "X-Signature" in answer.json["message_en"]


@pytest.mark.parametrize("register", [{"status": "revoked"},
                                      {"valid_until": dt.date(2026, 1, 1)}])
def test_a_platform_whose_licence_is_not_in_force_is_403(client, database, register):
    sender = signed_sender(client, database, **register)
    answer = _post(sender)
    assert answer.status_code == 403 and answer.json["ipc_code"] == 403
    assert _stored(sender.company_id) == 0


def test_a_body_naming_another_platform_is_403_and_stores_nothing(client, database):
    sender, other = signed_sender(client, database), signed_sender(client, database)
    for body in (envelope_json(other.company_id, "orderCreate",
                               [record("orderCreate", other.company_id, OrderId="X-1")]),
                 envelope_json(sender.company_id, "orderCreate",
                               [record("orderCreate", sender.company_id, OrderId="X-2"),
                                record("orderCreate", other.company_id, OrderId="X-3")])):
        answer = _post(sender, body)
        assert answer.status_code == 403, answer.json
        assert "CompanyId" in answer.json["message_en"]
    assert _stored(sender.company_id) == 0 and _stored(other.company_id) == 0


def test_credentials_prints_a_secret_that_works_once_issued(cli, client, database):
    platform = licensed_platform()
    database.session.commit()
    result = cli.invoke(args=["supervision", "credentials", platform.code])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["company_id"] == platform.company_id
    stored = database.session.get(IntakeCredential, platform.code)
    assert printed["secret"] not in stored.sealed_secret
    entry = database.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "supervision.credentials.issued", AuditEntry.object_id == platform.code))
    assert printed["secret"] not in json.dumps(entry.after)
    sender = PlatformClient(client, platform, printed["secret"])
    assert _post(sender).status_code == 200


def test_rekeying_retires_the_old_secret(cli, client, database):
    platform = licensed_platform()
    database.session.commit()
    first = json.loads(cli.invoke(args=["supervision", "credentials", platform.code]).output)
    second = json.loads(cli.invoke(args=["supervision", "credentials", platform.code]).output)
    assert _post(PlatformClient(client, platform, first["secret"])).status_code == 401
    assert _post(PlatformClient(client, platform, second["secret"])).status_code == 200


def test_credentials_for_an_unknown_platform_or_one_without_company_id_fail(cli, database):
    assert cli.invoke(args=["supervision", "credentials", "NOPE"]).exit_code == 1
    platform = licensed_platform()
    platform.company_id = None
    database.session.commit()
    result = cli.invoke(args=["supervision", "credentials", platform.code])
    assert result.exit_code == 1 and "CompanyId" in result.output
    assert database.session.get(IntakeCredential, platform.code) is None
