"""The signing key directory: created on first use, rotated, published without secrets."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor

from backend.certificates.keys import KEYSET_FILE, current_signer, public_keyset, rotate


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_use_creates_a_private_key_only_its_owner_can_read(tmp_path):
    keys_dir = tmp_path / "keys"

    signer = current_signer(keys_dir)

    assert mode(keys_dir / f"{signer.kid}.pem") == 0o600
    assert mode(keys_dir) == 0o700
    assert json.loads((keys_dir / KEYSET_FILE).read_text())["current"] == signer.kid


def test_later_use_signs_with_the_same_key(tmp_path):
    assert current_signer(tmp_path).kid == current_signer(tmp_path).kid


def test_rotation_makes_a_new_current_key_and_keeps_the_old_public_key(tmp_path):
    old = current_signer(tmp_path).kid

    new = rotate(tmp_path)

    assert new != old
    assert current_signer(tmp_path).kid == new
    assert [key["kid"] for key in public_keyset(tmp_path)["keys"]] == [new, old]


def test_published_key_set_holds_no_private_material(tmp_path):
    signer = current_signer(tmp_path)
    private_pem = (tmp_path / f"{signer.kid}.pem").read_text()

    published = public_keyset(tmp_path)

    (key,) = published["keys"]
    assert key == {
        "kid": signer.kid,
        "kty": "OKP",
        "crv": "Ed25519",
        "x": key["x"],
        "alg": "EdDSA",
        "use": "sig",
    }
    assert "PRIVATE" not in json.dumps(published)
    assert private_pem.splitlines()[1] not in json.dumps(published)


def test_workers_starting_together_agree_on_one_first_key(tmp_path):
    with ThreadPoolExecutor(max_workers=8) as pool:
        kids = set(pool.map(lambda _: current_signer(tmp_path).kid, range(8)))

    assert len(kids) == 1
    assert len(public_keyset(tmp_path)["keys"]) == 1
