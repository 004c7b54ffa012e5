"""好差评 in the app: one rating per finished application, and a 差评 followed to closure."""

import pytest

from backend.ratings.models import BadReviewFollowUp, ServiceRating
from backend.staff.models import Role
from tests.drivers.helpers import apply, make_driver
from tests.harness import post, sign_in_as


@pytest.fixture
def finished(client, database):
    """A driver-certificate application decided at once (refused: the driving licence was
    revoked), so finished and open to rating: (number, headers)."""
    _, headers = make_driver(client, driving_licence=[{
        "licence_class": "C1", "first_issued_on": "2015-05-01", "status": "revoked",
        "valid_until": "2031-05-01", "cycles": []}])
    response = apply(client, headers)
    assert response.status_code == 201 and response.json["status"] == "rejected"
    return response.json["number"], headers


def test_a_finished_application_is_rated_once(client, finished):
    number, headers = finished
    first = client.post(f"/api/v1/applications/{number}/rating",
                        json={"level": 5, "items": ["efficiency", "convenience"]}, headers=headers)
    assert first.status_code == 201
    assert (first.json["label"], first.json["follow_up"]) == ("非常满意", None)
    again = client.post(f"/api/v1/applications/{number}/rating", json={"level": 4}, headers=headers)
    assert again.status_code == 409
    assert [r["level"] for r in client.get("/api/v1/ratings", headers=headers).json["items"]] == [5]


def test_nobody_rates_anothers_application_and_an_open_one_waits(client, database, finished):
    number, _ = finished
    _, stranger = make_driver(client, name="林陌生")
    assert client.post(f"/api/v1/applications/{number}/rating", json={"level": 1},
                       headers=stranger).status_code == 404
    from backend.licensing.models import State
    from backend.licensing.operations import by_number
    by_number(number).state = State.AWAITING_REVIEW
    _, headers = finished
    waiting = client.post(f"/api/v1/applications/{number}/rating", json={"level": 1}, headers=headers)
    assert waiting.status_code == 409 and "办结后" in waiting.json["message"]
    assert database.session.query(ServiceRating).count() == 0


@pytest.mark.parametrize("body, field", [
    ({"level": 6}, "level"), ({"level": "5"}, "level"), ({"level": 2, "items": ["attitude"]}, "items"),
    ({"level": 2, "comment": "坏\x00"}, "comment"),
])
def test_a_bad_rating_request_is_refused_naming_the_field(client, database, finished, body, field):
    number, headers = finished
    response = client.post(f"/api/v1/applications/{number}/rating", json=body, headers=headers)
    assert response.status_code == 422 and field in response.json["errors"]["json"]
    assert database.session.query(ServiceRating).count() == 0


def test_a_bad_review_is_verified_rectified_called_back_and_closed(client, database, finished):
    number, headers = finished
    rated = client.post(f"/api/v1/applications/{number}/rating",
                        json={"level": 2, "comment": "证件寄得太慢", "items": ["efficiency"]},
                        headers=headers).json
    assert rated["follow_up"]["status"] == "verifying" and rated["follow_up"]["rectify_by"]
    rating_id = rated["id"]
    # Staff follow it up in the console.
    sign_in_as(client, Role.AGENT)
    page = client.get("/console/ratings/").get_data(as_text=True)
    assert number in page and "待核实" in page
    assert post(client, f"/console/ratings/{rating_id}/verify",
                {"text": "邮寄批次延误两天。", "choice": "yes"}).status_code == 302
    assert post(client, f"/console/ratings/{rating_id}/rectify",
                {"text": "寄递改为每日两批。"}).status_code == 302
    # The citizen sees what was done and gives their view in the app.
    mine = client.get("/api/v1/ratings", headers=headers).json["items"][0]["follow_up"]
    assert (mine["status"], mine["rectification"]) == ("calling_back", "寄递改为每日两批。")
    view = client.post(f"/api/v1/ratings/{rating_id}/view",
                       json={"satisfied": True, "note": "现在快多了"}, headers=headers)
    assert view.status_code == 200 and view.json["follow_up"]["status"] == "closed"
    # The rating itself is as given; a second view is refused.
    rating = database.session.get(ServiceRating, rating_id)
    assert (rating.level, rating.comment) == (2, "证件寄得太慢")
    assert client.post(f"/api/v1/ratings/{rating_id}/view", json={"satisfied": False},
                       headers=headers).status_code == 409


def test_an_unfounded_bad_review_skips_rectification_and_is_explained(client, database, finished):
    number, headers = finished
    rating_id = client.post(f"/api/v1/applications/{number}/rating", json={"level": 1},
                            headers=headers).json["id"]
    sign_in_as(client, Role.HANDLER)
    assert post(client, f"/console/ratings/{rating_id}/verify",
                {"text": "按规定需要体检证明，已向申请人解释。", "choice": "no"}).status_code == 302
    follow_up = database.session.query(BadReviewFollowUp).one()
    assert follow_up.state.value == "calling_back" and follow_up.founded is False
    assert post(client, f"/console/ratings/{rating_id}/call-back",
                {"choice": "no", "text": "还是觉得麻烦"}).status_code == 302
    assert (follow_up.state.value, follow_up.citizen_view) == ("closed", "还是觉得麻烦")


def test_staff_have_no_way_to_rate_or_change_a_rating(client, database, finished):
    number, headers = finished
    sign_in_as(client, Role.ADMIN)
    # The console has no rating endpoint, and the app's needs a citizen's token.
    assert client.post(f"/api/v1/applications/{number}/rating", json={"level": 5}).status_code == 401
    assert client.post("/console/ratings/1/edit").status_code in {404, 405}


def test_the_months_published_figures_count_ratings_and_bad_reviews(client, database, finished):
    number, headers = finished
    rating_id = client.post(f"/api/v1/applications/{number}/rating", json={"level": 2},
                            headers=headers).json["id"]
    follow_up = database.session.query(BadReviewFollowUp).one()
    from backend.ratings import operations
    operations.verify(follow_up, "属实", True, actor="staff:agent")
    operations.rectify(follow_up, "已整改", actor="staff:agent")
    database.session.commit()
    from backend.licensing.operations import today
    body = client.get(f"/api/v1/public/service-kpis?month={today():%Y-%m}").json["ratings"]
    assert (body["rated"], body["by_level"]["2"], body["by_channel"]) == (1, 1, {"app": 1})
    assert (body["satisfaction_rate"], body["bad"], body["called_back_rate"]) == (0.0, 1, 0.0)
    assert (body["rectification_rate"], body["rectified_on_time_rate"]) == (1.0, 1.0)
    assert rating_id


def test_every_comment_is_read_by_the_staff_who_follow_ratings_up(client, database, finished):
    number, headers = finished
    client.post(f"/api/v1/applications/{number}/rating", headers=headers, json={
        "level": 3, "comment": "窗口指引不清楚，希望在 App 里写明考试地点。"})
    sign_in_as(client, Role.HANDLER)
    page = client.get("/console/ratings/comments").get_data(as_text=True)
    assert "窗口指引不清楚，希望在 App 里写明考试地点。" in page and number in page
    assert "基本满意" in page and "评价留言" in page
    assert "窗口指引不清楚" not in client.get("/console/ratings/comments?level=5").get_data(as_text=True)
    sign_in_as(client, Role.CLERK)
    assert client.get("/console/ratings/comments").status_code == 403


def test_a_bad_reviews_comment_shows_in_the_follow_up_list(client, database, finished):
    number, headers = finished
    client.post(f"/api/v1/applications/{number}/rating", headers=headers,
                json={"level": 1, "comment": "等了三天没有人回复"})
    sign_in_as(client, Role.AGENT)
    page = client.get("/console/ratings/").get_data(as_text=True)
    assert "等了三天没有人回复" in page
