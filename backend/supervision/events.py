"""The event store: every order, operate, position and rating record a platform reports,
append-only, in Parquet files read with DuckDB (DESIGN.md §8).

Layout under ``SUPERVISION_EVENTS_DIR`` (default ``instance/supervision/events``)::

    <IPCType>/day=YYYY-MM-DD/w-<uuid>.parquet    one file per intake request (or writer batch)
    <IPCType>/day=YYYY-MM-DD/c-<uuid>.parquet    a compaction's output

The day is the record's **event time** in Beijing time (``OrderTime``, ``DepTime``,
``PositionTime``…; see ``INTERFACES``), not the day it arrived: a resent record always lands in
the same partition as its first copy (so compaction can drop the copy), a day's figures read one
directory, and retention drops data by the day it describes. Every file has the interface's spec
fields verbatim plus ``event_time`` (that time as a Beijing timestamp, whatever format the
platform sent) and ``received_at`` (when the intake accepted it, Beijing time).

Writers never touch an existing file: each write is a new uniquely named file, written under a
temporary name, fsynced, then renamed into place, so any number of processes may write at once.
Compaction merges a partition's files into one and swaps it in under an exclusive lock that
readers (``connect``/``query``) hold shared, so a reader sees the files before or after, never
both. Copies of a record (a platform's resend, a writer's redelivered batch, a compaction that
stopped halfway) are kept on disk until compaction and counted once: the views deduplicate by
platform and natural key, keeping the first copy received.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from flask import current_app

from backend.common.private_files import private_directory
from backend.supervision import interfaces as catalogue

BEIJING = dt.timezone(dt.timedelta(hours=8))


class Unavailable(Exception):
    """The records could not be durably accepted now (disk, stream): the intake answers 503 and
    the platform sends the batch again later."""


_ARROW_TYPES = {"string": pa.string(), "uint32": pa.int64(), "uint64": pa.int64(),
                "int32": pa.int64(), "float": pa.float64()}


@dataclass(frozen=True)
class Interface:
    """One event interface as the store keeps it: its spec fields (regulatory.md Appendix A,
    from the intake's catalogue) plus ``event_time`` and ``received_at``."""

    name: str
    time_field: str  # the record's event time: its day is the partition
    key: tuple[str, ...]  # natural key within a platform: a record's copies share it
    fields: tuple[tuple[str, pa.DataType], ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            list(self.fields)
            + [("event_time", pa.timestamp("s")), ("received_at", pa.timestamp("ms"))]
        )


INTERFACES: dict[str, Interface] = {
    spec.ipc_type: Interface(
        spec.ipc_type, spec.time_field, spec.natural_key,
        tuple((field.name, _ARROW_TYPES[field.proto_type]) for field in spec.fields),
    )
    for spec in catalogue.CATALOGUE.values()
    if spec.kind == catalogue.EVENT
}


# ---------------------------------------------------------------------------------------------
# The intake's entry point


def accept(company_id: str, interface_name: str, records: list[dict],
           received_at: dt.datetime) -> None:
    """Accept a platform's validated records of one event interface durably: written to the
    store, or published to JetStream and acknowledged when ``SUPERVISION_STREAM_URL`` is set.
    Returns only then; raises ``Unavailable`` when it cannot."""
    if not records:
        return
    table = build_table(interface_name, company_id, records, received_at)
    config = current_app.config
    if config.get("SUPERVISION_STREAM_URL"):
        from backend.supervision import stream

        stream.publisher(config["SUPERVISION_STREAM_URL"], config["SUPERVISION_STREAM_NAME"],
                         config["SUPERVISION_STREAM_REPLICAS"]).publish(interface_name, table)
    else:
        store().write(interface_name, table)


def store() -> Store:
    """The application's event store."""
    return Store(Path(current_app.config["SUPERVISION_EVENTS_DIR"]))


def build_table(interface_name: str, company_id: str, records: list[dict],
                received_at: dt.datetime) -> pa.Table:
    """The records as one Arrow table of the interface's schema (``CompanyId`` is the signer's)."""
    kind = INTERFACES[interface_name]
    count = len(records)
    columns = []
    for name, type_ in kind.fields:
        if name == "CompanyId":
            columns.append(pa.array([company_id] * count, pa.string()))
        else:
            columns.append(pa.array([record.get(name) for record in records], type_))
    received = _beijing(received_at)
    times = _event_times(columns[kind.schema.get_field_index(kind.time_field)])
    columns.append(pc.fill_null(times, pa.scalar(received.replace(microsecond=0),
                                                  pa.timestamp("s"))))
    columns.append(pa.array([received] * count, pa.timestamp("ms")))
    return pa.Table.from_arrays(columns, schema=kind.schema)


def _beijing(moment: dt.datetime) -> dt.datetime:
    """A naive Beijing time (a naive input is taken as UTC, like ``backend.db.utcnow``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).replace(tzinfo=None)


def _event_times(values: pa.Array) -> pa.Array:
    """Beijing timestamps from the spec's time integers: F14 ``YYYYMMDDhhmmss`` (14 digits),
    F8 ``YYYYMMDD`` (8 digits, a date at midnight), or Unix time in seconds or milliseconds
    (``PositionTime``, which platforms send either way). Values that are none of these (the
    intake refuses them) become null."""
    epoch = pc.if_else(pc.greater_equal(values, 10**11), pc.divide(values, 1000), values)
    times = pc.cast(pc.add(epoch, 8 * 3600), pa.timestamp("s"))
    for digits, pattern in ((14, "%Y%m%d%H%M%S"), (8, "%Y%m%d")):
        shaped = pc.and_(pc.greater_equal(values, 10 ** (digits - 1)),
                         pc.less(values, 10**digits))
        if pc.any(shaped).as_py():
            parsed = pc.strptime(pc.cast(values, pa.string()), format=pattern, unit="s",
                                 error_is_null=True)
            times = pc.if_else(shaped, parsed, times)
    return times


# ---------------------------------------------------------------------------------------------
# The store on disk


@dataclass(frozen=True)
class Partition:
    interface: str
    day: dt.date
    path: Path

    def files(self) -> list[Path]:
        return sorted(self.path.glob("*.parquet"))


class Store:
    """The Parquet files under one directory. Safe to use from any number of processes."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # -- writing ------------------------------------------------------------------------------

    def write(self, interface_name: str, table: pa.Table) -> None:
        """Add the table's rows, one new file per event day; durable when it returns."""
        try:
            for day, rows in _split_by_day(table):
                self._write_file(self._partition_dir(interface_name, day), rows)
        except OSError as error:
            raise Unavailable(f"event store: {error}") from error

    def _partition_dir(self, interface_name: str, day: dt.date) -> Path:
        directory = self.root / interface_name / f"day={day.isoformat()}"
        if not directory.is_dir():
            private_directory(directory.parent)
            private_directory(directory)
            _fsync_directory(directory.parent)
        return directory

    def _write_file(self, directory: Path, table: pa.Table, prefix: str = "w") -> Path:
        name = f"{prefix}-{uuid.uuid4().hex}.parquet"
        temporary = directory / f".{name}.tmp"  # not matched by the readers' *.parquet
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            # Small, short-lived files: the fastest codec; compaction rewrites them with zstd.
            pq.write_table(table, out, compression="lz4")
            out.flush()
            os.fsync(out.fileno())
        final = directory / name
        os.rename(temporary, final)
        _fsync_directory(directory)
        return final

    # -- reading ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB connection with two views per interface: ``<IPCType>`` (each
        record once: deduplicated by platform and natural key) and ``<IPCType>_raw`` (every
        stored copy); each has the spec fields, ``event_time``, ``received_at`` and ``day``.
        Compaction waits while it is open, so keep it short."""
        connection = duckdb.connect()
        try:
            with self._lock(shared=True):
                for kind in INTERFACES.values():
                    connection.execute(f'CREATE VIEW "{kind.name}_raw" AS {self._scan(kind)}')
                    connection.execute(
                        f'CREATE VIEW "{kind.name}" AS SELECT * FROM "{kind.name}_raw"'
                        f" QUALIFY {_first_copy(kind, extra=('day',))}"
                    )
                yield connection
        finally:
            connection.close()

    def query(self, sql: str, parameters: list | None = None) -> list[dict]:
        """Run one SQL query over the views of ``connect``; the rows as dicts."""
        with self.connect() as connection:
            cursor = connection.execute(sql, parameters or [])
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _scan(self, kind: Interface) -> str:
        pattern = self.root / kind.name / "day=*" / "*.parquet"
        if next(self.root.glob(f"{kind.name}/day=*/*.parquet"), None) is None:
            return _empty_select(kind)
        return (f"SELECT * FROM read_parquet({_literal(str(pattern))}, hive_partitioning = true,"
                f" hive_types = {{'day': 'DATE'}}, union_by_name = true)")

    # -- upkeep -------------------------------------------------------------------------------

    def partitions(self) -> list[Partition]:
        found = []
        for kind in INTERFACES:
            for path in sorted((self.root / kind).glob("day=*")):
                with contextlib.suppress(ValueError):
                    found.append(Partition(kind, dt.date.fromisoformat(path.name[4:]), path))
        return found

    def compact(self, today: dt.date, min_files: int = 2) -> list[tuple[Partition, int, int]]:
        """Merge each partition's small files into one, dropping copies of a record. A day
        before ``today`` is rewritten whole into one file; today's and later days only have
        their writers' files merged (the day is still growing, and earlier compactions' files
        stay as they are until the day is over). Returns (partition, files merged, rows kept).
        Writers go on writing meanwhile: only the files listed at the start are replaced."""
        done = []
        with self._compaction_running():
            for partition in self.partitions():
                _remove_stale_temporaries(partition.path)
                files = partition.files()
                if partition.day >= today:
                    files = [path for path in files if path.name.startswith("w-")]
                if len(files) >= min_files:
                    done.append((partition, len(files), self._merge(partition, files)))
        return done

    def _merge(self, partition: Partition, files: list[Path]) -> int:
        kind = INTERFACES[partition.interface]
        name = f"c-{uuid.uuid4().hex}.parquet"
        temporary = partition.path / f".{name}.tmp"
        connection = duckdb.connect()
        try:
            connection.execute(f"SET temp_directory = {_literal(str(self.root / '.duckdb'))}")
            sources = ", ".join(_literal(str(path)) for path in files)
            connection.execute(
                f"COPY (SELECT * FROM read_parquet([{sources}], hive_partitioning = false,"
                f" union_by_name = true) QUALIFY {_first_copy(kind)}"
                f" ORDER BY CompanyId, event_time)"
                f" TO {_literal(str(temporary))} (FORMAT parquet, COMPRESSION zstd)"
            )
            rows = connection.execute(
                f"SELECT count(*) FROM read_parquet({_literal(str(temporary))})").fetchone()[0]
        finally:
            connection.close()
        os.chmod(temporary, 0o600)
        _fsync_file(temporary)
        with self._lock(shared=False):  # readers see the old files or the new one, never both
            os.rename(temporary, partition.path / name)
            for path in files:
                path.unlink()
            _fsync_directory(partition.path)
        return rows

    def prune(self, before: dt.date) -> list[Partition]:
        """Drop every partition whose day is before ``before``; returns those dropped."""
        dropped = [partition for partition in self.partitions() if partition.day < before]
        with self._lock(shared=False):
            for partition in dropped:
                shutil.rmtree(partition.path)
        return dropped

    # -- locks --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self, shared: bool) -> Iterator[None]:
        with _private_lock_file(self.root / ".readers.lock") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _compaction_running(self) -> Iterator[None]:
        """One compaction at a time: a second one would merge the same files twice."""
        with _private_lock_file(self.root / ".compaction.lock") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as error:
                raise CompactionRunning() from error
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class CompactionRunning(Exception):
    """Another process is compacting this store."""


def query(sql: str, parameters: list | None = None) -> list[dict]:
    """Run SQL over the application's event store: one view per interface named by its
    IPCType, each record once (see ``Store.connect``)."""
    return store().query(sql, parameters)


def view(interface_name: str) -> str:
    """The quoted name of an interface's deduplicated view, for building SQL safely."""
    if interface_name not in INTERFACES:
        raise KeyError(f"not an event interface: {interface_name!r}")
    return f'"{interface_name}"'


# ---------------------------------------------------------------------------------------------
# Helpers


def _split_by_day(table: pa.Table) -> Iterator[tuple[dt.date, pa.Table]]:
    days = pc.cast(table["event_time"], pa.date32())
    distinct = pc.unique(days)
    if len(distinct) == 1:
        yield distinct[0].as_py(), table
        return
    for day in distinct:
        yield day.as_py(), table.filter(pc.equal(days, day))


def _first_copy(kind: Interface, extra: tuple[str, ...] = ()) -> str:
    """The QUALIFY condition keeping one copy of each record: the first received."""
    partition = ", ".join(f'"{column}"' for column in (*extra, "CompanyId", *kind.key))
    return f"row_number() OVER (PARTITION BY {partition} ORDER BY received_at) = 1"


def _empty_select(kind: Interface) -> str:
    """A select with the interface's columns and no rows, for an interface with no files yet."""
    duck_types = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
                  pa.timestamp("s"): "TIMESTAMP_S", pa.timestamp("ms"): "TIMESTAMP_MS"}
    columns = [f'CAST(NULL AS {duck_types[field.type]}) AS "{field.name}"' for field in kind.schema]
    return f"SELECT {', '.join(columns)}, CAST(NULL AS DATE) AS day WHERE false"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _private_lock_file(path: Path):
    """A lock file only the owner may open (the event store holds personal data)."""
    private_directory(path.parent)
    return os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "a+b")


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_directory(path: Path) -> None:
    """Make a rename or a new entry in the directory durable."""
    _fsync_file(path)


def _remove_stale_temporaries(directory: Path, older_than_seconds: int = 3600) -> None:
    """Temporary files a killed writer left behind (never renamed, so never read)."""
    limit = time.time() - older_than_seconds
    for path in directory.glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < limit:
                path.unlink()
