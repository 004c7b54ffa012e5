"""Phone numbers and administrative region codes, as people type them.

A phone's keyboard or an input method may give full-width digits (``１３８…``) or a full-width
hyphen, and a pasted value may end with a line break; a pattern written with ``\\d`` and ``$``
took both and stored them as sent (``\\d`` is any script's digit, ``$`` also matches before a
final newline). Everywhere a phone number or a region code is accepted (the app, the kiosk, the
mailing room's console and command, the mirror imports) it is read the same way: Unicode NFKC
first, so full-width forms become ASCII, then the ASCII pattern over the whole text. What still
does not fit (a line break, a space, another script's digits) is refused, naming the field;
what is stored is the normalised text.
"""

from __future__ import annotations

import re
import unicodedata

import marshmallow as ma
from wtforms.validators import ValidationError as FormValidationError

from backend.identity.id_numbers import region_exists

MOBILE = r"1[0-9]{10}"
PHONE = rf"(?:{MOBILE}|0[0-9]{{2,3}}-?[0-9]{{7,8}})"  # mobile, or landline with area code
REGION_CODE = r"[0-9]{6}"  # GB/T 2260 administrative division

MOBILE_ERROR = "请填写11位手机号码 an 11-digit mobile number"
PHONE_ERROR = "请填写有效的手机或固定电话号码 a valid phone number"
REGION_ERROR = "行政区划代码为6位数字 a 6-digit region code"
REGION_UNKNOWN = "没有这个行政区划代码，请核对（GB/T 2260） no such region code (GB/T 2260)"


def normalised(value: str, pattern: str) -> str | None:
    """``value`` in NFKC form when all of it matches ``pattern``; otherwise ``None``."""
    text = unicodedata.normalize("NFKC", value)
    return text if re.fullmatch(pattern, text) else None


class _Normalised(ma.fields.String):
    pattern: str
    error: str

    def __init__(self, **kwargs):
        metadata = {"pattern": f"^{self.pattern}$", **(kwargs.pop("metadata", None) or {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = normalised(super()._deserialize(value, attr, data, **kwargs), self.pattern)
        if text is None:
            raise ma.ValidationError(self.error)
        return text


class MobileNumber(_Normalised):
    pattern, error = MOBILE, MOBILE_ERROR


class PhoneNumber(_Normalised):
    pattern, error = PHONE, PHONE_ERROR


class RegionCode(_Normalised):
    """Six digits; with ``must_exist`` (where people choose a place: a postal address) a
    GB/T 2260 code that exists (province, city or county, in python-stdnum's data). A
    department's export may carry a code of its own (a residence permit's 830000)."""

    pattern, error = REGION_CODE, REGION_ERROR

    def __init__(self, *, must_exist: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.must_exist = must_exist

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.must_exist and not region_exists(text):
            raise ma.ValidationError(REGION_UNKNOWN)
        return text


class FormNormalised:
    """The same rule as a WTForms validator for the console: the field's data is replaced by
    its normalised form."""

    def __init__(self, pattern: str, message: str):
        self.pattern, self.message = pattern, message

    def __call__(self, _form, field) -> None:
        text = normalised(field.data or "", self.pattern)
        if text is None:
            raise FormValidationError(self.message)
        field.data = text


class FormRegionCode(FormNormalised):
    """A console form's region code: six digits (normalised) naming a GB/T 2260 region."""

    def __init__(self):
        super().__init__(REGION_CODE, "行政区划代码为 6 位数字。A 6-digit region code.")

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if not region_exists(field.data):
            raise FormValidationError(REGION_UNKNOWN)
