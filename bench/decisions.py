"""Decisions per second and latency of the instant flows, over HTTP, under gunicorn.

    python bench/decisions.py [--clients 8] [--seconds 10] [--flow NAME] [--holders-each 600]
                              [--workers 2] [--threads 1] [--worker-class sync] [--no-baseline]
                              [--database-url URL]

It builds a fresh embedded-default instance (SQLite under a temporary INSTANCE_PATH, demo data
loaded by ``flask setup``), adds benchmark drivers who each hold a certificate and benchmark
vehicles, starts gunicorn as ``make run`` does (``backend.wsgi:app``, 2 sync workers) on a free
loopback port, and has several clients renew certificates (each renewal re-runs every check
and issues a new certificate version; renewal opens only near expiry, so each client renews a
pool of holders whose certificates end in 30 days, one renewal each) or apply for vehicle permits (12 rules, a transport
certificate issued) as fast as the service answers. The same load is then put on the
straightforward way of serving (Flask's built-in threaded server, one process) for
comparison. Prints decisions/s and p50/p95/p99 latency per flow and server. Benchmark people
are named 压测… and exist only in the throw-away instance.

With ``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test`` each run uses that
PostgreSQL server instead of SQLite: a throw-away schema is created there (``t_…``, as the
tests do), and ``flask setup``, the preparation script and the servers get ``DATABASE_URL``
set to the URL with ``?options=-csearch_path%3Dt_…``; the schema is dropped afterwards, also
on failure or Ctrl-C. The header names the database used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FLOWS: dict[str, callable] = {}


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def database_label(url: str | None) -> str:
    """The header's name for the database: the server's URL (no password) and version."""
    if url is None:
        return f"SQLite {sqlite3.sqlite_version}, a fresh file per run (embedded default)"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar()
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    return f"PostgreSQL {version} at {shown}, a throw-away schema per run"


def postgres_url(url: str) -> str:
    """As the service reads ``DATABASE_URL`` (``postgresql://`` driven by psycopg 3)."""
    from backend.config import normalise_database_url

    return normalise_database_url(url)


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def database(url: str | None) -> Iterator[str | None]:
    """The ``DATABASE_URL`` of one run: none (the instance's SQLite file) without ``url``, else
    a throw-away schema on that server, dropped when the run ends however it ends."""
    if url is None:
        yield None
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            yield with_search_path(url, schema)
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        engine.dispose()


def environment(instance: Path, database_url: str | None) -> dict:
    """The environment of the ``flask`` commands, the preparation script and the servers."""
    env = {**os.environ, "INSTANCE_PATH": str(instance), "FLASK_APP": "backend"}
    return env | ({"DATABASE_URL": database_url} if database_url else {})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Renewal opens in the last days before expiry, so a certificate renews once: each client
#: renews a pool of holders of its own, one renewal each (more than the fastest run decides).
HOLDERS_EACH = 600


def prepare_instance(env: dict, drivers: int, holders_each: int = HOLDERS_EACH) -> list[list]:
    """Migrate, load demo data, and give each of ``drivers`` clients ``holders_each`` benchmark
    holders whose certificates (issued through the real flow) end in 30 days: in the renewal
    window."""
    subprocess.run([BIN / "flask", "setup"], env=env, check=True, capture_output=True)
    script = f"""
import datetime as dt, json
from backend import create_app
from backend.db import db
from backend.demo import ELIGIBLE_LICENCE, _import, _issue_demo_certificate, _person, demo_id_number
app = create_app()
pools = []
with app.app_context():
    for i in range({drivers}):
        pool = []
        for k in range({holders_each}):
            n = i * {holders_each} + k
            birth = dt.date(1970, 1, 1) + dt.timedelta(days=n)  # (one holder a day: unique)
            number, name = demo_id_number(f"{{birth:%Y%m%d}}", 501), f"压测{{n:05d}}"
            pool.append((number, name))
        pools.append(pool)
    people = [p for pool in pools for p in pool]
    _import("identity", [_person(number, name) for number, name in people])
    _import("driving_licence", [dict(id_number=number, **ELIGIBLE_LICENCE) for number, _ in people])
    for number, name in people:
        _issue_demo_certificate(number, name, days_left=30)
    db.session.commit()
print(json.dumps(pools))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return [[tuple(p) for p in pool] for pool in json.loads(out.stdout.strip().splitlines()[-1])]


def start_server(kind: str, env: dict, port: int, workers: int, threads: int,
                 worker_class: str = "sync"):
    env = {**env, "LOAD_DEMO_DATA": "0"}
    if kind == "gunicorn":
        command = [BIN / "gunicorn", "--workers", str(workers), "--threads", str(threads),
                   "--worker-class", worker_class, "--bind", f"127.0.0.1:{port}",
                   "--log-level", "warning", "backend.wsgi:app"]
    else:
        command = [BIN / "flask", "run", "--port", str(port), "--with-threads"]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{kind} did not come up")


def token(base: str, number: str, name: str) -> dict:
    response = requests.post(f"{base}/dev/idp/token", json={"id_number": number, "name": name})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class Client:
    """One phone posting JSON over HTTP/1.1 on a plain socket.

    The load generator shares the two cores with the server, so it does as little as a client
    can: ``requests`` spends several milliseconds of CPU per call here and ``http.client``
    about one (parsing headers with the email package); this reads the status line, the
    ``Content-Length`` and ``Connection`` headers and the body, and nothing else.
    """

    def __init__(self, base: str, headers: dict):
        netloc = urlsplit(base).netloc
        host, _, port = netloc.partition(":")
        self.address, self.socket, self.stream = (host, int(port)), None, None
        self.head = "".join(f"{name}: {value}\r\n" for name, value in
                            {**headers, "Host": netloc, "Content-Type": "application/json"}.items())

    def post(self, path: str, body: dict) -> str:
        """The application's status, or the HTTP status when there is none."""
        payload = json.dumps(body, ensure_ascii=False).encode()
        request = (f"POST {path} HTTP/1.1\r\n{self.head}Content-Length: {len(payload)}\r\n\r\n"
                   .encode() + payload)
        for attempt in (1, 2):  # a kept-alive connection the server has closed: once more
            if self.socket is None:
                self.socket = socket.create_connection(self.address)
                self.stream = self.socket.makefile("rb")
            self.socket.sendall(request)
            status_line = self.stream.readline()
            if status_line or attempt == 2:
                break
            self.close()
        status, length, keep = int(status_line.split()[1]), 0, True
        while (line := self.stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection":
                keep = value.strip().lower() != "close"
        answer = json.loads(self.stream.read(length))
        if not keep:
            self.close()
        return answer.get("status", str(status)) if isinstance(answer, dict) else str(status)

    def close(self) -> None:
        if self.socket is not None:
            self.stream.close()
            self.socket.close()
        self.socket = self.stream = None


def renew_flow(base: str, holders: list[tuple[str, str]]):
    """One renewal per call, each by the client's next holder (a certificate in its window
    renews once); a decision is an issued (or rejected) application. None once the pool is
    used up. The holders sign in here, before the clock starts."""
    client = Client(base, {})
    heads = iter([Client(base, token(base, *holder)).head for holder in holders])

    def once():
        client.head = next(heads, None)
        return None if client.head is None else client.post(
            "/api/v1/applications", {"matter": "driver-cert-renew"})

    return once


FLOWS["driver-cert-renew"] = renew_flow


def prepare_vehicles(env: dict, owners: int, plates_each: int = 600) -> list[tuple]:
    """Migrate, load demo data, and give each of ``owners`` benchmark owners ``plates_each``
    vehicles that pass every rule (registry, insurance and a GPS position from just now),
    imported through the same contracts as a department's export. One vehicle serves one
    platform, so every decision needs a plate of its own."""
    subprocess.run([BIN / "flask", "setup"], env=env, check=True, capture_output=True)
    script = f"""
import datetime as dt, json
from backend import create_app
from backend.db import db
from backend.demo import demo_id_number
from backend.identity.operations import register_or_update
from backend.verification.imports import import_file
app = create_app()
now = dt.datetime.now(dt.UTC)
today = (now + dt.timedelta(hours=8)).date()
owners, vehicles, policies, positions = [], [], [], []
for i in range({owners}):
    number, name = demo_id_number("19800101", 701 + 2 * i), f"压测车主{{i:03d}}"
    plates = [f"闽DD{{i:02d}}{{k:03d}}" if k < 1000 else f"闽DF{{i:02d}}{{k - 1000:03d}}"
              for k in range({plates_each})]
    owners.append((number, name, plates))
    for n, plate in enumerate(plates):
        vehicles.append(dict(plate=plate, vin=f"LBENCH{{i:03d}}{{n:08d}}", owner_id_number=number,
                             owner_name=name, category="passenger_car", seats=5, power_type="BEV",
                             wheelbase_mm=2700, first_registered_on=str(today - dt.timedelta(days=200)),
                             use_nature="reserved_taxi", status="normal",
                             inspection_valid_until=str(today + dt.timedelta(days=300))))
        policies.append(dict(plate=plate, policy_number=f"BENCH-{{plate}}", insurer="压测保险",
                             kind="承运人责任险", valid_until=str(today + dt.timedelta(days=300))))
        positions.append(dict(plate=plate, last_position_at=now.isoformat()))
with app.app_context():
    for source, records in (("vehicle_registry", vehicles), ("insurance", policies), ("gps", positions)):
        import_file(source, [json.dumps(r, ensure_ascii=False) for r in records])
    for number, name, _ in owners:  # known from an earlier sign-in, like the drivers
        register_or_update(number, name, actor="bench")
    db.session.commit()
print(json.dumps(owners, ensure_ascii=False))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return [tuple(p) for p in json.loads(out.stdout.strip().splitlines()[-1])]


def vehicle_permit_flow(base: str, owner: tuple[str, str, list[str]]):
    """One vehicle permit per call, each for the owner's next plate: all 12 rules, then a
    transport certificate numbered, stored and queued for the post, in the same request."""
    number, name, plates = owner
    client, remaining = Client(base, token(base, number, name)), iter(plates)
    address = {"recipient": name, "phone": "13800000000", "region_code": "350211",
               "detail": "集美区压测路1号"}
    return lambda: client.post("/api/v1/applications", {
        "matter": "vehicle-permit-issue", "plate": next(remaining),
        "platform": "xm-green-ride", "mailing_address": address})


FLOWS["vehicle-permit-issue"] = vehicle_permit_flow
PREPARE = {"vehicle-permit-issue": prepare_vehicles}


def drive(base: str, flow, people, seconds: float) -> dict:
    latencies, outcomes, lock, used_up = [], {}, threading.Lock(), []

    def client(once):
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            outcome = once()
            if outcome is None:  # (its pool used up: the figure is over a shorter run)
                used_up.append(True)
                break
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    threads = [threading.Thread(target=client, args=(flow(base, p),)) for p in people]
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {"decisions": len(latencies), "per_second": len(latencies) / wall,
            "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "outcomes": outcomes,
            "used_up": len(used_up)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync",
                        help="gunicorn's (make run: sync, 2 workers, 1 thread each)")
    parser.add_argument("--flow", choices=sorted(FLOWS), action="append")
    parser.add_argument("--holders-each", type=int, default=HOLDERS_EACH,
                        help="driver-cert-renew: holders per client, each renews once")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the Flask built-in server comparison")
    parser.add_argument("--database-url", metavar="URL",
                        help="run on this PostgreSQL server, in a throw-away schema "
                             "(default: SQLite under the temporary instance)")
    args = parser.parse_args()
    if args.database_url:
        args.database_url = postgres_url(args.database_url)
        if not args.database_url.startswith("postgresql"):
            parser.error("--database-url takes a PostgreSQL URL")
    print(f"machine: {machine()}")
    print(f"database: {database_label(args.database_url)}")
    servers = ["gunicorn"] + ([] if args.no_baseline else ["flask-builtin"])
    for flow_name in args.flow or sorted(FLOWS):
        for server in servers:
            with (tempfile.TemporaryDirectory(prefix="wyc-bench-",
                                              ignore_cleanup_errors=True) as instance,
                  database(args.database_url) as database_url):
                env = environment(Path(instance), database_url)
                people = (PREPARE[flow_name](env, args.clients) if flow_name in PREPARE
                          else prepare_instance(env, args.clients, args.holders_each))
                port = free_port()
                process = start_server(server, env, port, args.workers, args.threads,
                                       args.worker_class)
                try:
                    result = drive(f"http://127.0.0.1:{port}", FLOWS[flow_name], people, args.seconds)
                finally:
                    process.terminate()
                    process.wait(timeout=10)
            label = (f"gunicorn {args.worker_class} {args.workers}w x {args.threads}t"
                     if server == "gunicorn"
                     else "flask built-in server (threaded, 1 process)")
            print(f"{flow_name:22} {label:44} {result['per_second']:7.1f} decisions/s  "
                  f"p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
                  f"p99 {result['p99']:6.1f} ms  ({args.clients} clients, "
                  f"{result['decisions']} decisions, {result['outcomes']})"
                  + (f" [{result['used_up']} clients ran out of holders: raise HOLDERS_EACH]"
                     if result["used_up"] else ""))


if __name__ == "__main__":
    main()
