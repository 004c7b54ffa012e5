"""Supervision intake throughput over HTTP, validation and storage included.

    python bench/ingest.py [--seconds 10] [--clients 4] [--workers 2] [--batch 1000]
                           [--order-batch 500] [--gzip] [--no-stream] [--no-baseline]

It builds a throw-away embedded-default instance (SQLite and the event store under a temporary
INSTANCE_PATH), registers one licensed benchmark platform and issues its intake secret
(``auth.issue_credentials``, as ``flask supervision credentials`` does), starts gunicorn as
``make run`` does (``backend.wsgi:app``, sync workers) on a free loopback port, and has several
client processes post signed JSON batches as fast as the intake answers:

1. ``positionVehicle`` batches of ``--batch`` points (distinct vehicles and times; the intake
   also moves each vehicle's latest position forward in the relational database);
2. the same points as ``positionDriver`` (no latest-position update: the event path alone);
3. order and operate events: ``orderCreate``, ``orderMatch``, ``operateDepart``,
   ``operateArrive``, ``operatePay`` batches of ``--order-batch`` records in turn.

Each figure is records accepted (validated and durably stored: the intake answers only then) per
second of wall time, with the p50/p95 latency of one batch. Then the same numbers of records
are stored the straightforward way for comparison: one SQLAlchemy ``INSERT`` per record into a
table of the relational database, a commit per batch, in one process (storage only: no HTTP, no
validation, so the comparison favours it), next to the event store's own part on the same
records (``events.build_table`` and ``Store.write``, durable files). Finally, unless ``--no-stream``, the same position
load with ``SUPERVISION_STREAM_URL`` set (NATS JetStream at 127.0.0.1:4222, a stream of its own,
deleted afterwards): the intake's rate (acknowledged by the stream) and then the rate at which two
``flask supervision consume`` writers drain it into the store.

The clients share the machine's cores with the server, so they do as little as a client can:
the bodies and their SHA-256 are made before the clock starts; only the signature (an HMAC of a
short string) is computed per request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gzip
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COMPANY_ID = "3502BENCH0001"
BEIJING = dt.timezone(dt.timedelta(hours=8))
ORDER_FLOW = ("orderCreate", "orderMatch", "operateDepart", "operateArrive", "operatePay")
URIS = {"positionVehicle": "/ipc/v1/position/vehicle", "positionDriver": "/ipc/v1/position/driver", "orderCreate": "/ipc/v1/order/create",
        "orderMatch": "/ipc/v1/order/match", "operateDepart": "/ipc/v1/operate/depart",
        "operateArrive": "/ipc/v1/operate/arrive", "operatePay": "/ipc/v1/operate/pay"}


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


# -- the records ---------------------------------------------------------------------------------

def id_number(serial: int) -> str:
    from stdnum.cn import ric

    base = f"35020319900101{serial % 1000:03d}"
    return next(base + digit for digit in "0123456789X" if ric.is_valid(base + digit))


def positions(start: int, count: int, now: int) -> list[dict]:
    """``count`` points of 100,000 vehicles in turn, each reporting every 10 s (an hour ago)."""
    return [{"CompanyId": COMPANY_ID, "VehicleNo": f"闽D{(start + i) % 100_000:05d}",
             "VehicleRegionCode": 350200,
             "PositionTime": now - 3600 + 10 * ((start + i) // 100_000),
             "Longitude": 118_089_123 + i % 1000, "Latitude": 24_479_834 + i % 777, "Speed": 40,
             "Direction": i % 360, "Elevation": 12, "Mileage": 1234.5, "Encrypt": 1,
             "BizStatus": 3, "OrderId": "0"} for i in range(count)]


def driver_positions(start: int, count: int, now: int) -> list[dict]:
    """The same points as ``positions``, reported by the drivers (``positionDriver``)."""
    return [{"CompanyId": COMPANY_ID, "LicenseId": id_number(start + i), "DriverRegionCode": 350200,
             "VehicleNo": record["VehicleNo"], "PositionTime": record["PositionTime"],
             "Longitude": record["Longitude"], "Latitude": record["Latitude"], "Encrypt": 1,
             "Direction": record["Direction"], "Speed": 40, "BizStatus": 3, "OrderId": "0"}
            for i, record in enumerate(positions(start, count, now))]


def order_events(interface: str, start: int, count: int, f14: int) -> list[dict]:
    common = [{"CompanyId": COMPANY_ID, "OrderId": f"BENCH{start + i:09d}"} for i in range(count)]
    licence, plate = id_number(start), f"闽D{start % 100_000:05d}"
    place = {"DepLongitude": 118_070_000, "DepLatitude": 24_630_000, "Encrypt": 1}
    extra = {
        "orderCreate": dict(Address=350203, DepartTime=f14, OrderTime=f14, Departure="厦门北站",
                            Destination="中山路", DestLongitude=118_080_000,
                            DestLatitude=24_450_000, FareType="XM01", **place),
        "orderMatch": dict(Address=350203, Encrypt=1, LicenseId=licence,
                           DriverPhone="13800000000", VehicleNo=plate, DistributeTime=f14),
        "operateDepart": dict(LicenseId=licence, FareType="XM01", VehicleNo=plate, DepTime=f14,
                              WaitMile=1.2, WaitTime=120, **place),
        "operateArrive": dict(DestLongitude=118_080_000, DestLatitude=24_450_000, Encrypt=1,
                              DestTime=f14, DriveMile=12.5, DriveTime=1500),
        "operatePay": dict(OnArea=350203, LicenseId=licence, FareType="XM01", VehicleNo=plate,
                           BookDepTime=f14, DepTime=f14, DestTime=f14, DriveMile=12.5,
                           DriveTime=1500, FactPrice=38.5, FarUpPrice=0.0, OtherUpPrice=0.0,
                           PayState="1", InvoiceStatus="0", DestLongitude=118_080_000,
                           DestLatitude=24_450_000, DepLongitude=118_070_000,
                           DepLatitude=24_630_000),
    }[interface]
    return [dict(record, **extra) for record in common]


def body(interface: str, records: list[dict], compress: bool) -> bytes:
    document = {"Source": "0", "CompanyId": COMPANY_ID, "IPCType": interface, interface: records}
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return gzip.compress(data, 1) if compress else data


# -- the instance and the server -----------------------------------------------------------------

def environment(instance: Path, **extra: str) -> dict:
    return {**os.environ, "INSTANCE_PATH": str(instance), "FLASK_APP": "backend",
            "LOAD_DEMO_DATA": "0", "PYTHONPATH": str(ROOT), **extra}


PREPARE = """
import datetime as dt, json
from backend import create_app
from backend.db import db
from backend.platforms.models import Platform
from backend.supervision import auth
app = create_app()
with app.app_context():
    platform = Platform(code="BENCH", name="压测出行", uscc="91350200MA00000000",
                        licence_number="闽交运管许可厦字350200000001号", company_id=%r,
                        licensed_from=dt.date(2026, 1, 1), valid_until=dt.date(2030, 12, 31),
                        status="valid")
    db.session.add(platform)
    db.session.flush()
    secret = auth.issue_credentials(platform, actor="bench")
    db.session.commit()
print(json.dumps(secret))
"""


def prepare_instance(env: dict) -> str:
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, check=True, capture_output=True,
                   cwd=ROOT)
    out = subprocess.run([sys.executable, "-c", PREPARE % COMPANY_ID], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [BIN / "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120", "backend.wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not come up")


# -- the load ------------------------------------------------------------------------------------

def _client(port: int, secret: str, requests: list, seconds: float, results) -> None:
    """Post the prepared requests one after another until they or the time run out."""
    latencies, accepted, failures = [], 0, {}
    cpu_started = time.process_time()
    stop = time.monotonic() + seconds
    for uri, payload, digest, headers in requests:
        if time.monotonic() > stop:
            break
        timestamp, nonce = str(int(time.time())), secrets.token_hex(12)
        message = "\n".join(["POST", uri, timestamp, nonce, digest]).encode()
        signed = {**headers, "X-Company-Id": COMPANY_ID, "X-Timestamp": timestamp,
                  "X-Nonce": nonce,
                  "X-Signature": hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()}
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", uri, payload, signed)
        response = connection.getresponse()
        answer = response.read()
        latencies.append(time.perf_counter() - started)
        connection.close()
        if response.status == 200:
            accepted += json.loads(answer)["accepted"]
        else:
            failures[response.status] = answer[:300].decode(errors="replace")
    results.put((latencies, accepted, failures, time.process_time() - cpu_started))


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all processes, every tenant), in seconds."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for process in [str(pid), *children]:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def load(port: int, secret: str, batches: list[tuple[str, bytes]], clients: int, seconds: float,
         compress: bool, server: subprocess.Popen) -> dict:
    headers = {"Content-Type": "application/json"}
    if compress:
        headers["Content-Encoding"] = "gzip"
    prepared = [(URIS[interface], payload, hashlib.sha256(payload).hexdigest(), headers)
                for interface, payload in batches]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_client, args=(port, secret, prepared[n::clients], seconds,
                                                     results)) for n in range(clients)]
    cpu_before, busy_before = cpu_seconds(server.pid), machine_busy_seconds()
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    reports = [results.get() for _ in workers]
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server.pid) - cpu_before
    machine_busy = machine_busy_seconds() - busy_before
    client_cpu = sum(report[3] for report in reports)
    for worker in workers:
        worker.join()
    latencies = sorted(latency for report in reports for latency in report[0])
    accepted = sum(report[1] for report in reports)
    failures = {status: text for report in reports for status, text in report[2].items()}
    return {"records": accepted, "seconds": round(elapsed, 2),
            "records_per_second": round(accepted / elapsed),
            "batches": len(latencies),
            "batch_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "batch_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
            # What the server's processes spent: records per CPU-second, and what two cores
            # of the server alone would take (the clients and other tenants aside).
            "server_cpu_seconds": round(server_cpu, 2),
            "records_per_server_cpu_second": round(accepted / server_cpu) if server_cpu else None,
            "two_core_capacity": round(2 * accepted / server_cpu) if server_cpu else None,
            "client_cpu_seconds": round(client_cpu, 2),
            # Busy CPU time of the whole machine in the run, and the idle left over.
            "machine_busy_seconds": round(machine_busy, 2),
            "machine_idle_seconds": round(os.cpu_count() * elapsed - machine_busy, 2),
            "load_average": os.getloadavg()[0],
            "failures": failures}


def position_batches(count: int, size: int, compress: bool, offset: int = 0,
                     interface: str = "positionVehicle") -> list:
    now = int(time.time())
    make = positions if interface == "positionVehicle" else driver_positions
    return [(interface, body(interface, make(offset + n * size, size, now), compress))
            for n in range(count)]


def order_batches(count: int, size: int, compress: bool) -> list:
    f14 = int(dt.datetime.now(BEIJING).strftime("%Y%m%d%H%M%S"))
    return [(interface, body(interface, order_events(interface, n * size, size, f14), compress))
            for n in range(count) for interface in ORDER_FLOW]


# -- the straightforward way ---------------------------------------------------------------------

STRAIGHTFORWARD = """
import datetime as dt, json, sys, time
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
sys.path.insert(0, "bench")
from ingest import positions

class Base(DeclarativeBase):
    pass

class PositionRow(Base):
    __tablename__ = "bench_position_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[str] = mapped_column(sa.String(32))
    vehicle_no: Mapped[str] = mapped_column(sa.String(32))
    position_time: Mapped[int] = mapped_column(sa.BigInteger)
    longitude: Mapped[int] = mapped_column(sa.BigInteger)
    latitude: Mapped[int] = mapped_column(sa.BigInteger)
    speed: Mapped[int]
    direction: Mapped[int]
    encrypt: Mapped[int]
    biz_status: Mapped[int]
    order_id: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[dt.datetime]
    __table_args__ = (sa.UniqueConstraint("company_id", "vehicle_no", "position_time"),)

engine = sa.create_engine(sys.argv[1])
Base.metadata.create_all(engine)
total, size = int(sys.argv[2]), int(sys.argv[3])
batches = [positions(n * size, size, int(time.time())) for n in range(total // size)]
started = time.perf_counter()
with Session(engine) as session:
    for batch in batches:
        now = dt.datetime.now(dt.UTC)
        for r in batch:
            session.execute(sa.insert(PositionRow).values(
                company_id=r["CompanyId"], vehicle_no=r["VehicleNo"],
                position_time=r["PositionTime"], longitude=r["Longitude"],
                latitude=r["Latitude"], speed=r["Speed"], direction=r["Direction"],
                encrypt=r["Encrypt"], biz_status=r["BizStatus"], order_id=r["OrderId"],
                received_at=now))
        session.commit()
elapsed = time.perf_counter() - started

# The event store's part of the intake on the same records, for comparison.
import tempfile
from backend.supervision import events
store = events.Store(tempfile.mkdtemp())
store_started = time.perf_counter()
for batch in batches:
    store.write("positionVehicle", events.build_table(
        "positionVehicle", batch[0]["CompanyId"], batch, dt.datetime.now(dt.UTC)))
store_elapsed = time.perf_counter() - store_started
print(json.dumps({"records": total, "seconds": round(elapsed, 2),
                  "records_per_second": round(total / elapsed),
                  "event_store_seconds": round(store_elapsed, 2),
                  "event_store_records_per_second": round(total / store_elapsed)}))
"""


def straightforward(env: dict, database_url: str, total: int, size: int) -> dict:
    out = subprocess.run([sys.executable, "-c", STRAIGHTFORWARD, database_url, str(total),
                          str(size)], env=env, check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the scale path ------------------------------------------------------------------------------

def delete_stream(name: str) -> None:
    import nats

    async def delete():
        connection = await nats.connect("nats://127.0.0.1:4222")
        try:
            await connection.jetstream().delete_stream(name)
        finally:
            await connection.close()
    try:
        asyncio.run(delete())
    except Exception as error:  # noqa: BLE001 - a bench's cleanup only reports
        print(f"(could not delete stream {name}: {error!r})")


def drain(env: dict, writers: int, expected: int) -> dict:
    started = time.perf_counter()
    processes = [subprocess.Popen([BIN / "flask", "supervision", "consume", "--batch", "64",
                                   "--idle-exit", "2"], env=env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                 for _ in range(writers)]
    written = sum(json.loads(process.communicate()[0].strip().splitlines()[-1])["rows"]
                  for process in processes)
    elapsed = time.perf_counter() - started - 2  # less the idle wait at the end
    return {"writers": writers, "records": written, "expected": expected,
            "seconds": round(elapsed, 2), "records_per_second": round(written / elapsed)}


def count_positions(env: dict) -> int:
    script = ("from backend import create_app\nfrom backend.supervision import events\n"
              "app = create_app()\nwith app.app_context():\n"
              "    print(events.query('SELECT count(*) AS n FROM positionVehicle')[0]['n'])")
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1])


# -- the run -------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--order-batch", type=int, default=500)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--no-stream", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    env = environment(instance)
    figures = {"machine": machine(), "gunicorn_workers": args.workers, "clients": args.clients,
               "encoding": "json+gzip" if args.gzip else "json"}
    try:
        secret = prepare_instance(env)
        # Enough distinct batches for the time at the target rates (and some).
        position_count = max(20, int(args.seconds * 100_000 / args.batch))
        order_count = max(4, int(args.seconds * 40_000 / args.order_batch / len(ORDER_FLOW)))
        batches = position_batches(position_count, args.batch, args.gzip)
        orders = order_batches(order_count, args.order_batch, args.gzip)
        driver_points = position_batches(position_count, args.batch, args.gzip,
                                         interface="positionDriver")

        port = free_port()
        server = start_gunicorn(env, port, args.workers)
        try:
            figures["positions"] = load(port, secret, batches, args.clients, args.seconds,
                                        args.gzip, server)
            figures["order_operate"] = load(port, secret, orders, args.clients, args.seconds,
                                            args.gzip, server)
            figures["driver_positions"] = load(port, secret, driver_points, args.clients,
                                               args.seconds, args.gzip, server)
        finally:
            server.terminate()
            server.wait()
        figures["positions"]["stored"] = count_positions(env)
        if not args.no_baseline:
            total = min(figures["positions"]["records"], 50_000) // args.batch * args.batch
            figures["straightforward_sqlite"] = straightforward(
                env, f"sqlite:///{instance / 'straightforward.sqlite3'}", max(total, args.batch),
                args.batch)
        if not args.no_stream:
            figures["jetstream"] = jetstream_run(args, instance, secret)
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


def jetstream_run(args, instance: Path, secret: str) -> dict:
    name = f"BENCH_{uuid.uuid4().hex[:10].upper()}"
    env = environment(instance, SUPERVISION_STREAM_URL="nats://127.0.0.1:4222",
                      SUPERVISION_STREAM_NAME=name,
                      SUPERVISION_EVENTS_DIR=str(instance / "stream-events"))
    batches = position_batches(max(20, int(args.seconds * 80_000 / args.batch)), args.batch,
                               args.gzip, offset=10_000_000)
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        intake = load(port, secret, batches, args.clients, args.seconds, args.gzip, server)
    finally:
        server.terminate()
        server.wait()
    try:
        writers = drain(env, 2, intake["records"])
        writers["stored"] = count_positions(env)
    finally:
        delete_stream(name)
    return {"intake": intake, "writers": writers}


if __name__ == "__main__":
    main()
