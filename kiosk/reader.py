"""The reader thread: wait for a card, read it, wait for its removal, report each to the visit.

All PC/SC calls stay on this one thread (``reference/idcard.md`` §7.4). Waits are PC/SC
status-change waits in short slices, so a stop request is honoured within half a second and
an unplugged reader or a stopped pcscd is noticed at once. A card is read once per placement;
the UI may ask for a second read of the same card (``Visit.reread``).
"""

from __future__ import annotations

import logging
import threading

from card_reader import pcsc
from card_reader.errors import (
    ApduError,
    CardTimeoutError,
    DecodeError,
    NoCardError,
    NoReaderError,
    PcscError,
    ReaderBusyError,
    ServiceUnavailableError,
)
from kiosk.visit import Visit

log = logging.getLogger(__name__)

SLICE = 0.5
#: Pause before looking for the reader again after it disappeared.
RECONNECT_PAUSE = 1.0


class ReaderWatcher:
    def __init__(self, visit: Visit, reader: str | None = None, *, read_deadline: float = 3.0):
        self.visit = visit
        self.reader = reader
        self.read_deadline = read_deadline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._one_card()
            except (NoReaderError, ServiceUnavailableError, ReaderBusyError) as error:
                log.warning("reader unavailable: %s", type(error).__name__)
                self.visit.reader_unavailable()
                self._stop.wait(RECONNECT_PAUSE)
            except Exception:  # keep watching whatever happened; the trace has no card data
                log.exception("reader loop failed")
                self._stop.wait(RECONNECT_PAUSE)

    def _one_card(self) -> None:
        name = self._wait_for_card()
        if name is None:
            return
        self.visit.reread.clear()  # a request left over from the last card is not for this one
        self._read(name)
        while not self._stop.is_set():
            try:
                pcsc.wait_for_removal(name, timeout=SLICE)
                break
            except CardTimeoutError:
                if self.visit.reread.is_set():
                    self.visit.reread.clear()
                    self._read(name)
        self.visit.card_removed()

    def _wait_for_card(self) -> str | None:
        while not self._stop.is_set():
            try:
                name = pcsc.wait_for_card(self.reader, timeout=SLICE)
            except CardTimeoutError:
                self.visit.reader_ready()
                continue
            self.visit.reader_ready()
            return name
        return None

    def _read(self, name: str) -> None:
        self.visit.card_inserted()
        try:
            record = pcsc.read_card(name, deadline=self.read_deadline)
        except NoCardError:  # CardRemovedError included: taken away mid-read
            self.visit.read_failed("removed")
        except (DecodeError, ApduError, CardTimeoutError, PcscError) as error:
            # Only the kind of error: a decode error's text may quote the card's fields.
            log.info("unreadable card: %s", type(error).__name__)
            self.visit.read_failed("unreadable")
        else:
            self.visit.card_read(record.to_json_dict())
