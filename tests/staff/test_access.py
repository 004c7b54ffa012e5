"""Who may open what: sign-in required, roles enforced with 403, CSRF tokens required."""

import pytest

from backend.licensing.models import State
from backend.staff.models import Role
from backend.staff.operations import create_staff
from tests.harness import STAFF_PASSWORD as PASSWORD
from tests.harness import post
from tests.staff.conftest import state_of


@pytest.mark.parametrize("path", ["/console/review", "/console/exams",
                                  "/console/applications/XM-WYC-20261130-000001"])
def test_unauthenticated_pages_redirect_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]


def test_signing_in_returns_to_the_page_asked_for(client, database):
    create_staff("returning", Role.CLERK, PASSWORD, actor="test")
    login_page = client.get("/console/review").headers["Location"]
    response = post(client, login_page, {"username": "returning", "password": PASSWORD})
    assert response.headers["Location"] == "/console/review"


@pytest.mark.parametrize(("role", "path"), [
    (Role.CLERK, "/console/exams"),
    (Role.EXAMINER, "/console/review"),
    (Role.MAILROOM, "/console/review"),
    (Role.MAILROOM, "/console/applications/XM-WYC-20261130-000001"),
])
def test_a_wrong_role_gets_a_403_page(client, sign_in, role, path):
    sign_in(role)
    response = client.get(path)
    assert response.status_code == 403
    assert response.mimetype == "text/html" and "没有办理此操作的权限" in response.get_data(as_text=True)


def test_an_examiner_may_read_but_not_decide(client, sign_in, in_review, database):
    _, number = in_review
    sign_in(Role.EXAMINER)
    page = client.get(f"/console/applications/{number}").get_data(as_text=True)
    assert number in page and "批准" not in page
    assert post(client, f"/console/applications/{number}/decision",
                {"decision": "approve", "reason": "越权"}).status_code == 403
    assert post(client, f"/console/applications/{number}/recheck").status_code == 403
    assert state_of(database, number) == State.AWAITING_REVIEW


def test_an_admin_may_open_every_page(client, sign_in):
    sign_in(Role.ADMIN)
    assert client.get("/console/review").status_code == 200
    assert client.get("/console/exams").status_code == 200


def test_navigation_shows_the_links_of_ones_role(client, sign_in):
    sign_in(Role.CLERK)
    page = client.get("/console/").get_data(as_text=True)
    assert "/console/review" in page and "/console/exams" not in page


def test_a_decision_without_csrf_token_is_refused(client, sign_in, in_review, database):
    _, number = in_review
    sign_in(Role.CLERK)
    response = client.post(f"/console/applications/{number}/decision",
                           data={"decision": "reject", "reason": "无令牌"})
    assert response.status_code == 400
    assert state_of(database, number) == State.AWAITING_REVIEW


def test_an_unknown_application_number_is_a_404_page(client, sign_in):
    sign_in(Role.CLERK)
    response = client.get("/console/applications/XM-WYC-20000101-999999")
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "未找到办件" in response.get_data(as_text=True)


def test_lookup_by_number_opens_the_application(client, sign_in, in_review):
    _, number = in_review
    sign_in(Role.EXAMINER)
    response = client.get("/console/applications", query_string={"number": f" {number} "})
    assert response.headers["Location"].endswith(f"/console/applications/{number}")
