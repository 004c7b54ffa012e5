"""QR codes drawn as PDF vectors, fast enough for batch printing.

Every choice is fixed in advance, so the symbol depends only on the text and is built once:

* error correction level **M** (15 % of the symbol may be damaged or soiled);
* **byte mode**, and the **smallest version** whose level-M capacity holds the UTF-8 text;
* **mask pattern 2** (``column mod 3 == 0``). Over random verification URLs of the length we
  print it had the lowest mean ISO/IEC 18004 penalty of the eight (2 788, the others 2 914 to
  3 256), and decoders read whichever mask the format bits name.

Why not a QR library's encoder
------------------------------
``qrcode`` with these choices fixed takes about 2.6 ms a symbol, ``segno`` about 3.5 ms (its
speed-up over ``qrcode`` is in the mask search, which we skip anyway): two thirds of a
certificate page, and a batch could not reach 300 pages a second. Both spend the time in
Python loops over single modules and polynomial objects: laying out the function patterns,
walking the zig-zag placement and masking module by module (none of which depends on the
text), and Reed–Solomon division. Here the text-independent work is done once per version
(``_layout``) and kept as one permutation from "bit of the codeword stream" to "module of the
symbol", with the mask folded into a constant XORed onto the stream. What is left per symbol
is the bit stream, Reed–Solomon (a table-driven shift register on Python integers) and one
C-level gather (``operator.itemgetter``): about 0.1 ms; writing the path about 0.3 ms more.

The standard's tables (error-correction blocks, alignment pattern positions, BCH-coded format
and version information) come from ``qrcode``; the tests check that every symbol is identical,
module for module, to the one ``qrcode`` builds with the same version and mask, for every
version from 1 to 40.

Dark modules are drawn as filled rectangles, one per horizontal run, in module units under a
scaling matrix, so the page stream holds small integers and the code stays sharp at any
printer resolution. All runs form one path filled once, which leaves no hairline seams between
rows in viewers that anti-alias.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from qrcode.base import rs_blocks
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import (
    BIT_LIMIT_TABLE,
    MODE_8BIT_BYTE,
    BCH_type_info,
    BCH_type_number,
    length_in_bits,
    pattern_position,
)
from reportlab.pdfgen.canvas import Canvas

ERROR_CORRECTION = ERROR_CORRECT_M
MASK_PATTERN = 2
QUIET_ZONE = 4  # modules of white margin the standard asks for around the symbol
_MODE_INDICATOR_BITS = 4
_BYTE_MODE = 0b0100
_PAD_CODEWORDS = b"\xec\x11" * 1500  # ISO/IEC 18004 7.4.10: alternate 11101100 00010001
_DARK_RUN = re.compile("1+")
_SPAN = re.Match.span


@dataclass(frozen=True)
class QRSymbol:
    """A built QR symbol, ready to place on a page."""

    version: int
    size: int  # modules per side, without the quiet zone
    path: str  # PDF path operators (``x y w 1 re``) in module units, origin bottom-left


@cache
def byte_capacity(version: int) -> int:
    """How many bytes a level-M symbol of this version holds in byte mode."""
    count_bits = length_in_bits(MODE_8BIT_BYTE, version)
    data_bits = BIT_LIMIT_TABLE[ERROR_CORRECTION][version]
    return (data_bits - _MODE_INDICATOR_BITS - count_bits) // 8


def choose_version(n_bytes: int) -> int:
    """The smallest version whose level-M byte-mode capacity holds ``n_bytes``."""
    for version in range(1, 41):
        if byte_capacity(version) >= n_bytes:
            return version
    raise ValueError(f"{n_bytes} bytes do not fit in any QR code at level M")


# -- per version: the layout, built once --------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    version: int
    size: int
    blocks: tuple[int, ...]  # data codewords of each error-correction block, in order
    ecc_codewords: int  # per block (the same for every block of a version and level)
    stream_bits: int  # data and error-correction codewords of all blocks, in bits
    mask: int  # the mask pattern's bit for each stream bit, as one integer (MSB first)
    # From "stream bits, then '0', '1'" to the rows of the symbol, each row followed by a "0".
    gather: Callable[[str], tuple[str, ...]]
    # Path operators, split so a run starting at flat index i of length w is
    # ``run_origins[i] + run_widths[w]``: the per-symbol loop then only concatenates.
    run_origins: tuple[str, ...]
    run_widths: tuple[str, ...]


def _function_patterns(version: int) -> tuple[int, list[int | None]]:
    """Size and row-major modules of everything but the data: 1 dark, 0 light, None data.

    ISO/IEC 18004 section 6.3: finder patterns with separators, alignment and timing
    patterns, format information (level M, our mask) with the dark module, version information.
    """
    size = 17 + 4 * version
    modules: list[int | None] = [None] * (size * size)

    def put(row: int, column: int, dark: bool | int) -> None:
        modules[row * size + column] = int(bool(dark))

    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= top + r < size and 0 <= left + c < size:
                    ring = max(abs(r - 3), abs(c - 3))
                    put(top + r, left + c, ring != 2 and ring != 4)
    centres = pattern_position(version)
    for row in centres:
        for column in centres:
            if modules[row * size + column] is None:  # not on a finder pattern
                for r in range(-2, 3):
                    for c in range(-2, 3):
                        put(row + r, column + c, max(abs(r), abs(c)) != 1)
    for i in range(8, size - 8):
        for row, column in ((6, i), (i, 6)):
            if modules[row * size + column] is None:
                put(row, column, i % 2 == 0)
    _format_information(put, size)
    if version >= 7:
        bits = BCH_type_number(version)
        for i in range(18):
            put(i // 3, i % 3 + size - 11, bits >> i & 1)
            put(i % 3 + size - 11, i // 3, bits >> i & 1)
    return size, modules


def _format_information(put: Callable[[int, int, int], None], size: int) -> None:
    bits = BCH_type_info(ERROR_CORRECTION << 3 | MASK_PATTERN)
    for i in range(15):
        bit = bits >> i & 1
        put(i if i < 6 else i + 1 if i < 8 else size - 15 + i, 8, bit)
        put(8, size - 1 - i if i < 8 else 15 - i if i < 9 else 14 - i, bit)
    put(size - 8, 8, 1)  # the dark module


def _placement(size: int, modules: Sequence[int | None]) -> list[int]:
    """Row-major indexes of the data modules in the order bits are placed (section 7.7.3):
    two-module columns from the right, alternately upwards and downwards, skipping column 6."""
    order = []
    upwards = True
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1  # the vertical timing pattern takes column 6
        rows = range(size - 1, -1, -1) if upwards else range(size)
        for row in rows:
            for column in (right, right - 1):
                if modules[row * size + column] is None:
                    order.append(row * size + column)
        upwards = not upwards
    return order


def _stream_order(blocks: Sequence[int], ecc: int) -> list[int]:
    """Interleaving (section 7.6): for each codeword of the symbol, its index in the stream
    of all blocks' data codewords followed by all blocks' error-correction codewords."""
    starts = [sum(blocks[:i]) for i in range(len(blocks))]
    total_data = sum(blocks)
    order = [start + i for i in range(max(blocks)) for start, n in zip(starts, blocks, strict=True)
             if i < n]
    order += [total_data + b * ecc + i for i in range(ecc) for b in range(len(blocks))]
    return order


@cache
def _layout(version: int) -> _Layout:
    size, modules = _function_patterns(version)
    blocks = rs_blocks(version, ERROR_CORRECTION)
    data = tuple(block.data_count for block in blocks)
    ecc = blocks[0].total_count - blocks[0].data_count
    codewords = _stream_order(data, ecc)
    stream_bits = 8 * len(codewords)
    light, dark = stream_bits, stream_bits + 1  # the two constants after the stream bits
    source = [light if m == 0 else dark for m in modules]  # function modules; data below
    mask = 0
    for k, index in enumerate(_placement(size, modules)):
        masked = (index % size) % 3 == 0  # mask pattern 2: column mod 3 == 0
        if k < stream_bits:
            bit = 8 * codewords[k // 8] + k % 8
            source[index] = bit
            mask |= masked << (stream_bits - 1 - bit)
        else:  # remainder bits are 0, so they show the mask itself
            source[index] = dark if masked else light
    rows = [[*source[r * size : (r + 1) * size], light] for r in range(size)]
    gather = operator.itemgetter(*(i for row in rows for i in row))
    width = size + 1
    # PDF y grows upwards; row 0 is the top.
    origins = tuple(f"{i % width} {size - 1 - i // width} " for i in range(size * width))
    widths = tuple(f"{w} 1 re\n" for w in range(size + 1))
    return _Layout(version, size, data, ecc, stream_bits, mask, gather, origins, widths)


# -- per symbol ----------------------------------------------------------------------------------


@cache
def _generator_table(degree: int) -> tuple[int, ...]:
    """For each byte f, f times the Reed–Solomon generator of ``degree`` without its leading
    term, as a ``degree``-byte integer: one shift-register step is then a shift and an XOR."""
    exp, log = _galois_field()
    generator = [1]
    for i in range(degree):  # multiply by (x - α^i)
        generator = [a ^ (_multiply(b, exp[i], exp, log)) for a, b in
                     zip([*generator, 0], [0, *generator], strict=True)]
    tail = generator[1:]
    return tuple(
        int.from_bytes(bytes(_multiply(f, g, exp, log) for g in tail), "big") for f in range(256)
    )


@cache
def _galois_field() -> tuple[list[int], list[int]]:
    """Powers and logarithms of α in GF(256) with the QR polynomial x⁸+x⁴+x³+x²+1."""
    exp, log = [0] * 512, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = exp[power + 255] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    return exp, log


def _multiply(a: int, b: int, exp: list[int], log: list[int]) -> int:
    return 0 if a == 0 or b == 0 else exp[log[a] + log[b]]


def _error_correction(block: bytes, degree: int) -> bytes:
    table = _generator_table(degree)
    top, keep = 8 * (degree - 1), (1 << 8 * degree) - 1
    remainder = 0
    for byte in block:
        remainder = (remainder << 8 & keep) ^ table[byte ^ remainder >> top]
    return remainder.to_bytes(degree, "big")


def _data_codewords(data: bytes, version: int, capacity: int) -> bytes:
    """Mode indicator, character count, the bytes, terminator, padding (section 7.4)."""
    count_bits = length_in_bits(MODE_8BIT_BYTE, version)
    value = (_BYTE_MODE << count_bits | len(data)) << 8 * len(data) | int.from_bytes(data, "big")
    bits = _MODE_INDICATOR_BITS + count_bits + 8 * len(data)
    shift = min(4, 8 * capacity - bits)  # terminator, cut short when the symbol is full
    shift += -(bits + shift) % 8  # then zeros to the byte boundary
    stream = (value << shift).to_bytes((bits + shift) // 8, "big")
    return stream + _PAD_CODEWORDS[: capacity - len(stream)]


def _symbol_rows(text: str) -> tuple[_Layout, str]:
    """The layout and the symbol as ``'0'``/``'1'`` rows, each followed by one ``'0'``."""
    data = text.encode("utf-8")
    layout = _layout(choose_version(len(data)))
    stream = _data_codewords(data, layout.version, sum(layout.blocks))
    ecc, start = [], 0
    for n in layout.blocks:
        ecc.append(_error_correction(stream[start : start + n], layout.ecc_codewords))
        start += n
    value = int.from_bytes(stream + b"".join(ecc), "big") ^ layout.mask
    bits = format(value, f"0{layout.stream_bits}b") + "01"
    return layout, "".join(layout.gather(bits))


def qr_modules(text: str) -> list[list[bool]]:
    """The module matrix (``True`` = dark), without quiet zone, top row first."""
    layout, flat = _symbol_rows(text)
    width = layout.size + 1
    return [[m == "1" for m in flat[r * width : r * width + layout.size]]
            for r in range(layout.size)]


def dark_runs(line: Sequence[bool]) -> list[tuple[int, int]]:
    """``(start, length)`` of every run of dark modules in one row."""
    row = "".join("1" if dark else "0" for dark in line)
    return [(m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(row)]


def qr_symbol(text: str) -> QRSymbol:
    """Build the symbol for ``text`` and its vector path."""
    layout, flat = _symbol_rows(text)
    origins, widths = layout.run_origins, layout.run_widths
    path = "".join([origins[start] + widths[end - start]
                    for start, end in map(_SPAN, _DARK_RUN.finditer(flat))])
    return QRSymbol(version=layout.version, size=layout.size, path=path)


def draw_qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> QRSymbol:
    """Draw the QR code for ``text`` in the square at ``(x, y)`` with the given side.

    The square includes the quiet zone; nothing else should be drawn inside it.
    """
    symbol = qr_symbol(text)
    module = side / (symbol.size + 2 * QUIET_ZONE)
    offset = QUIET_ZONE * module
    canvas.addLiteral(
        f"q {module:.5f} 0 0 {module:.5f} {x + offset:.3f} {y + offset:.3f} cm 0 g\n"
        f"{symbol.path}f Q"
    )
    return symbol
