"""Companies sign in as companies: the assertion names the legal person and who acts for it."""

from tests.factories import citizen_token, id_number
from tests.platforms.companies import company, new_uscc, sign_in


def test_a_company_sign_in_shows_the_company_and_the_acting_person_masked(client):
    uscc = new_uscc()
    headers = sign_in(client, uscc, "厦门示例出行有限公司", acting="350203199001010114")
    me = client.get("/api/v1/me", headers=headers).json
    assert me["company"] == {"uscc": uscc, "name": "厦门示例出行有限公司"}
    assert me["name"] == "林经办"
    assert me["id_number_masked"] == "350***********0114"


def test_a_person_sign_in_is_unchanged_and_has_no_company(client):
    _, headers = citizen_token(client, id_number(), "陈个人")
    me = client.get("/api/v1/me", headers=headers).json
    assert "company" not in me and me["name"] == "陈个人"


def test_a_bad_credit_code_is_refused_naming_the_field(client):
    response = client.post("/dev/idp/token", json={
        "uscc": "91350203MA31ABCD2X", "company_name": "某公司", "id_number": id_number(),
        "name": "林经办"})
    assert response.status_code == 422
    assert "统一社会信用代码" in response.json["errors"]["json"]["uscc"][0]


def test_a_company_sign_in_needs_the_name_with_the_code(client):
    response = client.post("/dev/idp/token", json={
        "uscc": new_uscc(), "id_number": id_number(), "name": "林经办"})
    assert response.status_code == 422
    assert "company_name" in response.json["errors"]["json"]


def test_a_person_cannot_apply_for_a_company_matter_nor_a_company_for_a_person_s(client):
    _, person = citizen_token(client, id_number(), "陈个人")
    response = client.post("/api/v1/applications", json={"matter": "platform-licence-issue"},
                           headers=person)
    assert response.status_code == 403
    assert "企业" in response.json["message"]
    the = company(client)
    response = client.post("/api/v1/applications", json={"matter": "driver-cert-issue"},
                           headers=the.headers)
    assert response.status_code == 403


def test_uploading_needs_a_company_sign_in(client):
    from tests.platforms.companies import upload

    _, person = citizen_token(client, id_number(), "陈个人")
    assert upload(client, person).status_code == 403
