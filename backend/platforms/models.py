"""Platform companies: the register of those licensed in Xiamen (filled by ``flask platforms
import`` and by granting ``platform-licence-issue``), the market-regulation register's mirror,
and the internal steps of a licence application (the clerk's review, the province's)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, enum_column, utcnow
from backend.licensing.models import Application

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
    # An aggregator (聚合平台: it passes orders to other platforms' drivers): the dual-compliance
    # ranking lists aggregators apart from the other platforms, as the ministry does.
    aggregator: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Where the bureau pushes its notices about the platform's drivers' and vehicles'
    # certificates (``backend.notices``; ``flask notices callback``); None: the feed only.
    notice_url: Mapped[str | None] = mapped_column(sa.String(300))

    def licensed_on(self, day: dt.date) -> bool:
        return self.status in PLATFORM_IN_FORCE and self.valid_until >= day


class MirrorCompany(Base):
    """Market regulation (市场监管): a registered company by its credit code, as exported."""

    __tablename__ = "mirror_companies"

    uscc: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_representative: Mapped[str] = mapped_column(sa.String(100))
    legal_representative_id_number: Mapped[str] = mapped_column(sa.String(18))
    legal_person: Mapped[bool]  # an enterprise legal person (企业法人), not a branch
    status: Mapped[str] = mapped_column(sa.String(20))
    business_scope: Mapped[str] = mapped_column(sa.Text)
    address: Mapped[str] = mapped_column(sa.String(300))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Stage(enum.StrEnum):
    """Where a platform licence application is inside the bureau (the applicant sees each)."""

    CHECKS = "checks"                  # the other departments' registers
    OFFLINE_REVIEW = "offline_review"  # a clerk reviews the offline-capability materials
    PROVINCE = "province"              # the province certifies the online capability
    DECISION = "decision"              # the city grants or refuses
    DONE = "done"


class ProvinceResult(enum.StrEnum):
    CERTIFIED = "certified"
    NOT_CERTIFIED = "not_certified"


class LicenceCase(Base):
    """The internal steps of one ``platform-licence-issue`` application. ``row_version``: a
    province callback and a reviewer answering at once cannot both record a result."""

    __tablename__ = "platform_licence_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    offline_reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    offline_reviewed_by: Mapped[str | None] = mapped_column(sa.String(120))
    # The province: ``http`` (its endpoint, answering by signed callback) or ``console`` (a
    # provincial reviewer in our console).
    province_channel: Mapped[str | None] = mapped_column(sa.String(10))
    province_request_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivery_error: Mapped[str | None] = mapped_column(sa.String(300))
    province_result: Mapped[ProvinceResult | None] = mapped_column(enum_column(ProvinceResult))
    province_reasons: Mapped[list | None] = mapped_column(sa.JSON)
    province_reference: Mapped[str | None] = mapped_column(sa.String(60))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(sa.String(120))
    row_version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship()

    __mapper_args__ = {"version_id_col": row_version}
