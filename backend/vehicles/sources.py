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
    found = Statements().records(
        "SELECT plate, vin, owner_id_number, owner_name, category, seats, power_type, "
        "wheelbase_mm, first_registered_on, use_nature, inspection_valid_until, status "
        "FROM mirror_vehicles WHERE plate = :plate", {"plate": plate})
    if not found:
        return None
    vehicle = found[0]
    return {**vehicle, "first_registered_on": iso(vehicle["first_registered_on"]),
            "inspection_valid_until": iso(vehicle["inspection_valid_until"])}


def _policies(plate: str):
    policies = Statements().records(
        "SELECT policy_number, insurer, kind, valid_until FROM mirror_insurance "
        "WHERE plate = :plate ORDER BY valid_until DESC", {"plate": plate})
    return [{**policy, "valid_until": iso(policy["valid_until"])} for policy in policies]


def _position(plate: str):
    at = Statements().value("SELECT last_position_at FROM mirror_gps WHERE plate = :plate",
                            {"plate": plate})
    return None if at is None else {"last_position_at": iso(at)}


def _platform(code: str):
    found = Statements().records("SELECT code, name, licence_number, valid_until, status "
                                 "FROM platforms WHERE code = :code", {"code": code})
    return {**found[0], "valid_until": iso(found[0]["valid_until"])} if found else None


def _transport_certificates(plate: str):
    """Every transport certificate the plate ever had (no holder data: not needed, not logged)."""
    certificates = Statements().records(
        "SELECT number, version, status, platform_code, valid_until FROM certificates "
        "WHERE kind = :kind AND plate = :plate ORDER BY id", {"kind": Kind.TRANSPORT, "plate": plate})
    return [{**certificate, "valid_until": iso(certificate["valid_until"])}
            for certificate in certificates]


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
