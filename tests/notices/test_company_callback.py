"""A platform company sets its own notice callback in the app (signed in as the company)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from tests.platforms.test_feed_credentials import licensed


def test_a_company_sets_and_removes_its_callback(client, database):
    platform, headers = licensed(database, client, company_id="3502NOTICEURL1")
    url = "https://api.example.com/wyc/notices"
    answer = client.put("/api/v1/company/feed/notice-url", json={"url": url}, headers=headers)
    assert answer.status_code == 200 and answer.json["notice_url"] == url
    assert client.get("/api/v1/company/feed", headers=headers).json["notice_url"] == url
    removed = client.put("/api/v1/company/feed/notice-url", json={"url": None}, headers=headers)
    assert removed.status_code == 200 and removed.json["notice_url"] is None
    actions = database.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == platform.code)).all()
    assert actions.count("platform.notice_url") == 2


def test_an_address_that_is_not_https_is_refused_and_changes_nothing(client, database):
    platform, headers = licensed(database, client, company_id="3502NOTICEURL2")
    for body in ({"url": "http://api.example.com/notices"}, {"url": "not a url"}, {"url": 5},
                 {}, {"url": "https://" + "a" * 300}):
        answer = client.put("/api/v1/company/feed/notice-url", json=body, headers=headers)
        assert answer.status_code == 422, body
        assert answer.json["message"] and answer.json["message_en"]
    database.session.expire_all()
    assert platform.notice_url is None
    assert client.put("/api/v1/company/feed/notice-url", json={"url": None}).status_code == 401
