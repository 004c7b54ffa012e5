"""The regular re-check of transport certificates: each vehicle held to the permit's rules that
are conditions of holding it; a new failure suspends the transport certificate through the
alert path, with the due process of a police alert (the holder told and heard, a clerk
revokes or reinstates, the platforms told at each step); a source that does not answer leaves
the vehicle as it was and is reported."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from backend.alerts.models import Alert, Suspension
from backend.certificates.models import Certificate, Kind, Status
from backend.db import db
from backend.licensing import operations as licensing
from backend.licensing import recheck
from backend.licensing.models import RecheckRun, RecheckVehicle
from backend.licensing.rules import add_years
from backend.notices.models import PlatformNotice
from backend.notify.models import PersonMessage, Sms
from backend.staff.models import Role
from backend.vehicles.rules import VEHICLE_RULES
from backend.verification.models import SourceQuery
from tests.certificates.holders import token_of, verify_online
from tests.drivers.helpers import ADDRESS
from tests.factories import id_number
from tests.h5.test_pages import signed_in
from tests.harness import post as console_post
from tests.licensing.test_recheck import asked_together_as_alone
from tests.notices.helpers import free_port, transport_certificate
from tests.vehicles.fleet import apply, days, failing, make_platform, make_vehicle, owner

PHONE = "13800000000"


@dataclasses.dataclass
class Vehicle:
    """An owner whose vehicle holds a transport certificate issued through the app."""

    owner: str  # the owner's ID number
    headers: dict
    plate: str
    platform: str
    certificate: Certificate
    token: str  # what its QR code carries


def certified_vehicle(client, database) -> Vehicle:
    number, headers = owner(client)
    plate, platform = make_vehicle(number), make_platform()
    response = apply(client, headers, plate=plate, platform=platform)
    assert response.json["status"] == "issued", response.json
    certificate = database.session.get(Certificate, response.json["certificate_id"])
    certificate.holder.phone = PHONE
    database.session.commit()
    mine = client.get("/api/v1/certificates", headers=headers).json["items"]
    url = next(c["verification_url"] for c in mine if c["id"] == certificate.id)
    return Vehicle(number, headers, plate, platform, certificate, token_of(url))


def lapse_insurance(vehicle: Vehicle, *, days_ago: int = 5) -> dt.date:
    """The vehicle's only policy ended ``days_ago`` days ago; its last day."""
    ended = licensing.today() - days(days_ago)
    make_vehicle(vehicle.owner, vehicle.plate, insurance=[{"valid_until": ended.isoformat()}])
    return ended


def recheck_all(cli, exit_code: int = 0) -> str:
    result = cli.invoke(args=["licensing", "recheck", "--all"])
    assert result.exit_code == exit_code, result.output
    return result.output


def latest_run() -> RecheckRun:
    return db.session.scalar(sa.select(RecheckRun).order_by(RecheckRun.id.desc()))


def suspended(cli, database, client) -> tuple[Vehicle, Suspension]:
    """A vehicle whose insurance lapsed, re-checked: its suspension."""
    vehicle = certified_vehicle(client, database)
    lapse_insurance(vehicle)
    database.session.commit()
    recheck_all(cli)
    return vehicle, database.session.scalar(sa.select(Suspension).where(
        Suspension.certificate_id == vehicle.certificate.id))


# -- found, suspended, told ------------------------------------------------------------------

def test_a_lapsed_insurance_suspends_the_transport_certificate_and_tells_holder_and_platform(
        cli, client, database):
    vehicle = certified_vehicle(client, database)
    certified_vehicle(client, database)  # (insured: nothing to find)
    ended = lapse_insurance(vehicle)
    database.session.commit()

    output = recheck_all(cli)
    assert "2 of 2 vehicles checked" in output
    assert "new failures by rule: veh.insurance 1" in output and "alerts raised: 1" in output

    alert = database.session.scalar(sa.select(Alert))
    assert (alert.source, alert.id_number, alert.certificate_kind, alert.plate) == (
        "recheck", vehicle.owner, Kind.TRANSPORT, vehicle.plate)
    assert (alert.category, alert.recorded_on) == ("insurance_lapsed", ended + days(1))
    assert alert.reference.startswith("RC-") and vehicle.plate not in alert.reference
    certificate = database.session.get(Certificate, vehicle.certificate.id)
    database.session.refresh(certificate)
    assert certificate.status == Status.SUSPENDED
    assert certificate.valid_plate == vehicle.plate  # (held until the bureau decides)
    assert verify_online(client, vehicle.token)["reason"] == "suspended"

    message = database.session.scalar(sa.select(PersonMessage).where(
        PersonMessage.kind == "alert.suspended"))
    assert vehicle.plate in message.title and "运输证" in message.title
    suspension = database.session.scalar(sa.select(Suspension))
    for told in ("常态化比对", "营运车辆保险已失效", "veh.insurance", "第十七条", "第十二条、第十三条",
                 str(suspension.object_by), "暂停与异议"):
        assert told in message.body, told
    assert "公安机关" not in message.body
    sms = database.session.scalar(sa.select(Sms))
    assert sms.phone == PHONE and vehicle.plate in sms.text and str(suspension.object_by) in sms.text

    notice = database.session.scalar(sa.select(PlatformNotice))
    assert (notice.platform_code, notice.event) == (vehicle.platform, "suspended")
    assert notice.payload["VehicleNo"] == vehicle.plate and notice.payload["kind"] == "transport"

    run = latest_run()
    assert (run.vehicles, run.vehicles_checked, run.vehicles_incomplete) == (2, 2, 0)
    # three questions a vehicle (registry, insurance, the transport certificates), logged
    assert database.session.scalar(sa.select(sa.func.count()).select_from(SourceQuery).where(
        SourceQuery.purpose == f"recheck-run:{run.id}")) == 2 * 3

    again = recheck_all(cli)
    assert "1 of 1 vehicles checked" in again and "new failures by rule: none" in again
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
    assert database.session.scalar(sa.select(sa.func.count()).select_from(PlatformNotice)) == 1


def test_a_source_that_does_not_answer_leaves_the_vehicle_as_it_was(cli, client, database,
                                                                     app, monkeypatch):
    vehicle = certified_vehicle(client, database)
    lapse_insurance(vehicle)
    database.session.commit()
    monkeypatch.setitem(app.config["SOURCE_URLS"], "insurance", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "SOURCE_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setitem(app.extensions, "sources", {})

    output = recheck_all(cli, exit_code=3)  # (done, not in full)
    assert "insurance 1" in output and "vehicles not checked in full: 1" in output
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 0
    database.session.expire_all()
    assert database.session.get(Certificate, vehicle.certificate.id).status == Status.VALID
    state = database.session.get(RecheckVehicle, vehicle.certificate.number)
    assert (state.checked_at, state.failing) == (None, [])
    assert latest_run().unreachable == {"insurance": 1}


def test_due_takes_only_vehicles_not_checked_in_full_recently(cli, client, database):
    certified_vehicle(client, database)
    assert "1 of 1 vehicles checked" in cli.invoke(args=["licensing", "recheck", "--due"]).output
    assert "0 of 0 vehicles checked" in cli.invoke(args=["licensing", "recheck", "--due"]).output
    database.session.execute(sa.update(RecheckVehicle).values(
        checked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31)))
    database.session.commit()
    assert "1 of 1 vehicles checked" in cli.invoke(args=["licensing", "recheck", "--due"]).output


# -- due process -------------------------------------------------------------------------------

def test_the_holder_objects_in_the_app_and_the_clerk_queue_shows_the_plate(cli, client, database,
                                                                           sign_in):
    vehicle, suspension = suspended(cli, database, client)
    mine = client.get("/api/v1/suspensions", headers=vehicle.headers).json["items"]
    assert [(s["id"], s["certificate_kind"], s["plate"], s["category"], s["rule"])
            for s in mine] == [(suspension.id, "transport", vehicle.plate, "insurance_lapsed",
                                "veh.insurance")]
    assert vehicle.plate in mine[0]["certificate_name"]
    assert mine[0]["history"][0]["text"].startswith("常态化比对发现")

    response = client.post(f"/api/v1/suspensions/{suspension.id}/objection",
                           headers=vehicle.headers, json={"text": "保险已于昨日续保，附保单。"})
    assert response.status_code == 200, response.json
    assert [s["step"] for s in response.json["history"]] == ["alert", "suspended", "objected"]

    sign_in(Role.CLERK)
    queue = client.get("/console/alerts/").get_data(as_text=True)
    assert f"#{suspension.id}" in queue and vehicle.plate in queue and "运输证" in queue
    page = client.get(f"/console/alerts/suspensions/{suspension.id}").get_data(as_text=True)
    assert vehicle.certificate.number in page and "veh.insurance" in page
    assert "第十二条、第十三条" in page  # the default legal basis of revoking a transport certificate


def test_a_clerk_reinstates_the_transport_certificate_in_force_again(cli, client, database,
                                                                     sign_in):
    vehicle, suspension = suspended(cli, database, client)
    sign_in(Role.CLERK)
    console_post(client, f"/console/alerts/suspensions/{suspension.id}/reinstate",
                 {"reason": "车辆已在其他保险公司投保，保单核实无误"})

    database.session.expire_all()
    certificate = database.session.get(Certificate, vehicle.certificate.id)
    assert (certificate.status, certificate.version, certificate.valid_plate) == (
        Status.VALID, vehicle.certificate.version, vehicle.plate)
    assert verify_online(client, vehicle.token)["valid"] is True
    events = database.session.scalars(sa.select(PlatformNotice.event).order_by(PlatformNotice.id))
    assert list(events) == ["suspended", "reinstated"]
    told = client.get("/api/v1/messages", headers=vehicle.headers).json["items"][0]
    assert told["kind"] == "alert.reinstated" and vehicle.plate in told["title"]

    # The same lapse is known: the next run raises nothing; a later one is new.
    assert "new failures by rule: none" in recheck_all(cli)
    lapse_insurance(vehicle, days_ago=1)
    database.session.commit()
    assert "new failures by rule: veh.insurance 1" in recheck_all(cli)
    database.session.expire_all()
    assert database.session.get(Certificate, vehicle.certificate.id).status == Status.SUSPENDED


def test_a_clerk_revokes_the_transport_certificate_and_frees_the_plate(cli, client, database,
                                                                       sign_in):
    vehicle, suspension = suspended(cli, database, client)
    client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=vehicle.headers,
                json={"text": "请求宽限。"})
    sign_in(Role.CLERK)
    console_post(client, f"/console/alerts/suspensions/{suspension.id}/revoke",
                 {"reason": "保险失效逾期未续保，不再符合许可条件",
                  "legal_basis": "《网络预约出租汽车经营服务管理暂行办法》第十七条"})

    database.session.expire_all()
    certificate = database.session.get(Certificate, vehicle.certificate.id)
    assert (certificate.status, certificate.valid_plate) == (Status.REVOKED, None)
    assert verify_online(client, vehicle.token)["reason"] == "revoked"
    assert database.session.scalar(sa.select(PlatformNotice.event).order_by(
        PlatformNotice.id.desc()).limit(1)) == "revoked"
    told = client.get("/api/v1/messages", headers=vehicle.headers).json["items"][0]
    assert told["kind"] == "alert.revoked" and vehicle.plate in told["body"] \
        and "第十七条" in told["body"]


def test_a_new_permit_for_a_vehicle_whose_certificate_is_suspended_is_refused(cli, client,
                                                                             database):
    vehicle, _ = suspended(cli, database, client)
    make_vehicle(vehicle.owner, vehicle.plate)  # (insured again)
    response = apply(client, vehicle.headers, plate=vehicle.plate, platform=vehicle.platform)
    assert response.json["status"] == "rejected"
    assert failing(response) == {"veh.single_platform"}
    reason = next(c["reason"] for c in response.json["checks"] if c["outcome"] == "fail")
    assert "已暂停使用" in reason and vehicle.certificate.number in reason
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.plate == vehicle.plate)) == 1


# -- which failure is which --------------------------------------------------------------------

@pytest.fixture
def alerts(monkeypatch):
    raised = []
    monkeypatch.setattr(recheck, "raise_alert", lambda **alert: raised.append(alert))
    return raised


def vehicle_with(**registry) -> Certificate:
    """A transport certificate in force whose vehicle's registry record has ``registry``."""
    certificate = transport_certificate(make_platform())
    make_vehicle(certificate.holder.id_number, certificate.plate, **registry)
    return certificate


def years_ago(years: int, extra_days: int = 0) -> str:
    return (add_years(licensing.today(), -years) - days(extra_days)).isoformat()


@pytest.mark.parametrize(("registry", "category", "key"), [
    ({"status": "scrapped"}, "vehicle_deregistered", "veh.registered:scrapped"),
    ({"status": "stolen"}, "vehicle_stolen", "veh.registered:stolen"),
    ({"owner_id_number": id_number()}, "vehicle_owner_changed", "veh.owner"),
    ({"use_nature": "non_operating"}, "vehicle_use_nature", "veh.use_nature:non_operating"),
    ({"first_registered_on": years_ago(8, 1)}, "vehicle_age", f"veh.age:{years_ago(8, 1)}"),
])
def test_each_condition_of_holding_is_its_own_category(cli, database, alerts, registry, category,
                                                       key):
    certificate = vehicle_with(**registry)
    database.session.commit()
    recheck_all(cli)
    assert [(a["category"], a["plate"]) for a in alerts] == [(category, certificate.plate)]
    state = database.session.get(RecheckVehicle, certificate.number)
    assert state.failing == [key]


def test_an_overdue_inspection_dates_from_the_day_after_it_ended(cli, database, alerts):
    ended = licensing.today() - days(10)
    vehicle_with(inspection_valid_until=ended.isoformat())
    database.session.commit()
    recheck_all(cli)
    assert [(a["category"], a["recorded_on"]) for a in alerts] == [
        ("inspection_overdue", ended + days(1))]


@pytest.mark.parametrize("registry", [
    {"status": "mortgaged"},  # a loan's security, not a lapse of the permit's conditions
    {"status": "seized"},  # another authority's temporary measure
    {"first_registered_on": years_ago(7)},  # past the limit of applying, not of holding
    {"power_type": "PHEV", "seats": 7},  # conditions of applying only
])
def test_conditions_of_applying_only_raise_nothing(cli, database, alerts, registry):
    vehicle_with(**registry)
    database.session.commit()
    assert "new failures by rule: none" in recheck_all(cli)
    assert alerts == []


def test_a_plate_the_registry_no_longer_knows_is_one_failure(cli, database, alerts):
    transport_certificate(make_platform())  # (nothing in the mirrors)
    database.session.commit()
    assert "new failures by rule: veh.registered 1" in recheck_all(cli)
    assert [a["category"] for a in alerts] == ["vehicle_deregistered"]


def test_every_vehicle_rule_is_rechecked_or_left_out_with_a_reason():
    assert set(recheck.HOLDING).isdisjoint(recheck.VEHICLE_NOT_RECHECKED)
    assert set(recheck.HOLDING) | recheck.VEHICLE_NOT_RECHECKED == set(VEHICLE_RULES)


def test_asking_many_plates_at_once_answers_as_asking_each(database):
    from backend.vehicles.sources import vehicle_questions
    from backend.verification import sources

    insured, lapsed = vehicle_with(), vehicle_with(insurance=[{"valid_until": "2020-01-01"}])
    unknown = transport_certificate(None)
    together = asked_together_as_alone(
        [[q for q in vehicle_questions(c.plate, "x") if q.key in sources.MIRROR_BATCHES]
         for c in (insured, lapsed, unknown)])
    assert together[2]["vehicle_registry.vehicle"].status == sources.Status.NOT_FOUND
    assert together[1]["insurance.policies"].data[0]["valid_until"] == "2020-01-01"
    assert together[0]["transport_certificates.by_plate"].data[0]["number"] == insured.number


# -- the alert path's interface --------------------------------------------------------------

def test_the_alert_path_keeps_driver_and_vehicle_categories_apart(database):
    from backend.alerts.operations import receive
    from backend.errors import ApiError

    certificate = vehicle_with()
    common = {"id_number": certificate.holder.id_number, "recorded_on": licensing.today(),
              "detail": "", "source": "recheck", "actor": "test"}
    with pytest.raises(ApiError) as refused:
        receive(reference="RC-1", category="insurance_lapsed", **common)  # (no plate)
    assert "category" in refused.value.extra["errors"]["json"]
    with pytest.raises(ApiError):
        receive(reference="RC-2", category="drug_use", plate=certificate.plate, **common)
    alert = receive(reference="RC-3", category="insurance_lapsed", plate=certificate.plate,
                    **common)
    assert alert.suspension.certificate_id == certificate.id
    # the driver rules do not read it: it is about the vehicle, not the person as a driver
    from backend.alerts.sources import _alerts
    assert _alerts(certificate.holder.id_number) == []


def test_the_police_hook_takes_no_vehicle_category(client, database):
    from backend.alerts.schemas import AlertSchema

    errors = AlertSchema().validate({"reference": "GA-1", "id_number": id_number(),
                                     "category": "insurance_lapsed", "recorded_on": "2026-11-01"})
    assert "category" in errors


def test_the_console_report_counts_vehicles(cli, client, database, sign_in):
    certified_vehicle(client, database)
    recheck_all(cli)
    sign_in(Role.SUPERVISOR)
    page = client.get("/console/rechecks/").get_data(as_text=True)
    assert "1 / 1 辆" in page


def test_a_matter_on_the_suspended_transport_certificate_says_it_is_suspended(cli, client,
                                                                              database):
    vehicle, suspension = suspended(cli, database, client)
    for matter in ("vehicle-permit-cancel", "vehicle-cert-renew"):
        response = client.post("/api/v1/applications", headers=vehicle.headers,
                               json={"matter": matter, "plate": vehicle.plate,
                                     "mailing_address": ADDRESS})
        assert response.status_code == 409, (matter, response.json)
        assert f"车辆 {vehicle.plate} 的网约车运输证已暂停使用" in response.json["message"]
    signed_in(client, vehicle.owner, "车主")
    page = client.get(f"/h5/suspensions/{suspension.id}").get_data(as_text=True)
    assert vehicle.plate in page and "车辆许可条件" in page and "提交异议" in page
