"""The mirrors of the vehicle sources.

Mirror tables are filled by ``flask registry import`` (``vehicle_registry``, ``insurance``,
``gps``); field names follow the import contracts in the README.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class MirrorVehicle(Base):
    """Vehicle administration (车管所): a registered motor vehicle by plate."""

    __tablename__ = "mirror_vehicles"

    plate: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    vin: Mapped[str] = mapped_column(sa.String(17), index=True)
    owner_id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    owner_name: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[str] = mapped_column(sa.String(30))
    seats: Mapped[int]
    power_type: Mapped[str] = mapped_column(sa.String(8))
    wheelbase_mm: Mapped[int | None]
    first_registered_on: Mapped[dt.date]
    use_nature: Mapped[str] = mapped_column(sa.String(30))
    inspection_valid_until: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(20))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MirrorInsurance(Base):
    """Insurers' exchange: one policy on one vehicle; a plate has many."""

    __tablename__ = "mirror_insurance"
    __table_args__ = (sa.UniqueConstraint("plate", "policy_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(sa.String(16), index=True)
    policy_number: Mapped[str] = mapped_column(sa.String(60))
    insurer: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(60))
    valid_until: Mapped[dt.date]
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MirrorGps(Base):
    """A department's export of a plate's last known position time; the platforms' own feed
    keeps its latest positions in ``backend.supervision.positions``, and ``veh.gps_live``
    reads the later of the two."""

    __tablename__ = "mirror_gps"

    plate: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    last_position_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
