"""``flask registry import SOURCE FILE``: load a department's JSON Lines export into a mirror.

One record per line, UTF-8, dates ``YYYY-MM-DD``. Records are upserted by the source's natural
key and the whole file is one transaction: the first bad line rejects the file, naming the
line number and the field, and nothing changes.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable

import marshmallow as ma
import sqlalchemy as sa
from PIL import Image

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


PHOTO_MAX_BYTES = 64 * 1024  # an ID-card photo (358 × 441) is 10–30 KB as JPEG
PHOTO_MIN_SIDE, PHOTO_MAX_SIDE = 100, 1200


class JpegPhoto(ma.fields.String):
    """The holder's ID-card photo: a JPEG of at most ``PHOTO_MAX_BYTES`` bytes, base64 in
    JSON; loaded as the JPEG's bytes. Anything else (PNG, a truncated file, a tiny or huge
    image) is refused naming the field."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            jpeg = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ma.ValidationError("base64 of a JPEG image") from None
        return check_photo(jpeg)


def check_photo(jpeg: bytes) -> bytes:
    """``jpeg`` when it is a whole JPEG image within the limits, else ValidationError."""
    if len(jpeg) > PHOTO_MAX_BYTES:
        raise ma.ValidationError(f"a JPEG of at most {PHOTO_MAX_BYTES} bytes")
    if not jpeg.startswith(b"\xff\xd8\xff"):
        raise ma.ValidationError("a JPEG image")
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            if image.format != "JPEG":
                raise ma.ValidationError("a JPEG image")
            size = image.size
            image.load()  # (a truncated file fails here)
    except (OSError, Image.DecompressionBombError, SyntaxError):
        raise ma.ValidationError("a JPEG image that can be read") from None
    if not all(PHOTO_MIN_SIDE <= side <= PHOTO_MAX_SIDE for side in size):
        raise ma.ValidationError(f"{PHOTO_MIN_SIDE}–{PHOTO_MAX_SIDE} pixels a side")
    return jpeg


class IdentityImport(StrictSchema):
    id_number = IdNumberField(required=True)
    name = Text(required=True, validate=ma.validate.Length(min=1, max=100))
    sex = ma.fields.String(required=True, validate=ma.validate.OneOf(["1", "2"]))
    birth_date = ma.fields.Date(required=True)
    hukou_region = RegionCode(required=True)
    card_valid_until = ma.fields.Raw(required=True)
    card_reported_lost = ma.fields.Boolean(required=True, truthy={True}, falsy={False})
    # The ID-card photo the register holds (optional: without it no driver certificate is
    # issued, the application waits for a clerk)
    photo = JpegPhoto()

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


class PhotoAnswer(StrictSchema):
    """``identity.photo``: the register's photo of the person (404 when it holds none)."""

    photo = JpegPhoto(required=True)


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
