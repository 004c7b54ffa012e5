"""Test drivers: mirror records for an eligible person, with overrides per source."""

from __future__ import annotations

import datetime as dt
import json

from backend.identity.portraits import demo_portrait_base64
from backend.verification.imports import import_file
from tests.factories import citizen_token, id_number

ADDRESS = {"recipient": "陈测试", "phone": "13800000000", "region_code": "350203",
           "detail": "思明区湖滨南路1号"}


def eligible_records(number: str, name: str) -> dict:
    return {
        "identity": [{"id_number": number, "name": name, "sex": "1", "birth_date": "1990-01-01",
                      "hukou_region": "350203", "card_valid_until": "长期",
                      "card_reported_lost": False, "photo": demo_portrait_base64(number)}],
        "police_records": [],
        "driving_licence": [{"id_number": number, "licence_class": "C1",
                             "first_issued_on": "2015-05-01", "status": "valid",
                             "valid_until": "2031-05-01",
                             "cycles": [{"start": "2025-05-01", "end": "2026-04-30", "points": 3}]}],
        "residence_permit": [],
    }


def import_records(records: dict) -> None:
    """Import mirror records source by source, as a department's JSON Lines export arrives."""
    for source, rows in records.items():
        if rows:
            import_file(source, [json.dumps(r, ensure_ascii=False) for r in rows])


def make_driver(client, *, name="陈测试", birth=dt.date(1990, 1, 1), region="350203",
                **overrides):
    """Import mirror records (eligible unless overridden) and sign in; (number, headers).
    ``region``: the number's first six digits (830000 a Taiwan resident's permit, 9… a
    foreigner's permanent residence card)."""
    number = id_number(birth, region)
    records = eligible_records(number, name)
    for source, value in overrides.items():
        records[source] = [dict(r, id_number=number) for r in value] if value else []
    import_records(records)
    return citizen_token(client, number, name)


def apply(client, headers, matter="driver-cert-issue", key=None, **body):
    payload = {"matter": matter, **body}
    if matter == "driver-cert-issue":
        payload.setdefault("phone", "13800000000")
        payload.setdefault("mailing_address", ADDRESS)
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/applications", json=payload, headers={**headers, **extra})


def failing(response) -> set[str]:
    return {c["rule"] for c in response.json["checks"] if c["outcome"] == "fail"}
