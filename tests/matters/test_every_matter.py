"""Every matter with a handler, through every channel the catalogue lists for it, end to end:
apply → decision → the certificate that results (or the one it ends).

The cases come from the registry when the tests are collected: one per (matter, channel) of
``GET /api/v1/matters``. A matter or a channel added later is a new case at once; if nobody
wrote its recipe (``RECIPES``) or its channel's driver (``CHANNELS``), the case fails saying
so. Nothing is skipped.

A channel driver applies the way a person or a clerk really does: the app's JSON API with an
i厦门 token, the kiosk API signed by a registered device after the ID card is read, the staff
console's counter form. The decision is then taken the way staff take it, through the
console: examiners enter both exam results, a clerk approves what waits for review.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, Status
from backend.certificates.operations import certificate_view
from backend.licensing.models import Application, State
from backend.matters import registry
from backend.matters.operations import catalogue
from backend.staff.models import Role
from tests.certificates.holders import token_of, verify_online
from tests.devices.kiosks import SignedClient, card_for, holder_with_certificate, register
from tests.drivers.helpers import ADDRESS, make_driver
from tests.factories import citizen_token, near_expiry
from tests.harness import post, sign_in_as
from tests.vehicles.fleet import make_platform, make_vehicle

registry.discover()  # (the cases are made from the registry before any app exists)

CASES = [(code, channel.value) for code, handler in registry.HANDLERS.items()
         for channel in handler.channels]
# Catalogue matters whose handlers are being written elsewhere (none now): a catalogue matter
# without a handler fails the test below unless it is named here.
HANDLERS_ELSEWHERE: set[str] = set()
_transactions = itertools.count(1)


@dataclasses.dataclass(frozen=True)
class Applicant:
    """Who applies, and what the matter's request carries besides the matter's code."""

    id_number: str
    name: str
    body: dict
    headers: dict | None = None  # a company's sign-in (the person above acts for it)
    uscc: str | None = None  # the company that applies and holds the certificate


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a matter is set up and what it ends in: ``prepare`` makes the applicant's situation
    (mirror records, a certificate already held) and the request; ``ends`` is the final state;
    ``kind`` the certificate kind the application ends with, ``status`` that certificate's."""

    prepare: Callable[..., Applicant]
    ends: State
    kind: Kind
    status: Status = Status.VALID


# -- situations ---------------------------------------------------------------------------------

def _eligible_driver(client) -> Applicant:
    number, _ = make_driver(client, name="陈一号")
    return Applicant(number, "陈一号", {"phone": "13800000000", "mailing_address": ADDRESS})


def _driver_holding(client, **body) -> Applicant:
    return Applicant(holder_with_certificate(client, name="陈持证"), "陈持证", body)


def _changing_platform(client) -> Applicant:
    code = make_platform()
    return _driver_holding(client, changes={"platform": code}, mailing_address=ADDRESS,
                           documents=[{"kind": "service_agreement", "reference": "HT-2026-0001"}])


def _vehicle_owner(client) -> tuple[str, dict]:
    """An owner the population register knows (the counter and the kiosk check it)."""
    return make_driver(client, name="陈车主")


def _owner_of_a_new_vehicle(client) -> Applicant:
    number, _ = _vehicle_owner(client)
    plate, code = make_vehicle(number), make_platform()
    return Applicant(number, "陈车主", {"plate": plate, "platform": code,
                                        "mailing_address": ADDRESS})


def _owner_holding(client, *, days_left: int | None = None, **body) -> Applicant:
    """An owner whose vehicle holds a transport certificate; ending in ``days_left`` days (in
    its renewal window) when given."""
    number, headers = _vehicle_owner(client)
    plate = make_vehicle(number)
    response = client.post("/api/v1/applications", headers=headers, json={
        "matter": "vehicle-permit-issue", "plate": plate, "platform": make_platform(),
        "mailing_address": ADDRESS})
    assert response.json["status"] == "issued", response.json
    if days_left is not None:
        from backend.db import db

        near_expiry(db.session.get(Certificate, response.json["certificate_id"]), days_left)
    return Applicant(number, "陈车主", {"plate": plate, **body})


def _company_applying(client) -> Applicant:
    """A registered company with its materials uploaded, signed in as itself."""
    from tests.platforms.companies import ADDRESS as COMPANY_ADDRESS
    from tests.platforms.companies import company, upload_all

    the = company(client)
    body = {"licence": {"legal_representative_id_number": the.representative_id,
                        "service_locations": ["厦门市思明区湖滨南路100号"]},
            "materials": upload_all(client, the), "mailing_address": COMPANY_ADDRESS}
    return Applicant(the.representative_id, the.representative, body, the.headers, the.uscc)


def _company_licensed(client) -> Applicant:
    """A company holding the licence, asking to change its service locations."""
    from tests.platforms.companies import ADDRESS as COMPANY_ADDRESS
    from tests.platforms.companies import upload_all

    applicant = _company_applying(client)
    response = client.post("/api/v1/applications", headers=applicant.headers,
                           json={"matter": "platform-licence-issue", **applicant.body})
    assert response.status_code == 201, response.json
    application = decide(client, None, response.json["number"])
    assert application.state == State.ISSUED, application.state
    the_headers = applicant.headers
    materials = upload_all(client, _Signed(the_headers), ("change_application",))
    return Applicant(applicant.id_number, applicant.name, {
        "changes": {"service_locations": ["厦门市湖里区航空港100号"]},
        "materials": materials, "mailing_address": COMPANY_ADDRESS}, the_headers, applicant.uscc)


@dataclasses.dataclass
class _Signed:
    headers: dict


RECIPES: dict[str, Recipe] = {
    "driver-cert-issue": Recipe(_eligible_driver, State.ISSUED, Kind.DRIVER),
    "driver-cert-reissue": Recipe(lambda c: _driver_holding(c, reason="lost", mailing_address=ADDRESS),
                                  State.ISSUED, Kind.DRIVER),
    "driver-cert-renew": Recipe(lambda c: _driver_holding(c, mailing_address=ADDRESS),
                                State.ISSUED, Kind.DRIVER),
    "driver-cert-cancel": Recipe(_driver_holding, State.APPROVED, Kind.DRIVER, Status.CANCELLED),
    "driver-cert-change": Recipe(_changing_platform, State.ISSUED, Kind.DRIVER),
    "vehicle-permit-issue": Recipe(_owner_of_a_new_vehicle, State.ISSUED, Kind.TRANSPORT),
    "vehicle-cert-reissue": Recipe(
        lambda c: _owner_holding(c, reason="lost", mailing_address=ADDRESS),
        State.ISSUED, Kind.TRANSPORT),
    "vehicle-cert-renew": Recipe(lambda c: _owner_holding(c, days_left=60, mailing_address=ADDRESS),
                                 State.ISSUED, Kind.TRANSPORT),
    "vehicle-permit-cancel": Recipe(_owner_holding, State.APPROVED, Kind.TRANSPORT,
                                    Status.CANCELLED),
    "platform-licence-issue": Recipe(_company_applying, State.ISSUED, Kind.PLATFORM),
    "platform-licence-change": Recipe(_company_licensed, State.ISSUED, Kind.PLATFORM),
}


# -- channels: each returns the new application's number ---------------------------------------

def _by_app(client, database, matter: str, applicant: Applicant) -> str:
    headers = applicant.headers or citizen_token(client, applicant.id_number, applicant.name)[1]
    response = client.post("/api/v1/applications", headers=headers,
                           json={"matter": matter, **applicant.body})
    assert response.status_code == 201, response.json
    assert response.json["channel"] == "app"
    return response.json["number"]


def _by_kiosk(client, database, matter: str, applicant: Applicant) -> str:
    carried = {"mailing_address", "phone", "reason"}  # (all a kiosk sends besides the card)
    assert set(applicant.body) <= carried, f"a kiosk cannot send {set(applicant.body) - carried}"
    kiosk = SignedClient(client, *register())
    database.session.commit()
    session = kiosk.start(card_for(applicant.id_number, applicant.name))
    assert session.status_code == 201, session.json
    offered = {m["code"]: m for m in session.json["matters"]}
    assert offered[matter]["available"], offered[matter]
    response = kiosk.call("POST", f"/kiosk/v1/sessions/{session.json['id']}/applications", {
        "matter": matter, "transaction_id": f"tx-every-{next(_transactions):04d}",
        **applicant.body})
    assert response.status_code == 201, response.json
    assert response.json["channel"] == "kiosk"
    return response.json["number"]


def counter_form(matter: str, applicant: Applicant) -> dict:
    """The counter form as a clerk fills it in for this request."""
    body = applicant.body
    form = {"id_number": applicant.id_number, "name": applicant.name, "matter": matter,
            **{key: body[key] for key in ("phone", "plate", "platform", "reason") if key in body}}
    if address := body.get("mailing_address"):
        form.update(recipient=address["recipient"], mailing_phone=address["phone"],
                    region_code=address["region_code"], detail=address["detail"])
    form.update({f"new_{key}": value for key, value in body.get("changes", {}).items()})
    form.update({f"doc_{d['kind']}": d["reference"] for d in body.get("documents", [])})
    return form


def _by_counter(client, database, matter: str, applicant: Applicant) -> str:
    sign_in_as(client, Role.CLERK)
    page = client.get("/console/counter").get_data(as_text=True)
    intake_id = re.search(r'name="intake_id"[^>]*value="([0-9a-f]{32})"', page).group(1)
    response = post(client, "/console/counter",
                    {**counter_form(matter, applicant), "intake_id": intake_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


CHANNELS: dict[str, Callable[..., str]] = {"app": _by_app, "kiosk": _by_kiosk,
                                           "counter": _by_counter}


# -- deciding the way staff do ------------------------------------------------------------------

def _stored(database, number: str) -> Application:
    from backend.db import db

    db.session.expire_all()
    return db.session.scalar(sa.select(Application).where(Application.number == number))


def _take_the_exams(client, number: str) -> None:
    sign_in_as(client, Role.EXAMINER)
    for subject in ("national", "regional"):
        response = post(client, "/console/exams", {"application_number": number,
                                                   "subject": subject, "score": 90, "passed": "yes"})
        assert response.status_code == 302


def _approve(client, number: str) -> None:
    sign_in_as(client, Role.CLERK)
    response = post(client, f"/console/applications/{number}/decision",
                    {"decision": "approve", "reason": "材料齐全，当场办结。"})
    assert response.status_code == 302


def _province_certifies(client, number: str) -> None:
    from backend.licensing.operations import by_number
    from backend.platforms.operations import case_of

    sign_in_as(client, Role.PROVINCE)
    request_id = case_of(by_number(number)).province_request_id
    response = post(client, f"/console/province/{request_id}", {"result": "certified",
                                                                "reasons": ""})
    assert response.status_code == 302


STAFF_STEPS = {State.AWAITING_EXAM: _take_the_exams, State.AWAITING_REVIEW: _approve,
               State.AWAITING_PROVINCE: _province_certifies}


def decide(client, database, number: str) -> Application:
    """Take each step staff take until nothing waits for them; the application as it ends."""
    for _ in range(len(STAFF_STEPS) + 1):
        application = _stored(database, number)
        step = STAFF_STEPS.get(application.state)
        if step is None:
            return application
        step(client, number)
    raise AssertionError(f"{number} still waits for staff: {application.state}")


# -- the tests ----------------------------------------------------------------------------------

def test_every_catalogue_matter_has_a_handler_or_is_being_written_elsewhere(database):
    without = {matter.code for matter in catalogue() if registry.handler_for(matter.code) is None}
    assert without == HANDLERS_ELSEWHERE, (
        "update HANDLERS_ELSEWHERE: these catalogue matters have no handler: "
        f"{sorted(without)}")


def test_the_cases_are_the_channels_the_public_catalogue_lists(client):
    listed = {(m["code"], channel) for m in client.get("/api/v1/matters").json["items"]
              for channel in m["channels"]}
    assert listed == set(CASES)
    assert {code for code, _ in CASES} == set(registry.HANDLERS)


@pytest.mark.parametrize("matter, channel", CASES, ids=[f"{m}-{c}" for m, c in CASES])
def test_applied_for_on_the_channel_and_decided_to_its_certificate(client, database, matter,
                                                                   channel):
    assert matter in RECIPES, f"no end-to-end recipe for {matter}: add one to RECIPES"
    assert channel in CHANNELS, f"no driver for the {channel} channel: add one to CHANNELS"
    recipe = RECIPES[matter]
    applicant = recipe.prepare(client)

    number = CHANNELS[channel](client, database, matter, applicant)
    application = decide(client, database, number)

    assert (application.matter_code, application.channel.value) == (matter, channel)
    assert application.state == recipe.ends, [(e.to_state, e.reason) for e in application.events]
    certificate = database.session.get(Certificate, application.certificate_id)
    assert (certificate.kind, certificate.status) == (recipe.kind, recipe.status)
    if applicant.uscc:  # a company's licence: the company holds it
        assert certificate.company.uscc == applicant.uscc
    else:
        assert certificate.holder.id_number == applicant.id_number
    scanned = verify_online(client, token_of(certificate_view(certificate).qr_text))
    assert (scanned["valid"], scanned["status"]) == (recipe.status == Status.VALID,
                                                     recipe.status.value)
    if registry.handler_for(matter).mailed:
        assert [item.status.value for item in application.mailing_items] == ["queued"]
