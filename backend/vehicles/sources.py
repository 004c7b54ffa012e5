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
from backend.platforms.models import Platform
from backend.vehicles.models import MirrorGps, MirrorInsurance, MirrorVehicle
from backend.verification.sources import MIRROR_OPERATIONS, Question, iso, record_of

VEHICLE = "vehicle_registry.vehicle"
INSURANCE = "insurance.policies"
GPS = "gps.position"
PLATFORM = "platforms.licence"
CERTIFICATES = "transport_certificates.by_plate"


def _vehicle(plate: str):
    vehicle = db.session.get(MirrorVehicle, plate)
    if vehicle is None:
        return None
    return record_of(vehicle, "plate", "vin", "owner_id_number", "owner_name", "category",
                     "seats", "power_type", "wheelbase_mm", "first_registered_on", "use_nature",
                     "inspection_valid_until", "status")


def _policies(plate: str):
    policies = db.session.scalars(sa.select(MirrorInsurance).where(MirrorInsurance.plate == plate)
                                  .order_by(MirrorInsurance.valid_until.desc()))
    return [record_of(policy, "policy_number", "insurer", "kind", "valid_until")
            for policy in policies]


def _position(plate: str):
    gps = db.session.get(MirrorGps, plate)
    return None if gps is None else {"last_position_at": iso(gps.last_position_at)}


def _platform(code: str):
    platform = db.session.get(Platform, code)
    if platform is None:
        return None
    return record_of(platform, "code", "name", "licence_number", "valid_until", "status")


def _transport_certificates(plate: str):
    """Every transport certificate the plate ever had (no holder data: not needed, not logged)."""
    certificates = db.session.scalars(sa.select(Certificate).where(
        Certificate.kind == Kind.TRANSPORT, Certificate.plate == plate).order_by(Certificate.id))
    return [{**record_of(certificate, "number", "version", "platform_code", "valid_until"),
             "status": certificate.status.value} for certificate in certificates]


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
