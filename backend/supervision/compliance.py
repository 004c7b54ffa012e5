"""Dual compliance (双合规): was each completed order served by a licensed driver in a licensed
vehicle at the moment it departed? Rates per platform and day or month, the city's, the
ministry-style ranking and the enforcement leads (regulatory.md §3.1; docs/compliance.md gives
the definition exactly as computed here).

Two stages, so that late data and licence corrections recompute only what they touch:

1. **Order facts, per day** (``facts``): the completed orders reported for Xiamen whose time
   falls on day D, one row each (platform, order, time, driver, plate), built with DuckDB from
   the event store's partitions that can hold such an order's records. The file is named by a
   digest of those partitions' file listing: a late record (a new file in one of them) or a
   compaction gives another digest, and only that day is rebuilt.
2. **The licence join** (``ORDER_COMPLIANCE``): each order's facts against the licence register's
   in-force intervals (``intervals``), read from the relational database at every question, so a
   licence correction counts at once and costs no rebuild. One SQL statement that runs unchanged
   on DuckDB and PostgreSQL (``bench/compliance.py`` runs it on both).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import os
import re
import time
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, StatusChange
from backend.certificates.models import Status as CertificateStatus
from backend.db import db
from backend.identity.models import Person
from backend.platforms.models import Platform
from backend.supervision import events
from backend.supervision.models import BaseRecord

BEIJING = events.BEIJING
XIAMEN_AREA = 3502           # an area code 3502xx is Xiamen (GB/T 2260)
NAMED_AT = 0.8               # platforms (like cities) at 80 % or more are named in the bulletin
FACTS_VERSION = "3"          # part of every facts digest: a change of stage 1 rebuilds them all
STALE_AFTER_SECONDS = 600    # an outdated facts file is removed after this

# Plate colours as the national interface codes them (baseInfoVehicle.PlateColor).
PLATE_COLOURS = {"1": "蓝 blue", "2": "黄 yellow", "3": "黑 black", "4": "白 white",
                 "5": "绿 green", "9": "其他 other"}


def register_colour(plate: str) -> str:
    """The colour of the plate a transport certificate was issued for. The register records the
    plate's characters only; a ride-hailing car is a small passenger car (≤ 7 seats), whose plate
    under GA 36-2018 is green when it has eight characters (新能源) and blue when it has seven."""
    return "5" if len(plate) == 8 else "1"


# ---------------------------------------------------------------------------------------------
# Keys: a driver's ID number and a plate as exact integers (joins on integers are several times
# faster than on strings; each encoding is one-to-one on well-formed values, so no two drivers
# or plates share a key). A value that is not well formed has no key and matches no certificate.

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
PLATE_SYMBOLS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ挂学警港澳"
PLATE_FORM = f"[{PROVINCES}][A-Z][0-9A-Z]{{4,5}}[0-9A-Z挂学警港澳]"
ID_FORM = "[0-9]{17}[0-9X]"
BASE = len(PLATE_SYMBOLS) + 1   # symbols count from 1, so "D0" and "D00" differ


def driver_key(id_number: str | None) -> int | None:
    value = (id_number or "").upper()
    if not re.fullmatch(ID_FORM, value):
        return None
    return int(value[:17]) * 11 + (10 if value[17] == "X" else int(value[17]))


def plate_key(plate: str | None) -> int | None:
    if not plate or not re.fullmatch(PLATE_FORM, plate):
        return None
    rest = 0
    for symbol in plate[1:]:
        rest = rest * BASE + PLATE_SYMBOLS.index(symbol) + 1
    return (PROVINCES.index(plate[0]) + 1) * BASE**7 + rest


def driver_key_sql(column: str) -> str:
    """``driver_key`` as a DuckDB expression of ``column``."""
    value = f"upper({column})"
    return (f"CASE WHEN regexp_full_match({value}, '{ID_FORM}') THEN"
            f" CAST(substr({value}, 1, 17) AS BIGINT) * 11 + CASE WHEN right({value}, 1) = 'X'"
            f" THEN 10 ELSE CAST(right({value}, 1) AS BIGINT) END END")


def plate_key_sql(column: str) -> str:
    """``plate_key`` as a DuckDB expression of ``column``."""
    return (f"CASE WHEN regexp_full_match({column}, '{PLATE_FORM}') THEN"
            f" instr('{PROVINCES}', substr({column}, 1, 1)) * {BASE**7}"
            f" + list_reduce(list_transform(string_split(substr({column}, 2), ''),"
            f" lambda x: instr('{PLATE_SYMBOLS}', x)), lambda a, b: a * {BASE} + b, 0) END")


# ---------------------------------------------------------------------------------------------
# Stage 2: the licence join (plain SQL: DuckDB in the app, DuckDB or PostgreSQL in the bench)

# ``facts``: company_id, order_id, day, t, driver, plate, driver_key, plate_key.
# ``licences``: kind ('driver' or 'transport'), holder (ID number or plate), key, starts, ends:
# when a certificate of that holder was in force, as half-open [starts, ends) intervals merged
# per (kind, key) so that they never overlap (so each order meets at most one of each kind).
# ``wrong_colours``: company_id, plate_key: the plates a platform reports in another colour
# than the register's (``baseInfoVehicle.PlateColor``).
ORDER_COMPLIANCE = """
SELECT f.company_id, f.day, f.order_id, f.t, f.driver, f.plate,
       d.key IS NOT NULL AS driver_ok,
       v.key IS NOT NULL AND w.plate_key IS NULL AS vehicle_ok
FROM facts f
LEFT JOIN licences d ON d.kind = 'driver' AND d.key = f.driver_key
                    AND d.starts <= f.t AND f.t < d.ends
LEFT JOIN licences v ON v.kind = 'transport' AND v.key = f.plate_key
                    AND v.starts <= f.t AND f.t < v.ends
LEFT JOIN wrong_colours w ON w.plate_key = f.plate_key AND w.company_id = f.company_id
"""

# The counts per platform and day, order by order: the straightforward way (the benchmark runs
# it on PostgreSQL), and what ``DAILY_COUNTS`` must always equal.
DAILY_COUNTS_PER_ORDER = f"""
WITH o AS ({ORDER_COMPLIANCE})
SELECT company_id, day, count(*) AS completed,
       count(*) FILTER (WHERE driver_ok) AS driver_ok,
       count(*) FILTER (WHERE vehicle_ok) AS vehicle_ok,
       count(*) FILTER (WHERE driver_ok AND vehicle_ok) AS dual_ok
FROM o GROUP BY company_id, day
"""

# The same counts, faster: a platform's orders of one day by one driver in one vehicle (a
# ``groups`` row: their number, the first one's time, all their times) are judged together at
# the first one's time, unless the driver's or the vehicle's licence status changes during
# that day (a ``partial_days`` row: an interval starts or ends inside it, not at midnight); then
# each of their orders is judged at its own time. Exact, since the status is the same all day
# otherwise; and a day's orders by one driver are typically a handful, so five to ten times
# fewer rows meet the licences.
DAILY_COUNTS = """
WITH flagged AS (
  SELECT g.*, pd.key IS NOT NULL OR pv.key IS NOT NULL AS split
  FROM groups g
  LEFT JOIN partial_days pd ON pd.kind = 'driver' AND pd.key = g.driver_key AND pd.day = g.day
  LEFT JOIN partial_days pv ON pv.kind = 'transport' AND pv.key = g.plate_key AND pv.day = g.day),
judged AS (
  SELECT company_id, day, driver_key, plate_key, orders, first_t AS t FROM flagged WHERE NOT split
  UNION ALL
  SELECT company_id, day, driver_key, plate_key, 1, unnest(times) FROM flagged WHERE split),
o AS (
  SELECT j.company_id, j.day, j.orders, d.key IS NOT NULL AS driver_ok,
         v.key IS NOT NULL AND w.plate_key IS NULL AS vehicle_ok
  FROM judged j
  LEFT JOIN licences d ON d.kind = 'driver' AND d.key = j.driver_key
                      AND d.starts <= j.t AND j.t < d.ends
  LEFT JOIN licences v ON v.kind = 'transport' AND v.key = j.plate_key
                      AND v.starts <= j.t AND j.t < v.ends
  LEFT JOIN wrong_colours w ON w.plate_key = j.plate_key AND w.company_id = j.company_id)
SELECT company_id, day, sum(orders) AS completed,
       coalesce(sum(orders) FILTER (WHERE driver_ok), 0) AS driver_ok,
       coalesce(sum(orders) FILTER (WHERE vehicle_ok), 0) AS vehicle_ok,
       coalesce(sum(orders) FILTER (WHERE driver_ok AND vehicle_ok), 0) AS dual_ok
FROM o GROUP BY company_id, day
"""

# The days on which a holder's licence status changes other than at midnight.
PARTIAL_DAYS = """
SELECT DISTINCT kind, key, CAST(boundary AS DATE) AS day
FROM (SELECT kind, key, starts AS boundary FROM licences
      UNION ALL SELECT kind, key, ends FROM licences)
WHERE boundary <> date_trunc('day', boundary)
"""

# A day's facts grouped as ``DAILY_COUNTS`` reads them.
GROUPS = """
SELECT company_id, day, driver_key, plate_key, count(*) AS orders, min(t) AS first_t,
       list(t ORDER BY t) AS times
FROM facts GROUP BY company_id, day, driver_key, plate_key
ORDER BY company_id, driver_key
"""

LEADS = f"""
WITH o AS ({ORDER_COMPLIANCE}),
bad AS (SELECT * FROM o WHERE NOT (driver_ok AND vehicle_ok))
SELECT 'driver' AS kind, company_id, driver AS holder, count(*) AS orders,
       min(t) AS first_seen, max(t) AS last_seen
FROM bad WHERE NOT driver_ok GROUP BY company_id, driver
UNION ALL
SELECT 'transport', company_id, plate, count(*), min(t), max(t)
FROM bad WHERE NOT vehicle_ok GROUP BY company_id, plate
"""


# ---------------------------------------------------------------------------------------------
# The licence register's in-force intervals


# (times in microseconds like the facts' ``t``, though whole seconds: no cast in the join)
LICENCE_SCHEMA = pa.schema([("kind", pa.string()), ("holder", pa.string()), ("key", pa.int64()),
                            ("starts", pa.timestamp("us")), ("ends", pa.timestamp("us"))])
COLOUR_SCHEMA = pa.schema([("company_id", pa.string()), ("plate_key", pa.int64()),
                           ("plate", pa.string()), ("colour", pa.string())])


def beijing(moment: dt.datetime) -> dt.datetime:
    """A stored UTC time (naive or aware) as a naive Beijing time, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def in_force_intervals(valid_from: dt.date, valid_until: dt.date,
                       history: list[tuple[CertificateStatus, dt.datetime]]) -> list[tuple]:
    """When one certificate version was in force, as half-open [starts, ends) Beijing times:
    from each change to ``valid`` (its issue, a reinstatement) until the next change of status
    (suspended, revoked, cancelled, replaced, expired), cut to its dates: 00:00:00 of
    ``valid_from`` to 00:00:00 of the day after ``valid_until``. ``history`` is the validity
    history in order, times in Beijing time."""
    first, after_last = day_start(valid_from), day_start(valid_until + dt.timedelta(days=1))
    intervals = []
    for n, (status, at) in enumerate(history):
        if status != CertificateStatus.VALID:
            continue
        ends = history[n + 1][1] if n + 1 < len(history) else after_last
        starts, ends = max(at, first), min(ends, after_last)
        if starts < ends:
            intervals.append((starts, ends))
    return intervals


def merged(intervals: list[tuple]) -> list[tuple]:
    """Intervals that touch or overlap as one (a renewal's old and new version: no gap)."""
    result: list[list] = []
    for starts, ends in sorted(intervals):
        if result and starts <= result[-1][1]:
            result[-1][1] = max(result[-1][1], ends)
        else:
            result.append([starts, ends])
    return [tuple(interval) for interval in result]


def licence_table(certificates) -> pa.Table:
    """``LICENCE_SCHEMA`` rows from (kind, holder, valid_from, valid_until, history) tuples."""
    by_holder: dict[tuple, list] = {}
    for kind, holder, valid_from, valid_until, history in certificates:
        key = driver_key(holder) if kind == "driver" else plate_key(holder)
        if key is None:
            continue
        spans = by_holder.setdefault((kind, key, holder), [])
        spans += in_force_intervals(valid_from, valid_until, history)
    columns = {name: [] for name in LICENCE_SCHEMA.names}
    for (kind, key, holder), spans in by_holder.items():
        for starts, ends in merged(spans):
            for name, value in zip(LICENCE_SCHEMA.names, (kind, holder, key, starts, ends),
                                   strict=True):
                columns[name].append(value)
    return pa.Table.from_pydict(columns, schema=LICENCE_SCHEMA)


def licence_intervals() -> pa.Table:
    """Every driver and transport certificate's in-force intervals: a driver certificate by its
    holder's ID number, a transport certificate by its plate."""
    histories: dict[int, list] = {}
    for certificate_id, status, at in db.session.execute(
            sa.select(StatusChange.certificate_id, StatusChange.status, StatusChange.at)
            .join(Certificate).where(Certificate.kind.in_([Kind.DRIVER, Kind.TRANSPORT]))
            .order_by(StatusChange.certificate_id, StatusChange.at, StatusChange.id)):
        histories.setdefault(certificate_id, []).append((status, beijing(at)))
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.kind, Certificate.plate, Person.id_number,
                  Certificate.valid_from, Certificate.valid_until).join(Person)
        .where(Certificate.kind.in_([Kind.DRIVER, Kind.TRANSPORT])))
    return licence_table(
        (kind.value, id_number.upper() if kind == Kind.DRIVER else plate, valid_from,
         valid_until, histories.get(certificate_id, []))
        for certificate_id, kind, plate, id_number, valid_from, valid_until in rows)


def wrong_colours(companies: list[str]) -> pa.Table:
    """The plates each platform's base information (``baseInfoVehicle``, not deleted) gives in a
    colour other than the register's (``register_colour``)."""
    rows = db.session.execute(
        sa.select(BaseRecord.company_id, BaseRecord.natural_key, BaseRecord.data)
        .where(BaseRecord.company_id.in_(companies), BaseRecord.interface == "baseInfoVehicle",
               BaseRecord.deleted.is_(False)))
    found = [(company, plate_key(plate), plate, str(data["PlateColor"]))
             for company, plate, data in rows
             if data.get("PlateColor") and plate_key(plate) is not None
             and str(data["PlateColor"]) != register_colour(plate)]
    return pa.Table.from_pylist([dict(zip(COLOUR_SCHEMA.names, row, strict=True))
                                 for row in found], schema=COLOUR_SCHEMA)


# ---------------------------------------------------------------------------------------------
# Stage 1: order facts per day


# Which event partitions can hold the records of an order whose time falls on day D, as day
# offsets from D: the match may come the evening before the departure; the drop-off and the
# payment may fall after midnight. The next day's departures are read too: an order matched
# before midnight that departs after it belongs to the next day, and without its departure
# day D would take it at its match time (counting it twice).
SOURCES = {"orderMatch": (-1, 0), "operateDepart": (0, 1), "operateArrive": (0, 1),
           "operatePay": (0, 1)}

FACTS_SCHEMA = pa.schema([("company_id", pa.string()), ("order_id", pa.string()),
                          ("day", pa.date32()), ("t", pa.timestamp("us")),
                          ("driver", pa.string()), ("plate", pa.string()),
                          ("driver_key", pa.int64()), ("plate_key", pa.int64())])


def _dedup(interface: str, files: list[Path], columns: str) -> str:
    """A select of the files' records, each once (the first copy received)."""
    if not files:
        return events._empty_select(events.INTERFACES[interface])
    listed = ", ".join(events._literal(str(path)) for path in files)
    key = ", ".join(f'"{c}"' for c in ("CompanyId", *events.INTERFACES[interface].key))
    return (f"SELECT {columns} FROM read_parquet([{listed}], hive_partitioning = false,"
            f" union_by_name = true)"
            f" QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY received_at) = 1")


# The facts of day ``$day`` from the four interfaces' records. An order is completed when it has
# a payment (operatePay) or else a drop-off (operateArrive); its time is the departure
# (operateDepart.DepTime), else the match (orderMatch.DistributeTime), else the payment's own
# DepTime; its driver, vehicle and area come from the same records in the same order.
FACTS_SQL = """
WITH m AS ({match}), d AS ({depart}), a AS ({arrive}), p AS ({pay}),
done AS (SELECT CompanyId, OrderId FROM p UNION SELECT CompanyId, OrderId FROM a),
o AS (
  SELECT done.CompanyId AS company_id, done.OrderId AS order_id,
         coalesce(d.event_time, m.event_time,
                  try_strptime(CAST(p.DepTime AS VARCHAR), '%Y%m%d%H%M%S')) AS t,
         upper(coalesce(d.LicenseId, m.LicenseId, p.LicenseId)) AS driver,
         coalesce(d.VehicleNo, m.VehicleNo, p.VehicleNo) AS plate,
         coalesce(m.Address, p.OnArea) AS area
  FROM done LEFT JOIN m USING (CompanyId, OrderId) LEFT JOIN d USING (CompanyId, OrderId)
       LEFT JOIN p USING (CompanyId, OrderId))
SELECT company_id, order_id, CAST(t AS DATE) AS day, CAST(date_trunc('second', t) AS TIMESTAMP) AS t, driver, plate,
       {driver_key} AS driver_key, {plate_key} AS plate_key
FROM o
WHERE CAST(t AS DATE) = $day AND area // 100 = {area} AND driver IS NOT NULL AND plate IS NOT NULL
ORDER BY company_id, t
"""


def facts_dir(store: events.Store) -> Path:
    return store.root / "_compliance" / "facts"


def _source_files(store: events.Store, day: dt.date) -> dict[str, list[Path]]:
    found = {}
    for interface, (before, after) in SOURCES.items():
        found[interface] = [
            path
            for offset in range(before, after + 1)
            for path in sorted((store.root / interface /
                                f"day={(day + dt.timedelta(days=offset)).isoformat()}")
                               .glob("*.parquet"))]
    return found


def _digest(sources: dict[str, list[Path]]) -> str:
    listing = [FACTS_VERSION] + [f"{interface}/{path.parent.name}/{path.name}"
                                 for interface, paths in sources.items() for path in paths]
    return hashlib.sha256("\n".join(listing).encode()).hexdigest()[:24]


@dataclasses.dataclass
class FactsRefresh:
    rebuilt: list[dt.date]
    current: list[dt.date]


def refresh_facts(store: events.Store, days: list[dt.date]) -> tuple[list[Path], FactsRefresh]:
    """The facts file of each day, rebuilt for the days whose sources changed since."""
    paths, refresh = [], FactsRefresh([], [])
    with store._lock(shared=True):   # compaction swaps files meanwhile: one listing, one read
        for day in days:
            sources = _source_files(store, day)
            directory = facts_dir(store) / f"day={day.isoformat()}"
            path = directory / f"{_digest(sources)}.parquet"
            if not any(sources.values()):
                continue    # no records that day: no facts (and no file to read)
            if path.exists() and groups_path(path).exists():
                refresh.current.append(day)
            else:
                _build_facts(store, day, sources, path)
                refresh.rebuilt.append(day)
            paths.append(path)
    return paths, refresh


def prune_facts(store: events.Store, before: dt.date) -> int:
    """Drop the facts of the days before ``before`` (their events are pruned with them)."""
    dropped = 0
    for directory in facts_dir(store).glob("day=*"):
        try:
            day = dt.date.fromisoformat(directory.name[4:])
        except ValueError:
            continue
        if day < before:
            for path in directory.iterdir():
                path.unlink(missing_ok=True)
            directory.rmdir()
            dropped += 1
    return dropped


def _build_facts(store: events.Store, day: dt.date, sources: dict[str, list[Path]],
                 path: Path) -> None:
    sql = FACTS_SQL.format(
        match=_dedup("orderMatch", sources["orderMatch"],
                     "CompanyId, OrderId, Address, LicenseId, VehicleNo, event_time"),
        depart=_dedup("operateDepart", sources["operateDepart"],
                      "CompanyId, OrderId, LicenseId, VehicleNo, event_time"),
        arrive=_dedup("operateArrive", sources["operateArrive"], "CompanyId, OrderId"),
        pay=_dedup("operatePay", sources["operatePay"],
                   "CompanyId, OrderId, OnArea, LicenseId, VehicleNo, DepTime"),
        area=XIAMEN_AREA, driver_key=driver_key_sql("driver"), plate_key=plate_key_sql("plate"))
    connection = duckdb.connect()
    try:
        table = connection.sql(sql, params={"day": day}).to_arrow_table().cast(FACTS_SCHEMA)
    finally:
        connection.close()
    write_facts(table, path)


def groups_path(facts: Path) -> Path:
    """The grouped facts beside a day's facts file."""
    return facts.with_name(facts.stem + ".groups")


def write_facts(table: pa.Table, path: Path) -> None:
    """A day's facts at ``path`` and their groups beside them (``GROUPS``), the groups first:
    the facts file's presence says both are complete."""
    connection = duckdb.connect()
    try:
        connection.register("facts", table)
        groups = connection.sql(GROUPS).to_arrow_table()
    finally:
        connection.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    for rows, final in ((groups, groups_path(path)), (table, path)):
        temporary = path.parent / f".{uuid.uuid4().hex}.tmp"
        pq.write_table(rows, temporary, compression="zstd")
        os.rename(temporary, final)   # two builders of one day write the same rows: either wins
    # Older versions go once no question that listed them can still be reading them.
    limit = time.time() - STALE_AFTER_SECONDS
    for stale in path.parent.glob("*"):
        with contextlib.suppress(FileNotFoundError):
            if stale not in (path, groups_path(path)) and stale.stat().st_mtime < limit:
                stale.unlink()


# ---------------------------------------------------------------------------------------------
# Asking: a connection with facts, licences and colours, and the questions on it


EMPTY_FACTS = ("(SELECT NULL::VARCHAR AS company_id, NULL::VARCHAR AS order_id, NULL::DATE AS day,"
               " NULL::TIMESTAMP AS t, NULL::VARCHAR AS driver, NULL::VARCHAR AS plate,"
               " NULL::BIGINT AS driver_key, NULL::BIGINT AS plate_key WHERE false)")


class Question:
    """One DuckDB connection with the stage-2 tables: ``facts`` (the days' facts files),
    ``licences`` and ``wrong_colours``. Run ``DAILY_COUNTS``, ``LEADS`` or ``ORDER_COMPLIANCE``
    on it; close it after."""

    def __init__(self, fact_files: list[Path], licences: pa.Table, colours: pa.Table):
        self.connection = duckdb.connect()
        for name, table in (("licences", licences), ("wrong_colours", colours)):
            self.connection.register(f"{name}_arrow", table)
            self.connection.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
            self.connection.unregister(f"{name}_arrow")
        self.connection.execute(f"CREATE TABLE partial_days AS {PARTIAL_DAYS}")
        present = [p for p in fact_files if p.exists() and groups_path(p).exists()]
        listed = ", ".join(events._literal(str(p)) for p in present)
        source = f"SELECT * FROM read_parquet([{listed}])" if listed else EMPTY_FACTS
        self.connection.execute(f"CREATE VIEW facts AS {source}")
        if present:
            grouped = ", ".join(events._literal(str(groups_path(p))) for p in present)
            self.connection.execute(f"CREATE VIEW groups AS SELECT * FROM read_parquet([{grouped}])")
        else:
            self.connection.execute(f"CREATE VIEW groups AS {GROUPS}")

    def rows(self, sql: str, parameters=None) -> list[dict]:
        cursor = self.connection.execute(sql, parameters or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.connection.close()


def ask(companies: list[str], first: dt.date, last: dt.date) -> tuple[Question, FactsRefresh]:
    """The question for the days from ``first`` to ``last``, their facts brought up to date."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    files, refresh = refresh_facts(events.store(), days)
    return Question(files, licence_intervals(), wrong_colours(companies)), refresh


# ---------------------------------------------------------------------------------------------
# Figures: per platform per day or month, the city, the ranking


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclasses.dataclass
class Counts:
    completed: int = 0
    driver_ok: int = 0
    vehicle_ok: int = 0
    dual_ok: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(dataclasses.astuple(self),
                                                dataclasses.astuple(other), strict=True)))

    @property
    def rate(self) -> float | None:
        """The dual-compliance rate (双合规完成订单率)."""
        return share(self.dual_ok, self.completed)

    def to_json(self) -> dict:
        return {"completed": self.completed, "driver_compliant": self.driver_ok,
                "vehicle_compliant": self.vehicle_ok, "dual_compliant": self.dual_ok,
                "driver_rate": share(self.driver_ok, self.completed),
                "vehicle_rate": share(self.vehicle_ok, self.completed),
                "dual_rate": self.rate}


def points(new: float | None, old: float | None) -> float | None:
    """The change from ``old`` to ``new`` in percentage points (环比, 百分点)."""
    if new is None or old is None:
        return None
    return round((new - old) * 100, 2)


def month_days(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(text: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


def reporting_platforms() -> list[Platform]:
    """The platforms of the register with a ministry CompanyId (those that report orders)."""
    return list(db.session.scalars(sa.select(Platform).where(Platform.company_id.is_not(None))
                                   .order_by(Platform.code)))


def daily(platforms: list[Platform], first: dt.date,
          last: dt.date) -> tuple[dict[tuple[str, dt.date], Counts], FactsRefresh]:
    """Counts per (platform code, day) from ``first`` to ``last`` (days without orders absent)."""
    codes = {p.company_id: p.code for p in platforms if p.company_id}
    question, refresh = ask(sorted(codes), first, last)
    try:
        rows = question.connection.execute(DAILY_COUNTS).fetchall()
    finally:
        question.close()
    found = {(codes[company], day): Counts(*numbers)
             for company, day, *numbers in rows if company in codes}
    return found, refresh


def totals(counts: dict[tuple[str, dt.date], Counts], code: str | None = None) -> Counts:
    return sum((c for (platform, _), c in counts.items() if code in (None, platform)), Counts())


def series(platforms: list[Platform], first: dt.date, last: dt.date, granularity: str,
           only: str | None = None) -> dict:
    """The figures as the staff API gives them: per platform (all, or ``only`` the one with
    that code) per day or per month, with the city's (all the platforms) in the same periods."""
    counts, _ = daily(platforms, first, last)
    periods = _periods(first, last, granularity)

    def over(code, period_first, period_last):
        return sum((c for (p, day), c in counts.items()
                    if code in (None, p) and period_first <= day <= period_last), Counts())

    def rows(code):
        return [{"period": label, **over(code, a, b).to_json()} for label, a, b in periods]

    return {"from": first.isoformat(), "to": last.isoformat(), "granularity": granularity,
            "platforms": [{"code": p.code, "name": p.name, "aggregator": p.aggregator,
                           "figures": rows(p.code)} for p in platforms
                          if only in (None, p.code)],
            "city": rows(None)}


def _periods(first: dt.date, last: dt.date, granularity: str) -> list[tuple[str, dt.date, dt.date]]:
    if granularity == "day":
        return [(day.isoformat(), day, day) for day in
                (first + dt.timedelta(days=n) for n in range((last - first).days + 1))]
    periods, month = [], first.replace(day=1)
    while month <= last:
        month_first, month_last = month_days(month)
        periods.append((month.strftime("%Y-%m"), max(first, month_first), min(last, month_last)))
        month = month_last + dt.timedelta(days=1)
    return periods


def month_report(month: dt.date, trend_months: int = 12) -> dict:
    """A month as the bulletin publishes it: the ranking (platforms by completed orders, with
    their rate and its change from the month before; aggregators apart), those named at 80 % or
    more, the city's rate and its trend over ``trend_months`` months. No personal data."""
    platforms = reporting_platforms()
    first, last = month_days(month)
    trend_first = month_days(_months_back(month, trend_months - 1))[0]
    counts, _ = daily(platforms, min(trend_first, previous_month(month)), last)
    this, before = _within(counts, first, last), _within(counts, *month_days(previous_month(month)))
    rows = []
    for platform in platforms:
        now, then = totals(this, platform.code), totals(before, platform.code)
        if not now.completed:
            continue
        rows.append({"code": platform.code, "name": platform.name,
                     "aggregator": platform.aggregator, **now.to_json(),
                     "previous_dual_rate": then.rate, "change_points": points(now.rate, then.rate)})
    rows.sort(key=lambda row: (-row["completed"], row["code"]))
    ranking = [r for r in rows if not r["aggregator"]]
    aggregators = [r for r in rows if r["aggregator"]]
    for listed in (ranking, aggregators):
        for position, row in enumerate(listed, 1):
            row["rank"] = position
    city, city_before = totals(this), totals(before)
    trend = []
    for back in range(trend_months - 1, -1, -1):
        shown = _months_back(month, back)
        figures = totals(_within(counts, *month_days(shown)))
        trend.append({"month": shown.strftime("%Y-%m"), **figures.to_json()})
    return {"month": month.strftime("%Y-%m"), "from": first.isoformat(), "to": last.isoformat(),
            "city": {**city.to_json(), "previous_dual_rate": city_before.rate,
                     "change_points": points(city.rate, city_before.rate)},
            "ranking": ranking, "aggregators": aggregators,
            "named": [r["name"] for r in ranking + aggregators
                      if r["dual_rate"] is not None and r["dual_rate"] >= NAMED_AT],
            "trend": trend}


def _months_back(month: dt.date, count: int) -> dt.date:
    shown = month.replace(day=1)
    for _ in range(count):
        shown = previous_month(shown)
    return shown


def _within(counts, first, last):
    return {key: c for key, c in counts.items() if first <= key[1] <= last}


# ---------------------------------------------------------------------------------------------
# Enforcement leads


@dataclasses.dataclass
class Lead:
    """A driver or vehicle behind non-compliant orders of one platform in a period."""

    kind: str                 # "driver" or "transport"
    platform_code: str
    holder: str               # the ID number or the plate (mask an ID number before showing)
    orders: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    ever_held: bool           # a certificate of the register was ever in force for it
    last_status: str | None   # the latest status of its latest certificate, if any
    wrong_colour: str | None  # the colour the platform reports, when it is not the register's

    @property
    def history(self) -> str:
        if self.wrong_colour:
            return "colour"
        return "lapsed" if self.ever_held else "never"


HISTORY_LABELS = {"never": "从未持证 never held one", "lapsed": "曾持证 held one before",
                  "colour": "号牌颜色不符 plate colour differs"}


def leads(platforms: list[Platform], first: dt.date, last: dt.date) -> list[Lead]:
    """The drivers and vehicles behind each platform's non-compliant orders, most orders first."""
    codes = {p.company_id: p.code for p in platforms if p.company_id}
    question, _ = ask(sorted(codes), first, last)
    try:
        rows = question.connection.execute(LEADS).fetchall()
        held = {(kind, holder) for kind, holder in
                question.connection.execute("SELECT DISTINCT kind, holder FROM licences").fetchall()}
        colours = {(c, p): colour for c, p, colour in question.connection.execute(
            "SELECT company_id, plate, colour FROM wrong_colours").fetchall()}
    finally:
        question.close()
    statuses = _latest_statuses()
    found = [Lead(kind, codes[company], holder, orders, first_seen, last_seen,
                  (kind, holder) in held, statuses.get((kind, holder)),
                  colours.get((company, holder)) if kind == "transport" else None)
             for kind, company, holder, orders, first_seen, last_seen in rows if company in codes]
    return sorted(found, key=lambda lead: (-lead.orders, lead.platform_code, lead.kind,
                                           lead.holder))


def _latest_statuses() -> dict[tuple[str, str], str]:
    latest = {}
    rows = db.session.execute(
        sa.select(Certificate.kind, Certificate.plate, Person.id_number, Certificate.status)
        .join(Person).where(Certificate.kind.in_([Kind.DRIVER, Kind.TRANSPORT]))
        .order_by(Certificate.issued_at, Certificate.id))
    for kind, plate, id_number, status in rows:
        holder = id_number.upper() if kind == Kind.DRIVER else plate
        latest[kind.value, holder] = status.value
    return latest
