"""The event store: what is written is read back once, in the right day, by any number of
processes at once, through compaction and retention."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time

import pyarrow.parquet as pq
import pytest

from backend.supervision import events

RECEIVED = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
DEC_5_2330_BEIJING = 1796484600  # 2026-12-05 15:30 UTC


def positions(count: int, start: int = DEC_5_2330_BEIJING, vehicle: str = "闽D12345",
              step: int = 10) -> list[dict]:
    return [{"CompanyId": "3502TEST", "VehicleNo": vehicle, "VehicleRegionCode": 350200,
             "PositionTime": start + step * index, "Longitude": 118_089_123,
             "Latitude": 24_479_834, "Speed": 30, "Mileage": 12.5, "Encrypt": 1, "BizStatus": 3,
             "OrderId": "0"} for index in range(count)]


def order(order_id: str, order_time: int = 20261206092000) -> dict:
    return {"CompanyId": "3502TEST", "Address": 350203, "OrderId": order_id,
            "DepartTime": 20261206093000, "OrderTime": order_time, "Departure": "厦门北站",
            "DepLongitude": 118_070_000, "DepLatitude": 24_630_000, "Destination": "中山路",
            "DestLongitude": 118_080_000, "DestLatitude": 24_450_000, "Encrypt": 1,
            "FareType": "XM01"}


def write(store: events.Store, interface: str, records: list[dict],
          received_at: dt.datetime = RECEIVED, company_id: str = "3502TEST") -> None:
    store.write(interface, events.build_table(interface, company_id, records, received_at))


def test_records_are_filed_under_the_beijing_day_of_their_event_time(tmp_path):
    store = events.Store(tmp_path)
    # Twelve points a minute apart from 23:50 on 5 December, Beijing time: two days.
    write(store, "positionVehicle", positions(12, start=DEC_5_2330_BEIJING + 1200, step=60))

    rows = store.query("SELECT day, count(*) AS n, min(event_time) AS first FROM positionVehicle"
                       " GROUP BY day ORDER BY day")

    assert rows == [
        {"day": dt.date(2026, 12, 5), "n": 10, "first": dt.datetime(2026, 12, 5, 23, 50)},
        {"day": dt.date(2026, 12, 6), "n": 2, "first": dt.datetime(2026, 12, 6, 0, 0)},
    ]
    assert sorted(path.parent.name for path in tmp_path.rglob("*.parquet")) == [
        "day=2026-12-05", "day=2026-12-06"]


def test_every_time_format_the_spec_allows_gives_the_same_event_time(tmp_path):
    store = events.Store(tmp_path)
    same_moment = [1796522400, 1796522400_000, 20261206100000]  # Unix s, Unix ms, F14
    for index, value in enumerate(same_moment):
        write(store, "positionVehicle",
              [dict(positions(1)[0], VehicleNo=f"闽D0000{index}", PositionTime=value)])

    rows = store.query("SELECT DISTINCT event_time, day FROM positionVehicle")

    assert rows == [{"event_time": dt.datetime(2026, 12, 6, 10, 0), "day": dt.date(2026, 12, 6)}]


def test_spec_fields_are_kept_verbatim_with_the_time_received(tmp_path):
    store = events.Store(tmp_path)
    write(store, "orderCreate", [order("XM-0001")])

    (row,) = store.query("SELECT * FROM orderCreate")

    assert row["OrderId"] == "XM-0001" and row["Departure"] == "厦门北站"
    assert row["OrderTime"] == 20261206092000 and row["DepLongitude"] == 118_070_000
    assert row["PassengerNote"] is None
    assert row["event_time"] == dt.datetime(2026, 12, 6, 9, 20)
    assert row["received_at"] == dt.datetime(2026, 12, 6, 10, 0)


def test_the_signer_is_the_company_whatever_the_record_says(tmp_path):
    store = events.Store(tmp_path)
    write(store, "orderCreate", [dict(order("XM-1"), CompanyId="SOMEONE-ELSE")],
          company_id="3502SIGNER")

    assert store.query("SELECT CompanyId FROM orderCreate") == [{"CompanyId": "3502SIGNER"}]


def test_a_resent_batch_is_counted_once_and_compaction_keeps_the_first_copy(tmp_path):
    store = events.Store(tmp_path)
    batch = [order("XM-1"), order("XM-2")]
    write(store, "orderCreate", batch)
    write(store, "orderCreate", batch, received_at=RECEIVED + dt.timedelta(minutes=5))
    # The same order number from another platform is another order.
    write(store, "orderCreate", [order("XM-1")], company_id="3502OTHER")

    assert store.query("SELECT count(*) AS n FROM orderCreate") == [{"n": 3}]
    assert store.query("SELECT count(*) AS n FROM orderCreate_raw") == [{"n": 5}]

    store.compact(today=dt.date(2026, 12, 7))

    assert store.query("SELECT count(*) AS n FROM orderCreate_raw") == [{"n": 3}]
    assert {row["received_at"] for row in store.query("SELECT received_at FROM orderCreate")} \
        == {dt.datetime(2026, 12, 6, 10, 0)}
    (only_file,) = tmp_path.rglob("*.parquet")
    assert only_file.name.startswith("c-")


def test_an_empty_store_answers_every_interface_with_no_rows(tmp_path):
    store = events.Store(tmp_path / "never-written")
    for interface in events.INTERFACES:
        assert store.query(f"SELECT count(*) AS n FROM {events.view(interface)}") == [{"n": 0}]
    with pytest.raises(KeyError):
        events.view("baseInfoVehicle")


def test_compaction_rewrites_a_past_day_whole_and_only_merges_todays_new_files(tmp_path):
    store = events.Store(tmp_path)
    for hour in range(3):  # 5 December: three files
        write(store, "positionVehicle", positions(5, start=DEC_5_2330_BEIJING - 3600 * (hour + 1)))
    for batch in range(2):  # 6 December ("today"): two files, then a compaction, then two more
        write(store, "positionVehicle", positions(5, start=DEC_5_2330_BEIJING + 3600 + batch * 60))
    store.compact(today=dt.date(2026, 12, 6))
    for batch in range(2):
        write(store, "positionVehicle", positions(5, start=DEC_5_2330_BEIJING + 7200 + batch * 60))

    merged = store.compact(today=dt.date(2026, 12, 6))

    assert [(partition.day, files) for partition, files, _ in merged] == [
        (dt.date(2026, 12, 6), 2)]
    files = {path.parent.name: [] for path in tmp_path.rglob("*.parquet")}
    for path in tmp_path.rglob("*.parquet"):
        files[path.parent.name].append(path.name[0])
    assert files == {"day=2026-12-05": ["c"], "day=2026-12-06": ["c", "c"]}
    assert store.query("SELECT count(*) AS n FROM positionVehicle_raw") == [{"n": 35}]
    assert pq.read_table(next((tmp_path / "positionVehicle" / "day=2026-12-05").iterdir())) \
        .num_rows == 15


def test_a_second_compaction_at_the_same_time_is_refused(tmp_path):
    store = events.Store(tmp_path)
    with store._compaction_running(), pytest.raises(events.CompactionRunning):
        store.compact(today=dt.date(2026, 12, 6))


def test_a_killed_writers_temporary_file_is_never_read_and_is_cleared_later(tmp_path):
    store = events.Store(tmp_path)
    write(store, "orderCreate", [order("XM-1")])
    partition = tmp_path / "orderCreate" / "day=2026-12-06"
    stale = partition / ".w-dead.parquet.tmp"
    stale.write_bytes(b"half a parquet file")

    assert store.query("SELECT count(*) AS n FROM orderCreate") == [{"n": 1}]
    store.compact(today=dt.date(2026, 12, 6))
    assert stale.exists()  # it might still be being written
    old = time.time() - 7200
    os.utime(stale, (old, old))
    store.compact(today=dt.date(2026, 12, 6))
    assert not stale.exists()


def test_prune_drops_the_days_before_the_retention_period_and_audits_it(app, cli, database,
                                                                       tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SUPERVISION_RETENTION_DAYS", 30)
    store = events.Store(tmp_path)
    today = dt.datetime.now(events.BEIJING).date()
    for age in (31, 30, 29, 0):
        day = today - dt.timedelta(days=age)
        write(store, "orderCreate", [order(f"XM-{age}", int(day.strftime("%Y%m%d")) * 10**6)])

    result = cli.invoke(args=["supervision", "prune"])

    assert result.exit_code == 0, result.output
    assert f"1 partitions before {today - dt.timedelta(days=30)} dropped" in result.output
    assert [row["OrderId"] for row in store.query(
        "SELECT OrderId FROM orderCreate ORDER BY day")] == ["XM-30", "XM-29", "XM-0"]
    from backend.audit.models import AuditEntry
    entry = database.session.query(AuditEntry).filter_by(
        action="supervision.events.pruned").one()
    assert entry.after["partitions"] == [f"orderCreate/{today - dt.timedelta(days=31)}"]


def test_the_intake_entry_point_writes_the_apps_store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(tmp_path))
    with app.app_context():
        events.accept("3502TEST", "orderCreate", [order("XM-1"), order("XM-2")], RECEIVED)
        assert events.query("SELECT OrderId FROM orderCreate ORDER BY 1") == [
            {"OrderId": "XM-1"}, {"OrderId": "XM-2"}]


def test_a_store_that_cannot_be_written_is_unavailable(app, tmp_path, monkeypatch):
    blocked = tmp_path / "events"
    blocked.write_text("a file where the store's directory should be")
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(blocked))
    with app.app_context(), pytest.raises(events.Unavailable):
        events.accept("3502TEST", "orderCreate", [order("XM-1")], RECEIVED)


# -- several processes at once ------------------------------------------------------------------

WRITERS, BATCHES, BATCH = 3, 30, 400


def _writer(root: str, writer: int) -> None:
    store = events.Store(root)
    for batch in range(BATCHES):
        # Each batch spans midnight: two files, one per day.
        write(store, "positionVehicle",
              positions(BATCH, start=DEC_5_2330_BEIJING + 1800 - BATCH // 2 * 5,
                        vehicle=f"W{writer}B{batch}", step=5))


def _compactor(root: str, stop, results) -> None:
    store = events.Store(root)
    rounds = 0
    while not stop.is_set():
        rounds += len(store.compact(today=dt.date(2026, 12, 6)))
    results.put(("compactions", rounds))


def _reader(root: str, stop, results) -> None:
    """Counts what it sees: never a copy (old and new files at once), never fewer than before."""
    store = events.Store(root)
    seen, problems, checks = 0, [], 0
    while not stop.is_set():
        (row,) = store.query("SELECT count(*) AS raw, count(DISTINCT (VehicleNo, PositionTime))"
                             " AS distinct_ FROM positionVehicle_raw")
        checks += 1
        if row["raw"] != row["distinct_"] or row["raw"] < seen:
            problems.append(row)
        seen = row["raw"]
    results.put(("reader", checks, problems))


def test_several_processes_write_while_compaction_runs_and_nothing_is_lost_or_seen_twice(
        tmp_path):
    spawn = multiprocessing.get_context("spawn")
    stop, results = spawn.Event(), spawn.Queue()
    helpers = [spawn.Process(target=_compactor, args=(str(tmp_path), stop, results)),
               spawn.Process(target=_reader, args=(str(tmp_path), stop, results))]
    writers = [spawn.Process(target=_writer, args=(str(tmp_path), number))
               for number in range(WRITERS)]
    for process in helpers + writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    stop.set()
    reports = {report[0]: report[1:] for report in (results.get(timeout=60) for _ in helpers)}
    for process in helpers:
        process.join(60)

    checks, problems = reports["reader"]
    assert checks > 0 and problems == []
    assert reports["compactions"][0] > 0
    store = events.Store(tmp_path)
    store.compact(today=dt.date(2026, 12, 6))
    assert store.query("SELECT count(*) AS n FROM positionVehicle") == [
        {"n": WRITERS * BATCHES * BATCH}]
    assert store.query("SELECT count(*) AS n FROM positionVehicle_raw") == [
        {"n": WRITERS * BATCHES * BATCH}]
    assert list(tmp_path.rglob("*.tmp")) == []
    assert len(list((tmp_path / "positionVehicle" / "day=2026-12-05").glob("*.parquet"))) == 1


def test_the_compact_command_merges_the_apps_store_and_says_what_it_did(app, cli, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(tmp_path))
    store = events.Store(tmp_path)
    for number in range(3):  # a past day: three files
        write(store, "orderCreate", [order(f"XM-{number}", 20251206092000)])

    result = cli.invoke(args=["supervision", "compact"])

    assert result.exit_code == 0, result.output
    assert "orderCreate 2025-12-06: 3 files -> 1 (3 rows)" in result.output
    assert len(list(tmp_path.rglob("*.parquet"))) == 1


def test_consume_without_a_stream_says_there_is_nothing_to_consume(app, cli, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_STREAM_URL", None)

    result = cli.invoke(args=["supervision", "consume"])

    assert result.exit_code == 2
    assert "SUPERVISION_STREAM_URL is not set" in result.output


def test_the_store_keeps_its_files_for_the_service_alone_whatever_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        store = events.Store(tmp_path / "supervision" / "events")
        write(store, "positionVehicle", positions(3))
        write(store, "positionVehicle", positions(3, start=DEC_5_2330_BEIJING - 600))
        store.compact(today=dt.date(2026, 12, 6))
    finally:
        os.umask(previous)
    created = [path for path in (tmp_path / "supervision").rglob("*")] + [tmp_path / "supervision"]
    assert any(path.name.startswith("c-") for path in created)  # (a compacted file among them)
    assert {oct(path.stat().st_mode & 0o777) for path in created if path.is_dir()} == {"0o700"}
    assert {oct(path.stat().st_mode & 0o777) for path in created if path.is_file()} == {"0o600"}
