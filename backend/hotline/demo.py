"""The hotline's part of the demo: the demo handler works in the passenger transport division,
and the knowledge base starts with the answers shipped in ``answers.jsonl`` (about this
service's own matters; the bureau maintains them with ``flask hotline answers FILE``)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from backend.db import db
from backend.hotline.models import KnowledgeAnswer, UnitMember
from backend.staff.models import StaffUser

ANSWERS = Path(__file__).with_name("answers.jsonl")


def load_hotline_demo() -> None:
    handler = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "handler"))
    db.session.add(UnitMember(staff_id=handler.id, unit_code="passenger"))
    for line in ANSWERS.read_text("utf-8").splitlines():
        db.session.merge(KnowledgeAnswer(**json.loads(line)))
