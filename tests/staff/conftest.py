"""Console test helpers: staff sign-in with CSRF, drivers in the mirrors, a department that is down."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from backend.identity.portraits import demo_portrait_base64
from backend.licensing.models import Application, State
from backend.verification.imports import import_file
from tests.factories import citizen_token, id_number
from tests.harness import Department

ADDRESS = {"recipient": "林志远", "phone": "13800000000", "region_code": "350203",
           "detail": "思明区湖滨北路 61 号"}


def eligible_driver(name: str = "林志远") -> str:
    """An ID number every mirror vouches for: Xiamen hukou, a C1 licence since 2010, no records."""
    number = id_number()
    import_file("identity", [json.dumps({
        "id_number": number, "name": name, "sex": "1", "birth_date": "1990-01-01",
        "hukou_region": "350203", "card_valid_until": "长期", "card_reported_lost": False,
        "photo": demo_portrait_base64(number)})])
    import_file("driving_licence", [json.dumps({
        "id_number": number, "licence_class": "C1", "first_issued_on": "2010-05-01",
        "status": "valid", "valid_until": "2040-05-01", "cycles": []})])
    return number


def apply(client, number: str, name: str = "林志远", matter: str = "driver-cert-issue") -> str:
    """Apply in the app as the citizen; the application number."""
    _, headers = citizen_token(client, number, name)
    response = client.post("/api/v1/applications", headers=headers, json={
        "matter": matter, "phone": "13800000000", "mailing_address": ADDRESS})
    assert response.status_code == 201, response.json
    return response.json["number"]


def application(database, number: str) -> Application:
    """The application as it is now stored (requests commit in their own sessions)."""
    database.session.expire_all()
    return database.session.scalar(sa.select(Application).where(Application.number == number))


def state_of(database, number: str) -> State:
    return application(database, number).state


@pytest.fixture
def police(app):
    department = Department(app, "police_records")
    yield department
    department.come_back()


@pytest.fixture
def in_review(client, police):
    """A driver certificate application sent to review because the police did not answer."""
    police.go_down()
    driver = eligible_driver()
    return driver, apply(client, driver)
