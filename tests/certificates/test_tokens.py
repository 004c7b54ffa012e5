"""Signed certificate tokens: what an inspector's scan accepts and refuses, and why."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from jwt.api_jws import PyJWS

from backend.certificates.keys import current_signer, public_keyset, rotate
from backend.certificates.qr import choose_version
from backend.certificates.tokens import (
    CHINA_STANDARD_TIME,
    Reason,
    TokenError,
    mask_id_number,
    mask_name,
    sign_certificate_claims,
    token_from_qr_text,
    verification_url,
    verify_token,
)

BASE_URL = "https://wyc.jtj.xm.gov.cn"
VALID_FROM, VALID_UNTIL = date(2024, 3, 1), date(2030, 2, 28)
IN_DATE = date(2025, 6, 1)
NUMBER, MASKED, REGISTER_ID = "350203199001011234", "3****************4", 1207
ISSUED_AT = datetime(2024, 3, 1, 2, 30, tzinfo=UTC)


def driver_token(keys_dir, **overrides) -> str:
    claims = {
        "kind": "driver",
        "number": "350203199001011234",
        "holder_name": "张小三",
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
        "issued_at": ISSUED_AT,
        "register_id": REGISTER_ID,
    }
    return sign_certificate_claims(current_signer(keys_dir), **{**claims, **overrides})


def legacy_driver_token(keys_dir) -> str:
    """A driver token as the bureau signed them before the ID number left the token: the full
    number in ``n``, no register id. Printed certificates still carry these."""
    payload = json.dumps({"k": "d", "n": NUMBER, "v": 1, "h": "张*三", "f": 20240301,
                          "u": 20300228, "i": int(ISSUED_AT.timestamp())},
                         ensure_ascii=False, separators=(",", ":")).encode()
    signer = current_signer(keys_dir)
    return PyJWS(algorithms=["EdDSA"]).encode(payload, signer.private_key, algorithm="EdDSA",
                                               headers={"kid": signer.kid, "typ": None})


def payload_of(token: str) -> str:
    """What anyone who scans the code can read: the payload is signed, not encrypted."""
    return base64.urlsafe_b64decode(token.split(".")[1] + "==").decode("utf-8")


def replace_character(token: str, segment: int, index: int) -> str:
    """Change one character of one dot-separated part, keeping it canonical base64url."""
    parts = token.split(".")
    old = parts[segment][index]
    parts[segment] = (
        parts[segment][:index] + ("B" if old == "A" else "A") + parts[segment][index + 1 :]
    )
    return ".".join(parts)


def reason_for(token: str, keyset: dict, today: date = IN_DATE) -> Reason:
    with pytest.raises(TokenError) as caught:
        verify_token(token, keyset, today=today)
    return caught.value.reason


def test_genuine_token_verifies_with_its_claims(tmp_path):
    token = driver_token(tmp_path)

    claims = verify_token(token, public_keyset(tmp_path), today=IN_DATE)

    assert claims.kind == "driver"
    assert (claims.number, claims.register_id) == (MASKED, REGISTER_ID)
    assert claims.holder == "张*三"
    assert (claims.valid_from, claims.valid_until) == (VALID_FROM, VALID_UNTIL)
    assert claims.issued_at == ISSUED_AT
    assert claims.issued_at.utcoffset() == timedelta(hours=8)
    assert claims.kid == current_signer(tmp_path).kid


def test_the_full_name_is_not_in_the_token(tmp_path):
    payload = payload_of(driver_token(tmp_path))

    assert "张小三" not in payload
    assert "张*三" in payload


def test_a_driver_token_holds_no_full_id_number(tmp_path):
    claims = json.loads(payload_of(driver_token(tmp_path)))

    assert NUMBER not in json.dumps(claims)
    assert not any(NUMBER[1:-1] in str(value) for value in claims.values())
    assert (claims["m"], claims["c"]) == ("3*4", REGISTER_ID)
    assert "n" not in claims


def test_a_driver_token_without_its_register_id_cannot_be_signed(tmp_path):
    with pytest.raises(ValueError, match="register id"):
        driver_token(tmp_path, register_id=None)


def test_a_driver_token_in_the_old_format_still_verifies_and_shows_the_number_masked(tmp_path):
    claims = verify_token(legacy_driver_token(tmp_path), public_keyset(tmp_path), today=IN_DATE)

    assert (claims.kind, claims.number, claims.register_id) == ("driver", NUMBER, None)
    assert claims.display()["number"] == MASKED


def test_transport_numbers_are_not_personal_and_stay_in_full(tmp_path):
    token = driver_token(tmp_path, kind="transport", number="350200123456", plate="闽D12345")

    assert json.loads(payload_of(token))["n"] == "350200123456"


def test_whole_qr_text_verifies_like_the_bare_token(tmp_path):
    token = driver_token(tmp_path)
    qr_text = verification_url(BASE_URL + "/", token)

    assert qr_text == f"{BASE_URL}/v/{token}"
    assert token_from_qr_text(qr_text + "?lang=en") == token
    assert verify_token(qr_text, public_keyset(tmp_path), today=IN_DATE).number == MASKED


def test_transport_token_carries_the_plate(tmp_path):
    token = driver_token(tmp_path, kind="transport", number="350200123456", plate="闽D12345")

    claims = verify_token(token, public_keyset(tmp_path), today=IN_DATE)

    assert (claims.kind, claims.plate) == ("transport", "闽D12345")


def test_transport_token_without_plate_is_refused(tmp_path):
    with pytest.raises(ValueError, match="plate"):
        driver_token(tmp_path, kind="transport", number="350200123456")


def test_platform_licence_keeps_the_company_name(tmp_path):
    company = "某某出行（厦门）网络科技有限公司"
    token = driver_token(tmp_path, kind="platform", number="闽网约许可001号", holder_name=company)

    assert verify_token(token, public_keyset(tmp_path), today=IN_DATE).holder == company


def test_unknown_kind_cannot_be_signed(tmp_path):
    with pytest.raises(ValueError, match="unknown certificate kind"):
        driver_token(tmp_path, kind="taxi")


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王五", "王*"),
        ("张小三", "张*三"),
        ("欧阳小明", "欧**明"),
        ("李", "*"),
        ("厦门某某汽车租赁有限公司", "厦***司"),
    ],
)
def test_names_are_masked_keeping_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def test_id_number_is_masked_except_first_and_last_digit():
    assert mask_id_number("350203199001011234") == "3****************4"


def test_flipping_a_signature_character_is_a_bad_signature(tmp_path):
    token = replace_character(driver_token(tmp_path), segment=2, index=10)

    assert reason_for(token, public_keyset(tmp_path)) == Reason.BAD_SIGNATURE


def test_flipping_a_claim_character_is_a_bad_signature(tmp_path):
    token = replace_character(driver_token(tmp_path), segment=1, index=20)

    assert reason_for(token, public_keyset(tmp_path)) == Reason.BAD_SIGNATURE


def test_changing_unused_bits_of_the_last_character_is_refused(tmp_path):
    # The 86th character of a 64-byte signature carries 2 data bits and 4 unused ones;
    # a lenient decoder would read the same signature and accept the changed token.
    token = driver_token(tmp_path)
    head, signature = token.rsplit(".", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    sibling = alphabet[last ^ 1]  # differs only in an unused bit
    changed = f"{head}.{signature[:-1]}{sibling}"

    assert reason_for(changed, public_keyset(tmp_path)) == Reason.MALFORMED


def test_token_signed_with_a_key_not_in_the_set_is_unknown_key(tmp_path):
    token = driver_token(tmp_path / "elsewhere")

    assert reason_for(token, public_keyset(tmp_path / "bureau")) == Reason.UNKNOWN_KEY


def test_forger_reusing_a_published_key_id_gets_bad_signature(tmp_path):
    bureau, forger = tmp_path / "bureau", tmp_path / "forger"
    genuine_kid = current_signer(bureau).kid
    forged = driver_token(forger)
    header = base64.urlsafe_b64encode(
        json.dumps({"alg": "EdDSA", "kid": genuine_kid}, separators=(",", ":")).encode()
    )
    forged = header.rstrip(b"=").decode() + forged[forged.index(".") :]

    assert reason_for(forged, public_keyset(bureau)) == Reason.BAD_SIGNATURE


def test_unsigned_token_is_malformed(tmp_path):
    genuine = driver_token(tmp_path)
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"x"}').rstrip(b"=").decode()
    unsigned = header + genuine[genuine.index(".") : genuine.rindex(".") + 1]

    assert reason_for(unsigned, public_keyset(tmp_path)) == Reason.MALFORMED


@pytest.mark.parametrize(
    "text",
    ["", "hello", "a.b", "a.b.c.d", "a!.b.c", f"{BASE_URL}/v/", f"{BASE_URL}/about", "e30.e30.e30"],
)
def test_garbled_text_is_malformed(tmp_path, text):
    current_signer(tmp_path)

    assert reason_for(text, public_keyset(tmp_path)) == Reason.MALFORMED


def test_last_valid_day_is_still_valid(tmp_path):
    claims = verify_token(driver_token(tmp_path), public_keyset(tmp_path), today=VALID_UNTIL)

    assert claims.valid_until == VALID_UNTIL


def test_day_after_last_valid_day_is_expired_with_the_claims(tmp_path):
    with pytest.raises(TokenError) as caught:
        verify_token(
            driver_token(tmp_path), public_keyset(tmp_path), today=VALID_UNTIL + timedelta(days=1)
        )

    assert caught.value.reason == Reason.EXPIRED
    assert caught.value.claims.number == MASKED
    assert "有效期" in caught.value.message_zh


def test_day_before_first_valid_day_is_not_yet_valid(tmp_path):
    token = driver_token(tmp_path)
    before = VALID_FROM - timedelta(days=1)

    assert reason_for(token, public_keyset(tmp_path), today=before) == Reason.NOT_YET_VALID


def test_default_today_is_the_date_in_china(tmp_path):
    china_today = datetime.now(CHINA_STANDARD_TIME).date()
    token = driver_token(tmp_path, valid_from=china_today, valid_until=china_today)

    assert verify_token(token, public_keyset(tmp_path)).valid_until == china_today


def test_token_signed_before_a_rotation_still_verifies(tmp_path):
    token = driver_token(tmp_path)
    rotate(tmp_path)

    assert verify_token(token, public_keyset(tmp_path), today=IN_DATE).holder == "张*三"


def test_naive_issue_time_is_taken_as_utc(tmp_path):
    token = driver_token(tmp_path, issued_at=ISSUED_AT.replace(tzinfo=None))

    assert verify_token(token, public_keyset(tmp_path), today=IN_DATE).issued_at == ISSUED_AT


def test_driver_qr_text_fits_a_version_12_code(tmp_path):
    # A denser code needs a sharper print; this guards the token against creeping growth.
    qr_text = verification_url(BASE_URL, driver_token(tmp_path, holder_name="欧阳小明"))

    assert choose_version(len(qr_text.encode())) <= 12
