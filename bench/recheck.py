"""The regular re-check (``flask licensing recheck --all``) over many holders, on the mirrors.

    python bench/recheck.py [--holders 50000] [--vehicles 0] [--batch 500] [--database-url URL]

It builds a throw-away instance (a SQLite file under a temporary folder, or with
``--database-url`` a throw-away schema on that PostgreSQL server, dropped afterwards), migrates
it, and writes the holders straight into it: a person, a driver certificate in force and the
mirror records of every source the driver rules ask (identity, driving licence, police records
for 1 % of them, a residence permit for those without Xiamen household registration); with
``--vehicles N``, also N transport certificates in force, each its owner's, with the vehicle
registry and insurance records the re-checked vehicle rules read (1 % of the policies lapsed,
each a new failure). Then it
runs the re-check over all of them through ``backend.licensing.recheck.run``, as the command
does (the questions put to the mirrors, the rules evaluated, every question in the query log,
a commit per batch), and prints holders per second, the time for all of them, and the run's
report. The alert path is replaced by one that counts (the alerts package is not part of this
measurement; an alert is one per new failure, about 1 % of holders here).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def id_number(n: int) -> str:
    from stdnum.cn import ric

    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000)  # (1000 numbers a day)
    body = f"350203{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def populate(holders: int) -> None:
    """``holders`` people with a driver certificate in force and their mirror records, in
    a few large statements (the benchmark measures the re-check, not the loading)."""
    from backend.certificates.models import Certificate
    from backend.db import db, utcnow
    from backend.identity.models import Person
    from backend.verification import models as mirrors

    now, numbers = utcnow(), [id_number(n) for n in range(holders)]
    connection = db.session.connection()
    connection.execute(sa.insert(Person), [
        {"id_number": number, "name": f"压测{i}", "created_at": now, "updated_at": now}
        for i, number in enumerate(numbers)])
    ids = {number: person for number, person in
           connection.execute(sa.select(Person.id_number, Person.id))}
    connection.execute(sa.insert(Certificate), [
        {"kind": "driver", "number": number, "version": 1, "holder_id": ids[number],
         "status": "valid", "valid_from": dt.date(2025, 1, 1), "valid_until": dt.date(2031, 1, 1),
         "issued_at": now, "status_changed_at": now, "row_version": 1} for number in numbers])
    connection.execute(sa.insert(mirrors.MirrorIdentity), [
        {"id_number": number, "name": f"压测{i}", "sex": "1", "birth_date": dt.date(1980, 1, 1),
         "hukou_region": "350203", "card_valid_until": None, "card_reported_lost": False,
         "imported_at": now} for i, number in enumerate(numbers)])
    connection.execute(sa.insert(mirrors.MirrorDrivingLicence), [
        {"id_number": number, "licence_class": "C1", "first_issued_on": dt.date(2010, 5, 1),
         "status": "valid", "valid_until": dt.date(2032, 5, 1),
         "cycles": [{"start": "2025-05-01", "end": "2026-04-30", "points": 2}],
         "imported_at": now} for number in numbers])
    connection.execute(sa.insert(mirrors.MirrorPoliceRecord), [
        {"id_number": number, "category": "drink_driving", "recorded_on": dt.date(2026, 11, 1),
         "imported_at": now} for number in numbers[::100]])
    db.session.commit()


def populate_vehicles(vehicles: int) -> None:
    """``vehicles`` owners, each with a transport certificate in force and their vehicle's
    registry and insurance records (1 % of the policies lapsed)."""
    from backend.certificates.models import Certificate
    from backend.db import db, utcnow
    from backend.identity.models import Person
    from backend.vehicles import models as mirrors

    if not vehicles:
        return
    now, today = utcnow(), dt.date.today()
    owners = [id_number(10_000_000 + n) for n in range(vehicles)]
    plates = [f"闽D{chr(ord('A') + n // 100_000)}{n % 100_000:05d}" for n in range(vehicles)]
    connection = db.session.connection()
    connection.execute(sa.insert(Person), [
        {"id_number": number, "name": f"车主{i}", "created_at": now, "updated_at": now}
        for i, number in enumerate(owners)])
    ids = dict(connection.execute(sa.select(Person.id_number, Person.id)).all())
    connection.execute(sa.insert(Certificate), [
        {"kind": "transport", "number": f"闽交运管许可厦字350200{n:06d}号", "version": 1,
         "holder_id": ids[owner], "status": "valid", "valid_from": dt.date(2025, 1, 1),
         "valid_until": dt.date(2031, 1, 1), "plate": plate, "valid_plate": plate,
         "platform_code": "bench", "issued_at": now, "status_changed_at": now, "row_version": 1}
        for n, (owner, plate) in enumerate(zip(owners, plates, strict=True))])
    connection.execute(sa.insert(mirrors.MirrorVehicle), [
        {"plate": plate, "vin": f"LBENCH{n:011d}", "owner_id_number": owner, "owner_name": "车主",
         "category": "passenger_car", "seats": 5, "power_type": "BEV", "wheelbase_mm": 2750,
         "first_registered_on": dt.date(2025, 1, 1), "use_nature": "reserved_taxi",
         "inspection_valid_until": today + dt.timedelta(days=300), "status": "normal",
         "imported_at": now} for n, (owner, plate) in enumerate(zip(owners, plates, strict=True))])
    connection.execute(sa.insert(mirrors.MirrorInsurance), [
        {"plate": plate, "policy_number": f"P{n}", "insurer": "压测保险", "kind": "营业用汽车损失保险",
         "valid_until": today + dt.timedelta(days=-3 if n % 100 == 0 else 200), "imported_at": now}
        for n, plate in enumerate(plates)])
    db.session.commit()


def per_holder(people, day):
    """The straightforward way, for comparison: each holder's questions asked on their own
    (``sources.ask``, as an application's are), then the rules."""
    from flask import current_app

    from backend.licensing import recheck
    from backend.licensing.rules import Context, Facts, evaluate
    from backend.matters.registry import handler_for
    from backend.verification import sources

    handler = handler_for(recheck.MATTER)
    codes = [code for code in handler.rules_for({}) if code not in recheck.NOT_RECHECKED]
    needed = recheck.sources_for(codes)  # (the same questions and rules as the batched way)
    results = []
    for person in people:
        answers = sources.ask([q for q in handler.questions(recheck._Subject(person))
                               if q.key in needed])
        context = Context(today=day, config=current_app.config, id_number=person.id_number,
                          name=person.name)
        results.append((answers, evaluate(codes, Facts(answers), context)))
    return results


def run(holders: int, batch: int, database_url: str | None, instance: Path, *,
        baseline: bool = False, vehicles: int = 0) -> float:
    import flask_migrate

    from backend import create_app
    from backend.db import db
    from backend.licensing import recheck

    os.environ["INSTANCE_PATH"] = str(instance)
    url = database_url or f"sqlite:///{instance / 'wyc.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOAD_DEMO_DATA": False})
    alerts = []
    recheck.raise_alert = lambda **alert: alerts.append(alert)
    if baseline:
        recheck.check_holders = per_holder
    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        flask_migrate.upgrade(revision="head")
        started = time.perf_counter()
        populate(holders)
        populate_vehicles(vehicles)
        print(f"loaded {holders} holders and {vehicles} vehicles in "
              f"{time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        report = recheck.run("all", actor="bench", batch=batch, commit=db.session.commit)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        queries = db.session.scalar(sa.text("SELECT count(*) FROM source_queries"))
        how = "per holder (baseline)" if baseline else "batched mirror reads"
        print(f"re-check, {how}, of {report.checked} holders and {report.vehicles_checked} "
              f"vehicles: {elapsed:.1f} s, {report.checked / elapsed:.0f} holders/s "
              f"({queries} questions logged); "
              f"CPU {cpu:.1f} s, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"new failures by rule {report.new_failures}; alerts {len(alerts)}; "
              f"unreachable {report.unreachable}")
        db.engine.dispose()
    return holders / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holders", type=int, default=50_000)
    parser.add_argument("--vehicles", type=int, default=0,
                        help="also this many transport certificates, re-checked after the holders")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", help="a PostgreSQL server (a throw-away schema on it)")
    parser.add_argument("--baseline", type=int, default=5000, metavar="HOLDERS",
                        help="also time the per-holder way on this many holders (0: not)")
    options = parser.parse_args()
    print(f"machine: {machine()}")
    rate = measure(options.holders, options.batch, options.database_url,
                   vehicles=options.vehicles)
    minutes = options.holders / rate / 60
    print(f"target: {options.holders} holders in under 5 minutes: "
          f"{'met' if minutes < 5 else 'NOT met'} ({minutes:.1f} min)")
    if options.baseline:
        slow = measure(options.baseline, options.batch, options.database_url, baseline=True)
        print(f"the per-holder way would take {options.holders / slow / 60:.1f} min for "
              f"{options.holders} holders ({rate / slow:.1f}x slower than batched)")


def measure(holders: int, batch: int, database_url: str | None, *,
            baseline: bool = False, vehicles: int = 0) -> float:
    """Holders per second of one run on a fresh instance (its vehicles' time included)."""
    with tempfile.TemporaryDirectory(prefix="wyc-recheck-") as folder:
        if database_url is None:
            print("database: SQLite (embedded default), a fresh file")
            return run(holders, batch, None, Path(folder), baseline=baseline, vehicles=vehicles)
        from backend.config import normalise_database_url

        base = normalise_database_url(database_url)
        schema = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            print(f"database: PostgreSQL, throw-away schema {schema}")
            separator = "&" if "?" in base else "?"
            url = f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
            return run(holders, batch, url, Path(folder), baseline=baseline, vehicles=vehicles)
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            engine.dispose()


if __name__ == "__main__":
    main()
