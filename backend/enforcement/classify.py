"""Classifying a plate read: a licensed 网约车 in force at that second, suspected illegal
operation, or an ordinary car.

* **licensed**: a transport certificate for the plate was in force at ``seen_at``: inside its
  validity dates (Beijing days) and, by its validity history (``StatusChange``), valid then,
  not yet suspended, revoked, cancelled or expired. A certificate replaced by its next version
  hands over at the same second.
* **suspected** (涉嫌非法营运): no certificate in force, and the plate was in a platform's
  orders (``orderMatch``, ``operateDepart``, ``operatePay``) or positions (``positionVehicle``)
  within ``ENFORCEMENT_FEED_WINDOW_MINUTES`` of the read, or the plate is blacklisted.
* **ordinary**: neither.

The worker classifies thousands of reads a second, so it does not ask the database or the
event store per read: :class:`LicenceIndex` holds every transport certificate's periods in
force in memory and catches up with new validity history before each batch (one query);
:class:`FeedIndex` holds, per plate, the stretches of time a platform reported it, caught up
from the event store's new files every few seconds (one DuckDB query). A read is classified against what
was known when its batch was processed, which is after the read was made.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, Status, StatusChange
from backend.credit import lists as credit_lists
from backend.db import db
from backend.enforcement.messages import Read
from backend.enforcement.models import Result

BEIJING = dt.timezone(dt.timedelta(hours=8))
FOREVER = math.inf

# -- the blacklist (黑名单) ----------------------------------------------------------------------

def blacklisted_plates() -> frozenset[str]:
    """The plates on the 黑名单 now (vehicles blacklisted, in their stored form ``闽D12345``),
    as the credit package keeps them (``backend.credit.lists``). The camera worker reads it
    before each batch; the staff look-up on every request."""
    return frozenset(credit_lists.blacklisted_plates())


# -- the licence register in memory ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of time (Unix seconds, end exclusive) a transport certificate was in force."""

    start: float
    end: float
    platform_code: str | None
    certificate_id: int

    @property
    def classification(self) -> Classification:
        """What a read in this period is (one object per platform, made once)."""
        return _licensed_on(self.platform_code)


def periods_in_force(certificate, changes) -> list[Period]:
    """The certificate's periods in force: valid by its history, within its validity dates.
    ``certificate`` has ``id``, ``valid_from``, ``valid_until`` and ``platform_code``; each
    change ``id``, ``status`` and ``at`` (a Certificate and its StatusChanges, or rows)."""
    first = dt.datetime.combine(certificate.valid_from, dt.time(), BEIJING).timestamp()
    last = dt.datetime.combine(certificate.valid_until + dt.timedelta(days=1), dt.time(),
                               BEIJING).timestamp()
    periods, since = [], None
    for change in sorted(changes, key=lambda c: (c.at, c.id)):
        if change.status == Status.VALID:
            since = since if since is not None else change.at.timestamp()
        elif since is not None:
            periods.append((since, change.at.timestamp()))
            since = None
    if since is not None:
        periods.append((since, FOREVER))
    return [Period(max(start, first), min(end, last), certificate.platform_code, certificate.id)
            for start, end in periods if max(start, first) < min(end, last)]


class LicenceIndex:
    """Every transport certificate's periods in force, by plate. ``catch_up`` reads the
    validity history written since the last call (new certificates included) and recomputes
    the certificates it names.

    History rows are read by id. On PostgreSQL a row with a lower id can become visible after
    one with a higher id (its transaction committed later), so an id skipped over is looked
    for again for ``GAP_SECONDS`` before it is taken for a rolled-back one."""

    GAP_SECONDS = 120.0

    def __init__(self) -> None:
        self._by_plate: dict[str, list[Period]] = defaultdict(list)
        self._plate_of: dict[int, str] = {}
        self._watermark = 0  # every id up to here is applied or given up
        self._applied: set[int] = set()  # ids above the watermark already applied
        self._gaps: dict[int, float] = {}  # id above the watermark not seen yet: first missed

    def in_force(self, plate: str, moment: float) -> Period | None:
        for period in self._by_plate.get(plate, ()):
            if period.start <= moment < period.end:
                return period
        return None

    def periods(self, plate: str) -> list[Period]:
        return list(self._by_plate.get(plate, ()))

    def catch_up(self) -> int:
        """Apply the history written since the last call; how many certificates changed."""
        rows = db.session.execute(
            sa.select(StatusChange.id, StatusChange.certificate_id, Certificate.kind)
            .join(Certificate, Certificate.id == StatusChange.certificate_id)
            .where(StatusChange.id > self._watermark)).all()
        new = [row for row in rows if row[0] not in self._applied]
        changed = {certificate_id for _, certificate_id, kind in new if kind == Kind.TRANSPORT}
        if changed:
            self._reload(changed)
        self._applied.update(change_id for change_id, _, _ in new)
        self._advance(max((row[0] for row in rows), default=self._watermark))
        return len(changed)

    def _reload(self, certificate_ids: set[int]) -> None:
        # (plain rows, not ORM objects: a first load reads every transport certificate)
        certificates = db.session.execute(
            sa.select(Certificate.id, Certificate.plate, Certificate.platform_code,
                      Certificate.valid_from, Certificate.valid_until)
            .where(Certificate.id.in_(certificate_ids))).all()
        changes = defaultdict(list)
        for change in db.session.execute(
                sa.select(StatusChange.id, StatusChange.certificate_id, StatusChange.status,
                          StatusChange.at)
                .where(StatusChange.certificate_id.in_(certificate_ids))):
            changes[change.certificate_id].append(change)
        for certificate in certificates:
            self._forget(certificate.id)
            if certificate.plate:
                self._plate_of[certificate.id] = certificate.plate
                self._by_plate[certificate.plate].extend(
                    periods_in_force(certificate, changes[certificate.id]))

    def _forget(self, certificate_id: int) -> None:
        plate = self._plate_of.pop(certificate_id, None)
        if plate is not None:
            self._by_plate[plate] = [p for p in self._by_plate[plate]
                                     if p.certificate_id != certificate_id]

    def _advance(self, highest: int) -> None:
        now = time.monotonic()
        # (only the last ids can be those of transactions still in flight)
        for missing in range(max(self._watermark + 1, highest - 100), highest + 1):
            if missing not in self._applied:
                self._gaps.setdefault(missing, now)
        for missing, since in list(self._gaps.items()):
            if missing in self._applied or now - since > self.GAP_SECONDS:
                del self._gaps[missing]
        self._watermark = (min(self._gaps) - 1) if self._gaps else max(highest, self._watermark)
        self._applied = {i for i in self._applied if i > self._watermark}


# -- the platforms' feed in memory -------------------------------------------------------------

FEED_INTERFACES = {"positionVehicle": "VehicleNo", "orderMatch": "VehicleNo",
                   "operateDepart": "VehicleNo", "operatePay": "VehicleNo"}


class FeedIndex:
    """When each plate was in a platform's orders or positions: per plate, runs of events of
    one platform with no gap longer than the window, as [start, end, CompanyId] in Unix
    seconds. ``catch_up`` reads the event store's files it has not read yet.

    The store's files never change once written (``backend.supervision.events``): a new file
    is new data, or a compaction's merge of files already read, whose events only widen runs
    already known. Only the partitions of the last ``LOOKBACK`` are read."""

    LOOKBACK = dt.timedelta(days=2)

    def __init__(self, window: dt.timedelta) -> None:
        self.window = window.total_seconds()
        self._runs: dict[str, list[list]] = defaultdict(list)
        self._read: set[str] = set()  # files already read

    def near(self, plate: str, moment: float) -> list[str]:
        """The platforms that reported the plate within the window of ``moment``."""
        return sorted({company for start, end, company in self._runs.get(plate, ())
                       if start - self.window <= moment <= end + self.window})

    def catch_up(self, root: Path, now: dt.datetime) -> int:
        """Read the files written since the last call; how many plates' runs changed."""
        since = now - self.LOOKBACK
        files = self._new_files(root, since)
        if not files:
            return 0
        try:
            rows = _feed_runs(files, since.timestamp(), self.window)
        except duckdb.Error:  # (a compaction removed a file meanwhile: read again next time)
            return 0
        for plate, company, start, end in rows:
            self._merge(plate, company, start, end)
        self._read.update(str(path) for path in files)
        self._prune(since)
        return len({row[0] for row in rows})

    def _new_files(self, root: Path, since: dt.datetime) -> list[Path]:
        first = since.astimezone(BEIJING).date()
        days = [first + dt.timedelta(days=n) for n in range(self.LOOKBACK.days + 2)]
        return [path for name in FEED_INTERFACES for day in days
                for path in sorted((Path(root) / name / f"day={day.isoformat()}").glob("*.parquet"))
                if str(path) not in self._read]

    def _merge(self, plate: str, company: str, start: float, end: float) -> None:
        runs = self._runs[plate]
        for run in runs:
            if run[2] == company and start <= run[1] + self.window and end >= run[0] - self.window:
                run[0], run[1] = min(run[0], start), max(run[1], end)
                return
        bisect.insort(runs, [start, end, company])

    def _prune(self, since: dt.datetime) -> None:
        day = f"day={since.astimezone(BEIJING).date().isoformat()}"
        self._read = {path for path in self._read if Path(path).parent.name >= day}
        if len(self._runs) < 50_000:
            return
        before = since.timestamp()
        for plate in list(self._runs):
            self._runs[plate] = [run for run in self._runs[plate] if run[1] >= before]
            if not self._runs[plate]:
                del self._runs[plate]


def _feed_runs(files: list[Path], since: float, window: float) -> list[tuple]:
    """The events of these files after ``since`` grouped into runs per plate and platform (a
    gap longer than the window starts a new run)."""
    by_interface = defaultdict(list)
    for path in files:
        by_interface[path.parent.parent.name].append(str(path))
    scans = " UNION ALL ".join(
        f'SELECT "{FEED_INTERFACES[name]}" AS plate, CompanyId AS company, '
        f"epoch(event_time) - 28800 AS t FROM read_parquet(?, union_by_name = true)"
        for name in by_interface)
    sql = f"""
        WITH feed AS (SELECT * FROM ({scans}) WHERE t >= ?),
        marked AS (SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY plate, company ORDER BY t)
                                       <= ? THEN 0 ELSE 1 END AS fresh FROM feed),
        runs AS (SELECT *, sum(fresh) OVER (PARTITION BY plate, company ORDER BY t) AS run
                 FROM marked)
        SELECT plate, company, min(t), max(t) FROM runs GROUP BY plate, company, run"""
    with duckdb.connect() as duck:
        rows = duck.execute(sql, [*by_interface.values(), since, window]).fetchall()
    return [(plate, company, float(start), float(end)) for plate, company, start, end in rows]


# -- the classification --------------------------------------------------------------------------

@dataclass(slots=True)
class Classification:
    result: Result
    platform_code: str | None = None  # licensed: the certificate's platform
    companies: tuple[str, ...] = ()  # suspected: the platforms whose feed had the plate
    blacklisted: bool = False

    @property
    def reasons(self) -> list[str]:
        return [reason for reason, present in (("feed", self.companies),
                                               ("blacklist", self.blacklisted)) if present]


class Classifier:
    """The three indexes a read is classified against, caught up before each batch."""

    FEED_EVERY_SECONDS = 2.0

    def __init__(self, store, window: dt.timedelta) -> None:
        self.store = store  # the supervision event store (``events.store()``)
        self.licences = LicenceIndex()
        self.feed = FeedIndex(window)
        self.blacklist: frozenset[str] = frozenset()
        self._feed_read_at = -math.inf

    def catch_up(self, now: dt.datetime, force_feed: bool = False) -> None:
        self.licences.catch_up()
        self.blacklist = blacklisted_plates()
        if force_feed or time.monotonic() - self._feed_read_at >= self.FEED_EVERY_SECONDS:
            self.feed.catch_up(self.store.root, now)
            self._feed_read_at = time.monotonic()

    def classify(self, read: Read) -> Classification:
        moment = read.timestamp
        period = self.licences.in_force(read.plate, moment)
        if period is not None:
            return period.classification
        companies = tuple(self.feed.near(read.plate, moment))
        blacklisted = read.plate in self.blacklist
        if companies or blacklisted:
            return Classification(SUSPECTED, companies=companies, blacklisted=blacklisted)
        return ORDINARY_CAR


# (looked up once: an enum member's attribute access costs more than the rest of a lookup)
SUSPECTED = Result.SUSPECTED
ORDINARY_CAR = Classification(Result.ORDINARY)


@functools.cache
def _licensed_on(platform_code: str | None) -> Classification:
    return Classification(Result.LICENSED, platform_code=platform_code)
