"""Enforcement cameras: plate reads classified per second, from MQTT to stored result, and the
plate look-ups' latency.

    python bench/plates.py [--reads 100000] [--publishers 2] [--licensed 20000] [--illegal 2000]
                           [--baseline-reads 20000] [--lookups 2000] [--batch 5000]

It builds a throw-away embedded-default instance (SQLite and the event store under a temporary
INSTANCE_PATH) with ``--licensed`` transport certificates (a tenth of them revoked an hour ago,
so their validity history has two rows), a platform's feed of the last half hour (positions of
``--illegal`` plates without a certificate and of a quarter of the licensed ones, in the event
store and in the latest-positions table), and starts Mosquitto with the project's configuration
(``deploy/mosquitto/mosquitto.conf``) on a free loopback port. Reads are 40 % licensed plates,
10 % the unlicensed plates of the feed, 50 % made-up private cars, spread over the cameras.

1. **live**: the worker (``backend.enforcement.worker``, as ``flask enforcement cameras`` runs
   it, in a process of its own) is subscribed; ``--publishers`` camera processes publish
   ``--reads`` reads with QoS 1 as fast as the broker acknowledges them. Rate = reads stored ÷
   the time from the first publish to the commit of the last batch. Publishers, broker and
   worker share the machine's cores.
2. **backlog**: the same number of reads is published while the worker is stopped (its
   persistent session queues them in the broker), then the worker starts. Rate = reads ÷ the
   time from its first read to its last commit: the worker's own throughput.
3. **straightforward**: as 2, ``--baseline-reads`` reads, with the classification done the
   straightforward way: one SQL query per read (the certificate in force at the read's time
   from the validity history, and the plate's latest position from the latest-positions table)
   instead of the in-memory indexes.
3b. **shared**: as 2, with ``--workers`` workers sharing the stream (``--share``).
4. **look-ups**: ``--lookups`` requests each of ``GET /api/v1/public/plates/<plate>`` and of
   the staff ``GET /api/v1/plates/<plate>`` (an officer's console session) through the WSGI app
   in this process, on the database the runs above filled; p50/p95/p99.

Every stored read is checked against what its plate should give (licensed, suspected,
ordinary); the run fails if one is wrong or missing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BEIJING = dt.timezone(dt.timedelta(hours=8))
COMPANY_ID = "3502BENCHPLATES"
PLATFORM = "bench-go"


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def licensed_plate(n: int) -> str:
    return f"闽DL{n:05d}"


def illegal_plate(n: int) -> str:
    return f"闽DX{n:05d}"


def private_plate(n: int) -> str:
    return f"闽DP{n % 100_000:05d}"


# -- the instance --------------------------------------------------------------------------------

def make_app(instance: Path):
    os.environ.update(INSTANCE_PATH=str(instance), LOAD_DEMO_DATA="0")
    import flask_migrate

    from backend import create_app

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade(revision="head")
    return app


def seed(app, licensed: int, illegal: int) -> None:
    """Certificates with their history, the platform, and the feed (event store and the
    latest-positions table)."""
    import sqlalchemy as sa

    from backend.certificates.models import Certificate, StatusChange
    from backend.db import db
    from backend.identity.models import Person
    from backend.platforms.models import Platform
    from backend.supervision import events
    from backend.supervision.models import VehiclePosition

    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        db.session.add(Platform(code=PLATFORM, name="压测出行", uscc="91350200MA00000000",
                                licence_number="闽交网约车BENCH号", company_id=COMPANY_ID,
                                licensed_from=dt.date(2026, 1, 1),
                                valid_until=dt.date(2030, 12, 31), status="valid"))
        holder = Person(id_number="350203199001010011", name="压测车主")
        db.session.add(holder)
        db.session.flush()
        issued = now - dt.timedelta(days=100)
        revoked_at = now - dt.timedelta(hours=1)
        revoked = {n for n in range(licensed) if n % 10 == 9}
        db.session.execute(sa.insert(Certificate), [
            {"kind": "transport", "number": f"BENCH-T-{n:06d}", "version": 1,
             "holder_id": holder.id, "status": "revoked" if n in revoked else "valid",
             "valid_from": dt.date(2026, 1, 1), "valid_until": dt.date(2030, 12, 31),
             "issued_at": issued, "status_changed_at": revoked_at if n in revoked else issued,
             "plate": licensed_plate(n), "platform_code": PLATFORM,
             "valid_plate": None if n in revoked else licensed_plate(n), "row_version": 1}
            for n in range(licensed)])
        ids = dict(db.session.execute(sa.select(Certificate.plate, Certificate.id)).all())
        changes = [{"certificate_id": ids[licensed_plate(n)], "status": "valid", "at": issued,
                    "actor": "bench"} for n in range(licensed)]
        changes += [{"certificate_id": ids[licensed_plate(n)], "status": "revoked",
                     "at": revoked_at, "actor": "bench", "reason": "bench"} for n in revoked]
        db.session.execute(sa.insert(StatusChange), changes)
        fed = [illegal_plate(n) for n in range(illegal)] + [licensed_plate(n)
                                                            for n in range(0, licensed, 4)]
        records = [{"CompanyId": COMPANY_ID, "VehicleNo": plate, "VehicleRegionCode": 350203,
                    "PositionTime": int((now - dt.timedelta(minutes=minute)).timestamp()),
                    "Longitude": 118_116_300, "Latitude": 24_468_600, "Encrypt": 1,
                    "OrderId": "0"} for plate in fed for minute in (2, 12, 22)]
        events.store().write("positionVehicle", events.build_table(
            "positionVehicle", COMPANY_ID, records, now))
        db.session.execute(sa.insert(VehiclePosition), [
            {"company_id": COMPANY_ID, "plate": plate, "position_at": now - dt.timedelta(minutes=2),
             "longitude": 118_116_300, "latitude": 24_468_600, "received_at": now}
            for plate in fed])
        db.session.commit()


def expected(plate: str, licensed: int) -> str:
    if plate.startswith("闽DL"):
        return "suspected" if int(plate[3:]) % 10 == 9 and int(plate[3:]) % 4 == 0 else (
            "ordinary" if int(plate[3:]) % 10 == 9 else "licensed")
    return "suspected" if plate.startswith("闽DX") else "ordinary"


# -- the reads -----------------------------------------------------------------------------------

def payloads(count: int, publisher: int, licensed: int, illegal: int, seed: int) -> list:
    """(topic, payload) of ``count`` reads from one camera process (distinct times)."""
    rng = random.Random(seed * 100 + publisher)
    camera = f"BENCH-CAM-{publisher:02d}"
    start = dt.datetime.now(BEIJING)
    out = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.4:
            plate = licensed_plate(rng.randrange(licensed))
        elif roll < 0.5:
            plate = illegal_plate(rng.randrange(illegal))
        else:
            plate = private_plate(rng.randrange(10**9))
        seen = start + dt.timedelta(microseconds=n * 10)
        body = {"plate": plate, "colour": "green", "seen_at": seen.isoformat(),
                "camera": camera, "lat": 24.4686, "lon": 118.1163,
                "image_ref": f"bench/{camera}/{n:08d}.jpg"}
        out.append((f"cameras/{camera}/plates", json.dumps(body, ensure_ascii=False).encode()))
    return out


def publish(url: str, messages: list, results) -> None:
    from backend.enforcement import mqtt

    broker = mqtt.Broker.from_url(url)
    client = mqtt.client(broker, f"bench-camera-{os.getpid()}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    mqtt.connect(client, broker)
    client.loop_start()
    started = time.time()
    sent = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in sent:
        info.wait_for_publish(timeout=600)
    finished = time.time()
    client.disconnect()
    client.loop_stop()
    results.put((started, finished, sum(1 for info in sent if info.is_published())))


def publish_all(url: str, batches: list[list]) -> tuple[float, float, int]:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=publish, args=(url, batch, results)) for batch in batches]
    for process in processes:
        process.start()
    answers = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return (min(a[0] for a in answers), max(a[1] for a in answers), sum(a[2] for a in answers))


# -- the worker ----------------------------------------------------------------------------------

class Straightforward:
    """The classification the straightforward way: one SQL query per read."""

    SQL = """
        SELECT
          (SELECT c.platform_code FROM certificates c
            WHERE c.kind = 'transport' AND c.plate = :plate
              AND c.valid_from <= :day AND c.valid_until >= :day
              AND (SELECT s.status FROM certificate_status_changes s
                    WHERE s.certificate_id = c.id AND s.at <= :at
                    ORDER BY s.at DESC, s.id DESC LIMIT 1) = 'valid'
            LIMIT 1) AS platform_code,
          (SELECT min(p.company_id) FROM supervision_vehicle_positions p
            WHERE p.plate = :plate AND p.position_at BETWEEN :since AND :until) AS company"""

    def __init__(self, window: dt.timedelta) -> None:
        import sqlalchemy as sa

        self.window, self.statement = window, sa.text(self.SQL)

    def catch_up(self, now, force_feed: bool = False) -> None:
        pass

    def classify(self, read):
        from backend.db import db
        from backend.enforcement.classify import Classification, blacklisted_plates
        from backend.enforcement.models import Result

        at = read.seen_at.replace(tzinfo=None)
        row = db.session.execute(self.statement, {
            "plate": read.plate, "day": read.seen_at.astimezone(BEIJING).date(), "at": at,
            "since": at - self.window, "until": at + self.window}).one()
        if row.platform_code is not None:
            return Classification(Result.LICENSED, platform_code=row.platform_code)
        blacklisted = read.plate in blacklisted_plates()
        if row.company or blacklisted:
            return Classification(Result.SUSPECTED, companies=(row.company,) if row.company
                                  else (), blacklisted=blacklisted)
        return Classification(Result.ORDINARY)


def run_worker(instance: str, url: str, client_id: str, straightforward: bool, batch: int,
               idle_exit: float, results, share: str | None = None) -> None:
    os.environ.update(INSTANCE_PATH=instance, LOAD_DEMO_DATA="0", ENFORCEMENT_MQTT_URL=url)
    from backend import create_app
    from backend.enforcement.worker import Worker

    app = create_app()
    with app.app_context():
        worker = Worker(batch=batch, client_id=client_id, share=share)
        if straightforward:
            worker.classifier = Straightforward(worker.classifier.feed.window and dt.timedelta(
                seconds=worker.classifier.feed.window))
        times = {"first": None, "last": None, "cpu_first": None, "cpu_last": None}
        process = worker.process

        def timed(messages):
            times["first"] = times["first"] or time.time()
            times["cpu_first"] = times["cpu_first"] or time.process_time()
            process(messages)
            times["last"], times["cpu_last"] = time.time(), time.process_time()
        worker.process = timed
        started = time.time()
        totals = worker.run(idle_exit=idle_exit)
        results.put({**totals.as_dict(), "started": started, **times})


def start_worker(instance: Path, url: str, client_id: str, *, straightforward: bool = False,
                 batch: int = 5000, idle_exit: float = 3.0, share: str | None = None,
                 results=None):
    context = multiprocessing.get_context("spawn")
    results = results or context.Queue()
    process = context.Process(target=run_worker, args=(str(instance), url, client_id,
                                                        straightforward, batch, idle_exit,
                                                        results, share))
    process.start()
    return process, results


PROBE = "闽DZ99999"


def wait_subscribed(url: str, app, plate: str = PROBE) -> None:
    """A probe read gets stored: the worker's session exists and it is subscribed."""
    import sqlalchemy as sa

    from backend.db import db
    from backend.enforcement import mqtt
    from backend.enforcement.models import CameraRead

    broker = mqtt.Broker.from_url(url)
    probe = mqtt.client(broker, "bench-probe")
    mqtt.connect(probe, broker)
    probe.loop_start()
    with app.app_context():
        deadline = time.monotonic() + 60
        while True:
            db.session.remove()
            if db.session.scalar(sa.select(sa.func.count()).select_from(CameraRead)
                                 .where(CameraRead.plate == plate)):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not subscribe")
            body = {"plate": plate, "colour": "blue", "camera": "PROBE", "lat": 24.0,
                    "lon": 118.0, "seen_at": dt.datetime.now(BEIJING).isoformat()}
            probe.publish("cameras/PROBE/plates", json.dumps(body).encode(), qos=1)
            time.sleep(0.3)
    probe.disconnect()
    probe.loop_stop()


# -- the runs ------------------------------------------------------------------------------------

def split(messages: list, parts: int) -> list[list]:
    return [messages[i::parts] for i in range(parts)]


def live(instance, app, url, messages, publishers, batch) -> dict:
    # (a long idle exit: on a busy machine a publisher may pause for seconds)
    worker, results = start_worker(instance, url, "bench-worker", batch=batch, idle_exit=15)
    wait_subscribed(url, app)
    first, published_until, acknowledged = publish_all(url, split(messages, publishers))
    totals = results.get()
    worker.join()
    stored = totals["stored"] - probes_stored(app)  # (the worker also stored the probes)
    return {"reads": len(messages), "acknowledged": acknowledged, "stored": stored,
            "batches": totals["batches"],
            "publish_rate": round(acknowledged / (published_until - first)),
            "rate": round(stored / (totals["last"] - first)),
            "seconds": round(totals["last"] - first, 2), **cpu(totals)}


def probes_stored(app) -> int:
    import sqlalchemy as sa

    from backend.db import db
    from backend.enforcement.models import CameraRead

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(CameraRead)
                                 .where(CameraRead.plate == PROBE))


def cpu(totals: dict) -> dict:
    """The worker's CPU time (all its threads) from its first read to its last commit, and the
    rate that makes per core: what the worker would do with a core to itself."""
    seconds = totals["cpu_last"] - totals["cpu_first"]
    return {"worker_cpu_seconds": round(seconds, 2),
            "reads_per_cpu_second": round(totals["stored"] / seconds)}


def backlog(instance, app, url, messages, publishers, batch, client_id: str,
            straightforward: bool = False) -> dict:
    # (the session exists from a first start; then the reads wait in the broker)
    if client_id != "bench-worker":
        worker, results = start_worker(instance, url, client_id, idle_exit=1.0)
        wait_subscribed(url, app, plate="闽DZ99998")
        results.get()
        worker.join()
    _, _, acknowledged = publish_all(url, split(messages, publishers))
    worker, results = start_worker(instance, url, client_id, straightforward=straightforward,
                                   batch=batch)
    totals = results.get()
    worker.join()
    return {"reads": len(messages), "acknowledged": acknowledged, "stored": totals["stored"],
            "batches": totals["batches"],
            "rate": round(totals["stored"] / (totals["last"] - totals["first"])),
            "rate_with_start": round(totals["stored"] / (totals["last"] - totals["started"])),
            "seconds": round(totals["last"] - totals["first"], 2), **cpu(totals),
            "load_average": round(os.getloadavg()[0], 1)}


def shared(instance, url, messages, publishers, batch, workers: int) -> dict:
    """As backlog, with ``workers`` workers sharing the stream (``--share``)."""
    ids = [f"bench-shared-{n}" for n in range(workers)]
    first = [start_worker(instance, url, client_id, idle_exit=0.5, share="bench")
             for client_id in ids]  # (their sessions and subscriptions)
    for process, results in first:
        results.get()
        process.join()
    _, _, acknowledged = publish_all(url, split(messages, publishers))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    running = [start_worker(instance, url, client_id, batch=batch, share="bench",
                            results=results)[0] for client_id in ids]
    totals = [results.get() for _ in running]
    for process in running:
        process.join()
    stored = sum(t["stored"] for t in totals)
    start, end = min(t["first"] for t in totals), max(t["last"] for t in totals)
    cpu_seconds = sum(t["cpu_last"] - t["cpu_first"] for t in totals)
    return {"reads": len(messages), "acknowledged": acknowledged, "stored": stored,
            "workers": workers, "by_worker": [t["stored"] for t in totals],
            "rate": round(stored / (end - start)), "seconds": round(end - start, 2),
            "worker_cpu_seconds": round(cpu_seconds, 2),
            "reads_per_cpu_second": round(stored / cpu_seconds),
            "load_average": round(os.getloadavg()[0], 1)}


def check(app, licensed: int, published: int) -> dict:
    """Every read published was stored, with the classification its plate should give."""
    import sqlalchemy as sa

    from backend.db import db
    from backend.enforcement.models import CameraRead

    with app.app_context():
        rows = db.session.execute(sa.select(CameraRead.plate, CameraRead.result)
                                  .where(CameraRead.camera.like("BENCH-CAM-%"))).all()
    wrong = [(plate, result.value) for plate, result in rows
             if result.value != expected(plate, licensed)]
    counts = {}
    for _, result in rows:
        counts[result.value] = counts.get(result.value, 0) + 1
    if wrong:
        raise SystemExit(f"{len(wrong)} reads classified wrongly, e.g. {wrong[:5]}")
    if len(rows) != published:
        raise SystemExit(f"{published} reads published, {len(rows)} stored")
    return counts


def lookups(app, count: int, licensed: int, illegal: int) -> dict:
    from backend.db import db
    from backend.staff.models import Role
    from backend.staff.operations import create_staff

    rng = random.Random(7)
    plates = [rng.choice([licensed_plate(rng.randrange(licensed)),
                          illegal_plate(rng.randrange(illegal)), private_plate(rng.randrange(10**9))])
              for _ in range(count)]
    client = app.test_client()
    with app.app_context():
        create_staff("bench-officer", Role.OFFICER, "bench-password-1", actor="bench")
        db.session.commit()
    page = client.get("/console/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/console/login", data={"username": "bench-officer",
                                        "password": "bench-password-1", "csrf_token": token})
    figures = {}
    for name, prefix in (("public", "/api/v1/public/plates/"), ("staff", "/api/v1/plates/")):
        client.get(prefix + quote(plates[0]))  # (warm)
        times = []
        for plate in plates:
            started = time.perf_counter()
            answer = client.get(prefix + quote(plate))
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.get_data(as_text=True)
        cuts = statistics.quantiles(times, n=100)
        figures[name] = {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2),
                         "p99_ms": round(cuts[98], 2)}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=100_000)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--licensed", type=int, default=20_000)
    parser.add_argument("--illegal", type=int, default=2_000)
    parser.add_argument("--baseline-reads", type=int, default=20_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2,
                        help="Workers sharing the stream in a last backlog run (0: none).")
    args = parser.parse_args()

    from tests.enforcement.broker import LocalBroker

    with tempfile.TemporaryDirectory(prefix="bench-plates-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        app = make_app(instance)
        seed(app, args.licensed, args.illegal)
        figures = {"machine": machine(), "load_average": os.getloadavg()[0],
                   "licensed": args.licensed, "illegal": args.illegal}
        with LocalBroker(Path(folder) / "mosquitto") as broker:
            reads = [payloads(args.reads // args.publishers, p, args.licensed, args.illegal, 1)
                     for p in range(args.publishers)]
            figures["live"] = live(instance, app, broker.url, sum(reads, []),
                                   args.publishers, args.batch)
            print(json.dumps({"live": figures["live"]}), flush=True)
            reads = [payloads(args.reads // args.publishers, p, args.licensed, args.illegal, 2)
                     for p in range(args.publishers)]
            figures["backlog"] = backlog(instance, app, broker.url, sum(reads, []),
                                         args.publishers, args.batch, "bench-worker")
            print(json.dumps({"backlog": figures["backlog"]}), flush=True)
            if args.baseline_reads:
                reads = [payloads(args.baseline_reads // args.publishers, p + 10, args.licensed,
                                  args.illegal, 3) for p in range(args.publishers)]
                figures["straightforward"] = backlog(
                    instance, app, broker.url, sum(reads, []), args.publishers, args.batch,
                    "bench-baseline", straightforward=True)
                print(json.dumps({"straightforward": figures["straightforward"]}), flush=True)
            if args.workers > 1:
                reads = [payloads(args.reads // args.publishers, p + 20, args.licensed,
                                  args.illegal, 4) for p in range(args.publishers)]
                figures["shared"] = shared(instance, broker.url, sum(reads, []),
                                           args.publishers, args.batch, args.workers)
                print(json.dumps({"shared": figures["shared"]}), flush=True)
        published = sum(figures[run]["reads"] for run in ("live", "backlog", "straightforward",
                                                          "shared") if run in figures)
        figures["results"] = check(app, args.licensed, published)
        figures["lookups"] = lookups(app, args.lookups, args.licensed, args.illegal)
        with contextlib.suppress(Exception), app.app_context():
            from backend.db import db

            db.engine.dispose()
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
