"""Import contracts of the vehicle sources.

``flask registry import vehicle_registry|insurance|gps FILE`` reads JSON Lines (one record per line, UTF-8, dates ``YYYY-MM-DD``) with the same rules
as the driver sources: unknown fields are refused, records are upserted by natural key, and
the first bad line rejects the whole file naming its line number and field.
"""

from __future__ import annotations

import marshmallow as ma

from backend.common.text import Text
from backend.identity.schemas import IdNumberField
from backend.vehicles import models
from backend.vehicles.plates import PlateField
from backend.verification.imports import IMPORTERS, Importer, StrictSchema

POWER_TYPES = ["BEV", "PHEV", "HEV", "FCEV", "ICE"]
_text = ma.validate.Length


class VinField(ma.fields.String):
    """17 letters and digits (ISO 3779), stored upper-case."""

    def _deserialize(self, value, attr, data, **kwargs):
        vin = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if len(vin) != 17 or not vin.isascii() or not vin.isalnum():
            raise ma.ValidationError("车辆识别代号应为17位字母和数字 a VIN has 17 letters and digits")
        return vin


class VehicleRegistryImport(StrictSchema):
    plate = PlateField(required=True)
    vin = VinField(required=True)
    owner_id_number = IdNumberField(required=True)
    owner_name = Text(required=True, validate=_text(min=1, max=100))
    category = Text(required=True, validate=_text(min=1, max=30))
    seats = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=99))
    power_type = ma.fields.String(required=True, validate=ma.validate.OneOf(POWER_TYPES))
    wheelbase_mm = ma.fields.Integer(required=True, strict=True, allow_none=True,
                                     validate=ma.validate.Range(min=0, max=20000))
    first_registered_on = ma.fields.Date(required=True)
    use_nature = Text(required=True, validate=_text(min=1, max=30))
    inspection_valid_until = ma.fields.Date(required=True)
    status = Text(required=True, validate=_text(min=1, max=20))


class InsuranceImport(StrictSchema):
    plate = PlateField(required=True)
    policy_number = Text(required=True, validate=_text(min=1, max=60))
    insurer = Text(required=True, validate=_text(min=1, max=100))
    kind = Text(required=True, validate=_text(min=1, max=60))
    valid_until = ma.fields.Date(required=True)


class GpsImport(StrictSchema):
    plate = PlateField(required=True)
    # A time without an offset is ambiguous (UTC or Beijing time?), so it is refused.
    last_position_at = ma.fields.AwareDateTime(required=True, format="iso")


IMPORTERS.update({
    "vehicle_registry": Importer(VehicleRegistryImport, models.MirrorVehicle, ("plate",)),
    "insurance": Importer(InsuranceImport, models.MirrorInsurance, ("plate", "policy_number")),
    "gps": Importer(GpsImport, models.MirrorGps, ("plate",)),
})
