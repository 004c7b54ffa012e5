import json

import sqlalchemy as sa

from backend.verification.models import MirrorDrivingLicence, MirrorIdentity, MirrorPoliceRecord
from tests.factories import id_number


def identity_line(number, **fields):
    record = {"id_number": number, "name": "导入", "sex": "1", "birth_date": "1990-01-01",
              "hukou_region": "350203", "card_valid_until": "长期", "card_reported_lost": False}
    record.update(fields)
    return json.dumps(record, ensure_ascii=False)


def write(tmp_path, lines, name="export.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def count(database, model):
    return database.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_inserts_then_upserts_by_natural_key(cli, database, tmp_path):
    number = id_number()
    result = cli.invoke(args=["registry", "import", "identity", write(tmp_path, [identity_line(number)])])
    assert result.exit_code == 0, result.output
    assert "1 inserted, 0 updated" in result.output
    result = cli.invoke(args=["registry", "import", "identity", write(
        tmp_path, [identity_line(number, name="改名", card_valid_until="2030-01-01")])])
    assert "0 inserted, 1 updated" in result.output
    row = database.session.get(MirrorIdentity, number)
    assert row.name == "改名" and str(row.card_valid_until) == "2030-01-01"


def test_long_term_card_is_stored_as_no_end_date(cli, database, tmp_path):
    number = id_number()
    cli.invoke(args=["registry", "import", "identity", write(tmp_path, [identity_line(number)])])
    assert database.session.get(MirrorIdentity, number).card_valid_until is None


def test_a_bad_line_rejects_the_whole_file_naming_line_and_field(cli, database, tmp_path):
    good, bad = id_number(), id_number()
    before = count(database, MirrorIdentity)
    lines = [identity_line(good), identity_line(bad, birth_date="1990-02-30")]
    result = cli.invoke(args=["registry", "import", "identity", write(tmp_path, lines)])
    assert result.exit_code == 2
    assert "line 2" in result.output and "birth_date" in result.output
    assert count(database, MirrorIdentity) == before


def test_invalid_json_and_unknown_fields_are_named(cli, tmp_path):
    result = cli.invoke(args=["registry", "import", "identity", write(tmp_path, ["{not json"])])
    assert result.exit_code == 2 and "line 1" in result.output
    result = cli.invoke(args=["registry", "import", "identity",
                              write(tmp_path, [identity_line(id_number(), colour="red")])])
    assert result.exit_code == 2 and "colour" in result.output


def test_bad_id_number_is_named(cli, tmp_path):
    result = cli.invoke(args=["registry", "import", "police_records", write(tmp_path, [json.dumps(
        {"id_number": "110105194912310021", "category": "drug_use", "recorded_on": "2020-01-01"})])])
    assert result.exit_code == 2 and "id_number" in result.output


def test_police_records_are_many_per_person(cli, database, tmp_path):
    number = id_number()
    lines = [json.dumps({"id_number": number, "category": c, "recorded_on": "2021-03-04"})
             for c in ("drug_use", "traffic_crime")]
    cli.invoke(args=["registry", "import", "police_records", write(tmp_path, lines + lines[:1])])
    rows = database.session.scalars(sa.select(MirrorPoliceRecord)
                                    .where(MirrorPoliceRecord.id_number == number)).all()
    assert sorted(r.category for r in rows) == ["drug_use", "traffic_crime"]


def test_licence_cycles_are_validated(cli, database, tmp_path):
    number = id_number()
    record = {"id_number": number, "licence_class": "C1", "first_issued_on": "2015-01-01",
              "status": "valid", "valid_until": "2031-01-01",
              "cycles": [{"start": "2025-01-01", "end": "2025-12-31", "points": "many"}]}
    result = cli.invoke(args=["registry", "import", "driving_licence",
                              write(tmp_path, [json.dumps(record)])])
    assert result.exit_code == 2 and "cycles" in result.output and "points" in result.output
    record["cycles"][0]["points"] = 6
    result = cli.invoke(args=["registry", "import", "driving_licence",
                              write(tmp_path, [json.dumps(record)])])
    assert result.exit_code == 0
    assert database.session.get(MirrorDrivingLicence, number).cycles[0]["points"] == 6


def test_unknown_source_is_refused(cli, tmp_path):
    result = cli.invoke(args=["registry", "import", "weather", write(tmp_path, ["{}"])])
    assert result.exit_code == 2 and "unknown source" in result.output
