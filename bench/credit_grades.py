"""Credit grades for a year's drivers: one query pair per driver against two reads for all.

    python bench/credit_grades.py [--drivers 18270] [--records 3000] [--database-url URL]

Builds a throw-away instance (SQLite under a temporary folder, or with ``--database-url`` a
throw-away schema on that PostgreSQL server, dropped afterwards) with ``--drivers`` driver
certificates (the seed's yearly volume) and ``--records`` credit records against them (a tenth
of them especially severe: on the blacklist), then grades every driver for the year twice:
the straightforward way (``grades.grade_driver`` per driver: a read of their records and one of
their list entries) and the way ``flask credit grades`` does (``grades._drivers_results``: one
read of the year's records and one of its entries, graded in memory), checks both give the same
grades, and prints the figures. Nothing is stored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(app, drivers: int, records: int) -> list[str]:
    import sqlalchemy as sa
    from stdnum.cn import ric

    from backend.certificates.models import Certificate
    from backend.credit import operations
    from backend.db import db
    from backend.identity.models import Person

    numbers = []
    for n in range(drivers):
        body = f"350203{dt.date(1970, 1, 1) + dt.timedelta(days=n % 9000):%Y%m%d}{n // 9000:03d}"
        numbers.append(body + ric.calc_check_digit(body + "0"))
    numbers = list(dict.fromkeys(numbers))
    today = dt.date(2026, 12, 6)
    db.session.execute(sa.insert(Person), [{"id_number": x, "name": "司机"} for x in numbers])
    ids = dict(db.session.execute(sa.select(Person.id_number, Person.id)).all())
    db.session.execute(sa.insert(Certificate), [{
        "kind": "driver", "number": x, "version": 1, "holder_id": ids[x], "status": "valid",
        "valid_from": dt.date(2024, 1, 1), "valid_until": dt.date(2029, 12, 31), "holder_name": "司机"}
        for x in numbers])
    chance = random.Random(7)
    codes = ["drv.overcharge", "drv.abandon_or_detour", "drv.complaint_upheld", "drv.retaliation"]
    with app.test_request_context():
        for n in range(records):
            code = "drv.forged_certificate" if n % 10 == 0 else chance.choice(codes)
            operations.record(code, subject_key=chance.choice(numbers), subject_name="司机",
                              facts="基准测试记录", occurred_on=today - dt.timedelta(days=n % 300),
                              decision_number=f"BENCH-{n}", actor="bench")
    db.session.commit()
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drivers", type=int, default=18270)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="credit-bench-"))
    os.environ.setdefault("LOAD_DEMO_DATA", "0")
    url = args.database_url
    schema = None
    if url:
        from tests.conftest import PostgresSchema

        schema = PostgresSchema(url)
        url = schema.__enter__()
    os.environ["DATABASE_URL"] = url or f"sqlite:///{folder / 'bench.sqlite3'}"
    from flask_migrate import upgrade

    from backend import create_app
    from backend.credit import grades

    app = create_app()
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        numbers = build(app, args.drivers, args.records)
        print(f"built {len(numbers)} drivers, {args.records} records in {time.perf_counter() - started:.1f} s")
        period = grades.year(2026)
        started = time.perf_counter()
        one_by_one = {x: grades.grade_driver(x, period) for x in numbers}
        straightforward = time.perf_counter() - started
        started = time.perf_counter()
        bulk = grades._drivers_results(numbers, period)
        two_reads = time.perf_counter() - started
        same = all(one_by_one[x]["grade"] == bulk[x]["grade"] and
                   one_by_one[x]["score"] == bulk[x]["score"] for x in numbers)
        counts = {}
        for result in bulk.values():
            counts[result["grade"]] = counts.get(result["grade"], 0) + 1
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, {app.extensions['sqlalchemy'].engine.dialect.name}")
        print(f"one driver at a time (2 queries each): {straightforward:.2f} s "
              f"({len(numbers) / straightforward:,.0f} drivers/s)")
        print(f"two reads for all, graded in memory:   {two_reads:.2f} s "
              f"({len(numbers) / two_reads:,.0f} drivers/s)")
        print(f"same grades: {same}; grades: {dict(sorted(counts.items()))}")
    if schema is not None:
        schema.__exit__(None, None, None)


if __name__ == "__main__":
    main()
