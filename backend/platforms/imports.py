"""The platform register's import contract: ``flask platforms import FILE`` reads JSON Lines with
the same rules as the sources' mirrors (unknown fields refused, upserted by ``code``, the first
bad line rejects the whole file naming its line number and field)."""

from __future__ import annotations

import marshmallow as ma
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from backend.common.text import Text
from backend.platforms.models import Platform
from backend.platforms.schemas import USCC_SHAPE
from backend.verification.imports import Importer, StrictSchema, parse_lines, upsert

_text = ma.validate.Length


class UsccField(ma.fields.String):
    """统一社会信用代码 (GB 32100), checked with python-stdnum's ``cn.uscc``; an API schema
    that takes one states its shape in the OpenAPI document."""

    def __init__(self, **kwargs):
        super().__init__(metadata={**USCC_SHAPE, **(kwargs.pop("metadata", None) or {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return uscc.validate(text)
        except StdnumError as error:
            raise ma.ValidationError(f"统一社会信用代码无效 invalid USCC ({error.message})") from None


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


PLATFORM_IMPORTER = Importer(PlatformImport, Platform, ("code",))


def import_platforms(lines) -> tuple[int, int]:
    """Load the platform register (all lines or none); ``(inserted, updated)``."""
    return upsert(PLATFORM_IMPORTER, parse_lines(PLATFORM_IMPORTER, lines))
