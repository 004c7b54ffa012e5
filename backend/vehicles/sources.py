"""What the vehicle rules ask: three outside sources and two of our own registers.

``vehicle_registry``, ``insurance`` and ``gps`` are outside sources (mirror or HTTP, see
``backend.verification.sources``). The platform register and the transport certificates are
ours, but they are asked the same way so that every fact a decision used is in the query log
and the decision can be explained and replayed.
"""

from __future__ import annotations

from backend.certificates.models import Kind
from backend.common.sql import Statements
from backend.verification.sources import MIRROR_OPERATIONS, Question, iso

VEHICLE = "vehicle_registry.vehicle"
INSURANCE = "insurance.policies"
GPS = "gps.position"
PLATFORM = "platforms.licence"
CERTIFICATES = "transport_certificates.by_plate"


def _vehicle(plate: str):
    row = Statements().row(
        "SELECT plate, vin, owner_id_number, owner_name, category, seats, power_type, "
        "wheelbase_mm, first_registered_on, use_nature, inspection_valid_until, status "
        "FROM mirror_vehicles WHERE plate = :plate", {"plate": plate})
    if row is None:
        return None
    (plate, vin, owner_id_number, owner_name, category, seats, power_type, wheelbase_mm,
     first_registered_on, use_nature, inspection_valid_until, status) = row
    return {"plate": plate, "vin": vin, "owner_id_number": owner_id_number,
            "owner_name": owner_name, "category": category, "seats": seats,
            "power_type": power_type, "wheelbase_mm": wheelbase_mm,
            "first_registered_on": iso(first_registered_on), "use_nature": use_nature,
            "inspection_valid_until": iso(inspection_valid_until), "status": status}


def _policies(plate: str):
    rows = Statements().rows(
        "SELECT policy_number, insurer, kind, valid_until FROM mirror_insurance "
        "WHERE plate = :plate ORDER BY valid_until DESC", {"plate": plate})
    return [{"policy_number": number, "insurer": insurer, "kind": kind,
             "valid_until": iso(valid_until)} for number, insurer, kind, valid_until in rows]


def _position(plate: str):
    at = Statements().value("SELECT last_position_at FROM mirror_gps WHERE plate = :plate",
                            {"plate": plate})
    return None if at is None else {"last_position_at": iso(at)}


def _platform(code: str):
    row = Statements().row("SELECT code, name, licence_number, valid_until, status "
                           "FROM platforms WHERE code = :code", {"code": code})
    if row is None:
        return None
    code, name, licence_number, valid_until, status = row
    return {"code": code, "name": name, "licence_number": licence_number,
            "valid_until": iso(valid_until), "status": status}


def _transport_certificates(plate: str):
    """Every transport certificate the plate ever had (no holder data: not needed, not logged)."""
    rows = Statements().rows(
        "SELECT number, version, status, platform_code, valid_until FROM certificates "
        "WHERE kind = :kind AND plate = :plate ORDER BY id", {"kind": Kind.TRANSPORT, "plate": plate})
    return [{"number": number, "version": version, "status": status,
             "platform_code": platform_code, "valid_until": iso(valid_until)}
            for number, version, status, platform_code, valid_until in rows]


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
