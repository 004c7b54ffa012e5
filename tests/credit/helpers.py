"""Test helpers for credit: subjects and records."""

from __future__ import annotations

import datetime as dt

from backend.credit import operations
from backend.db import db
from backend.identity.models import Person
from backend.licensing.operations import today
from tests.factories import id_number

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def person(name: str = "陈司机", phone: str | None = "13800000001", number: str | None = None) -> Person:
    found = Person(id_number=number or id_number(dt.date(1985, 5, 5)), name=name, phone=phone)
    db.session.add(found)
    db.session.flush()
    return found


def record(code: str, key: str, name: str = "主体", **fields):
    fields.setdefault("facts", "执法检查发现的违法失信事实。")
    fields.setdefault("occurred_on", today())
    fields.setdefault("decision_number", "厦交执罚〔2026〕001号")
    return operations.record(code, subject_key=key, subject_name=name, actor="staff:officer", **fields)
