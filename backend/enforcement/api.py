"""Plate look-ups: ``GET /api/v1/plates/<plate>`` for staff signed in to the console (officers,
clerks, supervisors), ``GET /api/v1/public/plates/<plate>`` for anyone (is this car a licensed
网约车, and on which platform; nothing about its owner or driver)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from backend.enforcement import operations
from backend.enforcement.schemas import PLATE_PARAMETER, PublicPlateSchema, StaffPlateSchema
from backend.errors import ApiError
from backend.staff.models import Role
from backend.vehicles.plates import InvalidPlate, normalise_plate

staff = Blueprint("plates", __name__, url_prefix="/api/v1/plates",
                  description="车牌查询（工作人员）· Plate look-up for staff")
public = Blueprint("public_plates", __name__, url_prefix="/api/v1/public/plates",
                   description="网约车车牌核验 · Is this car a licensed ride-hailing car?")


def plate_from_path(value: str) -> str:
    try:
        return normalise_plate(value)
    except InvalidPlate as error:
        raise ApiError(422, error.message, error.message_en,
                       errors={"path": {"plate": [f"{error.message} {error.message_en}"]}}) from None


@staff.get("/<plate>")
@staff.doc(parameters=[PLATE_PARAMETER])
@staff.response(200, StaffPlateSchema)
@staff.alt_response(401, response="UNAUTHORIZED")
@staff.alt_response(403, response="FORBIDDEN")
@staff.alt_response(422, response="UNPROCESSABLE_ENTITY")
def staff_plate(plate):
    """The plate's certificate and platform, whether it is blacklisted, where a camera last saw
    it and when its platform last reported it, and its open alert. Signed-in console staff
    (officer, clerk, supervisor, administrator) only."""
    if not current_user.is_authenticated:
        raise ApiError(401, "请先登录工作人员控制台。", "Sign in to the staff console first.")
    if not current_user.has_role(Role.OFFICER, Role.CLERK, Role.SUPERVISOR):
        raise ApiError(403)
    return operations.staff_status(plate_from_path(plate))


@public.get("/<plate>")
@public.doc(parameters=[PLATE_PARAMETER])
@public.response(200, PublicPlateSchema)
@public.alt_response(422, response="UNPROCESSABLE_ENTITY")
def public_plate(plate):
    """Whether the car is a licensed 网约车 today, and on which platform. A car without a
    certificate in force is ``licensed: false`` whatever the reason; nothing else is told."""
    return operations.public_status(plate_from_path(plate))
