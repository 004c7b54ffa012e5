"""The register of platform companies licensed in Xiamen, filled by ``flask platforms import``
(field names follow the import contract in the README)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

# Register values that mean "in force". ``valid`` is the documented one; the other two are
# accepted because company registers export them for the same state.
PLATFORM_IN_FORCE = frozenset({"valid", "normal", "active"})


class Platform(Base):
    """A platform company licensed in Xiamen (网约车平台公司经营许可), as the city's register says."""

    __tablename__ = "platforms"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    uscc: Mapped[str] = mapped_column(sa.String(18), index=True)
    licence_number: Mapped[str] = mapped_column(sa.String(60))
    # The ministry's platform id (部统一分配, V32), the ``CompanyId`` of every record the platform
    # sends to the supervision intake; None until the ministry has assigned one.
    company_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    # The first day of the licence: the platform's data counts from 00:00 the day after it
    # (运行管理办法); None in registers that export only the end date.
    licensed_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(20))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def licensed_on(self, day: dt.date) -> bool:
        return self.status in PLATFORM_IN_FORCE and self.valid_until >= day
