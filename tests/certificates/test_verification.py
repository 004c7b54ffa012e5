"""Checking a scanned certificate code: the JSON answer, the public page, the published keys."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
import sys

import pytest
import sqlalchemy as sa
from jwt.api_jws import PyJWS

from backend.certificates import operations
from backend.certificates.keys import current_signer
from backend.certificates.models import Certificate, Kind, Status
from backend.certificates.tokens import sign_certificate_claims
from backend.db import db
from backend.identity.models import Person
from tests.certificates.holders import (
    NAME,
    REPO,
    cancel,
    driver_with_certificate,
    renew,
    token_of,
    verify_offline,
    verify_online,
)
from tests.factories import id_number

FIELDS = {"valid", "status", "kind", "number_masked", "holder_masked", "valid_from",
          "valid_until", "reason"}


def token(certificate: Certificate) -> str:
    return token_of(operations.certificate_view(certificate).qr_text)


def flipped(text: str, position: int) -> str:
    return text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1:]


def test_genuine_certificate_is_valid_with_masked_holder_and_number(client):
    number, _, certificate = driver_with_certificate(client)

    answer = verify_online(client, token(certificate))

    assert set(answer) >= FIELDS
    assert answer["valid"] is True and answer["reason"] is None
    assert (answer["kind"], answer["status"]) == ("driver", "valid")
    assert answer["number_masked"] == number[0] + "*" * 16 + number[-1]
    assert answer["holder_masked"] == "陈*试"
    assert answer["valid_from"] == certificate.valid_from.isoformat()
    assert answer["valid_until"] == certificate.valid_until.isoformat()


def test_one_changed_character_of_the_signature_is_bad_signature(client):
    _, _, certificate = driver_with_certificate(client)
    head, signature = token(certificate).rsplit(".", 1)

    answer = verify_online(client, f"{head}.{flipped(signature, 10)}")

    assert (answer["valid"], answer["reason"]) == (False, "bad_signature")
    assert answer["number_masked"] is None and answer["holder_masked"] is None


def test_one_changed_character_of_the_claims_is_refused(client):
    _, _, certificate = driver_with_certificate(client)
    header, payload, signature = token(certificate).split(".")

    answer = verify_online(client, f"{header}.{flipped(payload, 20)}.{signature}")

    assert answer["valid"] is False
    assert answer["reason"] in {"bad_signature", "malformed"}
    assert answer["kind"] is None


def test_garbled_text_is_malformed(client):
    answer = verify_online(client, "not-a-certificate-code")

    assert (answer["valid"], answer["reason"], answer["status"]) == (False, "malformed", None)


def test_a_key_the_bureau_never_published_is_unknown_key(client, tmp_path):
    _, _, certificate = driver_with_certificate(client)
    forged = sign_certificate_claims(
        current_signer(tmp_path / "someone-else"), kind="driver", number=certificate.number,
        version=certificate.version, holder_name=NAME, valid_from=certificate.valid_from,
        valid_until=certificate.valid_until, issued_at=certificate.issued_at,
        register_id=certificate.id)

    answer = verify_online(client, forged)

    assert (answer["valid"], answer["reason"]) == (False, "unknown_key")
    assert verify_offline(client, forged, tmp_path).stderr.startswith("unknown_key:")


def test_cancelled_certificate_reads_cancelled_online_though_its_signature_is_genuine(
        client, tmp_path):
    _, headers, certificate = driver_with_certificate(client)
    code = token(certificate)
    cancel(client, headers)

    answer = verify_online(client, code)

    assert (answer["valid"], answer["status"], answer["reason"]) == (False, "cancelled",
                                                                     "cancelled")
    # Offline there is no register: the signature and the dates still check out.
    assert verify_offline(client, code, tmp_path).returncode == 0


def test_replaced_certificate_reads_replaced_and_the_new_version_valid(client):
    _, headers, old = driver_with_certificate(client)
    old_code = token(old)
    renew(client, headers)
    new = db.session.scalar(sa.select(Certificate).where(Certificate.previous_id == old.id))

    assert verify_online(client, old_code)["reason"] == "replaced"
    assert verify_online(client, token(new))["valid"] is True


def test_revoked_certificate_reads_revoked(client):
    _, _, certificate = driver_with_certificate(client)
    code = token(certificate)
    operations.set_status(certificate, Status.REVOKED, actor="test", reason="公安通报")

    answer = verify_online(client, code)

    assert (answer["valid"], answer["status"], answer["reason"]) == (False, "revoked", "revoked")


def holder(name: str = "王五") -> Person:
    person = Person(id_number=id_number(dt.date(1985, 5, 5)), name=name)
    db.session.add(person)
    db.session.flush()
    return person


@pytest.mark.usefixtures("database")
def test_certificate_past_its_end_date_reads_expired(client):
    certificate = operations.issue(
        kind=Kind.DRIVER, number="350203198505050011", holder=holder(), actor="test",
        valid_from=dt.date(2018, 1, 1), valid_until=dt.date(2024, 1, 1))

    answer = verify_online(client, token(certificate))

    assert (answer["valid"], answer["status"], answer["reason"]) == (False, "expired", "expired")
    assert answer["valid_until"] == "2024-01-01"


@pytest.mark.usefixtures("database")
def test_genuine_code_of_a_certificate_not_in_the_register_is_unknown_certificate(client):
    certificate = operations.issue(
        kind=Kind.DRIVER, number="350203198505050022", holder=holder(), actor="test",
        valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2099, 1, 1))
    code = token(certificate)
    certificate.version = 7  # the register no longer has the version the code names
    db.session.flush()

    assert verify_online(client, code)["reason"] == "unknown_certificate"


@pytest.mark.usefixtures("database")
def test_transport_certificate_shows_the_plate_and_no_owner(client):
    certificate = operations.issue(
        kind=Kind.TRANSPORT, number="闽交运管许可厦字350200000001号", holder=holder("赵大车主"),
        actor="test", valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2099, 1, 1),
        plate="闽D12345")

    answer = verify_online(client, token(certificate))

    assert answer["valid"] is True
    assert (answer["plate"], answer["holder_masked"]) == ("闽D12345", None)
    assert answer["number_masked"] == "闽交运管许可厦字350200000001号"


def test_page_shows_the_verdict_in_chinese_and_english_with_masked_data_only(client):
    number, _, certificate = driver_with_certificate(client)

    response = client.get(f"/v/{token(certificate)}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert "证件有效" in html and "Valid" in html
    assert "网络预约出租汽车驾驶员证" in html and "陈*试" in html
    assert number[0] + "*" * 16 + number[-1] in html
    assert number not in html and NAME not in html
    assert 'name="viewport"' in html


def test_page_of_a_revoked_certificate_says_not_valid_and_why(client):
    _, _, certificate = driver_with_certificate(client)
    operations.set_status(certificate, Status.REVOKED, actor="test", reason="公安通报")

    html = client.get(f"/v/{token(certificate)}").get_data(as_text=True)

    assert "证件无效" in html and "已吊销" in html and "revoked" in html


def test_page_of_a_garbled_code_shows_no_certificate_data(client):
    response = client.get("/v/garbled")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "证件无效" in html and "malformed" in html
    assert 'class="facts"' not in html and "有效期限" not in html


def test_published_keys_are_public_only_and_keep_the_old_key_after_rotation(client, cli):
    _, _, certificate = driver_with_certificate(client)
    code = token(certificate)

    result = cli.invoke(args=["keys", "rotate"])
    keys = client.get("/.well-known/certificate-keys")

    assert result.exit_code == 0, result.output
    new_kid = re.search(r"new signing key (\w+)", result.output).group(1)
    published = keys.json["keys"]
    assert keys.mimetype == "application/json"
    assert published[0]["kid"] == new_kid and len(published) >= 2
    assert all(set(k) == {"kid", "kty", "crv", "x", "alg", "use"} for k in published)
    assert verify_online(client, code)["valid"] is True  # signed with the older key
    assert token_of(operations.certificate_view(certificate).qr_text) != code


def test_exported_key_set_is_what_an_offline_verifier_needs(client, cli, tmp_path):
    _, _, certificate = driver_with_certificate(client)
    exported = tmp_path / "exported.json"

    assert cli.invoke(args=["keys", "export", str(exported)]).exit_code == 0
    result = subprocess.run(
        [sys.executable, "-m", "backend.certificates.offline", operations.certificate_view(certificate).qr_text,
         "--keys", str(exported)], capture_output=True, text=True, cwd=REPO, timeout=60)

    assert result.returncode == 0, result.stderr
    assert json.loads(exported.read_text()) == client.get("/.well-known/certificate-keys").json
    assert "PRIVATE" not in exported.read_text()


def _claims_of(code: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(code.split(".")[1] + "=="))


def legacy_token(certificate: Certificate) -> str:
    """The certificate's code as the bureau signed it before ID numbers left the QR code."""
    signer = operations.current_signer_for_app()
    claims = {**_claims_of(token(certificate)), "n": certificate.number}
    del claims["m"], claims["c"]
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    return PyJWS(algorithms=["EdDSA"]).encode(payload, signer.private_key, algorithm="EdDSA",
                                               headers={"kid": signer.kid, "typ": None})


def test_a_scanned_driver_code_reveals_no_full_id_number(client):
    number, _, certificate = driver_with_certificate(client)

    code = token(certificate)

    assert number not in base64.urlsafe_b64decode(code.split(".")[1] + "==").decode()
    assert number[1:-1] not in json.dumps(_claims_of(code))
    assert verify_online(client, code)["valid"] is True


def test_a_driver_code_in_the_old_format_still_verifies_online_and_offline(client, tmp_path):
    number, _, certificate = driver_with_certificate(client)
    old = legacy_token(certificate)
    assert _claims_of(old)["n"] == number  # (what the old codes exposed)

    answer = verify_online(client, old)
    offline = verify_offline(client, old, tmp_path)

    assert (answer["valid"], answer["number_masked"]) == (True, number[0] + "*" * 16 + number[-1])
    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout)["number"] == number[0] + "*" * 16 + number[-1]


def test_a_new_driver_code_verifies_offline_showing_the_masked_number(client, tmp_path):
    number, _, certificate = driver_with_certificate(client)

    offline = verify_offline(client, token(certificate), tmp_path)

    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout)["number"] == number[0] + "*" * 16 + number[-1]
    assert number not in offline.stdout


@pytest.mark.usefixtures("database")
def test_a_genuine_code_whose_register_id_names_another_certificate_is_unknown(client):
    first = operations.issue(
        kind=Kind.DRIVER, number="350203198505050033", holder=holder(), actor="test",
        valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2099, 1, 1))
    code = token(first)
    first.number = "450203198505050044"  # the register's row now holds someone else's number
    db.session.flush()

    assert verify_online(client, code)["reason"] == "unknown_certificate"
