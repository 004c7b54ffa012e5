"""Wiring the kiosk together, and ``python -m kiosk --config kiosk.toml``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Self

from kiosk.client import KioskClient
from kiosk.config import Config, ConfigError, load
from kiosk.visit import Visit

log = logging.getLogger("kiosk")

TICK = 0.25
#: How often an out-of-service kiosk asks the backend whether it is accepted again.
RECHECK_SECONDS = 30.0


class KioskProgram:
    """The reader thread, the UI server and the idle clock around one :class:`Visit`."""

    def __init__(self, config: Config):
        from kiosk.reader import ReaderWatcher  # pyscard only once the program really runs
        from kiosk.ui import UiServer

        self.config = config
        self.client = KioskClient(config.server_url, config.device_id, config.secret,
                                  timeout=config.request_timeout)
        self.visit = Visit(self.client, idle_timeout=config.idle_timeout)
        self.ui = UiServer(self.visit, config.ui_host, config.ui_port)
        self.watcher = ReaderWatcher(self.visit, config.reader, read_deadline=config.read_deadline)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="kiosk-idle", daemon=True)

    @property
    def url(self) -> str:
        return self.ui.url

    def start(self) -> None:
        self.ui.start()
        self.watcher.start()
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        self.watcher.stop()
        self._ticker.join(5)
        self.visit.close()
        self.ui.stop()
        self.client.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _tick(self) -> None:
        self.visit.check_device()
        last_check = time.monotonic()
        while not self._stop.wait(TICK):
            self.visit.tick()
            if self.visit.device_refused and time.monotonic() - last_check >= RECHECK_SECONDS:
                self.visit.check_device()
                last_check = time.monotonic()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk",
        description="Run the self-service kiosk: ID-card reader, backend client and touch UI.")
    parser.add_argument("--config", type=Path, default=Path("kiosk.toml"),
                        help="the TOML configuration (default: ./kiosk.toml)")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load(args.config)
    except ConfigError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 2
    try:
        program = KioskProgram(config)
    except OSError as error:
        print(f"kiosk: cannot serve the UI on {config.ui_host}:{config.ui_port}: {error.strerror}",
              file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    program.start()
    log.info("kiosk %s: UI at %s, backend %s", config.device_id, program.url, config.server_url)
    stop.wait()
    program.stop()
    return 0
