"""QR symbols: deterministic choices, and runs that redraw exactly the dark modules."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
from qrcode.util import MODE_8BIT_BYTE, QRData

from backend.certificates.qr import (
    ERROR_CORRECTION,
    MASK_PATTERN,
    byte_capacity,
    choose_version,
    dark_runs,
    qr_modules,
    qr_symbol,
)


@pytest.mark.parametrize("version", [1, 9, 10, 12, 14, 26, 27])
def test_version_is_the_smallest_that_holds_the_text(version):
    full = byte_capacity(version)

    assert choose_version(full) == version
    assert choose_version(full + 1) == version + 1


def test_version_12_holds_287_bytes_at_level_m():
    # ISO/IEC 18004 Table 7: 12-M holds 287 bytes in byte mode.
    assert byte_capacity(12) == 287


def test_text_too_long_for_any_code_is_refused():
    with pytest.raises(ValueError, match="do not fit"):
        choose_version(byte_capacity(40) + 1)


def test_same_text_gives_the_same_symbol():
    text = "https://wyc.jtj.xm.gov.cn/v/abc.def.ghi"

    assert qr_modules(text) == qr_modules(text)


@pytest.mark.parametrize("text", ["short", "https://wyc.jtj.xm.gov.cn/v/" + "m" * 260])
def test_symbol_is_level_m_with_the_fixed_mask(text):
    # Row 8, columns 0-5 and 7 hold the top 7 format bits (XORed with 1010100):
    # two bits of error-correction level (M is 00), three of mask, two of BCH check.
    modules = qr_modules(text)
    bits = "".join("1" if modules[8][column] else "0" for column in (0, 1, 2, 3, 4, 5, 7))
    format_high = int(bits, 2) ^ 0b1010100

    assert format_high >> 5 == 0b00
    assert (format_high >> 2) & 0b111 == MASK_PATTERN


def test_runs_redraw_exactly_the_dark_modules():
    modules = qr_modules("https://wyc.jtj.xm.gov.cn/v/" + "x" * 250)
    redrawn = [[False] * len(row) for row in modules]
    for r, row in enumerate(modules):
        for start, length in dark_runs(row):
            redrawn[r][start : start + length] = [True] * length

    assert redrawn == modules


def test_path_has_one_rectangle_per_run():
    text = "https://wyc.jtj.xm.gov.cn/v/runs"
    symbol = qr_symbol(text)
    runs = sum(len(dark_runs(row)) for row in qr_modules(text))

    assert symbol.path.count(" re\n") == runs
    assert symbol.size == 17 + 4 * symbol.version


def reference_modules(text: str) -> list[list[bool]]:
    """The same symbol built by the ``qrcode`` library, version and mask fixed as ours."""
    data = text.encode("utf-8")
    code = qrcode.QRCode(version=choose_version(len(data)), error_correction=ERROR_CORRECTION,
                         mask_pattern=MASK_PATTERN, border=0)
    code.add_data(QRData(data, mode=MODE_8BIT_BYTE))
    code.make(fit=False)
    return code.get_matrix()


@pytest.mark.parametrize("version", range(1, 41))
def test_symbol_is_module_for_module_the_reference_encoders(version):
    # The shortest and the longest text of the version, and one in between: padding,
    # terminator cut short, every block structure, remainder bits, version information.
    rng = random.Random(version)
    shortest = byte_capacity(version - 1) + 1 if version > 1 else 0
    for length in sorted({shortest, rng.randint(shortest, byte_capacity(version)),
                          byte_capacity(version)}):
        text = "".join(rng.choice(string.ascii_letters + "/.-_中") for _ in range(length))
        text = text.encode()[:length].decode(errors="ignore")  # a cut 中 is dropped
        text += "x" * (length - len(text.encode()))

        assert qr_modules(text) == reference_modules(text)
