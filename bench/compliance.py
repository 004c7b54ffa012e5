"""A whole country's month of dual compliance: 10 million completed orders against the licence
registers, on the embedded store and, in the same run, in SQL on PostgreSQL.

    python bench/compliance.py [--orders 10000000] [--repeat 3] [--no-postgres]
                               [--postgres postgresql://127.0.0.1:5432/test]

What it builds (in a temporary directory, deterministic):

* **Licence registers**: 50,000 driver certificates and 20,000 transport certificates, most in
  force all month; inside the month 4 % are renewed (the old version ends at the second the new
  one starts), 2 % suspended for a few days and reinstated, 1 % revoked and 2 % expire. The
  intervals are made by the app's own ``compliance.in_force_intervals`` from each certificate's
  dates and validity history.
* **Orders**: 10 million completed orders over November 2026 from 10 platforms (one large, the
  rest smaller), as the app's stage-1 order facts (``compliance.write_facts``): one Parquet file
  per day with platform, order, departure time, driver ID number and plate, and its groups. A
  driver works mostly for one platform in one vehicle (one order in twenty elsewhere). 5,000
  drivers and 2,000 vehicles of the pools hold no certificate at all; 1 % of the plates are
  reported by a platform in the wrong colour.

What it measures:

1. **Embedded store**: the month's per-platform, per-day driver-, vehicle- and dual-compliant
   counts, the app's ``compliance.DAILY_COUNTS`` over the app's ``compliance.Question`` (DuckDB
   reading the month's facts files and the registers' intervals), best of ``--repeat``.
2. **Stage 1**, once: building one day's facts from raw event partitions (orderMatch,
   operateDepart, operateArrive, operatePay for a 333,000-order day) with the app's
   ``compliance._build_facts``: what a late record costs (one day rebuilt).
3. **PostgreSQL**, the straightforward way: the same facts, licences and colours loaded into
   PostgreSQL (COPY), indexes on the licences' (kind, key, starts) and the colours' keys, and the
   order-by-order question (``compliance.DAILY_COUNTS_PER_ORDER``); load time reported apart from
   the query time, best of ``--repeat``. The answers of 1 and 3 are compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.certificates.models import Status  # noqa: E402
from backend.supervision import compliance, events  # noqa: E402

MONTH = dt.date(2026, 11, 1)
DAYS = 30
PLATFORMS = 10
DRIVERS, VEHICLES = 50_000, 20_000
UNCERTIFIED_DRIVERS, UNCERTIFIED_VEHICLES = 5_000, 2_000


def _moment(day: int, seconds: int) -> dt.datetime:
    return dt.datetime.combine(MONTH, dt.time()) + dt.timedelta(days=day, seconds=seconds)


def registers(seed: int = 7) -> pa.Table:
    """The two registers' in-force intervals, from certificates and their histories."""
    import random

    rng = random.Random(seed)
    certificates = []

    def certificate(kind, holder):
        valid_from = MONTH - dt.timedelta(days=rng.randrange(30, 2000))
        valid_until = valid_from + dt.timedelta(days=6 * 365)
        history = [(Status.VALID, dt.datetime.combine(valid_from, dt.time(9, 30)))]
        roll = rng.random()
        inside = _moment(rng.randrange(DAYS), rng.randrange(86400))
        if roll < 0.04:      # renewed: the new version is in force from the same second
            history.append((Status.REPLACED, inside))
            certificates.append((kind, holder, inside.date(),
                                 inside.date() + dt.timedelta(days=6 * 365),
                                 [(Status.VALID, inside)]))
        elif roll < 0.06:    # suspended, reinstated some days later
            history += [(Status.SUSPENDED, inside),
                        (Status.VALID, inside + dt.timedelta(days=rng.randrange(1, 8)))]
        elif roll < 0.07:    # revoked
            history.append((Status.REVOKED, inside))
        elif roll < 0.09:    # expires inside the month
            valid_until = inside.date()
        certificates.append((kind, holder, valid_from, valid_until, history))

    for n in range(DRIVERS):
        certificate("driver", driver_id(n))
    for n in range(VEHICLES):
        certificate("transport", vehicle_plate(n))
    return compliance.licence_table(certificates)


def driver_id(n: int) -> str:
    return f"350203{19700101 + (n % 28):08d}{n:04d}"[:17] + "X" if n % 11 == 0 else \
        f"350206{n:012d}"


def vehicle_plate(n: int) -> str:
    # Two in three are new-energy (eight characters, green); the rest blue.
    return f"闽D{'D' if n % 3 else ''}{n:05d}"


DRIVER_IDS_SQL = ("CASE WHEN {n} % 11 = 0 THEN substr(printf('350203%08d%04d', 19700101 + ({n} % 28),"
                  " {n}), 1, 17) || 'X' ELSE printf('350206%012d', {n}) END")
PLATE_SQL = "printf('闽D%s%05d', CASE WHEN {n} % 3 <> 0 THEN 'D' ELSE '' END, {n})"


def make_facts(directory: Path, orders: int) -> list[Path]:
    """The month's order facts, a Parquet file per day with its groups beside it, written by the
    app's ``compliance.write_facts`` as stage 1 writes them. Like a real market: a driver mostly
    works for one platform (one with 40 % of the drivers, nine sharing the rest) in one vehicle
    (two or three drivers share a car in shifts); one order in twenty is on another platform,
    one in twenty in another car."""
    directory.mkdir(parents=True)
    per_day = orders // DAYS
    connection = duckdb.connect()
    files = []
    pool = DRIVERS + UNCERTIFIED_DRIVERS
    company = ("CASE WHEN hash(i, 'p') % 20 = 0 THEN hash(i, 'q') % 10"
               " WHEN d % 100 < 40 THEN 0 ELSE 1 + (d % 9) END")
    vehicle = (f"CASE WHEN hash(i, 's') % 20 = 0 THEN hash(i, 'v') % {VEHICLES + UNCERTIFIED_VEHICLES}"
               f" ELSE d % {VEHICLES + UNCERTIFIED_VEHICLES} END")
    for day in range(DAYS):
        path = directory / f"day={(MONTH + dt.timedelta(days=day)).isoformat()}.parquet"
        start = day * per_day
        table = connection.sql(f"""
            SELECT printf('BENCH%02d', {company}) AS company_id, printf('O%010d', i) AS order_id,
                   DATE '{MONTH + dt.timedelta(days=day)}' AS day,
                   CAST(TIMESTAMP '{_moment(day, 0)}'
                        + to_seconds(CAST(hash(i, 't') % 86400 AS BIGINT)) AS TIMESTAMP) AS t,
                   driver, plate,
                   {compliance.driver_key_sql("driver")} AS driver_key,
                   {compliance.plate_key_sql("plate")} AS plate_key
            FROM (SELECT i, d, {DRIVER_IDS_SQL.format(n="d")} AS driver,
                         {PLATE_SQL.format(n=f"({vehicle})")} AS plate
                  FROM (SELECT i, hash(i, 'd') % {pool} AS d
                        FROM range({start}, {start + per_day}) r(i)))
            ORDER BY company_id, t""").to_arrow_table().cast(compliance.FACTS_SCHEMA)
        compliance.write_facts(table, path)
        files.append(path)
    connection.close()
    return files


def wrong_colours() -> pa.Table:
    """The platforms' base information gives every vehicle's plate colour; 1 % are wrong."""
    rows = [{"company_id": f"BENCH{company:02d}", "plate_key": compliance.plate_key(plate),
             "plate": plate, "colour": "2"}
            for company in range(PLATFORMS)
            for n, plate in enumerate(map(vehicle_plate, range(VEHICLES + UNCERTIFIED_VEHICLES)))
            if (n * 7 + company) % 100 == 0]
    return pa.Table.from_pylist(rows, schema=compliance.COLOUR_SCHEMA)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def embedded(files, licences, colours, repeat, sql=compliance.DAILY_COUNTS):
    """(wall seconds, CPU seconds of this process, both threads), best of ``repeat``; answer."""
    best, answer = (float("inf"), 0.0), None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        question = compliance.Question(files, licences, colours)
        answer = sorted(question.connection.execute(sql).fetchall())
        question.close()
        best = min(best, (time.perf_counter() - started, _cpu() - cpu))
    return best, answer


def stage_one(directory: Path, orders_per_day: int) -> float:
    """One day's raw events in the store's layout, then the time to build its facts."""
    store = events.Store(directory / "events")
    day = MONTH + dt.timedelta(days=14)
    connection = duckdb.connect()
    driver = DRIVER_IDS_SQL.format(n="(hash(i, 'd') % 55000)")
    plate = PLATE_SQL.format(n="(hash(i, 'd') % 55000 % 22000)")
    base = f"""SELECT printf('BENCH%02d', hash(i) % 10) AS CompanyId, printf('O%010d', i) AS OrderId,
                      {driver} AS LicenseId, {plate} AS VehicleNo,
                      CAST(TIMESTAMP '{day}' + to_seconds(CAST(hash(i, 't') % 86000 AS BIGINT))
                           AS TIMESTAMP_S) AS event_time,
                      CAST(TIMESTAMP '2026-11-16 01:00:00' AS TIMESTAMP_MS) AS received_at
               FROM range({orders_per_day}) r(i)"""
    outputs = {
        "orderMatch": f"SELECT CompanyId, 350203 AS Address, OrderId, LicenseId, VehicleNo,"
                      f" event_time - INTERVAL 2 MINUTE AS event_time, received_at FROM ({base})",
        "operateDepart": f"SELECT CompanyId, OrderId, LicenseId, VehicleNo, event_time, received_at"
                         f" FROM ({base})",
        "operateArrive": f"SELECT CompanyId, OrderId, event_time + INTERVAL 20 MINUTE AS event_time,"
                         f" received_at FROM ({base})",
        "operatePay": f"SELECT CompanyId, OrderId, 350203 AS OnArea, LicenseId, VehicleNo,"
                      f" CAST(strftime(event_time, '%Y%m%d%H%M%S') AS BIGINT) AS DepTime,"
                      f" event_time + INTERVAL 21 MINUTE AS event_time, received_at FROM ({base})",
    }
    for interface, sql in outputs.items():
        folder = store.root / interface / f"day={day}"
        folder.mkdir(parents=True)
        connection.execute(f"COPY ({sql}) TO '{folder / 'c-bench.parquet'}'"
                           " (FORMAT parquet, COMPRESSION zstd)")
    connection.close()
    sources = compliance._source_files(store, day)
    started = time.perf_counter()
    compliance._build_facts(store, day, sources, directory / "facts-day.parquet")
    return time.perf_counter() - started


def postgres(url, directory, files, licences, colours, repeat) -> tuple[float, float, list]:
    import psycopg

    started = time.perf_counter()
    connection = duckdb.connect()
    csv = {}
    for name, source in (("facts", f"read_parquet([{', '.join(repr(str(f)) for f in files)}])"),
                         ("licences", "licences_arrow"), ("colours", "colours_arrow")):
        connection.register("licences_arrow", licences)
        connection.register("colours_arrow", colours)
        csv[name] = directory / f"{name}.csv"
        connection.execute(f"COPY (SELECT * FROM {source}) TO '{csv[name]}' (HEADER false)")
    connection.close()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("DROP SCHEMA IF EXISTS bench_compliance CASCADE")
        pg.execute("CREATE SCHEMA bench_compliance")
        pg.execute("SET search_path TO bench_compliance")
        pg.execute("CREATE UNLOGGED TABLE facts (company_id text, order_id text, day date,"
                   " t timestamp, driver text, plate text, driver_key bigint, plate_key bigint)")
        pg.execute("CREATE UNLOGGED TABLE licences (kind text, holder text, key bigint,"
                   " starts timestamp, ends timestamp)")
        pg.execute("CREATE UNLOGGED TABLE wrong_colours (company_id text, plate_key bigint,"
                   " plate text, colour text)")
        for name, table in (("facts", "facts"), ("licences", "licences"),
                            ("colours", "wrong_colours")):
            with pg.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy, \
                    open(csv[name], "rb") as source:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        pg.execute("CREATE INDEX ON licences (kind, key, starts)")
        pg.execute("CREATE INDEX ON wrong_colours (plate_key, company_id)")
        pg.execute("ANALYZE")
        loaded = time.perf_counter() - started
        best, answer = float("inf"), None
        for _ in range(repeat):
            began = time.perf_counter()
            answer = sorted(tuple(row) for row in
                            pg.execute(compliance.DAILY_COUNTS_PER_ORDER).fetchall())
            best = min(best, time.perf_counter() - began)
        pg.execute("DROP SCHEMA bench_compliance CASCADE")
    return loaded, best, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-compliance-"))
    try:
        print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
              f"{platform.python_version()}, duckdb {duckdb.__version__}")
        started = time.perf_counter()
        licences = registers()
        colours = wrong_colours()
        files = make_facts(directory / "facts", arguments.orders)
        print(f"generated {arguments.orders:,} orders, {licences.num_rows:,} licence intervals "
              f"({DRIVERS:,} driver + {VEHICLES:,} transport certificates) in "
              f"{time.perf_counter() - started:.1f} s")
        print(f"load average before measuring: {os.getloadavg()[0]:.1f} (2 cores: above 2, "
              "other work is waiting for the cores and wall times stretch)")
        (seconds, cpu), answer = embedded(files, licences, colours, arguments.repeat)
        completed = sum(row[2] for row in answer)
        dual = sum(row[5] for row in answer)
        print(f"embedded store (DuckDB over Parquet), grouped counts: month per platform and day "
              f"in {seconds:.2f} s wall, {cpu:.2f} s CPU (best of {arguments.repeat}); "
              f"{completed:,} completed orders, dual-compliant {dual / completed:.2%}")
        (per_order, per_order_cpu), plain = embedded(files, licences, colours, arguments.repeat,
                                                     compliance.DAILY_COUNTS_PER_ORDER)
        print(f"embedded store, order by order: {per_order:.2f} s wall, {per_order_cpu:.2f} s CPU;"
              f" same answer: {plain == answer}")
        day_seconds = stage_one(directory, arguments.orders // DAYS)
        # (stage 1 is timed on its own: it is paid once per day of data, not per question)
        print(f"stage 1: one day's facts ({arguments.orders // DAYS:,} orders) from its raw event "
              f"partitions in {day_seconds:.2f} s")
        if not arguments.no_postgres:
            loaded, pg_seconds, pg_answer = postgres(arguments.postgres, directory, files,
                                                     licences, colours, arguments.repeat)
            same = [tuple(map(str, r)) for r in pg_answer] == [tuple(map(str, r)) for r in answer]
            print(f"load average: {os.getloadavg()[0]:.1f}")
            print(f"PostgreSQL (order by order): loaded in {loaded:.1f} s; query {pg_seconds:.2f} s "
                  f"(best of {arguments.repeat}); same answer: {same}; "
                  f"{pg_seconds / seconds:.1f}x the embedded store's time")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
