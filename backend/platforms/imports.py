"""Import contracts of the platform domain, with the same rules as the sources' mirrors
(unknown fields refused, upserted by the natural key, the first bad line rejects the whole
file naming its line number and field):

* ``flask platforms import FILE``: the register of licensed platform companies (by ``code``);
* ``flask registry import company_registry FILE``: the market-regulation register's export
  (市场监管, by ``uscc``), the mirror of the ``company_registry`` source.
"""

from __future__ import annotations

import marshmallow as ma

from backend.common.text import Text
from backend.identity.schemas import IdNumberField, UsccField
from backend.platforms.models import MirrorCompany, Platform
from backend.verification.imports import IMPORTERS, Importer, StrictSchema, parse_lines, upsert

_text = ma.validate.Length

__all__ = ["UsccField", "PlatformImport", "CompanyRegistryImport", "import_platforms"]


class PlatformImport(StrictSchema):
    code = Text(required=True, validate=[
        _text(min=1, max=40), ma.validate.Regexp(r"^\S+$", error="no spaces in a platform code")])
    name = Text(required=True, validate=_text(min=1, max=200))
    uscc = UsccField(required=True)
    licence_number = Text(required=True, validate=_text(min=1, max=60))
    company_id = Text(load_default=None, allow_none=True, validate=[
        _text(min=1, max=32), ma.validate.Regexp(r"^[0-9A-Za-z]+$",
                                                 error="CompanyId: letters and digits only")])
    licensed_from = ma.fields.Date(load_default=None, allow_none=True)
    valid_until = ma.fields.Date(required=True)
    status = Text(required=True, validate=_text(min=1, max=20))
    aggregator = ma.fields.Boolean(load_default=False, truthy={True}, falsy={False})


PLATFORM_IMPORTER = Importer(PlatformImport, Platform, ("code",))


def import_platforms(lines) -> tuple[int, int]:
    """Load the platform register (all lines or none); ``(inserted, updated)``."""
    return upsert(PLATFORM_IMPORTER, parse_lines(PLATFORM_IMPORTER, lines))


class CompanyRegistryImport(StrictSchema):
    uscc = UsccField(required=True)
    name = Text(required=True, validate=_text(min=1, max=200))
    legal_representative = Text(required=True, validate=_text(min=1, max=100))
    legal_representative_id_number = IdNumberField(required=True)
    legal_person = ma.fields.Boolean(required=True, truthy={True}, falsy={False})
    status = Text(required=True, validate=_text(min=1, max=20))
    business_scope = Text(required=True, multiline=True, validate=_text(min=1, max=4000))
    address = Text(required=True, validate=_text(min=1, max=300))


IMPORTERS["company_registry"] = Importer(CompanyRegistryImport, MirrorCompany, ("uscc",))
