"""``python -m backend.certificates.offline``: an inspector's offline check of a scanned certificate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from backend.certificates.keys import current_signer, public_keyset
from backend.certificates.tokens import sign_certificate_claims, verification_url

REPO = Path(__file__).resolve().parents[1]
BASE_URL = "https://wyc.jtj.xm.gov.cn"


def sign(keys_dir: Path, valid_until: date = date(2099, 12, 31)) -> str:
    return sign_certificate_claims(
        current_signer(keys_dir),
        kind="transport",
        number="350200123456",
        holder_name="陈大文",
        plate="闽D12345",
        valid_from=date(2020, 1, 1),
        valid_until=valid_until,
        issued_at=datetime(2020, 1, 1, tzinfo=UTC),
    )


def published_keys(keys_dir: Path, where: Path) -> Path:
    """The JSON an inspector downloaded from /.well-known/certificate-keys."""
    current_signer(keys_dir)  # the bureau's key exists before anything is published
    where.write_text(json.dumps(public_keyset(keys_dir)), encoding="utf-8")
    return where


def verify(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "backend.certificates.offline", *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=60,
    )


@pytest.fixture
def keys_file(tmp_path) -> Path:
    return published_keys(tmp_path / "keys", tmp_path / "certificate-keys.json")


def test_genuine_token_exits_0_and_prints_its_claims(tmp_path, keys_file):
    result = verify(sign(tmp_path / "keys"), "--keys", keys_file)

    assert result.returncode == 0, result.stderr
    claims = json.loads(result.stdout)
    assert claims["result"] == "valid"
    assert claims["title"] == "网络预约出租汽车运输证"
    assert (claims["holder"], claims["plate"]) == ("陈*文", "闽D12345")
    assert claims["valid_until"] == "2099-12-31"


def test_scanned_qr_text_is_accepted_whole(tmp_path, keys_file):
    qr_text = verification_url(BASE_URL, sign(tmp_path / "keys"))

    assert verify(qr_text, "--keys", keys_file).returncode == 0


def test_tampered_token_exits_1_with_bad_signature(tmp_path, keys_file):
    token = sign(tmp_path / "keys")
    head, signature = token.rsplit(".", 1)
    tampered = f"{head}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}"

    result = verify(tampered, "--keys", keys_file)

    assert result.returncode == 1
    assert result.stderr.startswith("bad_signature:")
    assert result.stdout == ""


def test_expired_certificate_exits_1_with_expired(tmp_path, keys_file):
    result = verify(sign(tmp_path / "keys", valid_until=date(2021, 1, 1)), "--keys", keys_file)

    assert result.returncode == 1
    assert result.stderr.startswith("expired:")


def test_checking_on_a_given_day(tmp_path, keys_file):
    token = sign(tmp_path / "keys", valid_until=date(2021, 1, 1))

    assert verify(token, "--keys", keys_file, "--today", "2020-06-01").returncode == 0


def test_token_from_another_issuer_exits_1_with_unknown_key(tmp_path, keys_file):
    result = verify(sign(tmp_path / "someone-else"), "--keys", keys_file)

    assert result.returncode == 1
    assert result.stderr.startswith("unknown_key:")


def test_text_that_is_not_a_token_exits_1_with_malformed(keys_file):
    result = verify("https://example.org/hello", "--keys", keys_file)

    assert result.returncode == 1
    assert result.stderr.startswith("malformed:")


def test_unreadable_key_file_exits_2(tmp_path):
    result = verify("a.b.c", "--keys", tmp_path / "missing.json")

    assert result.returncode == 2
    assert "missing.json" in result.stderr
