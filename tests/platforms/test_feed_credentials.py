"""A licensed platform company sees its data-feed credentials and issues its own intake secret,
which then signs its feed; nobody else's is reachable."""

import datetime as dt

from backend.audit.models import AuditEntry
from backend.platforms.models import Platform
from tests.platforms.companies import new_uscc, sign_in
from tests.supervision.platforms import PlatformClient, record


def licensed(database, client, *, company_id="3502FEEDTEST1", valid_until=dt.date(2029, 1, 1)):
    uscc = new_uscc()
    platform = Platform(code=f"feed-{uscc[-6:].lower()}", name="测试接入出行", uscc=uscc,
                        licence_number="测试许可", company_id=company_id,
                        licensed_from=dt.date(2026, 1, 1), valid_until=valid_until, status="valid")
    database.session.add(platform)
    database.session.commit()
    return platform, sign_in(client, uscc, "测试接入出行")


def test_a_licensed_company_issues_its_secret_and_its_feed_is_signed_with_it(client, database):
    platform, headers = licensed(database, client)
    before = client.get("/api/v1/company/feed", headers=headers).json
    assert (before["company_id"], before["licensed"], before["credentials_issued_at"]) == (
        "3502FEEDTEST1", True, None)
    issued = client.post("/api/v1/company/feed/credentials", headers=headers)
    assert issued.status_code == 201 and issued.json["company_id"] == "3502FEEDTEST1"
    assert client.get("/api/v1/company/feed", headers=headers).json["credentials_issued_at"]
    sender = PlatformClient(client, platform, issued.json["secret"])
    order = record("orderCreate", platform.company_id, OrderId="FEED-1")
    assert sender.send("orderCreate", [order]).status_code == 200
    # Re-keyed: the old secret stops working at once.
    client.post("/api/v1/company/feed/credentials", headers=headers)
    assert sender.send("orderCreate", [order]).status_code == 401
    actions = [a for (a,) in database.session.query(AuditEntry.action)
               .filter(AuditEntry.object_id == platform.code)]
    assert actions[-2:] == ["supervision.credentials.issued", "supervision.credentials.rekeyed"]


def test_no_feed_for_a_company_outside_the_register_or_with_a_lapsed_licence(client, database):
    outsider = sign_in(client, new_uscc(), "未登记公司")
    assert client.get("/api/v1/company/feed", headers=outsider).status_code == 403
    _, lapsed = licensed(database, client, company_id="3502FEEDLAPSED",
                         valid_until=dt.date(2025, 1, 1))
    assert client.post("/api/v1/company/feed/credentials", headers=lapsed).status_code == 403


def test_a_person_has_no_feed(client):
    from tests.factories import citizen_token

    _, person = citizen_token(client)
    assert client.get("/api/v1/company/feed", headers=person).status_code == 403
