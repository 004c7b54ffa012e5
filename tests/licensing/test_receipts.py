"""A receipt's progress page: opened only with the receipt's token, nothing personal on it."""

from backend.licensing.operations import by_number
from backend.licensing.receipts import follow_token, qr_svg, receipt
from tests.drivers.helpers import apply, make_driver


def test_the_progress_page_needs_the_receipts_token_and_shows_nothing_personal(client, app):
    number, headers = make_driver(client, name="陈回执")
    application = apply(client, headers).json["number"]
    with app.test_request_context():
        url = receipt(by_number(application))["follow_url"]
        token = follow_token(application)
    assert url.endswith(f"/follow/{application}?t={token}")
    page = client.get(f"/follow/{application}?t={token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert application in text and "资格审核通过，待考试" in text and "12328" in text
    assert "陈回执" not in text and number not in text and number[-4:] not in text
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get(f"/follow/{application}").status_code == 404
    assert client.get(f"/follow/{application}?t={token[:-1]}x").status_code == 404
    other = application[:-1] + ("1" if application[-1] != "1" else "2")
    assert client.get(f"/follow/{other}?t={token}").status_code == 404


def test_the_receipt_qr_is_an_svg_of_the_link():
    svg = qr_svg("https://example.org/follow/XM-WYC-20261206-000001?t=abc")
    assert svg.startswith("<svg") and svg.count("h") > 50
