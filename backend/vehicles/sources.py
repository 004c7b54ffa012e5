"""What the vehicle rules ask: three outside sources and two of our own registers.

``vehicle_registry``, ``insurance`` and ``gps`` are outside sources (mirror or HTTP, see
``backend.verification.sources``). The platform register and the transport certificates are
ours, but they are asked the same way so that every fact a decision used is in the query log
and the decision can be explained and replayed.
"""

from __future__ import annotations

import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind
from backend.db import db
from backend.vehicles import models
from backend.verification.sources import MIRROR_OPERATIONS, Question

VEHICLE = "vehicle_registry.vehicle"
INSURANCE = "insurance.policies"
GPS = "gps.position"
PLATFORM = "platforms.licence"
CERTIFICATES = "transport_certificates.by_plate"


def _iso(value):
    return value.isoformat() if value is not None else None


def _vehicle(plate: str):
    row = db.session.get(models.MirrorVehicle, plate)
    if row is None:
        return None
    return {"plate": row.plate, "vin": row.vin, "owner_id_number": row.owner_id_number,
            "owner_name": row.owner_name, "category": row.category, "seats": row.seats,
            "power_type": row.power_type, "wheelbase_mm": row.wheelbase_mm,
            "first_registered_on": _iso(row.first_registered_on), "use_nature": row.use_nature,
            "inspection_valid_until": _iso(row.inspection_valid_until), "status": row.status}


def _policies(plate: str):
    rows = db.session.scalars(sa.select(models.MirrorInsurance)
                              .where(models.MirrorInsurance.plate == plate)
                              .order_by(models.MirrorInsurance.valid_until.desc()))
    return [{"policy_number": r.policy_number, "insurer": r.insurer, "kind": r.kind,
             "valid_until": _iso(r.valid_until)} for r in rows]


def _position(plate: str):
    row = db.session.get(models.MirrorGps, plate)
    return None if row is None else {"last_position_at": _iso(row.last_position_at)}


def _platform(code: str):
    row = db.session.get(models.Platform, code)
    if row is None:
        return None
    return {"code": row.code, "name": row.name, "licence_number": row.licence_number,
            "valid_until": _iso(row.valid_until), "status": row.status}


def _transport_certificates(plate: str):
    """Every transport certificate the plate ever had (no holder data: not needed, not logged)."""
    rows = db.session.scalars(sa.select(Certificate)
                              .where(Certificate.kind == Kind.TRANSPORT, Certificate.plate == plate)
                              .order_by(Certificate.id))
    return [{"number": r.number, "version": r.version, "status": r.status.value,
             "platform_code": r.platform_code, "valid_until": _iso(r.valid_until)} for r in rows]


MIRROR_OPERATIONS.update({
    VEHICLE: _vehicle,
    INSURANCE: _policies,
    GPS: _position,
    PLATFORM: _platform,
    CERTIFICATES: _transport_certificates,
})


def vehicle_questions(plate: str, platform_code: str) -> list[Question]:
    return [Question("vehicle_registry", "vehicle", {"plate": plate}),
            Question("insurance", "policies", {"plate": plate}),
            Question("gps", "position", {"plate": plate}),
            Question("platforms", "licence", {"code": platform_code}),
            Question("transport_certificates", "by_plate", {"plate": plate})]
