"""After issue: cancellation, reissue and renewal, each decided on the spot by a clerk."""

import pytest
import sqlalchemy as sa

from backend.certificates.models import Certificate, Status
from backend.errors import ApiError
from backend.licensing import operations as licensing
from backend.licensing.models import State
from backend.licensing.rules import add_years
from backend.mailing.models import MailingItem
from tests.factories import near_expiry
from tests.vehicles.fleet import apply, days, failing, make_platform, make_vehicle, owner


@pytest.fixture
def holder(client, database):
    """An owner whose vehicle holds a transport certificate: (headers, plate, certificate)."""
    number, headers = owner(client)
    plate = make_vehicle(number)
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert response.json["status"] == "issued"
    return headers, plate, database.session.get(Certificate, response.json["certificate_id"])


def approve(number: str) -> None:
    application = licensing.by_number(number)
    licensing.decide(application, approve=True, reason="核实无误，即时办结", actor="staff:clerk")


def test_cancel_waits_for_the_clerk_then_ends_the_certificate_and_frees_the_plate(client, holder):
    headers, plate, certificate = holder
    response = apply(client, headers, matter="vehicle-permit-cancel", plate=plate)
    assert response.status_code == 201
    assert response.json["status"] == "awaiting_review"
    assert "窗口" in response.json["history"][-1]["reason"]
    assert certificate.status == Status.VALID
    approve(response.json["number"])
    assert licensing.by_number(response.json["number"]).state == State.APPROVED
    assert (certificate.status, certificate.valid_plate) == (Status.CANCELLED, None)
    # The plate may now serve another platform.
    again = apply(client, headers, plate=plate, platform=make_platform())
    assert again.json["status"] == "issued"
    assert failing(again) == set()


def test_clerk_may_refuse_a_cancellation_with_a_reason(client, holder):
    headers, plate, certificate = holder
    number = apply(client, headers, matter="vehicle-permit-cancel", plate=plate).json["number"]
    licensing.decide(licensing.by_number(number), approve=False, reason="车辆尚有未结案件",
                     actor="staff:clerk")
    assert licensing.by_number(number).state == State.REJECTED
    assert certificate.status == Status.VALID


def test_one_open_vehicle_matter_per_plate(client, holder):
    headers, plate, _ = holder
    first = apply(client, headers, matter="vehicle-permit-cancel", plate=plate)
    second = apply(client, headers, matter="vehicle-cert-reissue", plate=plate, reason="lost")
    assert second.status_code == 409
    assert second.json["application_number"] == first.json["number"]


@pytest.mark.parametrize("matter", ["vehicle-permit-cancel", "vehicle-cert-reissue",
                                    "vehicle-cert-renew"])
def test_changes_need_a_valid_certificate_of_ones_own(client, holder, matter):
    _, plate, _ = holder
    _, stranger = owner(client, "林别人")
    response = apply(client, stranger, matter=matter, plate=plate)
    assert response.status_code == 409
    assert plate in response.json["message"]


def test_reissue_is_a_new_version_with_the_same_number_and_dates(client, database, holder):
    headers, plate, old = holder
    response = apply(client, headers, matter="vehicle-cert-reissue", plate=plate, reason="遗失")
    assert response.status_code == 201, response.json
    assert response.json["status"] == "awaiting_review"
    approve(response.json["number"])
    application = licensing.by_number(response.json["number"])
    assert application.state == State.ISSUED
    new = database.session.get(Certificate, application.certificate_id)
    assert (new.number, new.version, new.previous_id) == (old.number, 2, old.id)
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert (new.plate, new.platform_code, new.valid_plate) == (plate, old.platform_code, plate)
    assert (old.status, old.valid_plate) == (Status.REPLACED, None)
    assert database.session.scalar(sa.select(MailingItem.status).where(
        MailingItem.certificate_id == new.id)) == "queued"
    assert application.inputs["reason"] == "lost"


def test_renewal_starts_a_new_term_today(client, database, holder, app, monkeypatch):
    headers, plate, old = holder
    today = licensing.today()
    old.valid_from, old.valid_until = add_years(today, -2), today + days(60)  # (renewal is open)
    monkeypatch.setitem(app.config, "TRANSPORT_CERT_MAX_YEARS", 4)
    response = apply(client, headers, matter="vehicle-cert-renew", plate=plate)
    approve(response.json["number"])
    new = database.session.get(Certificate, licensing.by_number(response.json["number"]).certificate_id)
    assert (new.number, new.version) == (old.number, 2)
    assert (new.valid_from, new.valid_until) == (today, add_years(today, 4) - days(1))
    assert old.status == Status.REPLACED
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.valid_plate == plate)) == 1


def test_renewal_never_runs_past_the_eighth_registration_anniversary(client, database, app,
                                                                     monkeypatch):
    number, headers = owner(client)
    first = add_years(licensing.today(), -3)
    plate = make_vehicle(number, first_registered_on=first.isoformat())
    issued = apply(client, headers, plate=plate, platform=make_platform()).json
    near_expiry(database.session.get(Certificate, issued["certificate_id"]))
    response = apply(client, headers, matter="vehicle-cert-renew", plate=plate)
    approve(response.json["number"])
    new = database.session.get(Certificate, licensing.by_number(response.json["number"]).certificate_id)
    assert new.valid_until == add_years(first, 8) - days(1)


def test_renewal_of_a_vehicle_at_its_age_limit_is_refused_to_the_clerk(client, database, holder,
                                                                       app, monkeypatch):
    headers, plate, certificate = holder
    near_expiry(certificate)
    response = apply(client, headers, matter="vehicle-cert-renew", plate=plate)
    monkeypatch.setitem(app.config, "VEHICLE_MAX_AGE_YEARS", 1)
    with pytest.raises(ApiError, match="age limit"):
        approve(response.json["number"])


def test_cancelled_while_waiting_means_a_reissue_cannot_be_approved(client, database, holder):
    headers, plate, certificate = holder
    number = apply(client, headers, matter="vehicle-cert-reissue", plate=plate,
                   reason="damaged").json["number"]
    certificate.status, certificate.valid_plate = Status.REVOKED, None
    with pytest.raises(ApiError, match="no longer valid"):
        approve(number)
    assert licensing.by_number(number).state == State.AWAITING_REVIEW


def test_lapsed_certificate_no_job_has_marked_does_not_block_a_new_one(client, database, holder):
    headers, plate, old = holder
    today = licensing.today()
    old.valid_from, old.valid_until = add_years(today, -3), today - days(1)
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert response.json["status"] == "issued"
    assert (old.status, old.valid_plate) == (Status.EXPIRED, None)


def test_a_transport_certificate_renews_only_in_its_window_and_says_when_it_opens(client, holder):
    headers, plate, certificate = holder
    refused = apply(client, headers, matter="vehicle-cert-renew", plate=plate)
    opens = certificate.valid_until - days(89)
    assert refused.status_code == 409 and f"{opens} 起可以申请" in refused.json["message"]
    near_expiry(certificate, days_left=30)
    assert apply(client, headers, matter="vehicle-cert-renew", plate=plate).json["status"] == \
        "awaiting_review"


def test_a_transport_certificate_reissue_needs_its_reason_and_is_limited(client, holder, app,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "CERT_REISSUE_MAX", 1)
    headers, plate, _ = holder
    missing = apply(client, headers, matter="vehicle-cert-reissue", plate=plate)
    assert missing.status_code == 422 and "reason" in missing.json["errors"]["json"]
    first = apply(client, headers, matter="vehicle-cert-reissue", plate=plate, reason="damaged")
    approve(first.json["number"])
    again = apply(client, headers, matter="vehicle-cert-reissue", plate=plate, reason="lost")
    assert again.status_code == 409 and "上限 1 次" in again.json["message"]
