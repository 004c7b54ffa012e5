"""Applying for a vehicle's transport certificate in the app: decided in the same request."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind, Status
from backend.common.counters import current_value
from backend.licensing import operations as licensing
from backend.licensing.models import Outcome, State
from backend.licensing.rules import add_years
from backend.mailing.models import MailingItem
from backend.vehicles import sources
from backend.vehicles.operations import NUMBER_COUNTER
from backend.vehicles.rules import VEHICLE_RULES
from backend.verification.sources import MIRROR_OPERATIONS
from tests.vehicles.fleet import (
    apply,
    days,
    failing,
    make_platform,
    make_vehicle,
    new_plate,
    owner,
)

NUMBER = re.compile(r"^闽交运管许可厦字350200(\d{6})号$")


def certificate_of(database, response) -> Certificate:
    return database.session.get(Certificate, response.json["certificate_id"])


def test_vehicle_passing_every_rule_is_issued_a_mailed_certificate_at_once(client, database):
    number, headers = owner(client)
    plate, platform = make_vehicle(number), make_platform()
    response = apply(client, headers, plate=plate, platform=platform)
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "issued"
    assert [c["rule"] for c in body["checks"]] == list(VEHICLE_RULES)
    assert failing(response) == set()
    assert [h["to_state"] for h in body["history"]] == ["submitted", "checking", "approved", "issued"]
    assert body["mailing"]["status"] == "queued"
    certificate = certificate_of(database, response)
    today = licensing.today()
    assert certificate.kind == Kind.TRANSPORT and certificate.status == Status.VALID
    assert NUMBER.match(certificate.number)
    assert (certificate.plate, certificate.platform_code, certificate.valid_plate) == (plate, platform, plate)
    assert certificate.holder.id_number == number
    # First registered a year ago: valid until the day before its 8th registration anniversary.
    assert certificate.valid_from == today
    assert certificate.valid_until == add_years(add_years(today, -1), 8) - days(1)


def test_configured_maximum_term_caps_the_validity(client, database, app, monkeypatch):
    monkeypatch.setitem(app.config, "TRANSPORT_CERT_MAX_YEARS", 2)
    number, headers = owner(client)
    response = apply(client, headers, plate=make_vehicle(number), platform=make_platform())
    assert certificate_of(database, response).valid_until == \
        add_years(licensing.today(), 2) - days(1)


def test_numbers_are_consecutive_and_follow_the_configured_pattern(client, database, app,
                                                                   monkeypatch):
    number, headers = owner(client)
    platform = make_platform()
    first = certificate_of(database, apply(client, headers, plate=make_vehicle(number),
                                           platform=platform)).number
    monkeypatch.setitem(app.config, "TRANSPORT_CERT_NUMBER_PATTERN", "厦运XXXX号")
    second = certificate_of(database, apply(client, headers, plate=make_vehicle(number),
                                            platform=platform)).number
    assert second == f"厦运{int(NUMBER.match(first).group(1)) + 1:04d}号"


def _registry(**overrides):
    return {"registry": overrides}


CASES = {
    "veh.registered": _registry(status="seized"),
    "veh.owner": {"owner": "someone else"},
    "veh.plate_local": {"plate_prefix": "闽AD"},
    "veh.category_seats": _registry(seats=8),
    "veh.power": _registry(power_type="PHEV"),
    "veh.age": {"age_years": 4},
    "veh.use_nature": _registry(use_nature="non_operating"),
    "veh.inspection": {"inspection_days": -1},
    "veh.insurance": {"insurance": [{"valid_until_days": -1}]},
    "veh.gps_live": {"gps_minutes": 30},
    "veh.platform_licensed": {"platform": {"status": "revoked"}},
}


def _vehicle_for(case: dict, number: str, other: str) -> tuple[str, str]:
    today = licensing.today()
    overrides = dict(case.get("registry", {}))
    if "age_years" in case:
        overrides["first_registered_on"] = add_years(today, -case["age_years"]).isoformat()
    if "inspection_days" in case:
        overrides["inspection_valid_until"] = (today + days(case["inspection_days"])).isoformat()
    kwargs = {}
    if "insurance" in case:
        kwargs["insurance"] = [{"valid_until": (today + days(p["valid_until_days"])).isoformat()}
                               for p in case["insurance"]]
    if "gps_minutes" in case:
        kwargs["gps"] = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=case["gps_minutes"])
    plate = make_vehicle(other if case.get("owner") else number,
                         new_plate(case.get("plate_prefix", "闽DD")), **kwargs, **overrides)
    return plate, make_platform(**case.get("platform", {}))


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_failing_rule_rejects_at_once_with_exactly_that_code(client, rule):
    number, headers = owner(client)
    plate, platform = _vehicle_for(CASES[rule], number, other=owner(client, "林别人")[0])
    response = apply(client, headers, plate=plate, platform=platform)
    assert response.status_code == 201
    assert response.json["status"] == "rejected"
    assert failing(response) == {rule}
    check = next(c for c in response.json["checks"] if c["rule"] == rule)
    assert re.search(r"[\u4e00-\u9fff]", check["reason"]) and check["reason_en"]
    assert response.json["history"][-1]["reason"] == check["reason"]


def test_every_failed_rule_is_listed(client):
    number, headers = owner(client)
    plate = make_vehicle(number, seats=9, power_type="ICE", use_nature="non_operating", gps=None)
    response = apply(client, headers, plate=plate, platform=make_platform(status="suspended"))
    assert failing(response) == {"veh.category_seats", "veh.power", "veh.use_nature",
                                 "veh.gps_live", "veh.platform_licensed"}
    reasons = response.json["history"][-1]["reason"]
    assert "座" in reasons and "纯电动" in reasons and "卫星定位" in reasons


def test_plate_the_registry_does_not_know_fails_every_rule_that_reads_the_registry(client):
    _, headers = owner(client)
    response = apply(client, headers, plate=new_plate(), platform=make_platform())
    assert response.json["status"] == "rejected"
    assert failing(response) == {"veh.registered", "veh.owner", "veh.category_seats", "veh.power",
                                 "veh.age", "veh.use_nature", "veh.inspection", "veh.insurance",
                                 "veh.gps_live"}


def test_platform_not_in_the_register_fails_the_licence_rule(client):
    number, headers = owner(client)
    response = apply(client, headers, plate=make_vehicle(number), platform="no-such-platform")
    assert response.json["status"] == "rejected"
    assert failing(response) == {"veh.platform_licensed"}


def test_plate_is_accepted_as_people_write_it(client):
    number, headers = owner(client)
    plate = make_vehicle(number)
    written = f"{plate[:2].lower()}·{plate[2:].lower()} "
    response = apply(client, headers, plate=written, platform=make_platform())
    assert response.json["status"] == "issued"


@pytest.mark.parametrize(("body", "field"), [
    ({"platform": "p"}, "plate"),
    ({"plate": "闽D12", "platform": "p"}, "plate"),
    ({"plate": "闽DD00001"}, "platform"),
])
def test_missing_or_malformed_plate_or_platform_is_422_naming_the_field(client, database, body,
                                                                         field):
    _, headers = owner(client)
    response = apply(client, headers, **body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert response.json["message"] and response.json["message_en"]


def test_second_vehicle_of_one_owner_is_decided_separately(client):
    number, headers = owner(client)
    platform = make_platform()
    first = apply(client, headers, plate=make_vehicle(number), platform=platform)
    second = apply(client, headers, plate=make_vehicle(number), platform=platform)
    assert (first.json["status"], second.json["status"]) == ("issued", "issued")


def test_applying_again_for_the_same_platform_while_holding_a_certificate_is_409(client):
    number, headers = owner(client)
    plate, platform = make_vehicle(number), make_platform()
    apply(client, headers, plate=plate, platform=platform)
    response = apply(client, headers, plate=plate, platform=platform)
    assert response.status_code == 409
    assert "补发" in response.json["message"]


def test_vehicle_serving_another_platform_is_rejected_one_vehicle_one_platform(client, database):
    number, headers = owner(client)
    plate = make_vehicle(number)
    first, second = make_platform(), make_platform()
    assert apply(client, headers, plate=plate, platform=first).json["status"] == "issued"
    response = apply(client, headers, plate=plate, platform=second)
    assert response.json["status"] == "rejected"
    assert failing(response) == {"veh.single_platform"}
    check = next(c for c in response.json["checks"] if c["rule"] == "veh.single_platform")
    assert first in check["reason"] and "注销" in check["reason"]
    valid = database.session.scalars(sa.select(Certificate).where(
        Certificate.plate == plate, Certificate.status == Status.VALID)).all()
    assert [c.platform_code for c in valid] == [first]


def test_database_refuses_a_second_valid_certificate_for_a_plate_the_rule_did_not_see(
        client, database, monkeypatch):
    """The race: both requests checked before either issued. The unique ``valid_plate`` decides,
    the loser is rejected with the rule failing, and its certificate number is given back."""
    number, headers = owner(client)
    plate, first, second = make_vehicle(number), make_platform(), make_platform()
    winner = certificate_of(database, apply(client, headers, plate=plate, platform=first))
    monkeypatch.setitem(MIRROR_OPERATIONS, sources.CERTIFICATES, lambda plate: [])
    response = apply(client, headers, plate=plate, platform=second)
    monkeypatch.undo()
    assert response.status_code == 201
    assert response.json["status"] == "rejected"
    assert failing(response) == {"veh.single_platform"}
    assert response.json["certificate_id"] is None
    application = licensing.by_number(response.json["number"])
    result = next(r for r in licensing.latest_results(application) if r.rule == "veh.single_platform")
    assert result.facts["number"] == winner.number and "database" in result.facts["decided_by"]
    assert [h["to_state"] for h in response.json["history"]] == ["submitted", "checking", "rejected"]
    # No gap: the next certificate gets the number right after the winner's.
    later = certificate_of(database, apply(client, headers, plate=make_vehicle(number), platform=first))
    assert int(NUMBER.match(later.number).group(1)) == int(NUMBER.match(winner.number).group(1)) + 1


def test_database_refuses_the_same_platform_twice_too(client, database, monkeypatch):
    number, headers = owner(client)
    plate, platform = make_vehicle(number), make_platform()
    apply(client, headers, plate=plate, platform=platform)
    monkeypatch.setattr("backend.vehicles.operations.valid_transport_certificate",
                        _hidden_once(database))
    response = apply(client, headers, plate=plate, platform=platform)
    assert response.json["status"] == "rejected"
    assert failing(response) == {"veh.single_platform"}
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.plate == plate)) == 1


def _hidden_once(database):
    """The 409 pre-check does not see the certificate (it was issued a moment later)."""
    from backend.vehicles import operations

    real, calls = operations.valid_transport_certificate, []

    def lookup(plate):
        calls.append(plate)
        return None if len(calls) == 1 else real(plate)

    return lookup


def test_mailing_item_carries_the_address_given(client, database):
    number, headers = owner(client)
    response = apply(client, headers, plate=make_vehicle(number), platform=make_platform())
    item = database.session.scalar(sa.select(MailingItem).where(
        MailingItem.certificate_id == response.json["certificate_id"]))
    assert item.address["detail"] == "集美区银江路1号"


def test_same_idempotency_key_returns_the_same_decision(client):
    number, headers = owner(client)
    plate, platform = make_vehicle(number), make_platform()
    first = apply(client, headers, key="k-1", plate=plate, platform=platform)
    again = apply(client, headers, key="k-1", plate=plate, platform=platform)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["number"] == first.json["number"]


def test_another_persons_vehicle_application_is_404(client):
    number, headers = owner(client)
    response = apply(client, headers, plate=make_vehicle(number), platform=make_platform())
    _, other = owner(client, "林别人")
    path = f"/api/v1/applications/{response.json['number']}"
    assert client.get(path, headers=other).status_code == 404
    assert client.get(path, headers=headers).status_code == 200


def test_registry_down_sends_the_application_to_review_and_a_clerk_issues(client, database,
                                                                         registry_down):
    number, headers = owner(client)
    plate = make_vehicle(number)
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert response.json["status"] == "awaiting_review"
    unknown = {c["rule"] for c in response.json["checks"] if c["outcome"] == "unknown"}
    assert unknown == {"veh.registered", "veh.owner", "veh.category_seats", "veh.power",
                       "veh.age", "veh.use_nature", "veh.inspection"}
    registry_down.come_back()
    application = licensing.by_number(response.json["number"])
    licensing.decide(application, approve=True, reason="已电话核实车管所登记信息", actor="staff:test")
    assert application.state == State.ISSUED
    assert database.session.get(Certificate, application.certificate_id).valid_plate == plate


def test_clerk_approving_after_the_plate_was_taken_rejects_and_writes_nothing_of_the_approval(
        client, database, registry_down):
    """The application waits for review; meanwhile a certificate takes the plate by a way the
    application's checks never saw. The clerk's approval loses to the database: rejected with
    the rule failing, the approval's steps, certificate number and mailing item not written."""
    number, headers = owner(client)
    plate = make_vehicle(number)
    response = apply(client, headers, plate=plate, platform=make_platform())
    application = licensing.by_number(response.json["number"])
    assert application.state == State.AWAITING_REVIEW
    other = make_platform()
    taken = certificates.issue(kind=Kind.TRANSPORT, number="闽交运管许可厦字350200999999号",
                               holder=application.applicant, valid_from=licensing.today(),
                               valid_until=licensing.today() + days(30), actor="test",
                               plate=plate, platform_code=other, valid_plate=plate)
    database.session.flush()
    counter = current_value(NUMBER_COUNTER)
    registry_down.come_back()
    licensing.decide(application, approve=True, reason="已核实", actor="staff:test")
    database.session.expire_all()
    assert application.state == State.REJECTED and application.certificate_id is None
    assert [e.to_state for e in application.events][-2:] == [State.AWAITING_REVIEW, State.REJECTED]
    result = next(r for r in licensing.latest_results(application) if r.rule == "veh.single_platform")
    assert result.outcome == Outcome.FAIL and result.facts["number"] == taken.number
    assert current_value(NUMBER_COUNTER) == counter
    assert database.session.scalars(sa.select(Certificate.id).where(
        Certificate.plate == plate)).all() == [taken.id]
    assert database.session.scalar(sa.select(sa.func.count()).select_from(MailingItem).where(
        MailingItem.application_id == application.id)) == 0


def test_clerk_approving_while_the_plates_certificate_is_suspended_rejects_with_that_reason(
        client, database, registry_down):
    """A suspended certificate still holds the plate (it may be reinstated): an application
    that waited for review while it was suspended loses to the database, with the reason."""
    number, headers = owner(client)
    plate = make_vehicle(number)
    response = apply(client, headers, plate=plate, platform=make_platform())
    application = licensing.by_number(response.json["number"])
    assert application.state == State.AWAITING_REVIEW
    held = certificates.issue(kind=Kind.TRANSPORT, number="闽交运管许可厦字350200999998号",
                              holder=application.applicant, valid_from=licensing.today(),
                              valid_until=licensing.today() + days(30), actor="test",
                              plate=plate, platform_code=make_platform(), valid_plate=plate)
    certificates.set_status(held, Status.SUSPENDED, actor="test", reason="常态化比对")
    database.session.flush()
    assert held.valid_plate == plate
    registry_down.come_back()
    licensing.decide(application, approve=True, reason="已核实", actor="staff:test")
    database.session.expire_all()
    assert application.state == State.REJECTED and application.certificate_id is None
    result = next(r for r in licensing.latest_results(application) if r.rule == "veh.single_platform")
    assert result.outcome == Outcome.FAIL and "已暂停使用" in result.reason
    assert result.facts["number"] == held.number


def test_platforms_endpoint_lists_only_licensed_platforms(client):
    licensed = make_platform(name="甲平台")
    lapsed = make_platform(valid_until=(licensing.today() - days(1)).isoformat())
    revoked = make_platform(status="revoked")
    response = client.get("/api/v1/platforms")
    assert response.status_code == 200
    codes = {p["code"] for p in response.json["items"]}
    assert licensed in codes and not codes & {lapsed, revoked}
    item = next(p for p in response.json["items"] if p["code"] == licensed)
    assert set(item) == {"code", "name", "uscc", "licence_number", "valid_until"}
