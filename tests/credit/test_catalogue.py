"""The catalogue of dishonest behaviours: data, complete enough, printed as JSON."""

import json

import pytest

from backend.credit import catalogue


def test_the_catalogue_lists_at_least_twenty_behaviours_as_json_with_every_field(cli):
    result = cli.invoke(args=["credit", "behaviours", "--json"])
    assert result.exit_code == 0, result.output
    behaviours = json.loads(result.output)
    assert len(behaviours) >= 20
    assert {b["subject"] for b in behaviours} == {"platform", "manager", "driver", "vehicle"}
    for b in behaviours:
        assert b["code"] and b["name"] and b["name_en"] and b["legal_basis"], b
        assert b["severity"] in {"general", "severe", "especially_severe"}
        assert b["triggers"]["list"] == {"general": None, "severe": "watch",
                                         "especially_severe": "black"}[b["severity"]]
    assert len({b["code"] for b in behaviours}) == len(behaviours)
    retaliation = next(b for b in behaviours if b["code"] == "drv.retaliation")
    assert "第三十六条" in retaliation["legal_basis"] and retaliation["triggers"]["list"] == "watch"


def test_a_catalogue_whose_list_does_not_follow_its_severity_is_refused(app, database, tmp_path,
                                                                        monkeypatch):
    bad = tmp_path / "behaviours.json"
    bad.write_text(json.dumps({"behaviours": [{
        "code": "x.y", "subject": "driver", "severity": "general", "name": "名", "name_en": "n",
        "legal_basis": "依据", "triggers": {"list": "black", "points": 1}}]}), "utf-8")
    monkeypatch.setitem(app.config, "CREDIT_BEHAVIOURS_FILE", str(bad))
    with pytest.raises(catalogue.CatalogueError, match="x.y"):
        catalogue.behaviours()
