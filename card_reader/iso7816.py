"""ISO/IEC 7816-4 mechanics over a minimal connection interface.

A :class:`Connection` is anything with ``transmit(apdu) -> (data, sw)``: the
PC/SC adapter in :mod:`card_reader.pcsc`, or a fake in tests. On top of it
:func:`transmit` follows ``61xx`` (GET RESPONSE) and ``6Cxx`` (re-send with
the right Le) and turns error status words into :class:`ApduError`;
:func:`read_binary` reads a file in chunks.

The loops are modelled on OpenSC's ``sc_transmit`` / ``sc_get_response`` /
``sc_read_binary``, with one deliberate difference: a partial read is never
returned, because a partial identity record is worse than none.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol

from card_reader.errors import ApduError, BadResponseError


class SW(IntEnum):
    """Status words the card reader knows by name (ISO 7816-4 §5.1.3)."""

    SUCCESS = 0x9000
    END_OF_FILE = 0x6282
    WRONG_LENGTH = 0x6700
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    NO_CURRENT_EF = 0x6986
    FILE_NOT_FOUND = 0x6A82
    INCORRECT_P1P2 = 0x6A86
    WRONG_P1P2 = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    NO_PRECISE_DIAGNOSIS = 0x6F00


_SW_TEXT = {
    SW.SUCCESS: "success",
    SW.END_OF_FILE: "end of file reached before Le bytes",
    SW.WRONG_LENGTH: "wrong length",
    SW.SECURITY_STATUS_NOT_SATISFIED: "security status not satisfied",
    SW.NO_CURRENT_EF: "command not allowed (no current EF)",
    SW.FILE_NOT_FOUND: "file not found",
    SW.INCORRECT_P1P2: "incorrect parameters P1-P2",
    SW.WRONG_P1P2: "wrong parameters P1-P2 (offset outside the file)",
    SW.INS_NOT_SUPPORTED: "instruction not supported",
    SW.CLA_NOT_SUPPORTED: "class not supported",
    SW.NO_PRECISE_DIAGNOSIS: "no precise diagnosis",
}

SW1_MORE_DATA = 0x61
SW1_WRONG_LE = 0x6C
GET_RESPONSE_INS = 0xC0
READ_BINARY_INS = 0xB0

#: Upper bound on GET RESPONSE rounds, so a card answering ``61xx`` forever
#: ends in an error instead of a hang.
MAX_GET_RESPONSE_ROUNDS = 64


class Connection(Protocol):
    """The one thing the protocol layer needs from a transport."""

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one C-APDU; return the response data and the status word."""
        ...


def describe_sw(sw: int) -> str:
    """A short English description of a status word."""
    if sw >> 8 == SW1_MORE_DATA:
        return f"{sw & 0xFF or 256} more bytes available"
    if sw >> 8 == SW1_WRONG_LE:
        return f"wrong Le, {sw & 0xFF or 256} bytes available"
    try:
        return _SW_TEXT[SW(sw)]
    except ValueError:
        return "unknown status word"


def build_apdu(
    cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None
) -> bytes:
    """Build a short C-APDU; ``le=256`` is encoded as ``00``."""
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le & 0xFF])
    return apdu


def with_le(apdu: bytes, le: int) -> bytes:
    """Return ``apdu`` with its Le byte set (cases 1-4, short APDUs only)."""
    if len(apdu) < 4:
        raise ValueError(f"APDU too short: {apdu.hex()}")
    body = apdu[:4]
    if len(apdu) > 5:
        lc = apdu[4]
        body = apdu[: 5 + lc]
    return body + bytes([le & 0xFF])


def transmit(
    conn: Connection, apdu: bytes, accept: tuple[int, ...] = (SW.SUCCESS,)
) -> tuple[bytes, int]:
    """Send ``apdu`` following ``6Cxx`` and ``61xx``; raise on other status words.

    Returns the complete response data and the final status word, which is
    one of ``accept``.
    """
    data, sw = conn.transmit(apdu)
    if sw >> 8 == SW1_WRONG_LE:
        # Retry once only: a card that keeps asking for another Le is broken.
        data, sw = conn.transmit(with_le(apdu, sw & 0xFF))
    data, sw = _collect_more_data(conn, data, sw)
    if sw not in accept:
        raise ApduError(sw, apdu)
    return data, sw


def _collect_more_data(conn: Connection, data: bytes, sw: int) -> tuple[bytes, int]:
    """Issue GET RESPONSE while the card answers ``61xx``."""
    rounds = 0
    while sw >> 8 == SW1_MORE_DATA:
        rounds += 1
        if rounds > MAX_GET_RESPONSE_ROUNDS:
            raise BadResponseError(
                f"card still has more data after {MAX_GET_RESPONSE_ROUNDS} GET RESPONSE rounds"
            )
        chunk, sw = conn.transmit(build_apdu(0x00, GET_RESPONSE_INS, 0, 0, le=sw & 0xFF))
        data += chunk
    return data, sw


def read_binary(
    conn: Connection, length: int, *, offset: int = 0, cla: int = 0x00, max_le: int = 256
) -> bytes:
    """Read ``length`` bytes of the current file from ``offset`` in chunks.

    P1-P2 carry the offset (so offsets stop at 0x7FFF). The card may return
    fewer bytes than asked; reading goes on from where it stopped. Hitting
    the end of the file early (``6282`` or an empty chunk) is an error: the
    caller asked for a length it needs.
    """
    out = bytearray()
    while len(out) < length:
        position = offset + len(out)
        if position > 0x7FFF:
            raise BadResponseError(f"READ BINARY offset {position:#x} out of range")
        le = min(length - len(out), max_le)
        apdu = build_apdu(cla, READ_BINARY_INS, position >> 8, position & 0xFF, le=le)
        chunk, sw = transmit(conn, apdu, accept=(SW.SUCCESS, SW.END_OF_FILE))
        out += chunk[: length - len(out)]
        if (not chunk or sw == SW.END_OF_FILE) and len(out) < length:
            raise BadResponseError(f"file ended after {len(out)} of {length} bytes")
    return bytes(out)
