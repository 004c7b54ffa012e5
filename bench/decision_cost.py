"""What one decision costs, in one process: CPU, statements, the database's share.

    python bench/decision_cost.py [--flow driver-cert-renew|vehicle-permit-issue]
                                  [--decisions 400] [--database-url URL]

``bench/decisions.py`` measures throughput over HTTP under gunicorn; this says where the time
of a decision goes. It builds the same throw-away instance (``bench/decisions.py``'s
preparation: SQLite under a temporary folder, or a throw-away schema on the PostgreSQL server
given), makes the app in this process and decides through Flask's test client, one decision
after another: 50 to warm up, then ``--decisions`` measured. It prints, per decision:

- the app's CPU time (this process) and the wall time;
- the statements sent to the database (counted at the cursor);
- on PostgreSQL, the CPU the server's processes used meanwhile (from ``/proc``: the server
  must be on this machine, and nothing else should use it meanwhile);
- on SQLite, how long the writer lock was held (``backend/storage.py``: two workers cannot
  decide faster than 1,000 ms / this);
- the garbage collector's share.

The straightforward comparison is an authenticated request that decides nothing
(``GET /api/v1/me``), measured the same way.
"""

from __future__ import annotations

import argparse
import fcntl
import gc
import glob
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import decisions as bench  # noqa: E402  (the preparation of bench/decisions.py)

WARM_UP = 50
ADDRESS = {"recipient": "压测", "phone": "13800000000", "region_code": "350211",
           "detail": "集美区压测路1号"}


def server_cpu_seconds() -> float:
    """CPU time used so far by the PostgreSQL server's processes on this machine."""
    ticks = 0
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class WriterLockClock:
    """Time the SQLite writer lock is held: ``backend/storage.py`` takes it with ``flock``."""

    def __init__(self):
        self.held, self.since, self.flock = 0.0, None, fcntl.flock
        fcntl.flock = self._flock

    def _flock(self, descriptor, operation):
        if operation == fcntl.LOCK_UN and self.since is not None:
            self.held += time.perf_counter() - self.since
            self.since = None
        result = self.flock(descriptor, operation)
        if operation == fcntl.LOCK_EX:
            self.since = time.perf_counter()
        return result


class GcClock:
    def __init__(self):
        self.seconds, self.runs, self.since = 0.0, 0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase, _info):
        if phase == "start":
            self.since = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self.since
            self.runs += 1


def decide(client, flow: str, people):
    """A function deciding once (asserting the decision was to issue), and an authenticated
    request that decides nothing, for the same person."""
    def token(number, name):
        answer = client.post("/dev/idp/token", json={"id_number": number, "name": name})
        return {"Authorization": f"Bearer {answer.json['access_token']}"}

    if flow == "driver-cert-renew":
        heads = iter([token(number, name) for number, name in people])
        first = token(*people[0])

        def once():
            return client.post("/api/v1/applications", json={"matter": flow}, headers=next(heads))
    else:
        number, name, plates = people
        first, plates = token(number, name), iter(plates)

        def once():
            return client.post("/api/v1/applications", headers=first, json={
                "matter": flow, "plate": next(plates), "platform": "xm-green-ride",
                "mailing_address": ADDRESS})

    def checked():
        answer = once()
        if answer.json.get("status") != "issued":
            raise RuntimeError(f"not issued: {answer.json}")

    def nothing():
        if client.get("/api/v1/me", headers=first).status_code != 200:
            raise RuntimeError("GET /api/v1/me failed")

    return checked, nothing


def measure(label: str, once, count: int, engine, postgres: bool, lock: WriterLockClock | None):
    import sqlalchemy as sa

    statements = [0]

    def counted(*_):
        statements[0] += 1

    for _ in range(WARM_UP):
        once()
    sa.event.listen(engine, "before_cursor_execute", counted)
    clock, gc_clock = lock, GcClock()
    held_before = clock.held if clock else 0.0
    server_before = server_cpu_seconds() if postgres else 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        once()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sa.event.remove(engine, "before_cursor_execute", counted)
    gc.callbacks.remove(gc_clock._callback)
    figures = [f"app CPU {1000 * cpu / count:6.2f} ms", f"wall {1000 * wall / count:6.2f} ms",
               f"{statements[0] / count:4.1f} statements"]
    if postgres:
        figures.append(f"server CPU {1000 * (server_cpu_seconds() - server_before) / count:5.2f} ms")
    if clock:
        figures.append(f"writer lock held {1000 * (clock.held - held_before) / count:5.2f} ms")
    figures.append(f"gc {1000 * gc_clock.seconds / count:4.2f} ms")
    print(f"{label:<34} " + ", ".join(figures) + " a request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flow", choices=["driver-cert-renew", "vehicle-permit-issue"],
                        default="driver-cert-renew")
    parser.add_argument("--decisions", type=int, default=400)
    parser.add_argument("--database-url", metavar="URL",
                        help="a PostgreSQL server on this machine (a throw-away schema on it)")
    args = parser.parse_args()
    print("machine:", bench.machine())
    print("database:", bench.database_label(args.database_url))
    needed = args.decisions + 2 * WARM_UP
    url = bench.postgres_url(args.database_url) if args.database_url else None
    with tempfile.TemporaryDirectory() as folder, bench.database(url) as database_url:
        env = bench.environment(Path(folder), database_url)
        if args.flow == "driver-cert-renew":
            people = bench.prepare_instance(env, 1, needed)[0]
        else:
            people = bench.prepare_vehicles(env, 1, needed)[0]
        os.environ.update({**env, "LOAD_DEMO_DATA": "0"})
        lock = None if database_url else WriterLockClock()

        from backend import create_app
        from backend.db import db

        app = create_app()
        with app.app_context():
            engine = db.engine
        client = app.test_client()
        checked, nothing = decide(client, args.flow, people)
        measure(args.flow, checked, args.decisions, engine, bool(database_url), lock)
        measure("GET /api/v1/me (decides nothing)", nothing, args.decisions, engine,
                bool(database_url), lock)


if __name__ == "__main__":
    main()
