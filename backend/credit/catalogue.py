"""The catalogue of dishonest behaviours (失信行为目录), read from ``behaviours.json`` (or the
file ``CREDIT_BEHAVIOURS_FILE`` names): data, not code, so the bureau changes it without a
release. The file is checked whole when first read; a bad file stops the command or request
that reads it with the entry and field named."""

from __future__ import annotations

import dataclasses
import enum
import json
from functools import cache
from pathlib import Path

from flask import current_app

DEFAULT_FILE = Path(__file__).with_name("behaviours.json")


class SubjectKind(enum.StrEnum):
    PLATFORM = "platform"  # keyed by the company's 统一社会信用代码
    MANAGER = "manager"  # legal representative, main or directly responsible person: ID number
    DRIVER = "driver"  # ID number
    VEHICLE = "vehicle"  # plate


class Severity(enum.StrEnum):
    GENERAL = "general"
    SEVERE = "severe"
    ESPECIALLY_SEVERE = "especially_severe"


class ListKind(enum.StrEnum):
    WATCH = "watch"  # 重点关注名单
    BLACK = "black"  # 黑名单 (失信联合惩戒对象名单)


SUBJECT_LABELS = {SubjectKind.PLATFORM: "平台公司 Platform company",
                  SubjectKind.MANAGER: "平台负责人 Platform manager",
                  SubjectKind.DRIVER: "驾驶员 Driver", SubjectKind.VEHICLE: "车辆 Vehicle"}
SEVERITY_LABELS = {Severity.GENERAL: "一般 General", Severity.SEVERE: "严重 Severe",
                   Severity.ESPECIALLY_SEVERE: "特别严重 Especially severe"}
LIST_LABELS = {ListKind.WATCH: "重点关注名单 Watch list", ListKind.BLACK: "黑名单 Blacklist"}
# A severe record puts its subject on the watch list, an especially severe one straight on the
# blacklist (regulatory.md §3.4); a general one is recorded and counts against the grade only.
LIST_FOR = {Severity.GENERAL: None, Severity.SEVERE: ListKind.WATCH,
            Severity.ESPECIALLY_SEVERE: ListKind.BLACK}


@dataclasses.dataclass(frozen=True)
class Behaviour:
    code: str
    subject: SubjectKind
    name: str
    name_en: str
    legal_basis: str
    severity: Severity
    points: int  # deducted from the subject's credit score

    @property
    def list(self) -> ListKind | None:
        return LIST_FOR[self.severity]

    def to_json(self) -> dict:
        return {"code": self.code, "subject": self.subject.value, "name": self.name,
                "name_en": self.name_en, "legal_basis": self.legal_basis,
                "severity": self.severity.value,
                "triggers": {"list": self.list.value if self.list else None,
                             "points": self.points}}


class CatalogueError(ValueError):
    pass


def _behaviour(index: int, entry: dict) -> Behaviour:
    try:
        severity = Severity(entry["severity"])
        triggers = entry["triggers"]
        behaviour = Behaviour(str(entry["code"]), SubjectKind(entry["subject"]),
                              str(entry["name"]), str(entry["name_en"]),
                              str(entry["legal_basis"]), severity, int(triggers["points"]))
        listed = triggers["list"]
    except (KeyError, ValueError, TypeError) as error:
        raise CatalogueError(f"behaviour {index + 1}: {error!r}") from None
    if listed != (behaviour.list.value if behaviour.list else None):
        raise CatalogueError(f"behaviour {behaviour.code}: a {severity} behaviour triggers "
                             f"{behaviour.list}, not {listed}")
    if not (behaviour.code and behaviour.name and behaviour.name_en and behaviour.legal_basis):
        raise CatalogueError(f"behaviour {index + 1}: code, names and legal basis are required")
    return behaviour


@cache
def _load(path: str) -> dict[str, Behaviour]:
    entries = json.loads(Path(path).read_text("utf-8"))["behaviours"]
    behaviours = [_behaviour(i, e) for i, e in enumerate(entries)]
    by_code = {b.code: b for b in behaviours}
    if len(by_code) != len(behaviours):
        raise CatalogueError("two behaviours share a code")
    return by_code


def behaviours() -> dict[str, Behaviour]:
    """Every behaviour by code, in the file's order."""
    return _load(str(current_app.config.get("CREDIT_BEHAVIOURS_FILE") or DEFAULT_FILE))


def behaviour(code: str) -> Behaviour | None:
    return behaviours().get(code)
