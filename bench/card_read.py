"""Benchmark: time from ID-card insertion to a decoded record, through pcscd and vpcd.

Run from the repository root (a pcscd is started for the run if none is running)::

    python bench/card_read.py              # 20 insertions
    python bench/card_read.py -n 50 --seed 7

Each run inserts the project's virtual ID card into a free vpcd slot, waits for pcscd to
report it (``wait_for_card``), reads and decodes it (``read_card``: chip serial plus six
``FF B0`` blocks), then removes it and waits for pcscd to see the removal. Insertions
happen at a random moment within pcscd's 400 ms presence-poll period, as a hand would.

The second measurement is the walk-in's wait: insertion to the kiosk's action screen (who
you are, your certificates, the matters to choose). It runs the real chain: the backend as an
HTTP server on a throw-away SQLite database (one demo holder with a certificate, one
registered kiosk), the kiosk program (reader thread, signed backend client, UI server) and
headless Chromium showing the UI; the time is taken from insertion to the moment the page
drew the action screen. Without Chromium it stops at the kiosk's state instead (and says so).

It only prints figures (targets for the medians: under 1 s to the record, under 2 s to the
action screen). Measurements are registered in ``MEASUREMENTS``: a function taking the
:class:`Bench` and the number of runs and returning one dict of phase durations (seconds,
with a ``total``) per run; ``TARGETS`` holds a target other than 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from card_reader.record import IdentityRecord

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0
#: pcscd's presence polling period for drivers without an event thread (vpcd).
POLL_PERIOD = 0.4
EVENT_TIMEOUT = 5.0


@dataclass
class Bench:
    """What every measurement gets: the slot to use and a record to put on the card."""

    reader: str
    port: int
    record: IdentityRecord
    rng: random.Random


Sample = dict[str, float]
Measurement = Callable[[Bench, int], list[Sample]]


def insertion_to_record(bench: Bench, runs: int) -> list[Sample]:
    """Insertion -> pcscd reports the card -> record decoded."""
    from card_reader import pcsc
    from card_reader.virtual import VirtualCard

    card = VirtualCard(bench.record, port=bench.port)
    samples = []
    for _ in range(runs):
        time.sleep(bench.rng.uniform(0, POLL_PERIOD))  # random phase against pcscd's poll
        inserted = time.perf_counter()
        card.insert()
        pcsc.wait_for_card(bench.reader, timeout=EVENT_TIMEOUT)
        present = time.perf_counter()
        record = pcsc.read_card(bench.reader)
        decoded = time.perf_counter()
        if record.id_number != bench.record.id_number:
            raise SystemExit(f"read the wrong record: {record.id_number}")
        card.remove()
        pcsc.wait_for_removal(bench.reader, timeout=EVENT_TIMEOUT)
        samples.append(
            {
                "total": decoded - inserted,
                "insertion -> card present": present - inserted,
                "card present -> decoded record": decoded - present,
            }
        )
    return samples


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _backend(instance: Path, record: IdentityRecord):
    """A migrated backend app on its own SQLite file, with the bench card's holder holding a
    driver certificate and one registered kiosk; ``(app, device id, secret)``."""
    import logging
    import os

    import flask_migrate

    from backend import create_app
    from backend.db import db
    from backend.demo import ELIGIBLE_LICENCE, _import, _issue_demo_certificate, _person
    from backend.devices.operations import register_device

    os.environ["INSTANCE_PATH"] = str(instance)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.sqlite3'}",
                      "LOAD_DEMO_DATA": False, "SIGNING_KEYS_DIR": str(instance / "keys")})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        _import("identity", [_person(record.id_number, record.name)])
        _import("driving_licence", [dict(id_number=record.id_number, **ELIGIBLE_LICENCE)])
        _issue_demo_certificate(record.id_number, record.name)
        device, secret = register_device("压测终端", "bench", actor="bench")
        db.session.commit()
        return app, device.id, secret


class _Screen:
    """When the UI drew a screen: in Chromium when there is one, else the kiosk's own state."""

    def __init__(self, program, stack):
        self.program, self.page = program, None
        if CHROMIUM.exists():
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                return
            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            stack.callback(browser.close)
            self.page = browser.new_page(viewport={"width": 1920, "height": 1080})
            self.page.goto(program.url)

    @property
    def where(self) -> str:
        return "drawn in headless Chromium" if self.page else "kiosk state (no Chromium)"

    def wait(self, screen: str) -> float:
        """Wall-clock time at which ``screen`` appeared."""
        if self.page is not None:
            self.page.wait_for_selector(f'body[data-screen="{screen}"]',
                                        timeout=EVENT_TIMEOUT * 2000)
            return self.page.evaluate(f"window.kioskTimings['{screen}']") / 1000
        visit = self.program.visit
        deadline = time.monotonic() + EVENT_TIMEOUT * 2
        while visit.screen != screen and time.monotonic() < deadline:
            visit.wait(visit.snapshot()["version"], 0.5)
        return time.time()


def insertion_to_action_screen(bench: Bench, runs: int) -> list[Sample]:
    """Insertion -> kiosk sees the card -> record decoded -> holder verified by the backend and
    the action screen drawn."""
    import contextlib
    import logging
    import tempfile
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    from card_reader.virtual import VirtualCard
    from kiosk.app import KioskProgram
    from kiosk.config import Config

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args) -> None:
            pass

    with contextlib.ExitStack() as stack:
        instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-kiosk-")))
        app, device_id, secret = _backend(instance, bench.record)
        logging.getLogger("kiosk").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(server.shutdown)
        program = KioskProgram(Config(server_url=f"http://127.0.0.1:{server.port}",
                                      device_id=device_id, secret=secret, reader=bench.reader,
                                      ui_port=0, idle_timeout=300))
        marks: dict[str, float] = {}
        _mark(program.visit, "card_inserted", "kiosk sees the card", marks)
        _mark(program.visit, "card_read", "record decoded", marks)
        program.start()
        stack.callback(program.stop)
        screen = _Screen(program, stack)
        print(f"    (action screen: {screen.where})")
        card = VirtualCard(bench.record, port=bench.port)
        samples = []
        for _ in range(runs):
            screen.wait("waiting")
            time.sleep(bench.rng.uniform(0, POLL_PERIOD))
            inserted = time.time()
            card.insert()
            shown = screen.wait("holder")
            card.remove()
            samples.append({
                "total": shown - inserted,
                "insertion -> kiosk sees the card": marks["kiosk sees the card"] - inserted,
                "card seen -> record decoded":
                    marks["record decoded"] - marks["kiosk sees the card"],
                "decoded -> verified, screen drawn": shown - marks["record decoded"],
            })
        return samples


def _mark(visit, method: str, label: str, marks: dict[str, float]) -> None:
    """Note the wall-clock time whenever the visit's ``method`` is called."""
    original = getattr(visit, method)

    def marked(*args):
        marks[label] = time.time()
        return original(*args)

    setattr(visit, method, marked)


MEASUREMENTS: dict[str, Measurement] = {
    "card insertion -> decoded record": insertion_to_record,
    "card insertion -> kiosk action screen": insertion_to_action_screen,
}
TARGETS = {"card insertion -> kiosk action screen": 2.0}


def _bench_record() -> IdentityRecord:
    from card_reader.record import IdentityRecord

    path = REPO_ROOT / "tests" / "card_reader" / "data" / "records" / "resident_long_term.json"
    return IdentityRecord.from_json_dict(json.loads(path.read_text("utf-8")))


def _free_slot(readers: list[str]) -> str:
    from card_reader import pcsc

    for reader in readers:
        if not pcsc.card_present(reader):
            return reader
    raise SystemExit("every vpcd slot holds a card: stop the other virtual cards")


def _pcscd_version() -> str:
    try:
        result = subprocess.run(
            ["pcscd", "--version"], capture_output=True, text=True, timeout=5, check=False
        )
    except OSError:
        return "unknown"
    first = (result.stdout or result.stderr).splitlines()
    return first[0] if first else "unknown"


def _report(name: str, samples: list[Sample]) -> None:
    totals = sorted(sample["total"] for sample in samples)
    median = statistics.median(totals)
    p90 = totals[min(len(totals) - 1, round(0.9 * (len(totals) - 1)))]
    target = TARGETS.get(name, TARGET_SECONDS)
    verdict = "meets" if median < target else "MISSES"
    print(
        f"{name:<40} median {median * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   "
        f"min {totals[0] * 1000:7.1f} ms   max {totals[-1] * 1000:7.1f} ms   "
        f"({verdict} the < {target:g} s target)"
    )
    for phase in samples[0]:
        if phase != "total":
            value = statistics.median(sample[phase] for sample in samples)
            print(f"    {phase:<36} median {value * 1000:7.1f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    """Run every registered measurement and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=20, help="insertions per measurement")
    parser.add_argument("--seed", type=int, default=1, help="seed for the insertion phase")
    args = parser.parse_args(argv)

    from card_reader.daemon import PcscDaemon, vpcd_port

    with PcscDaemon() as daemon:
        reader = _free_slot(daemon.vpcd_readers())
        bench = Bench(reader, vpcd_port(reader), _bench_record(), random.Random(args.seed))
        origin = "started for this run" if daemon.owned else "already running"
        print(f"card_read: {args.runs} runs, reader {reader!r}, {_pcscd_version()} ({origin})")
        for name, measure in MEASUREMENTS.items():
            _report(name, measure(bench, args.runs))
    return 0


if __name__ == "__main__":
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # run as a plain script from a checkout
    raise SystemExit(main())
