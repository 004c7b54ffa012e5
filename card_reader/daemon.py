"""Run pcscd with the vpcd driver for tests, demos and benchmarks.

:class:`PcscDaemon` starts ``pcscd --foreground --apdu`` as a child process
unless a pcscd already answers, in which case that one is used and left
running. pcscd has one fixed socket (``/run/pcscd/pcscd.comm``), so two
cannot run side by side; sharing the running one is the only sensible
choice. Either way the daemon is ready when the vpcd readers are listed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

from card_reader import pcsc
from card_reader.errors import CardReaderError, TransportError
from card_reader.virtual import DEFAULT_PORT

VPCD_READER_PREFIX = "Virtual PCD"
#: Polling step while pcscd starts up (it has no readiness notification).
_STARTUP_POLL = 0.05


class PcscDaemonError(TransportError):
    """pcscd could not be started, or it has no vpcd reader."""


class PcscDaemon:
    """A pcscd with vpcd readers, started here if none is running.

    ``owned`` tells whether this object started the process (and will stop
    it). ``log_path`` holds pcscd's output (with APDUs) when owned.
    """

    def __init__(self, log_path: Path | None = None, executable: str = "pcscd") -> None:
        self.executable = executable
        self.log_path = log_path or _temporary_log()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def owned(self) -> bool:
        """True if this object started pcscd."""
        return self.process is not None

    def start(self, timeout: float = 15.0) -> None:
        """Start pcscd unless one answers; wait for the vpcd readers."""
        if not pcsc.service_available():
            self._spawn()
        self._wait_ready(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop pcscd if this object started it."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        self.process = None

    def vpcd_readers(self) -> list[str]:
        """The vpcd reader names, slot 0 first."""
        return [name for name in pcsc.list_readers() if name.startswith(VPCD_READER_PREFIX)]

    def log_tail(self, lines: int = 20) -> str:
        """The end of pcscd's log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self) -> None:
        path = shutil.which(self.executable) or shutil.which(
            self.executable, path="/usr/sbin:/sbin"
        )
        if path is None:
            raise PcscDaemonError(
                f"{self.executable} not found: install the pcscd and vsmartcard-vpcd packages"
            )
        with self.log_path.open("wb") as log:
            # Output goes to a file, never a pipe nobody reads (pcscd would block).
            self.process = subprocess.Popen(
                [path, "--foreground", "--apdu"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise PcscDaemonError(
                    f"pcscd exited with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if self.vpcd_readers():
                    return
            except CardReaderError:
                pass  # not listening yet
            if time.monotonic() >= deadline:
                self.stop()
                raise PcscDaemonError(
                    f"pcscd has no vpcd reader after {timeout:g} s (is vsmartcard-vpcd installed?)"
                )
            time.sleep(_STARTUP_POLL)


def _temporary_log() -> Path:
    handle, name = tempfile.mkstemp(prefix="pcscd-", suffix=".log")
    os.close(handle)
    return Path(name)


def vpcd_port(reader: str) -> int:
    """The TCP port a virtual card must connect to for a vpcd reader.

    Slot *n* is named ``Virtual PCD 00 0n`` and listens on 35963 + *n*.
    """
    return DEFAULT_PORT + int(reader.rsplit(" ", 1)[-1], 16)
