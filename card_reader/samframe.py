"""The SAM frame protocol spoken by certified ID-card readers.

Frame layout (``reference/idcard.md`` §2)::

    AA AA AA 96 69 | Len (2, big-endian) | body ... | XOR checksum

``Len`` counts the bytes after itself, checksum included. The checksum is
the XOR of every byte from ``Len`` to the last body byte. In a response the
body starts with ``SW1 SW2 SW3``; SW3 is the SAM status. The "read base
information" response then carries big-endian lengths for the text, the
photo and (for ``30 10``) the fingerprint, followed by those blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import reduce

from card_reader.errors import FrameError, SamStatusError

PREAMBLE = bytes.fromhex("AAAAAA9669")
TEXT_LENGTH = 256
_HEADER = len(PREAMBLE) + 2  # preamble and Len
_SW_BYTES = 3


class SamStatus(IntEnum):
    """SW3 status codes of the SAM (``reference/idcard.md`` §2.4)."""

    SUCCESS = 0x90
    NO_SUCH_ITEM = 0x91
    CARD_FOUND = 0x9F
    HOST_CHECKSUM_ERROR = 0x10
    HOST_LENGTH_ERROR = 0x11
    HOST_COMMAND_ERROR = 0x21
    NOT_PERMITTED = 0x23
    UNKNOWN_ERROR = 0x24
    CARD_AUTH_OF_SAM_FAILED = 0x31
    SAM_AUTH_OF_CARD_FAILED = 0x32
    DATA_VERIFICATION_FAILED = 0x33
    FINGERPRINT_VERIFICATION_FAILED = 0x37
    DATA_LENGTH_ERROR = 0x3F
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    GET_CHALLENGE_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORIZED = 0x66
    NO_CARD_FOUND = 0x80
    SELECT_FAILED = 0x81
    SDK_PORT_OPEN_FAILED = 0x01
    SDK_RECEIVE_TIMEOUT = 0x02
    SDK_TRANSMISSION_ERROR = 0x03
    SDK_SAM_PORT_UNAVAILABLE = 0x05
    SDK_OPEN_FILE_FAILED = 0x09


_STATUS_TEXT = {
    SamStatus.SUCCESS: "success (操作成功)",
    SamStatus.NO_SUCH_ITEM: "no such item on the card (居民身份证中无此项内容)",
    SamStatus.CARD_FOUND: "card found (寻找居民身份证成功)",
    SamStatus.HOST_CHECKSUM_ERROR: "checksum error in the host frame (校验和错)",
    SamStatus.HOST_LENGTH_ERROR: "length error in the host frame (长度错)",
    SamStatus.HOST_COMMAND_ERROR: "bad command (命令错误)",
    SamStatus.NOT_PERMITTED: "operation not permitted (越权操作)",
    SamStatus.UNKNOWN_ERROR: "unknown error (无法识别的错误)",
    SamStatus.CARD_AUTH_OF_SAM_FAILED: "card failed to authenticate the SAM (居民身份证认证SAM失败)",
    SamStatus.SAM_AUTH_OF_CARD_FAILED: "SAM failed to authenticate the card (SAM认证居民身份证失败)",
    SamStatus.DATA_VERIFICATION_FAILED: "data verification failed (信息验证失败)",
    SamStatus.FINGERPRINT_VERIFICATION_FAILED: "fingerprint verification error (指纹信息验证错误)",
    SamStatus.DATA_LENGTH_ERROR: "data length error (信息长度错误)",
    SamStatus.UNKNOWN_CARD_TYPE: "unknown card type (无法识别的居民身份证类型)",
    SamStatus.READ_FAILED: "read failed, card moved away? (读居民身份证操作失败)",
    SamStatus.GET_CHALLENGE_FAILED: "get challenge failed (取随机数失败)",
    SamStatus.SAM_SELF_TEST_FAILED: "SAM self-test failed (SAM自检失败)",
    SamStatus.SAM_NOT_AUTHORIZED: "SAM not authorized (SAM没经过授权)",
    SamStatus.NO_CARD_FOUND: "no card found (寻找居民身份证失败)",
    SamStatus.SELECT_FAILED: "select failed (选取居民身份证失败)",
    SamStatus.SDK_PORT_OPEN_FAILED: "SDK: port open failed",
    SamStatus.SDK_RECEIVE_TIMEOUT: "SDK: receive timeout",
    SamStatus.SDK_TRANSMISSION_ERROR: "SDK: transmission error",
    SamStatus.SDK_SAM_PORT_UNAVAILABLE: "SDK: SAM serial port unavailable",
    SamStatus.SDK_OPEN_FILE_FAILED: "SDK: open file failed",
}


def describe_status(status: SamStatus | int) -> str:
    """A short description of a SAM status byte."""
    try:
        return _STATUS_TEXT[SamStatus(status)]
    except ValueError:
        return "unknown SAM status"


@dataclass(frozen=True)
class SamResponse:
    """A checked SAM response frame: status word and body."""

    sw1: int
    sw2: int
    status: SamStatus | int
    data: bytes


@dataclass(frozen=True)
class BaseInformation:
    """The payload of a successful "read base information" response."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


def checksum(body: bytes) -> int:
    """XOR of all bytes (the SAM frame checksum rule)."""
    return reduce(lambda acc, byte: acc ^ byte, body, 0)


def build_frame(body: bytes) -> bytes:
    """Wrap ``body`` (command or status plus data) in a SAM frame."""
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def parse_frame(frame: bytes) -> bytes:
    """Check preamble, length and checksum; return the body."""
    if not frame.startswith(PREAMBLE):
        raise FrameError(f"bad preamble {frame[:5].hex(' ').upper()!r}, expected AA AA AA 96 69")
    if len(frame) < _HEADER + 1:
        raise FrameError(f"frame too short ({len(frame)} bytes)")
    declared = int.from_bytes(frame[5:7], "big")
    if declared != len(frame) - _HEADER:
        raise FrameError(
            f"length field says {declared} bytes follow, frame has {len(frame) - _HEADER}"
        )
    expected = checksum(frame[5:-1])
    if frame[-1] != expected:
        raise FrameError(f"checksum mismatch: frame has {frame[-1]:#04x}, computed {expected:#04x}")
    return frame[_HEADER:-1]


def parse_response(frame: bytes) -> SamResponse:
    """Parse a SAM response frame without judging its status."""
    body = parse_frame(frame)
    if len(body) < _SW_BYTES:
        raise FrameError(f"response body too short for a status ({len(body)} bytes)")
    status = body[2]
    known = SamStatus(status) if status in SamStatus._value2member_map_ else status
    return SamResponse(body[0], body[1], known, body[_SW_BYTES:])


def parse_base_information(frame: bytes) -> BaseInformation:
    """Decode a "read base information" (``30 01`` / ``30 10``) response."""
    response = parse_response(frame)
    if response.status != SamStatus.SUCCESS:
        raise SamStatusError(response.status)
    return split_blocks(response.data)


def split_blocks(data: bytes) -> BaseInformation:
    """Split length-prefixed text/photo(/fingerprint) blocks.

    Two layouts exist: two length fields (text, photo) or three (plus the
    fingerprint). The one whose lengths add up to the data size wins.
    """
    for fields in (2, 3):
        header = 2 * fields
        if len(data) < header:
            break
        lengths = [int.from_bytes(data[i : i + 2], "big") for i in range(0, header, 2)]
        if header + sum(lengths) == len(data):
            return _blocks_from(data[header:], lengths)
    raise FrameError(f"block length fields do not add up to the {len(data)} data bytes")


def _blocks_from(payload: bytes, lengths: list[int]) -> BaseInformation:
    if lengths[0] != TEXT_LENGTH:
        raise FrameError(f"text block is {lengths[0]} bytes, expected {TEXT_LENGTH}")
    text = payload[: lengths[0]]
    photo = payload[lengths[0] : lengths[0] + lengths[1]]
    fingerprint = payload[lengths[0] + lengths[1] :] if len(lengths) == 3 else None
    return BaseInformation(text, photo, fingerprint)


def build_base_information(
    text: bytes,
    photo: bytes,
    fingerprint: bytes | None = None,
    status: SamStatus | int = SamStatus.SUCCESS,
) -> bytes:
    """Build a "read base information" response frame (the encoder's side)."""
    blocks = [text, photo] if fingerprint is None else [text, photo, fingerprint]
    lengths = b"".join(len(block).to_bytes(2, "big") for block in blocks)
    return build_frame(bytes([0, 0, int(status)]) + lengths + b"".join(blocks))


def build_status_response(status: SamStatus | int) -> bytes:
    """Build a response frame carrying only a status (e.g. a failed read)."""
    return build_frame(bytes([0, 0, int(status)]))
