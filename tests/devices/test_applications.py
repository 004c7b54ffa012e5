"""Performing a matter at the kiosk goes through the app's operations (channel ``kiosk``); a
retried transaction never applies twice; each visit gets one 好差评 rating."""

import pytest
import sqlalchemy as sa

from backend.certificates.models import Certificate, Status
from backend.licensing.models import Application
from backend.ratings.models import ServiceRating
from tests.devices.kiosks import card_for, eligible_driver, holder_with_certificate
from tests.drivers.helpers import ADDRESS


@pytest.fixture
def visit(kiosk, client):
    """A card holder with a certificate, and their open session at the kiosk."""
    number = holder_with_certificate(client)
    return kiosk.start(card_for(number)).json["id"]


def test_renewal_at_the_kiosk_issues_a_new_version_on_the_kiosk_channel(kiosk, visit, database):
    response = kiosk.apply(visit, "driver-cert-renew", "tx-renew-0001")
    assert response.status_code == 201
    body = response.json
    assert (body["channel"], body["status"], body["matter"]) == ("kiosk", "issued", "driver-cert-renew")
    new = database.session.get(Certificate, body["certificate_id"])
    old = database.session.get(Certificate, new.previous_id)
    assert (new.version, old.status) == (2, Status.REPLACED)
    assert body["mailing"]["status"] == "queued"
    application = database.session.scalar(sa.select(Application).where(Application.number == body["number"]))
    assert application.events[0].actor == f"kiosk:{kiosk.device_id}"


def test_a_retried_transaction_returns_the_same_application(kiosk, visit, database):
    first = kiosk.apply(visit, "driver-cert-renew", "tx-retry-0001")
    again = kiosk.apply(visit, "driver-cert-renew", "tx-retry-0001")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["number"] == first.json["number"]
    renewals = database.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.matter_code == "driver-cert-renew"))
    assert renewals == 1
    versions = database.session.scalars(sa.select(Certificate.version)).all()
    assert sorted(versions) == [1, 2]


def test_cancel_needs_no_address_and_renew_does(kiosk, visit, database):
    response = kiosk.call("POST", f"/kiosk/v1/sessions/{visit}/applications",
                          {"matter": "driver-cert-renew", "transaction_id": "tx-no-address"})
    assert response.status_code == 422 and "mailing_address" in response.json["errors"]["json"]
    response = kiosk.apply(visit, "driver-cert-cancel", "tx-cancel-0001")
    assert response.json["status"] == "approved"
    assert database.session.get(Certificate, response.json["certificate_id"]).status == Status.CANCELLED


def test_a_matter_the_holder_cannot_do_is_409_with_the_reason(kiosk, visit):
    response = kiosk.apply(visit, "driver-cert-issue", "tx-issue-again", phone="13800000000")
    assert response.status_code == 409 and "已持有" in response.json["message"]


def test_only_the_kiosk_matters_are_accepted(kiosk, visit):
    response = kiosk.apply(visit, "vehicle-permit-issue", "tx-vehicle-0001")
    assert response.status_code == 422 and "matter" in response.json["errors"]["json"]


def test_issue_at_the_kiosk_waits_for_the_exam_with_the_phone_given(kiosk, client, database):
    number = eligible_driver(client)
    session_id = kiosk.start(card_for(number)).json["id"]
    response = kiosk.apply(session_id, "driver-cert-issue", "tx-issue-0001", phone="13912345678")
    assert response.json["status"] == "awaiting_exam"
    application = database.session.scalar(sa.select(Application).where(
        Application.number == response.json["number"]))
    assert (application.phone, application.mailing_address) == ("13912345678", ADDRESS)


def test_one_rating_per_visit_tied_to_its_application(kiosk, visit, database):
    number = kiosk.apply(visit, "driver-cert-renew", "tx-rate-0001").json["number"]
    response = kiosk.rate(visit, number, 5, comment="很方便")
    assert response.status_code == 201
    assert (response.json["label"], response.json["label_en"]) == ("非常满意", "Very satisfied")
    rating = database.session.scalar(sa.select(ServiceRating))
    assert (rating.application.number, rating.session_id, rating.level, rating.comment,
            rating.channel) == (number, visit, 5, "很方便", "kiosk")
    second = kiosk.rate(visit, number, 1)
    assert second.status_code == 409
    assert database.session.scalar(sa.select(sa.func.count()).select_from(ServiceRating)) == 1


def test_a_visit_can_be_rated_after_the_card_is_taken(kiosk, visit):
    number = kiosk.apply(visit, "driver-cert-renew", "tx-rate-0002").json["number"]
    kiosk.end(visit)
    assert kiosk.rate(visit, number, 4).status_code == 201


def test_only_an_application_of_this_visit_can_be_rated(kiosk, client, visit):
    number = kiosk.apply(visit, "driver-cert-renew", "tx-rate-0003").json["number"]
    other = kiosk.start(card_for(holder_with_certificate(client, name="林别人"), "林别人")).json["id"]
    response = kiosk.rate(other, number, 5)
    assert response.status_code == 404


@pytest.mark.parametrize("level", [0, 6, "5"])
def test_level_must_be_one_to_five(kiosk, visit, level):
    number = kiosk.apply(visit, "driver-cert-renew", "tx-rate-0004").json["number"]
    assert kiosk.rate(visit, number, level).status_code == 422
