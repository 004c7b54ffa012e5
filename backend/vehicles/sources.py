"""What the vehicle rules ask: three outside sources and two of our own registers.

``vehicle_registry``, ``insurance`` and ``gps`` are outside sources (mirror or HTTP, see
``backend.verification.sources``). The platform register and the transport certificates are
ours, but they are asked the same way so that every fact a decision used is in the query log
and the decision can be explained and replayed.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma

from backend.certificates.models import Certificate, Kind
from backend.common.text import Text
from backend.platforms.imports import PlatformImport
from backend.platforms.models import Platform
from backend.supervision.positions import last_position_at
from backend.vehicles import imports
from backend.vehicles.models import MirrorGps, MirrorInsurance, MirrorVehicle
from backend.verification.imports import StrictSchema
from backend.verification.sources import Question, iso, mirror_rows, mirror_rows_by, operation

VEHICLE = "vehicle_registry.vehicle"
INSURANCE = "insurance.policies"
GPS = "gps.position"
PLATFORM = "platforms.licence"
CERTIFICATES = "transport_certificates.by_plate"


VEHICLES, POLICIES = MirrorVehicle.__table__, MirrorInsurance.__table__
POSITIONS, PLATFORMS, CERTIFICATE_ROWS = MirrorGps.__table__, Platform.__table__, Certificate.__table__


VEHICLE_FIELDS = ("plate", "vin", "owner_id_number", "owner_name", "category", "seats",
                  "power_type", "wheelbase_mm", "first_registered_on", "use_nature",
                  "inspection_valid_until", "status")
POLICY_FIELDS = ("policy_number", "insurer", "kind", "valid_until")
CERTIFICATE_FIELDS = ("number", "version", "status", "platform_code", "valid_until")
TRANSPORT = CERTIFICATE_ROWS.c.kind == Kind.TRANSPORT


def _vehicle(plate: str):
    found = mirror_rows(VEHICLES, *VEHICLE_FIELDS, where=VEHICLES.c.plate == plate)
    return found[0] if found else None


def _policies(plate: str):
    return mirror_rows(POLICIES, *POLICY_FIELDS, where=POLICIES.c.plate == plate,
                       order_by=POLICIES.c.valid_until.desc())


def _position(plate: str):
    """The later of the platforms' live feed (``backend.supervision.positions``) and the GPS
    mirror a department may still export."""
    times = [dt.datetime.fromisoformat(row["last_position_at"])
             for row in mirror_rows(POSITIONS, "last_position_at", where=POSITIONS.c.plate == plate)]
    fed = last_position_at(plate)
    times += [fed] if fed is not None else []
    return {"last_position_at": iso(max(times))} if times else None


def _platform(code: str):
    found = mirror_rows(PLATFORMS, "code", "name", "licence_number", "valid_until", "status",
                        where=PLATFORMS.c.code == code)
    return found[0] if found else None


def _transport_certificates(plate: str):
    """Every transport certificate the plate ever had (no holder data: not needed, not logged)."""
    return mirror_rows(CERTIFICATE_ROWS, *CERTIFICATE_FIELDS,
                       where=TRANSPORT & (CERTIFICATE_ROWS.c.plate == plate),
                       order_by=CERTIFICATE_ROWS.c.id)


# -- the same questions for many plates at once (``sources.ask_many``: the regular re-check) --

def _vehicles(plates: list[str]) -> dict:
    found = mirror_rows_by(VEHICLES, VEHICLE_FIELDS, plates, by="plate")
    return {plate: found[plate][0] if plate in found else None for plate in plates}


def _policies_of(plates: list[str]) -> dict:
    found = mirror_rows_by(POLICIES, POLICY_FIELDS, plates, by="plate",
                           order_by=POLICIES.c.valid_until.desc())
    return {plate: found.get(plate, []) for plate in plates}


def _transport_certificates_of(plates: list[str]) -> dict:
    found = mirror_rows_by(CERTIFICATE_ROWS, CERTIFICATE_FIELDS, plates, by="plate",
                           where=TRANSPORT, order_by=CERTIFICATE_ROWS.c.id)
    return {plate: found.get(plate, []) for plate in plates}


class TransportCertificateAnswer(StrictSchema):
    number = Text(required=True, validate=ma.validate.Length(min=1, max=60))
    version = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    status = Text(required=True, validate=ma.validate.Length(min=1, max=20))
    platform_code = Text(required=True, allow_none=True)
    valid_until = ma.fields.Date(required=True)


# An answer has the fields of the source's import record, less the plate it was asked by.
operation(VEHICLE, _vehicle, imports.VehicleRegistryImport(),
          department=("公安交管部门（机动车登记）", "the traffic police (vehicle registry)"),
          batch=_vehicles)
operation(INSURANCE, _policies, imports.InsuranceImport(exclude=("plate",), many=True),
          department=("保险信息平台", "the insurance information platform"),
          batch=_policies_of)
operation(GPS, _position, imports.GpsImport(exclude=("plate",)),
          department=("网约车监管平台（车辆定位）", "the supervision platform (vehicle positions)"))
operation(PLATFORM, _platform, PlatformImport(exclude=("uscc",)),
          department=("网约车平台公司许可名录", "the register of licensed platforms"))
operation(CERTIFICATES, _transport_certificates, TransportCertificateAnswer(many=True),
          department=("运输证登记", "the transport certificate register"),
          batch=_transport_certificates_of)


def platform_name(code: str) -> str:
    """A platform's name from the licence register (its code when the register lacks it)."""
    found = _platform(code)
    return found["name"] if found else code


def vehicle_questions(plate: str, platform_code: str) -> list[Question]:
    return [Question("vehicle_registry", "vehicle", {"plate": plate}),
            Question("insurance", "policies", {"plate": plate}),
            Question("gps", "position", {"plate": plate}),
            Question("platforms", "licence", {"code": platform_code}),
            Question("transport_certificates", "by_plate", {"plate": plate}),
            Question("credit", "entries", {"kind": "vehicle", "key": plate})]
