"""``python -m card_reader decode`` on the saved payloads in ``data/``."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from card_reader.cli import main

DATA = Path(__file__).resolve().parent / "data"
PAYLOADS = DATA / "payloads"
CASES = json.loads((DATA / "cases.json").read_text("utf-8"))
RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(("payload", "record"), sorted(CASES["valid"].items()))
def test_valid_payload_prints_exactly_its_record(
    run_cli: RunCli, expected_json: Callable[[str], dict[str, Any]], payload: str, record: str
) -> None:
    result = run_cli("decode", "--today", CASES["today"], str(PAYLOADS / payload))
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == expected_json(record)


@pytest.mark.parametrize(("payload", "reason"), sorted(CASES["invalid"].items()))
def test_bad_payload_exits_2_with_one_line_naming_the_problem(
    capsys: pytest.CaptureFixture[str], payload: str, reason: str
) -> None:
    status = main(["decode", str(PAYLOADS / payload)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert reason in err


def test_every_payload_file_is_listed_in_the_cases() -> None:
    listed = set(CASES["valid"]) | set(CASES["invalid"])
    assert {path.name for path in PAYLOADS.iterdir()} == listed


def test_payload_files_are_current() -> None:
    spec = importlib.util.spec_from_file_location("card_reader_test_data", DATA / "generate.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for name, content in generator.build_payloads().items():
        assert (PAYLOADS / name).read_bytes() == content, f"{name} is stale: run data/generate.py"


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["decode", str(tmp_path / "nope.bin")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "nope.bin" in err


def test_expired_is_computed_against_today(run_cli: RunCli) -> None:
    before = run_cli("decode", "--today", "2025-06-01", str(PAYLOADS / "resident_expired.frame"))
    after = run_cli("decode", "--today", "2025-06-02", str(PAYLOADS / "resident_expired.frame"))
    assert (json.loads(before.stdout)["expired"], json.loads(after.stdout)["expired"]) == (
        False,
        True,
    )


def test_pretty_output_is_still_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--pretty", str(PAYLOADS / "hmt_residence.frame")]) == 0
    assert json.loads(capsys.readouterr().out)["pass_number"] == "H12345678"
