"""``flask registry import SOURCE FILE``: load a department's JSON Lines export into a mirror.

One record per line, UTF-8, dates ``YYYY-MM-DD``. Records are upserted by the source's natural
key and the whole file is one transaction: the first bad line rejects the file, naming the
line number and the field, and nothing changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable

import marshmallow as ma
import sqlalchemy as sa

from backend.common.contact import RegionCode
from backend.common.text import FullMatch, Text
from backend.db import db
from backend.identity.schemas import IdNumberField
from backend.verification import models


class ImportRejected(ValueError):
    """A file refused at its first bad line: nothing of it was imported."""

    def __init__(self, line: int, field: str | None, message: str):
        self.line, self.field, self.message = line, field, message
        where = f"line {line}" + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {message}")


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class IdentityImport(StrictSchema):
    id_number = IdNumberField(required=True)
    name = Text(required=True, validate=ma.validate.Length(min=1, max=100))
    sex = ma.fields.String(required=True, validate=ma.validate.OneOf(["1", "2"]))
    birth_date = ma.fields.Date(required=True)
    hukou_region = RegionCode(required=True)
    card_valid_until = ma.fields.Raw(required=True)
    card_reported_lost = ma.fields.Boolean(required=True, truthy={True}, falsy={False})

    @ma.validates("card_valid_until")
    def _valid_until(self, value, **_kwargs):
        _long_term_date(value)

    @ma.post_load
    def _convert(self, data, **_kwargs):
        data["card_valid_until"] = _long_term_date(data["card_valid_until"])
        return data


def _long_term_date(value) -> dt.date | None:
    """A date, or None for 长期 (long-term validity)."""
    if value == "长期":
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ma.ValidationError('a date YYYY-MM-DD or "长期"')


POLICE_CATEGORIES = ["traffic_crime", "dangerous_driving", "drug_use", "drink_driving",
                     "violent_crime"]


class PoliceRecordImport(StrictSchema):
    id_number = IdNumberField(required=True)
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(POLICE_CATEGORIES))
    recorded_on = ma.fields.Date(required=True)


class CycleSchema(StrictSchema):
    start = ma.fields.Date(required=True)
    end = ma.fields.Date(required=True)
    points = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0))


class DrivingLicenceImport(StrictSchema):
    id_number = IdNumberField(required=True)
    licence_class = ma.fields.String(required=True, validate=FullMatch(r"^[A-Z][0-9A-Z]{0,3}$"))
    first_issued_on = ma.fields.Date(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ["valid", "suspended", "revoked", "expired"]))
    valid_until = ma.fields.Date(required=True)
    cycles = ma.fields.List(ma.fields.Nested(CycleSchema), required=True)

    @ma.post_load
    def _cycles_as_json(self, data, **_kwargs):
        data["cycles"] = [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in c.items()}
                          for c in data["cycles"]]
        return data


class ResidencePermitImport(StrictSchema):
    id_number = IdNumberField(required=True)
    city_code = RegionCode(required=True)
    valid_until = ma.fields.Date(required=True)


@dataclasses.dataclass(frozen=True)
class Importer:
    schema: type[ma.Schema]
    model: type
    natural_key: tuple[str, ...]
    prepare: Callable[[dict], dict] = lambda record: record


IMPORTERS: dict[str, Importer] = {
    "identity": Importer(IdentityImport, models.MirrorIdentity, ("id_number",)),
    "police_records": Importer(PoliceRecordImport, models.MirrorPoliceRecord,
                               ("id_number", "category", "recorded_on")),
    "driving_licence": Importer(DrivingLicenceImport, models.MirrorDrivingLicence, ("id_number",)),
    "residence_permit": Importer(ResidencePermitImport, models.MirrorResidencePermit,
                                 ("id_number",)),
}


def parse_lines(importer: Importer, lines: Iterable[str]) -> list[dict]:
    """Validate every line first; raise :class:`ImportRejected` at the first bad one."""
    schema, records = importer.schema(), []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise ImportRejected(number, None, f"not valid JSON ({error.msg})") from None
        if not isinstance(raw, dict):
            raise ImportRejected(number, None, "a record must be a JSON object")
        try:
            records.append(importer.prepare(schema.load(raw)))
        except ma.ValidationError as error:
            field, messages = next(iter(flatten_errors(error.messages)))
            raise ImportRejected(number, field, messages) from None
    return records


def flatten_errors(messages, prefix=""):
    """``(field path, message)`` per bad field of marshmallow's nested error dict."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from flatten_errors(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)


def upsert(importer: Importer, records: list[dict]) -> tuple[int, int]:
    """Insert or update each record by its natural key; return (inserted, updated)."""
    inserted = updated = 0
    for record in records:
        conditions = [getattr(importer.model, k) == record[k] for k in importer.natural_key]
        row = db.session.scalar(sa.select(importer.model).where(*conditions))
        if row is None:
            db.session.add(importer.model(**record))
            inserted += 1
        else:
            for key, value in record.items():
                setattr(row, key, value)
            updated += 1
        db.session.flush()
    return inserted, updated


def import_file(source: str, lines: Iterable[str]) -> tuple[int, int]:
    importer = IMPORTERS[source]
    return upsert(importer, parse_lines(importer, lines))
