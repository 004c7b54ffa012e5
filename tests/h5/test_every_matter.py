"""Every matter a person applies for in the app, applied for on the H5 pages from the same
situation as ``tests/matters/test_every_matter.py`` sets up, then decided the way staff decide
it: the pages take every field each matter needs, and each ends where it ends on the API."""

from __future__ import annotations

import pytest

from backend.certificates.models import Certificate
from backend.matters import registry
from backend.matters.registry import Applicant, Channel
from tests.h5.test_pages import post, signed_in
from tests.matters.test_every_matter import RECIPES, decide

PAGE_MATTERS = [code for code, handler in registry.HANDLERS.items()
                if Channel.APP in handler.channels and handler.applicant == Applicant.PERSON]


def page_form(matter: str, body: dict) -> dict:
    """The apply page's form as a person fills it in for this request."""
    form = {key: body[key] for key in ("phone", "plate", "platform", "reason") if key in body}
    form.update({f"address_{key}": value for key, value in body.get("mailing_address", {}).items()})
    form.update({f"change_{key}": value for key, value in body.get("changes", {}).items()})
    form.update({f"document_{d['kind']}": d["reference"] for d in body.get("documents", [])})
    if matter.endswith("-cancel"):
        form["confirm"] = "yes"
    return form


def test_the_pages_offer_a_persons_app_matters():
    assert set(PAGE_MATTERS) >= {"driver-cert-issue", "driver-cert-renew", "vehicle-permit-issue"}


@pytest.mark.parametrize("matter", PAGE_MATTERS)
def test_applied_for_on_the_pages_and_decided_to_its_certificate(client, database, matter):
    recipe = RECIPES[matter]
    applicant = recipe.prepare(client)
    signed_in(client, applicant.id_number, applicant.name)
    assert f'href="/h5/matters/{matter}"' in client.get("/h5/home").get_data(as_text=True)

    response = post(client, f"/h5/matters/{matter}", page_form(matter, applicant.body))
    assert response.status_code == 303, response.get_data(as_text=True)
    number = response.location.rsplit("/", 1)[1]
    assert "办理结果" in client.get(response.location).get_data(as_text=True)

    application = decide(client, database, number)
    assert (application.channel, application.state) == (Channel.APP, recipe.ends)
    certificate = database.session.get(Certificate, application.certificate_id)
    assert (certificate.kind, certificate.status) == (recipe.kind, recipe.status)
    assert certificate.holder.id_number == applicant.id_number
