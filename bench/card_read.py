"""Benchmark: time from ID-card insertion to a decoded record, through pcscd and vpcd.

Run from the repository root (a pcscd is started for the run if none is running)::

    python bench/card_read.py              # 20 insertions
    python bench/card_read.py -n 50 --seed 7

Each run inserts the project's virtual ID card into a free vpcd slot, waits for pcscd to
report it (``wait_for_card``), reads and decodes it (``read_card``: chip serial plus six
``FF B0`` blocks), then removes it and waits for pcscd to see the removal. Insertions
happen at a random moment within pcscd's 400 ms presence-poll period, as a hand would.

It only prints figures (target for the median: under 1 s). Measurements are registered in
``MEASUREMENTS``: a function taking the :class:`Bench` and the number of runs and returning
one dict of phase durations (seconds, with a ``total``) per run. The kiosk's "insertion to
action screen" is meant to be added there as a second entry.
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


MEASUREMENTS: dict[str, Measurement] = {
    "card insertion -> decoded record": insertion_to_record,
    # "card insertion -> kiosk action screen": added with the kiosk.
}


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
    verdict = "meets" if median < TARGET_SECONDS else "MISSES"
    print(
        f"{name:<40} median {median * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   "
        f"min {totals[0] * 1000:7.1f} ms   max {totals[-1] * 1000:7.1f} ms   "
        f"({verdict} the < {TARGET_SECONDS:g} s target)"
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
