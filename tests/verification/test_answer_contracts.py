"""A department answering outside its contract loses nothing: the answer is a fault like a
timeout, the checks that needed it are unknown, the application goes to review, and the query
log keeps the hash of what was received."""

import hashlib

import pytest
import sqlalchemy as sa

from backend.demo import DEMO_DRIVERS, load_demo_data
from backend.platforms.demo import COMPANIES as PLATFORM_COMPANIES
from backend.platforms.sources import company_question, credit_question
from backend.vehicles.demo import VEHICLES
from backend.vehicles.sources import vehicle_questions
from backend.verification.models import SourceQuery
from backend.verification.sources import (
    ANSWER_SCHEMAS,
    MIRROR_OPERATIONS,
    AnswerInvalid,
    MirrorSource,
    Question,
    answer_data,
)
from tests.drivers.helpers import apply, make_driver
from tests.stub_department import StubDepartment, body_bytes

BAD_BODIES = [
    {"data": "garbage"}, [{"foo": 1}], 5, {"category": "drink_driving"}, {"data": None},
    {"data": [{"foo": 1}]}, {"data": 5}, {"data": {"category": "drink_driving"}},
    {"answer": []}, b"<html>502 Bad Gateway</html>",
]
# source -> (its operation, the driver checks that read it)
DRIVER_SOURCES = {
    "police_records": ("records", {"drv.criminal", "drv.drugs_dui"}),
    "driving_licence": ("licence", {"drv.licence_valid", "drv.experience", "drv.points"}),
}


@pytest.fixture(params=sorted(DRIVER_SOURCES))
def over_http(request, app):
    """One driver source asked over HTTP from a stub department; the mirror again afterwards."""
    saved = dict(app.config["SOURCE_URLS"])
    with StubDepartment() as department:
        app.config["SOURCE_URLS"] = {**saved, request.param: department.url}
        app.extensions.pop("sources", None)  # (a fresh circuit breaker per test)
        yield request.param, department
    app.config["SOURCE_URLS"] = saved
    app.extensions.pop("sources", None)


@pytest.mark.parametrize("body", BAD_BODIES, ids=repr)
def test_an_answer_out_of_contract_sends_the_application_to_review(client, database, over_http,
                                                                    body):
    source, department = over_http
    operation, rules = DRIVER_SOURCES[source]
    id_number, headers = make_driver(client)
    department.bodies[(operation, id_number)] = body

    response = apply(client, headers)

    assert response.status_code == 201, response.json
    assert response.json["status"] == "awaiting_review"
    assert {c["rule"] for c in response.json["checks"] if c["outcome"] == "unknown"} == rules
    mine = client.get("/api/v1/applications", headers=headers).json["items"]
    assert [a["number"] for a in mine] == [response.json["number"]]
    logged = database.session.scalars(sa.select(SourceQuery).where(
        SourceQuery.purpose == response.json["number"], SourceQuery.source == source)).one()
    assert logged.outcome == "invalid"
    assert logged.response_hash == hashlib.sha256(body_bytes(body)).hexdigest()


def test_an_answer_in_contract_over_http_decides_normally(client, over_http):
    source, department = over_http
    operation, _rules = DRIVER_SOURCES[source]
    id_number, headers = make_driver(client)
    department.records[(operation, id_number)] = {
        "police_records": [{"category": "drink_driving", "recorded_on": "2023-03-15"}],
        "driving_licence": {"licence_class": "C1", "first_issued_on": "2015-05-01",
                            "status": "revoked", "valid_until": "2031-05-01", "cycles": []},
    }[source]
    response = apply(client, headers)
    assert response.json["status"] == "rejected"
    assert {c["rule"] for c in response.json["checks"] if c["outcome"] == "fail"} \
        == {"police_records": {"drv.drugs_dui"}, "driving_licence": {"drv.licence_valid"}}[source]


@pytest.mark.parametrize("key", sorted(ANSWER_SCHEMAS))
@pytest.mark.parametrize("data", [None, "garbage", 5, [{"foo": 1}], {"foo": 1}, [], {}])
def test_every_operation_refuses_answers_of_the_wrong_shape(key, data):
    if data == [] and ANSWER_SCHEMAS[key].many:
        return  # an empty list is a lawful answer of a list ("no records")
    with pytest.raises(AnswerInvalid):
        answer_data(key, body_bytes({"data": data}))


def test_every_operation_has_a_contract():
    assert set(ANSWER_SCHEMAS) == set(MIRROR_OPERATIONS)


def test_what_the_mirrors_answer_fits_the_contracts(database):
    """The contracts are the sources' real shapes: every demo person's, company's and
    vehicle's mirror answers fit them (so a department answering as our mirrors do is never
    refused)."""
    load_demo_data()
    found = [(q.key, data) for q in demo_questions()
             if (data := MirrorSource(q.source).ask(q))]
    assert {key for key, _data in found} == set(ANSWER_SCHEMAS)
    assert [(key, errors) for key, data in found
            if (errors := ANSWER_SCHEMAS[key].validate(data))] == []


def demo_questions() -> list[Question]:
    people = [Question(source, operation, {"id_number": number})
              for _name, number, *_rest in DEMO_DRIVERS
              for source, operation in (("identity", "person"), ("identity", "photo"),
                                        ("police_records", "records"),
                                        ("police_alerts", "alerts"),
                                        ("driving_licence", "licence"),
                                        ("residence_permit", "permit"))]
    companies = [q for uscc, *_rest in PLATFORM_COMPANIES
                 for q in (company_question(uscc), credit_question(uscc))]
    return people + companies + [q for plate, _spec, platform, *_rest in VEHICLES
                                 for q in vehicle_questions(plate, platform)]
