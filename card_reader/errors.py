"""Typed errors raised by :mod:`card_reader`.

Every failure the package reports is a :class:`CardReaderError`. The tree
separates *bad data* (the bytes arrived but do not form a valid identity
record: :class:`DecodeError` and below) from *transport* problems (the card,
the reader or the PC/SC service went away: :class:`TransportError` and below),
because a kiosk reacts differently: bad data is reported, a vanished card
sends the kiosk back to waiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from card_reader.iso7816 import SW
    from card_reader.samframe import SamStatus


class CardReaderError(Exception):
    """Base class of every error raised by ``card_reader``."""


# --- bad data -----------------------------------------------------------


class DecodeError(CardReaderError):
    """The bytes received or loaded do not form a valid identity record."""


class FrameError(DecodeError):
    """A SAM frame or reader stream is malformed (preamble, length, checksum)."""


class BadResponseError(FrameError):
    """A card or reader answered an APDU with a malformed response."""


class SamStatusError(DecodeError):
    """The SAM answered with a status byte (SW3) other than success."""

    def __init__(self, status: SamStatus | int) -> None:
        from card_reader.samframe import describe_status

        self.status = status
        super().__init__(f"SAM status {int(status):#04x}: {describe_status(status)}")


class RecordError(DecodeError):
    """The text block decodes to an invalid record (text, dates, ID number)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class UnknownCardTypeError(RecordError):
    """The card-type marker at text offset 248 is not a known type."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        super().__init__("card_type", f"unknown card type marker {marker!r}")


# --- APDU status words --------------------------------------------------


class ApduError(CardReaderError):
    """The card answered an APDU with an error status word."""

    def __init__(self, sw: int, apdu: bytes = b"") -> None:
        from card_reader.iso7816 import describe_sw

        self.sw = sw
        self.apdu = apdu
        command = f" to {apdu[:4].hex(' ').upper()}" if apdu else ""
        super().__init__(f"card answered {sw:04X}{command}: {describe_sw(sw)}")

    @property
    def status(self) -> SW | None:
        """The status word as an :class:`~card_reader.iso7816.SW`, if known."""
        from card_reader.iso7816 import SW

        try:
            return SW(self.sw)
        except ValueError:
            return None


# --- transport ----------------------------------------------------------


class TransportError(CardReaderError):
    """The card, the reader or the PC/SC service is not usable."""


class ServiceUnavailableError(TransportError):
    """The PC/SC service (pcscd) is not running or cannot be reached."""


class NoReaderError(TransportError):
    """No reader is attached, or the requested reader does not exist."""


class NoCardError(TransportError):
    """There is no card in the reader."""


class CardRemovedError(NoCardError):
    """The card was removed (or reset) while it was being read."""


class CardTimeoutError(TransportError, TimeoutError):
    """A wait for a card event, or a read deadline, expired."""


class ReaderBusyError(TransportError):
    """Another program holds the reader exclusively."""


class PcscError(TransportError):
    """Any other PC/SC failure; ``hresult`` holds the PC/SC return code."""

    def __init__(self, message: str, hresult: int) -> None:
        self.hresult = hresult
        super().__init__(f"{message} (PC/SC {hresult:#010x})")
