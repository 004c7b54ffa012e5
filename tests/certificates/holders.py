"""Test helpers: a driver holding an issued certificate (through the real flow), and the tools
a reader, a phone and an inspector use on its PDF."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from backend.certificates.models import Certificate
from backend.db import db
from tests.certificates.test_render import run, scanned_codes
from tests.drivers.helpers import apply, make_driver
from tests.drivers.test_flows import issue_certificate
from tests.factories import near_expiry

REPO = Path(__file__).resolve().parents[2]
NAME = "陈测试"


def driver_with_certificate(client, name: str = NAME, *,
                            days_left: int | None = 60) -> tuple[str, dict, Certificate]:
    """A driver who applied in the app and passed both exams: (ID number, headers, certificate).
    The certificate ends in ``days_left`` days (renewal is open), or is new with ``None``."""
    id_number, headers = make_driver(client, name=name)
    application = issue_certificate(client, headers)
    certificate = db.session.get(Certificate, application.certificate_id)
    if days_left is not None:
        near_expiry(certificate, days_left)
    return id_number, headers, certificate


def renew(client, headers) -> None:
    assert apply(client, headers, matter="driver-cert-renew").json["status"] == "issued"


def cancel(client, headers) -> None:
    assert apply(client, headers, matter="driver-cert-cancel").json["status"] == "approved"


def download(client, headers, certificate: Certificate):
    return client.get(f"/api/v1/certificates/{certificate.id}/pdf", headers=headers)


def scanned_url(pdf: bytes, page: int = 1) -> str:
    """The QR code's text, read from the page rendered as a printer would (200 dpi)."""
    codes = [c for c in scanned_codes(pdf, page) if c.startswith("QR-Code:")]
    assert len(codes) == 1, codes
    return codes[0].removeprefix("QR-Code:")


def token_of(url: str) -> str:
    return url.rsplit("/v/", 1)[1]


def verify_online(client, token: str) -> dict:
    response = client.get(f"/api/v1/verify/{token}")
    assert response.status_code == 200
    return response.json


def verify_offline(client, token: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``python -m backend.certificates.offline`` with the key set downloaded from the service."""
    keys = tmp_path / "certificate-keys.json"
    keys.write_text(json.dumps(client.get("/.well-known/certificate-keys").json))
    return subprocess.run(
        [sys.executable, "-m", "backend.certificates.offline", token, "--keys", str(keys)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)})


def pdf_fonts(pdf: bytes) -> list[str]:
    return run("pdffonts", "-", stdin=pdf).splitlines()[2:]


def page_count(pdf_path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in info.stdout.splitlines()
                    if line.startswith("Pages:")))
