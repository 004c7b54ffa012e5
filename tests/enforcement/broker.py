"""A Mosquitto of our own for a test or the benchmark: the project's configuration
(``deploy/mosquitto/mosquitto.conf``) on a free loopback port, persistence in a temporary
directory; stopped (and, if asked, restarted with its saved state) by the caller."""

from __future__ import annotations

import getpass
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

CONFIGURATION = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "mosquitto.conf"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalBroker:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def configuration(self) -> str:
        text = CONFIGURATION.read_text()
        text = re.sub(r"(?m)^listener .*$", f"listener {self.port} 127.0.0.1", text)
        text = re.sub(r"(?m)^persistence_location .*$",
                      f"persistence_location {self.directory}/", text)
        return text + f"\nuser {getpass.getuser()}\n"

    def start(self) -> LocalBroker:
        if shutil.which("mosquitto") is None:
            raise RuntimeError("mosquitto is not installed (Debian: apt-get install mosquitto)")
        path = self.directory / "mosquitto.conf"
        path.write_text(self.configuration())
        with open(self.directory / "mosquitto.log", "ab") as log:  # (the broker keeps its copy)
            self.process = subprocess.Popen(["mosquitto", "-c", str(path)], stdout=log,
                                            stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"mosquitto did not start: see {self.directory}/mosquitto.log") from None
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
