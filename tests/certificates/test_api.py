"""The holder's certificates in the app: the list, the PDF download, and what its QR code says."""

from __future__ import annotations

import json

from backend.certificates.operations import certificate_view
from tests.certificates.holders import (
    NAME,
    cancel,
    download,
    driver_with_certificate,
    pdf_fonts,
    scanned_url,
    token_of,
    verify_offline,
    verify_online,
)
from tests.certificates.test_render import page_text
from tests.drivers.helpers import make_driver


def test_downloaded_pdf_embeds_its_font_and_its_qr_verifies_online_and_offline(client, tmp_path):
    id_number, headers, certificate = driver_with_certificate(client)

    response = download(client, headers, certificate)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert pdf_fonts(pdf) and all(line.split()[-5] == "yes" for line in pdf_fonts(pdf))
    text = page_text(pdf)
    assert "网络预约出租汽车驾驶员证" in text and NAME in text and id_number in text
    url = scanned_url(pdf)
    assert url == certificate_view(certificate).qr_text
    assert url.startswith("http://127.0.0.1:5000/v/")  # PUBLIC_BASE_URL
    online = verify_online(client, token_of(url))
    assert (online["valid"], online["status"], online["reason"]) == (True, "valid", None)
    offline = verify_offline(client, url, tmp_path)
    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout)["result"] == "valid"


def test_list_shows_my_certificates_newest_first_with_masked_number(client):
    id_number, headers, certificate = driver_with_certificate(client)

    items = client.get("/api/v1/certificates", headers=headers).json["items"]

    assert [c["id"] for c in items] == [certificate.id]
    mine = items[0]
    assert (mine["kind"], mine["status"], mine["version"]) == ("driver", "valid", 1)
    assert mine["title"] == "网络预约出租汽车驾驶员证"
    assert mine["number_masked"] == id_number[:3] + "*" * 11 + id_number[-4:]
    assert id_number not in json.dumps(items)
    assert mine["pdf_url"] == f"/api/v1/certificates/{certificate.id}/pdf"
    assert mine["verification_url"].startswith("http://127.0.0.1:5000/v/")


def test_another_persons_certificate_is_404_and_nobody_signed_in_is_401(client):
    _, _, certificate = driver_with_certificate(client)
    _, other = make_driver(client, name="林别人")

    assert download(client, other, certificate).status_code == 404
    assert download(client, other, certificate).json["code"] == 404
    assert client.get("/api/v1/certificates", headers=other).json["items"] == []
    assert client.get(f"/api/v1/certificates/{certificate.id}/pdf").status_code == 401
    assert client.get("/api/v1/certificates/999999/pdf", headers=other).status_code == 404


def test_a_cancelled_certificate_is_listed_but_not_downloadable(client):
    _, headers, certificate = driver_with_certificate(client)
    cancel(client, headers)

    response = download(client, headers, certificate)
    listed = client.get("/api/v1/certificates", headers=headers).json["items"][0]

    assert response.status_code == 409 and response.json["status"] == "cancelled"
    assert (listed["status"], listed["pdf_url"], listed["verification_url"]) == (
        "cancelled", None, None)


def test_openapi_documents_the_certificate_and_verification_paths(client):
    paths = client.get("/api/openapi.json").json["paths"]

    pdf = paths["/api/v1/certificates/{certificate_id}/pdf"]["get"]["responses"]
    assert "application/pdf" in pdf["200"]["content"]
    assert {"401", "404", "409"} <= set(pdf)
    verify = paths["/api/v1/verify/{token}"]["get"]["responses"]["200"]["content"]
    properties = verify["application/json"]["schema"]
    assert properties  # a reference to the Verification schema
    assert "/api/v1/certificates" in paths
