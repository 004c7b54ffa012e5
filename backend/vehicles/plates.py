"""Number plates as people write them (``闽D·12345``, ``闽d 12345``) and as we store them."""

from __future__ import annotations

import re

import marshmallow as ma

# Province abbreviation, issuing-office letter, 5 characters (6 on new-energy plates), and the
# rare trailing character of special plates (学, 挂, 警 …).
PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{4,6}[\u4e00-\u9fff]?$")
SEPARATORS = str.maketrans("", "", " \u00b7\u2022\u30fb-")


class InvalidPlate(ValueError):
    message = "车牌号码格式不正确，例如 闽D12345 或 闽DD12345。"
    message_en = "The plate number is malformed (for example 闽D12345 or 闽DD12345)."


def normalise_plate(value: str) -> str:
    """The stored form: no separators, upper-case letters; :class:`InvalidPlate` otherwise."""
    if not isinstance(value, str):
        raise InvalidPlate()
    plate = value.strip().translate(SEPARATORS).upper()
    if not PLATE.fullmatch(plate):
        raise InvalidPlate()
    return plate


class PlateField(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_plate(text)
        except InvalidPlate as error:
            raise ma.ValidationError(f"{error.message} {error.message_en}") from None
