"""Starting a card session: the holder is verified against the identity source, their details
are updated from the card, and they see their certificates and what they can do here."""

import datetime as dt

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.devices.models import KioskSession, SessionEnd
from backend.identity.operations import person_by_id_number
from backend.licensing.operations import today
from tests.devices.kiosks import (
    CARD_ADDRESS,
    card_for,
    days_ago,
    eligible_driver,
    holder_with_certificate,
)
from tests.drivers.helpers import eligible_records
from tests.factories import id_number


def _available(response) -> dict[str, bool]:
    return {m["code"]: m["available"] for m in response.json["matters"]}


def test_holder_sees_masked_identity_certificates_and_possible_matters(kiosk, client):
    number = holder_with_certificate(client, name="陈测试")
    response = kiosk.start(card_for(number, "陈测试"))
    assert response.status_code == 201
    body = response.json
    assert body["holder"] == {"name_masked": "陈*试", "id_number_masked": number[:3] + "*" * 11 + number[-4:]}
    [certificate] = body["certificates"]
    assert certificate["kind"] == "driver" and certificate["status"] == "valid"
    assert number not in str(body["certificates"])
    assert _available(response) == {"driver-cert-issue": False, "driver-cert-renew": True,
                                    "driver-cert-reissue": True, "driver-cert-cancel": True}
    issue = next(m for m in body["matters"] if m["code"] == "driver-cert-issue")
    assert "已持有" in issue["reason"] and issue["reason_en"]
    assert body["mailing_address"]["detail"]  # the address the last certificate was mailed to


def test_without_a_certificate_only_issue_is_possible(kiosk, client):
    number = eligible_driver(client)
    response = kiosk.start(card_for(number))
    assert response.json["certificates"] == []
    assert _available(response) == {"driver-cert-issue": True, "driver-cert-renew": False,
                                    "driver-cert-reissue": False, "driver-cert-cancel": False}


def test_the_card_updates_the_stored_address_and_the_session_is_audited(kiosk, client, database):
    number = holder_with_certificate(client)  # known from the app, no address on record yet
    assert person_by_id_number(number).address is None
    response = kiosk.start(card_for(number))
    person = person_by_id_number(number)
    assert person.address == CARD_ADDRESS
    session = database.session.get(KioskSession, response.json["id"])
    assert (session.person_id, session.device_id, session.chip_serial) == (
        person.id, kiosk.device_id, "10E4100102030405")
    started = database.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "kiosk.session_started"))
    assert started.object_id == session.id and number not in str(started.after)
    updated = database.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "person.updated", AuditEntry.object_id == str(person.id)))
    assert updated.after["source"] == "id_card"


def _refused(kiosk, database, card) -> tuple[int, str, dict]:
    before = database.session.scalar(sa.select(sa.func.count()).select_from(KioskSession))
    response = kiosk.start(card)
    assert database.session.scalar(sa.select(sa.func.count()).select_from(KioskSession)) == before
    assert response.json["message"] and response.json["message_en"]
    return response.status_code, response.json.get("reason"), response.json


def test_card_reported_lost_is_refused(kiosk, client, database):
    records = eligible_records("x", "陈测试")["identity"]
    number = eligible_driver(client, identity=[{**records[0], "card_reported_lost": True}])
    status, reason, body = _refused(kiosk, database, card_for(number))
    assert (status, reason) == (403, "reported_lost") and "挂失" in body["message"]


def test_expired_card_is_refused_by_its_own_date(kiosk, client, database):
    number = eligible_driver(client)
    card = card_for(number, valid_until=days_ago(3), long_term=False)
    assert _refused(kiosk, database, card)[:2] == (403, "card_expired")


def test_expired_card_is_refused_by_the_identity_register(kiosk, client, database):
    records = eligible_records("x", "陈测试")["identity"]
    number = eligible_driver(client, identity=[{**records[0], "card_valid_until": days_ago(3)}])
    assert _refused(kiosk, database, card_for(number))[:2] == (403, "card_expired")


def test_unknown_person_is_refused(kiosk, database):
    assert _refused(kiosk, database, card_for("350203199003071236"))[:2] == (404, "not_found")


def test_name_not_matching_the_register_is_refused(kiosk, client, database):
    number = eligible_driver(client, name="陈测试")
    assert _refused(kiosk, database, card_for(number, "陈冒名"))[:2] == (403, "name_mismatch")


def test_bad_number_and_the_2017_foreigner_card_are_422(kiosk, database):
    assert _refused(kiosk, database, card_for("350203199003071235"))[:2] == (422, "invalid_id_number")
    old_card = card_for("USA350800101012", card_type="foreign_permanent_2017")
    assert _refused(kiosk, database, old_card)[:2] == (422, "unsupported_card")
    future = card_for(id_number(today() + dt.timedelta(days=1)))
    assert _refused(kiosk, database, future)[:2] == (422, "invalid_id_number")


def test_a_taiwan_residents_permit_opens_a_session(kiosk, client):
    number = eligible_driver(client, name="林台胞", region="830000")
    permit = card_for(number, "林台胞", card_type="hmt_residence", pass_number="01234567")
    response = kiosk.start(permit)
    assert response.status_code == 201, response.json
    assert response.json["holder"]["id_number_masked"] == "830***********" + number[-4:]
    assert _available(response)["driver-cert-issue"] is True


def test_a_2023_foreigners_card_without_a_chinese_name_opens_a_session(kiosk, client):
    number = eligible_driver(client, name="JOHN SMITH", region="911840")
    card = card_for(number, None, card_type="foreign_permanent_2023", name_en="JOHN SMITH",
                    nationality="USA")
    response = kiosk.start(card)
    assert response.status_code == 201, response.json
    assert response.json["holder"]["name_masked"] == "J*** S****"


def test_identity_source_down_is_503_with_a_retry_hint(kiosk, client, database, app):
    number = eligible_driver(client)
    saved = {k: app.config[k] for k in ("SOURCE_URLS", "SOURCE_BUDGET_SECONDS", "SOURCE_RETRIES")}
    app.config.update(SOURCE_URLS={"identity": "http://127.0.0.1:9"}, SOURCE_BUDGET_SECONDS=0.5,
                      SOURCE_RETRIES=0)
    app.extensions.pop("sources", None)
    try:
        status, reason, _ = _refused(kiosk, database, card_for(number))
    finally:
        app.config.update(saved)
        app.extensions.pop("sources", None)
    assert (status, reason) == (503, "source_unavailable")


def test_session_ends_on_card_removal_and_is_then_closed(kiosk, client, database):
    number = holder_with_certificate(client)
    session_id = kiosk.start(card_for(number)).json["id"]
    assert kiosk.end(session_id, "card_removed").status_code == 204
    assert kiosk.end(session_id, "card_removed").status_code == 204  # harmless twice
    session = database.session.get(KioskSession, session_id)
    assert session.ended_at is not None and session.end_reason == SessionEnd.CARD_REMOVED
    response = kiosk.apply(session_id, "driver-cert-renew", "tx-after-the-end")
    assert response.status_code == 410


def test_another_kiosks_session_is_404(kiosk, client, database):
    from tests.devices.kiosks import SignedClient, register

    number = holder_with_certificate(client)
    session_id = kiosk.start(card_for(number)).json["id"]
    other = SignedClient(client, *register("另一台", "别处"))
    database.session.commit()
    assert other.apply(session_id, "driver-cert-renew", "tx-other-kiosk").status_code == 404
