"""The import contracts: ``registry import vehicle_registry|insurance|gps`` and ``platforms import``."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from backend.platforms.models import Platform
from backend.vehicles.models import MirrorGps, MirrorInsurance, MirrorVehicle
from tests.factories import id_number
from tests.vehicles.fleet import new_plate, vehicle_record

USCC = "91350203MA31ABCD2Y"


def write(tmp_path, records, name="export.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                              for r in records) + "\n", encoding="utf-8")
    return str(path)


def count(database, model):
    return database.session.scalar(sa.select(sa.func.count()).select_from(model))


def platform(code="imp-1", **fields):
    return {"code": code, "name": "导入测试网约车有限公司", "uscc": USCC,
            "licence_number": "闽交运管许可厦字350200009999号", "valid_until": "2030-12-31",
            "status": "valid", **fields}


def test_vehicle_registry_inserts_then_upserts_by_plate(cli, database, tmp_path):
    plate, owner = new_plate(), id_number()
    result = cli.invoke(args=["registry", "import", "vehicle_registry",
                              write(tmp_path, [vehicle_record(plate, owner)])])
    assert result.exit_code == 0, result.output
    assert "1 inserted, 0 updated" in result.output
    result = cli.invoke(args=["registry", "import", "vehicle_registry",
                              write(tmp_path, [vehicle_record(plate, owner, seats=7, status="seized")])])
    assert "0 inserted, 1 updated" in result.output
    row = database.session.get(MirrorVehicle, plate)
    assert (row.seats, row.status, row.power_type) == (7, "seized", "BEV")


def test_plates_and_vins_are_stored_in_one_form(cli, database, tmp_path):
    plate, owner = new_plate(), id_number()
    written = f"{plate[:2]}·{plate[2:].lower()}"
    record = {**vehicle_record(plate, owner), "plate": written, "vin": "ltest00000012345x"}
    assert cli.invoke(args=["registry", "import", "vehicle_registry",
                            write(tmp_path, [record])]).exit_code == 0
    assert database.session.get(MirrorVehicle, plate).vin == "LTEST00000012345X"


@pytest.mark.parametrize(("field", "value"), [
    ("plate", "ABC123"), ("vin", "TOO-SHORT"), ("owner_id_number", "110105194912310021"),
    ("seats", "5"), ("power_type", "electric"), ("first_registered_on", "2024-02-30"),
    ("inspection_valid_until", "next year"), ("status", ""), ("wheelbase_mm", 2.5)])
def test_bad_vehicle_line_rejects_the_whole_file_naming_line_and_field(cli, database, tmp_path,
                                                                       field, value):
    good = vehicle_record(new_plate(), id_number())
    bad = {**vehicle_record(new_plate(), id_number()), field: value}
    before = count(database, MirrorVehicle)
    result = cli.invoke(args=["registry", "import", "vehicle_registry",
                              write(tmp_path, [good, good, bad])])
    assert result.exit_code == 2
    assert "line 3" in result.output and repr(field) in result.output
    assert "nothing was imported" in result.output
    assert count(database, MirrorVehicle) == before


def test_missing_and_unknown_fields_are_named(cli, tmp_path):
    record = vehicle_record(new_plate(), id_number())
    del record["use_nature"]
    result = cli.invoke(args=["registry", "import", "vehicle_registry", write(tmp_path, [record])])
    assert result.exit_code == 2 and "use_nature" in result.output
    record = vehicle_record(new_plate(), id_number(), colour="white")
    result = cli.invoke(args=["registry", "import", "vehicle_registry", write(tmp_path, [record])])
    assert result.exit_code == 2 and "colour" in result.output


def test_wheelbase_may_be_unknown(cli, database, tmp_path):
    plate = new_plate()
    record = vehicle_record(plate, id_number(), wheelbase_mm=None)
    assert cli.invoke(args=["registry", "import", "vehicle_registry",
                            write(tmp_path, [record])]).exit_code == 0
    assert database.session.get(MirrorVehicle, plate).wheelbase_mm is None


def test_insurance_is_many_policies_per_plate_upserted_by_policy_number(cli, database, tmp_path):
    plate = new_plate()
    policies = [{"plate": plate, "policy_number": n, "insurer": "测试保险", "kind": k,
                 "valid_until": "2027-01-01"} for n, k in (("A1", "交强险"), ("A2", "承运人责任险"))]
    again = dict(policies[0], valid_until="2028-01-01")
    result = cli.invoke(args=["registry", "import", "insurance", write(tmp_path, [*policies, again])])
    assert result.exit_code == 0 and "2 inserted, 1 updated" in result.output
    rows = database.session.scalars(sa.select(MirrorInsurance).where(MirrorInsurance.plate == plate)
                                    .order_by(MirrorInsurance.policy_number)).all()
    assert [(r.policy_number, str(r.valid_until)) for r in rows] == [("A1", "2028-01-01"),
                                                                     ("A2", "2027-01-01")]


def test_bad_insurance_line_changes_nothing(cli, database, tmp_path):
    plate = new_plate()
    good = {"plate": plate, "policy_number": "B1", "insurer": "测试保险", "kind": "交强险",
            "valid_until": "2027-01-01"}
    result = cli.invoke(args=["registry", "import", "insurance",
                              write(tmp_path, [good, dict(good, policy_number="B2", valid_until=None)])])
    assert result.exit_code == 2 and "line 2" in result.output and "valid_until" in result.output
    assert database.session.scalar(sa.select(MirrorInsurance).where(MirrorInsurance.plate == plate)) is None


def test_gps_time_needs_an_offset_and_is_stored_as_that_instant(cli, database, tmp_path):
    plate = new_plate()
    result = cli.invoke(args=["registry", "import", "gps", write(tmp_path, [
        {"plate": plate, "last_position_at": "2026-11-30T14:05:00+08:00"}])])
    assert result.exit_code == 0, result.output
    assert database.session.get(MirrorGps, plate).last_position_at == \
        dt.datetime(2026, 11, 30, 6, 5, tzinfo=dt.UTC)
    result = cli.invoke(args=["registry", "import", "gps", write(tmp_path, [
        {"plate": new_plate(), "last_position_at": "2026-11-30T14:05:00"}])])
    assert result.exit_code == 2 and "last_position_at" in result.output


def test_platform_register_imports_with_checked_uscc(cli, database, tmp_path):
    result = cli.invoke(args=["platforms", "import", write(tmp_path, [
        platform("imp-a"), platform("imp-b", uscc="91350206ma2y0g0l1m")])])
    assert result.exit_code == 0, result.output
    assert "2 inserted, 0 updated" in result.output
    assert database.session.get(Platform, "imp-b").uscc == "91350206MA2Y0G0L1M"
    result = cli.invoke(args=["platforms", "import", write(tmp_path, [platform("imp-a", status="revoked")])])
    assert "0 inserted, 1 updated" in result.output
    assert database.session.get(Platform, "imp-a").status == "revoked"


@pytest.mark.parametrize("uscc", ["91350203MA31ABCD2X", "91350203MA31ABCD2", "12345"])
def test_platform_with_a_bad_uscc_rejects_the_whole_file(cli, database, tmp_path, uscc):
    before = count(database, Platform)
    result = cli.invoke(args=["platforms", "import", write(tmp_path, [
        platform("imp-ok"), platform("imp-bad", uscc=uscc)])])
    assert result.exit_code == 2
    assert "line 2" in result.output and "'uscc'" in result.output
    assert count(database, Platform) == before


@pytest.mark.parametrize(("field", "value"), [("valid_until", "2030-13-01"), ("code", "has space"),
                                              ("name", ""), ("licence_number", None)])
def test_other_bad_platform_fields_are_named(cli, tmp_path, field, value):
    result = cli.invoke(args=["platforms", "import", write(tmp_path, [platform(**{field: value})])])
    assert result.exit_code == 2 and repr(field) in result.output


def test_platform_import_of_invalid_json_names_the_line(cli, tmp_path):
    result = cli.invoke(args=["platforms", "import", write(tmp_path, [platform(), "[1, 2]"])])
    assert result.exit_code == 2 and "line 2" in result.output


def test_a_platform_is_imported_as_an_aggregator_only_when_it_says_so(cli, database, tmp_path):
    result = cli.invoke(args=["platforms", "import", write(tmp_path, [
        platform("imp-plain"), platform("imp-juhe", aggregator=True)])])
    assert result.exit_code == 0, result.output
    assert database.session.get(Platform, "imp-plain").aggregator is False
    assert database.session.get(Platform, "imp-juhe").aggregator is True
    result = cli.invoke(args=["platforms", "import", write(tmp_path, [
        platform("imp-odd", aggregator="yes")])])
    assert result.exit_code == 2 and "'aggregator'" in result.output
