"""A passenger's check of a car: is this plate a licensed 网约车, and on which platform.

Read straight from the transport certificates (《网络预约出租汽车运输证》): a certificate in
force holds its plate in ``valid_plate`` (one vehicle, one certificate in force). Nothing about
the owner is read or shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, Status
from backend.db import db
from backend.platforms.register import platform_name


@dataclasses.dataclass(frozen=True)
class PlateCheck:
    plate: str
    licensed: bool
    platform_code: str | None = None
    platform_name: str | None = None
    valid_until: dt.date | None = None


def check_plate(plate: str, today: dt.date) -> PlateCheck:
    """What a passenger may know about ``plate`` (already normalised) on ``today``."""
    certificate = db.session.scalar(sa.select(Certificate).where(
        Certificate.kind == Kind.TRANSPORT, Certificate.valid_plate == plate))
    if certificate is None or certificate.effective_status(today) != Status.VALID \
            or today < certificate.valid_from:
        return PlateCheck(plate, licensed=False)
    return PlateCheck(plate, licensed=True, platform_code=certificate.platform_code,
                      platform_name=platform_name(certificate.platform_code),
                      valid_until=certificate.valid_until)
