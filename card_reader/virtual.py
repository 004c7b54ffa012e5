"""A virtual ID card for the vsmartcard ``vpcd`` reader driver.

The card connects to vpcd's socket (127.0.0.1:35963 for the first slot) and
answers what pcscd and :mod:`card_reader` send: the ATR, the chip-serial
APDU ``00 36 00 00 08`` and the ``FF B0`` READ BINARY blocks of an
integrated-SAM reader. Everything under it (vpcd, pcscd, pyscard) is the
real PC/SC stack. Inserting the card is connecting the socket; removing it
is closing the socket.

vpcd protocol (``reference/idcard.md`` §8.1): every message is a 2-byte
big-endian length and a payload. A 1-byte payload is a control code (0 power
off, 1 power on, 2 reset, 4 get ATR, which alone expects an answer); any
other payload is a C-APDU answered by an R-APDU.

From Python::

    with VirtualCard(record, faults=Faults(remove_after=3)) as card:
        pcsc.wait_for_card("Virtual PCD 00 00")
        ...

From a shell::

    python -m card_reader.virtual --record person.json [--remove-after 3]

where the record is JSON in the ``decode`` output's shape (``chip_serial``
optional), a saved 256-byte text block (served as is, even if invalid) or a
SAM frame. Type ``remove`` / ``insert`` / ``quit`` on stdin, or send
SIGUSR1 (remove) / SIGUSR2 (insert).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Self

from card_reader.payload import PLACEHOLDER_PHOTO, encode_reader_stream
from card_reader.record import IdentityRecord
from card_reader.samframe import PREAMBLE, parse_base_information, split_blocks
from card_reader.textblock import BLOCK_LENGTH, encode_text_block

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963
#: PC/SC Part 3 ATR of a resident ID card (T=1), from pcsc-tools' list.
DEFAULT_ATR = bytes.fromhex("3B888001D10386050080800058")
#: Chip serial seen in a public APDU trace.
DEFAULT_CHIP_SERIAL = bytes.fromhex("10E4100102030405")
#: Contents of EF 6002 ("DN" code) read with ``80 B0 00 00 20``.
DN_CODE = bytes(range(0x20))

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
_LENGTH = struct.Struct("!H")


class Garbage(Enum):
    """Ways the virtual card can answer nonsense."""

    NOISE = "noise"  # random R-APDUs (2-40 bytes)
    STATUS = "status"  # every APDU answered 6F00
    SHORT = "short"  # 1-byte R-APDUs, too short for a status word
    STREAM = "stream"  # valid status words, random FF B0 stream
    TEXT = "text"  # valid stream header, random text block


@dataclass(frozen=True)
class Faults:
    """Misbehaviour to simulate.

    ``remove_after``: answer this many APDUs, then pull the card on the
    next one (mid-read removal). ``chaining``: split longer responses into
    ``61xx`` chunks of this size. ``wrong_le``: answer the first read at
    each offset with ``6Cxx``. ``delay``: seconds before each APDU answer.
    """

    remove_after: int | None = None
    garbage: Garbage | None = None
    chaining: int | None = None
    wrong_le: bool = False
    delay: float = 0.0
    seed: int = 0


# --- the card's behaviour (no I/O) -------------------------------------


class IdCardApplet:
    """Answers control codes and APDUs like an ID card in an integrated-SAM reader."""

    def __init__(
        self,
        text: bytes,
        photo: bytes = PLACEHOLDER_PHOTO,
        chip_serial: bytes = DEFAULT_CHIP_SERIAL,
        atr: bytes = DEFAULT_ATR,
        faults: Faults | None = None,
    ) -> None:
        self.atr = atr
        self.chip_serial = chip_serial
        self.faults = faults or Faults()
        self._random = random.Random(self.faults.seed)
        self.stream = self._garbled(encode_reader_stream(text, photo))
        self.powered = False
        self._pending = b""
        self._told_le: set[int] = set()

    def _garbled(self, stream: bytes) -> bytes:
        if self.faults.garbage is Garbage.STREAM:
            return self._random.randbytes(len(stream))
        if self.faults.garbage is Garbage.TEXT:
            return stream[:4] + self._random.randbytes(BLOCK_LENGTH) + stream[4 + BLOCK_LENGTH :]
        return stream

    def control(self, code: int) -> bytes | None:
        """Handle a vpcd control code; only Get ATR has an answer."""
        if code == CTRL_ATR:
            return self.atr
        self.powered = code in (CTRL_ON, CTRL_RESET)
        self._pending = b""
        return None

    def respond(self, apdu: bytes) -> bytes:
        """The R-APDU (data + SW1 SW2) for one C-APDU."""
        garbage = self.faults.garbage
        if garbage is Garbage.NOISE:
            return self._random.randbytes(self._random.randint(2, 40))
        if garbage is Garbage.STATUS:
            return b"\x6f\x00"
        if garbage is Garbage.SHORT:
            return self._random.randbytes(1)
        if len(apdu) < 4:
            return b"\x67\x00"
        return self._dispatch(apdu)

    def _dispatch(self, apdu: bytes) -> bytes:
        cla, ins = apdu[0], apdu[1]
        handlers = {
            (0x00, 0xC0): self._get_response,
            (0x00, 0x36): self._chip_serial,
            (0x00, 0xA4): self._select,
            (0x80, 0xB0): self._read_dn,
            (0xFF, 0xB0): self._read_stream,
        }
        handler = handlers.get((cla, ins))
        if handler is not None:
            return handler(apdu)
        return b"\x6d\x00" if cla in (0x00, 0x80, 0xFF) else b"\x6e\x00"

    def _chip_serial(self, apdu: bytes) -> bytes:
        if _le(apdu) != len(self.chip_serial):
            return bytes([0x6C, len(self.chip_serial)])
        return self._chained(self.chip_serial)

    def _select(self, apdu: bytes) -> bytes:
        return b"\x90\x00" if apdu[5:7] == b"\x60\x02" else b"\x6a\x82"

    def _read_dn(self, apdu: bytes) -> bytes:
        return self._chained(DN_CODE[: _le(apdu)])

    def _read_stream(self, apdu: bytes) -> bytes:
        offset = apdu[2] << 8 | apdu[3]
        if offset >= len(self.stream):
            return b"\x6b\x00"
        wanted = _le(apdu)
        data = self.stream[offset : offset + wanted]
        if self.faults.wrong_le and offset not in self._told_le:
            self._told_le.add(offset)
            return bytes([0x6C, len(data) & 0xFF])
        if len(data) < wanted:
            return data + b"\x62\x82"
        return self._chained(data)

    def _chained(self, data: bytes) -> bytes:
        size = self.faults.chaining
        if not size or len(data) <= size:
            return data + b"\x90\x00"
        self._pending = data[size:]
        return data[:size] + bytes([0x61, min(len(self._pending), 256) & 0xFF])

    def _get_response(self, apdu: bytes) -> bytes:
        if not self._pending:
            return b"\x69\x85"  # conditions of use not satisfied
        data, self._pending = self._pending[: _le(apdu)], self._pending[_le(apdu) :]
        if self._pending:
            return data + bytes([0x61, min(len(self._pending), 256) & 0xFF])
        return data + b"\x90\x00"


def _le(apdu: bytes) -> int:
    """Expected length of a short APDU (0 if absent, ``00`` meaning 256)."""
    if len(apdu) == 4:
        return 0
    if len(apdu) == 5:
        return apdu[4] or 256
    lc = apdu[4]
    return (apdu[5 + lc] or 256) if len(apdu) > 5 + lc else 0


# --- the socket side ---------------------------------------------------


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < size:
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)


def _recv_message(sock: socket.socket) -> bytes | None:
    header = _recv_exactly(sock, _LENGTH.size)
    if header is None:
        return None
    _ack_now(sock)
    return _recv_exactly(sock, _LENGTH.unpack(header)[0])


def _ack_now(sock: socket.socket) -> None:
    """Acknowledge received data at once instead of after ~40 ms.

    vpcd 3.3 sends the length and the payload in two writes; with Nagle on
    its side the payload waits for our ACK of the length, and Linux delays
    that ACK. Every APDU would cost 40 ms more than it should.
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)  # Linux only
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class VirtualCard:
    """A virtual ID card that can be inserted into and removed from vpcd.

    ``content`` is an :class:`IdentityRecord` (encoded here) or a raw
    256-byte text block (served unchanged, so invalid blocks can be
    tested). A record's ``chip_serial`` is used unless ``chip_serial`` is
    given. Thread-safe; usable as a context manager (insert on enter,
    remove on exit).
    """

    def __init__(
        self,
        content: IdentityRecord | bytes,
        *,
        chip_serial: bytes | None = None,
        photo: bytes | None = None,
        atr: bytes = DEFAULT_ATR,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        faults: Faults | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.faults = faults or Faults()
        self._text, record_serial, record_photo = _card_parts(content)
        self._photo = photo if photo is not None else record_photo
        self._chip_serial = chip_serial or record_serial or DEFAULT_CHIP_SERIAL
        self._atr = atr
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._removed = threading.Event()
        self._removed.set()
        #: APDUs received since the last insertion.
        self.apdus: list[bytes] = []

    @property
    def inserted(self) -> bool:
        """True while the card is connected to vpcd."""
        return not self._removed.is_set()

    def insert(self, timeout: float = 10.0) -> None:
        """Connect to vpcd (retrying until it listens) and start answering."""
        with self._lock:
            if self.inserted:
                return
            sock = self._connect(timeout)
            applet = IdCardApplet(
                self._text, self._photo, self._chip_serial, self._atr, self.faults
            )
            self._socket = sock
            self.apdus = []
            self._removed.clear()
            self._thread = threading.Thread(target=self._serve, args=(sock, applet), daemon=True)
            self._thread.start()

    def remove(self, timeout: float = 5.0) -> None:
        """Pull the card: close the socket and stop answering."""
        with self._lock:
            sock, thread = self._socket, self._thread
            if sock is not None:
                _close(sock)
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)

    def wait_removed(self, timeout: float | None) -> bool:
        """Wait until the card is out (e.g. after ``remove_after``)."""
        return self._removed.wait(timeout)

    def __enter__(self) -> Self:
        self.insert()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    def _connect(self, timeout: float) -> socket.socket:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=timeout)
            except OSError:
                # vpcd listens only once pcscd has loaded it: retry until then.
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock

    def _serve(self, sock: socket.socket, applet: IdCardApplet) -> None:
        try:
            while (message := _recv_message(sock)) is not None:
                reply = self._answer(applet, message)
                if reply is _PULL:
                    break
                if reply is not None:
                    sock.sendall(_LENGTH.pack(len(reply)) + reply)
        except OSError:
            pass  # vpcd went away or remove() closed the socket
        finally:
            _close(sock)
            self._removed.set()

    def _answer(self, applet: IdCardApplet, message: bytes) -> bytes | None:
        if len(message) == 1:
            return applet.control(message[0])
        limit = self.faults.remove_after
        if limit is not None and len(self.apdus) >= limit:
            return _PULL
        self.apdus.append(message)
        if self.faults.delay:
            time.sleep(self.faults.delay)
        return applet.respond(message)


_PULL = b"<pull the card>"


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the peer
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _card_parts(content: IdentityRecord | bytes) -> tuple[bytes, bytes | None, bytes]:
    """Text block, chip serial and photo of what the card should hold."""
    if isinstance(content, IdentityRecord):
        serial = bytes.fromhex(content.chip_serial) if content.chip_serial else None
        return encode_text_block(content), serial, content.photo or PLACEHOLDER_PHOTO
    if len(content) != BLOCK_LENGTH:
        raise ValueError(f"a raw text block is {BLOCK_LENGTH} bytes, got {len(content)}")
    return content, None, PLACEHOLDER_PHOTO


def load_content(path: Path) -> IdentityRecord | bytes:
    """Load a JSON record, a raw text block or a SAM frame / reader stream."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        return IdentityRecord.from_json_dict(json.loads(data))
    if data.startswith(PREAMBLE):
        return parse_base_information(data).text
    if len(data) != BLOCK_LENGTH:
        return split_blocks(data).text
    return data


# --- command line ------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m card_reader.virtual", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--record", type=Path, required=True, help="JSON record, 256-byte text block or SAM frame"
    )
    parser.add_argument("--chip-serial", type=bytes.fromhex, help="8-byte chip serial in hex")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="vpcd port (35963 + slot)")
    parser.add_argument("--remove-after", type=int, help="pull the card when APDU N+1 arrives")
    parser.add_argument("--garbage", type=Garbage, choices=list(Garbage), help="answer nonsense")
    parser.add_argument(
        "--chaining", type=int, help="split responses into 61xx chunks of this size"
    )
    parser.add_argument(
        "--wrong-le", action="store_true", help="answer 6Cxx to the first read at each offset"
    )
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each APDU answer")
    parser.add_argument(
        "--connect-timeout", type=float, default=30.0, help="seconds to wait for vpcd to listen"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a virtual card until ``quit``, SIGINT or SIGTERM."""
    args = _parser().parse_args(argv)
    faults = Faults(
        remove_after=args.remove_after,
        garbage=args.garbage,
        chaining=args.chaining,
        wrong_le=args.wrong_le,
        delay=args.delay,
    )
    card = VirtualCard(
        load_content(args.record),
        chip_serial=args.chip_serial,
        host=args.host,
        port=args.port,
        faults=faults,
    )
    stop = threading.Event()
    _install_signals(card, stop)
    try:
        card.insert(timeout=args.connect_timeout)
    except OSError as exc:
        reason = exc.strerror or exc
        _say(f"virtual card: no vpcd on {args.host}:{args.port} ({reason}): is pcscd running?")
        return 1
    _command(card, "insert")
    threading.Thread(target=_read_commands, args=(card, stop), daemon=True).start()
    stop.wait()
    card.remove()
    _say("virtual card: stopped")
    return 0


def _install_signals(card: VirtualCard, stop: threading.Event) -> None:
    signal.signal(
        signal.SIGUSR1, lambda *_: threading.Thread(target=_command, args=(card, "remove")).start()
    )
    signal.signal(
        signal.SIGUSR2, lambda *_: threading.Thread(target=_command, args=(card, "insert")).start()
    )
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())


def _read_commands(card: VirtualCard, stop: threading.Event) -> None:
    for line in sys.stdin:
        command = line.strip().lower()
        if command in ("q", "quit", "exit"):
            break
        _command(card, command)
    else:
        return  # stdin closed (e.g. /dev/null): keep running until a signal
    stop.set()


def _command(card: VirtualCard, command: str) -> None:
    if command in ("i", "insert"):
        card.insert()
        _say(f"virtual card: inserted ({card.host}:{card.port})")
        threading.Thread(target=_report_removal, args=(card,), daemon=True).start()
    elif command in ("r", "remove"):
        card.remove()
    elif command:
        _say(f"virtual card: unknown command {command!r} (insert, remove, quit)")


def _report_removal(card: VirtualCard) -> None:
    card.wait_removed(timeout=None)
    _say(f"virtual card: removed after {len(card.apdus)} APDU(s)")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
