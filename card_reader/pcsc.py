"""PC/SC adapter: the only module that imports pyscard.

It turns PC/SC return codes into the typed errors of
:mod:`card_reader.errors` and offers the small API the kiosk needs::

    reader = wait_for_card(timeout=60)      # CardTimeoutError when idle
    record = read_card(reader)              # IdentityRecord with chip_serial
    wait_for_removal(reader, timeout=30)

Only pyscard's low-level ``smartcard.scard`` module is used, so every PC/SC
return code is seen and mapped (the high-level classes retry or print some
of them). Waits use ``SCardGetStatusChange``: they return on the reader's
event, not on a polling tick, and always end at their timeout.

``reader=None`` means the first reader pcscd lists. A reader may also be
named by a unique part of its name.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from smartcard import scard

from card_reader.errors import (
    BadResponseError,
    CardRemovedError,
    CardTimeoutError,
    NoCardError,
    NoReaderError,
    PcscError,
    ReaderBusyError,
    ServiceUnavailableError,
    TransportError,
)
from card_reader.record import IdentityRecord
from card_reader.session import read_identity


def _codes(*names: str) -> frozenset[int]:
    return frozenset(getattr(scard, name) & 0xFFFFFFFF for name in names)


_NO_SERVICE = _codes("SCARD_E_NO_SERVICE", "SCARD_E_SERVICE_STOPPED")
_NO_READER = _codes(
    "SCARD_E_NO_READERS_AVAILABLE", "SCARD_E_UNKNOWN_READER", "SCARD_E_READER_UNAVAILABLE"
)
# A card pulled away shows up as any of these, depending on whether pcscd's
# poller noticed before the APDU (REMOVED_CARD) or during it (NOT_TRANSACTED).
_CARD_GONE = _codes(
    "SCARD_W_REMOVED_CARD",
    "SCARD_W_RESET_CARD",
    "SCARD_E_NO_SMARTCARD",
    "SCARD_E_NOT_TRANSACTED",
    "SCARD_W_UNPOWERED_CARD",
    "SCARD_W_UNRESPONSIVE_CARD",
    "SCARD_E_INVALID_HANDLE",
)
_TIMEOUT = _codes("SCARD_E_TIMEOUT")
_BUSY = _codes("SCARD_E_SHARING_VIOLATION")
_NO_READERS = scard.SCARD_E_NO_READERS_AVAILABLE & 0xFFFFFFFF
_PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
#: Longest single SCardGetStatusChange call, so Ctrl-C is honoured promptly.
_WAIT_SLICE_MS = 500


def _error(hresult: int, action: str, card_error: type[NoCardError]) -> TransportError:
    code = hresult & 0xFFFFFFFF
    reason = scard.SCardGetErrorMessage(hresult).strip()
    if code in _NO_SERVICE:
        return ServiceUnavailableError(f"{action}: pcscd is not running ({reason})")
    if code in _NO_READER:
        return NoReaderError(f"{action}: reader not available ({reason})")
    if code in _CARD_GONE:
        return card_error(f"{action}: {reason}")
    if code in _TIMEOUT:
        return CardTimeoutError(f"{action}: timed out")
    if code in _BUSY:
        return ReaderBusyError(f"{action}: reader in exclusive use by another program")
    return PcscError(f"{action}: {reason}", code)


def _check(hresult: int, action: str, card_error: type[NoCardError] = CardRemovedError) -> None:
    if hresult != scard.SCARD_S_SUCCESS:
        raise _error(hresult, action, card_error)


@contextmanager
def _context() -> Iterator[int]:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _check(hresult, "connecting to pcscd")
    try:
        yield context
    finally:
        scard.SCardReleaseContext(context)


def _reader_names(context: int) -> list[str]:
    hresult, names = scard.SCardListReaders(context, [])
    if hresult & 0xFFFFFFFF == _NO_READERS:
        return []
    _check(hresult, "listing readers")
    return list(names)


def _resolve(context: int, reader: str | None) -> str:
    names = _reader_names(context)
    if not names:
        raise NoReaderError("no smart-card reader attached")
    if reader is None or reader in names:
        return reader or names[0]
    matches = [name for name in names if reader in name]
    if len(matches) != 1:
        raise NoReaderError(f"no single reader matches {reader!r} (readers: {', '.join(names)})")
    return matches[0]


# --- readers and card presence ------------------------------------------


def list_readers() -> list[str]:
    """Names of the readers pcscd knows, in its order (may be empty)."""
    with _context() as context:
        return _reader_names(context)


def service_available() -> bool:
    """True if pcscd answers."""
    try:
        with _context():
            return True
    except ServiceUnavailableError:
        return False


def card_present(reader: str | None = None) -> bool:
    """True if a responsive card is in ``reader`` right now."""
    with _context() as context:
        name = _resolve(context, reader)
        return _is_present(_state(context, name, scard.SCARD_STATE_UNAWARE, 0))


def wait_for_card(reader: str | None = None, timeout: float = 10.0) -> str:
    """Block until a card is present; return the reader's name.

    Returns at once if a card is already there. Raises
    :class:`CardTimeoutError` after ``timeout`` seconds.
    """
    with _context() as context:
        name = _resolve(context, reader)
        _wait(context, name, want_present=True, timeout=timeout)
        return name


def wait_for_removal(reader: str | None = None, timeout: float = 10.0) -> None:
    """Block until ``reader`` holds no card (at once if already empty)."""
    with _context() as context:
        name = _resolve(context, reader)
        _wait(context, name, want_present=False, timeout=timeout)


def _is_present(event: int) -> bool:
    return bool(event & scard.SCARD_STATE_PRESENT) and not event & scard.SCARD_STATE_MUTE


def _state(context: int, name: str, known: int, timeout_ms: int) -> int:
    """One SCardGetStatusChange call; returns the new event state."""
    hresult, states = scard.SCardGetStatusChange(context, timeout_ms, [(name, known)])
    _check(hresult, f"watching reader {name!r}")
    _, event, _atr = states[0]
    if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
        raise NoReaderError(f"reader {name!r} is gone")
    return event


def _wait(context: int, name: str, *, want_present: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    known = scard.SCARD_STATE_UNAWARE
    while True:
        remaining_ms = max(0, round((deadline - time.monotonic()) * 1000))
        try:
            event = _state(context, name, known, min(remaining_ms, _WAIT_SLICE_MS))
        except CardTimeoutError:
            if time.monotonic() >= deadline:
                what = "a card" if want_present else "the card's removal"
                raise CardTimeoutError(f"no {what} in {name!r} within {timeout:g} s") from None
            continue
        if _is_present(event) == want_present:
            return
        known = event & ~scard.SCARD_STATE_CHANGED


# --- talking to the card -------------------------------------------------


class PcscConnection:
    """A connected card; implements :class:`card_reader.iso7816.Connection`.

    ``deadline`` (a ``time.monotonic()`` value) bounds a multi-APDU read:
    once passed, the next transmit raises :class:`CardTimeoutError`.
    """

    def __init__(
        self, handle: int, protocol: int, reader: str, deadline: float | None = None
    ) -> None:
        self.reader = reader
        self._handle = handle
        self._protocol = protocol
        self._deadline = deadline

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one APDU; return response data and status word."""
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise CardTimeoutError(f"reading the card in {self.reader!r} took too long")
        hresult, response = scard.SCardTransmit(self._handle, self._protocol, list(apdu))
        _check(hresult, f"reading the card in {self.reader!r}")
        if not response:
            # Every R-APDU carries SW1 SW2. An empty "successful" answer is
            # what vpcd reports when the card vanishes mid-APDU (EOF on its
            # socket); real drivers report SCARD_E_NOT_TRANSACTED instead.
            raise CardRemovedError(
                f"the card in {self.reader!r} stopped answering (removed during the read)"
            )
        if len(response) < 2:
            raise BadResponseError(
                f"card answered {len(response)} byte, too short for a status word"
            )
        return bytes(response[:-2]), response[-2] << 8 | response[-1]


@contextmanager
def open_card(
    reader: str | None = None, *, deadline: float | None = None
) -> Iterator[PcscConnection]:
    """Connect to the card in ``reader`` inside a PC/SC transaction.

    ``deadline`` is in seconds from now. The card is left powered on exit.
    """
    with _context() as context:
        name = _resolve(context, reader)
        hresult, handle, protocol = scard.SCardConnect(
            context, name, scard.SCARD_SHARE_SHARED, _PROTOCOLS
        )
        _check(hresult, f"connecting to the card in {name!r}", card_error=NoCardError)
        try:
            _check(scard.SCardBeginTransaction(handle), f"locking the card in {name!r}")
            until = None if deadline is None else time.monotonic() + deadline
            try:
                yield PcscConnection(handle, protocol, name, until)
            finally:
                scard.SCardEndTransaction(handle, scard.SCARD_LEAVE_CARD)
        finally:
            # Return codes ignored: the card may be gone already.
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)


def read_card(
    reader_name: str | None = None, *, wait: float = 0.0, deadline: float | None = 5.0
) -> IdentityRecord:
    """Read and decode the identity record (with ``chip_serial``) of a card.

    ``wait`` seconds are allowed for the card to appear (0: it must be
    there); ``deadline`` bounds the read itself.
    """
    if wait > 0:
        reader_name = wait_for_card(reader_name, timeout=wait)
    with open_card(reader_name, deadline=deadline) as connection:
        return read_identity(connection)
