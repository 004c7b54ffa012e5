"""Offline verifiers learn suspensions and revocations from the signed, short-lived list at
``/.well-known/certificate-revocations`` (``python -m backend.verify --revocations FILE``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from backend.certificates.keys import current_signer
from backend.certificates.revocations import read_list, sign_list
from tests.alerts.helpers import alert, post
from tests.certificates.holders import driver_with_certificate, token_of

REPO = Path(__file__).resolve().parents[2]


def offline(token: str, *arguments) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "backend.verify", token, *map(str, arguments)],
                          capture_output=True, text=True, cwd=REPO, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def test_an_offline_verifier_with_the_list_refuses_a_suspended_certificate(
        client, police, tmp_path, app):
    number, headers, certificate = driver_with_certificate(client)
    token = token_of(client.get("/api/v1/certificates", headers=headers).json["items"][0]
                     ["verification_url"])
    keys = tmp_path / "certificate-keys.json"
    keys.write_text(json.dumps(client.get("/.well-known/certificate-keys").json))
    before = tmp_path / "before.jws"
    before.write_bytes(client.get("/.well-known/certificate-revocations").data)
    assert offline(token, "--keys", keys, "--revocations", before).returncode == 0

    assert post(client, police.sign(alert(number))).status_code == 201
    response = client.get("/.well-known/certificate-revocations")
    assert response.headers["Content-Type"] == "application/jose"
    listed = tmp_path / "revocations.jws"
    listed.write_bytes(response.data)
    payload = read_list(response.data.decode(), json.loads(keys.read_text()), now=datetime.now(UTC))
    assert payload["exp"] - payload["iat"] == app.config["REVOCATION_LIST_TTL_SECONDS"]
    assert number not in response.data.decode()  # drivers by register id, never the ID number

    refused = offline(token, "--keys", keys, "--revocations", listed)
    assert refused.returncode == 1 and refused.stderr.startswith("suspended")
    assert offline(token, "--keys", keys).returncode == 0  # without the list it cannot know


def test_a_stale_or_forged_list_is_not_used(client, tmp_path, app):
    _, headers, _ = driver_with_certificate(client)
    token = token_of(client.get("/api/v1/certificates", headers=headers).json["items"][0]
                     ["verification_url"])
    keys = tmp_path / "certificate-keys.json"
    keys.write_text(json.dumps(client.get("/.well-known/certificate-keys").json))
    signer = current_signer(app.config["SIGNING_KEYS_DIR"])
    stale = tmp_path / "stale.jws"
    stale.write_text(sign_list(signer, [], issued_at=int(time.time()) - 7200, ttl=3600))
    result = offline(token, "--keys", keys, "--revocations", stale)
    assert result.returncode == 2 and "expired" in result.stderr

    forged = tmp_path / "forged.jws"
    header, payload, signature = client.get("/.well-known/certificate-revocations").data \
        .decode().split(".")
    forged.write_text(f"{header}.{payload[:-2]}AA.{signature}")
    assert offline(token, "--keys", keys, "--revocations", forged).returncode == 2
