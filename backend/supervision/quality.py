"""Data quality per platform and day (MOT practice, regulatory.md §3.2; the 2022 运行管理办法's
chapter on transmission quality): how complete, timely, valid and consistent each platform's
feed is. The README's "Data quality" section defines each figure; in short, for platform P and
day D (Beijing time, the event store's day: the day a record describes):

completeness  ``orders``: orders P matched to a driver on D (``orderMatch``) and did not cancel;
              ``orders_complete``: those with a pick-up (``operateDepart``), a drop-off
              (``operateArrive``) and a payment (``operatePay``), whenever they arrived.
              ``licensed_vehicles``: plates holding a transport certificate for P in force on D
              in the city's register; ``licensed_vehicles_reporting``: those P sent a position
              for on D.
timeliness    delay of each position of D = when the intake received it − its ``PositionTime``;
              the 50th and 95th percentiles, in seconds.
validity      ``rejected``: records of P the intake refused on D, by reason (a resent record once);
              ``zero_mile_or_time``: payments of D with ``DriveMile`` 0 or ``DriveTime`` 0;
              ``pay_without_order``: payments of D whose order P never reported (``orderCreate``).
consistency   ``unknown_driver_or_vehicle``: orders of D whose driver (``LicenseId``) or vehicle
              (``VehicleNo``) is not in P's own base information (``baseInfoDriver`` /
              ``baseInfoVehicle``, not deleted) as it stands now: the relational database
              keeps each platform's latest base information, not its history.

Everything is computed from the stores when asked: the events with DuckDB over the Parquet files,
the register and the base information from the relational database.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt

import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, Status
from backend.db import db
from backend.platforms.models import Platform
from backend.supervision import events
from backend.supervision.models import BaseRecord, RejectedRecord

BEIJING = dt.timezone(dt.timedelta(hours=8))
MAX_DAYS = 92   # one request covers at most a quarter


def share(part: int, whole: int) -> float | None:
    """part / whole, rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


@dataclasses.dataclass
class DayQuality:
    platform_code: str
    company_id: str
    day: dt.date
    orders: int = 0
    orders_complete: int = 0
    licensed_vehicles: int = 0
    licensed_vehicles_reporting: int = 0
    positions: int = 0
    delay_p50: float | None = None
    delay_p95: float | None = None
    rejected: dict[str, int] = dataclasses.field(default_factory=dict)
    payments: int = 0
    zero_mile_or_time: int = 0
    pay_without_order: int = 0
    matched_orders: int = 0
    unknown_driver_or_vehicle: int = 0

    def to_json(self) -> dict:
        return {
            "platform": self.platform_code, "company_id": self.company_id,
            "day": self.day.isoformat(),
            "completeness": {
                "orders": self.orders, "orders_complete": self.orders_complete,
                "orders_complete_share": share(self.orders_complete, self.orders),
                "licensed_vehicles": self.licensed_vehicles,
                "licensed_vehicles_reporting": self.licensed_vehicles_reporting,
                "licensed_vehicles_reporting_share": share(self.licensed_vehicles_reporting,
                                                           self.licensed_vehicles)},
            "timeliness": {"positions": self.positions, "delay_p50_seconds": self.delay_p50,
                           "delay_p95_seconds": self.delay_p95},
            "validity": {"rejected": dict(sorted(self.rejected.items())),
                         "rejected_total": sum(self.rejected.values()),
                         "payments": self.payments, "zero_mile_or_time": self.zero_mile_or_time,
                         "pay_without_order": self.pay_without_order},
            "consistency": {"orders": self.matched_orders,
                            "unknown_driver_or_vehicle": self.unknown_driver_or_vehicle,
                            "consistent_share": share(
                                self.matched_orders - self.unknown_driver_or_vehicle,
                                self.matched_orders)},
        }


def platforms_reporting() -> list[Platform]:
    """Platforms of the register with a ministry CompanyId (those that can report)."""
    return list(db.session.scalars(sa.select(Platform).where(Platform.company_id.is_not(None))
                                   .order_by(Platform.code)))


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def quality(platforms: list[Platform], first: dt.date, last: dt.date) -> list[DayQuality]:
    """Every figure for each platform and each day from ``first`` to ``last``, platform by
    platform, day by day (a day without data has zeros and no shares)."""
    by_company = {p.company_id: p for p in platforms if p.company_id}
    figures = {(company, day): DayQuality(p.code, company, day)
               for company, p in by_company.items() for day in days_between(first, last)}
    if not figures:
        return []
    companies = sorted(by_company)
    with events.store().connect() as duck:
        reported = _event_figures(duck, figures, companies, first, last)
    _licensed_vehicles(figures, by_company, reported, first, last)
    _rejections(figures, companies, first, last)
    _consistency(figures, reported, companies)
    return [figures[key] for key in sorted(figures, key=lambda k: (by_company[k[0]].code, k[1]))]


# -- the event store ----------------------------------------------------------------------------

def _in(companies: list[str]) -> str:
    return ", ".join("?" for _ in companies)


def _event_figures(duck, figures, companies, first, last) -> dict:
    """Completeness of orders, timeliness and the payments' validity from the event store.
    Returns what later figures need: the plates with positions and the matched orders' driver
    and vehicle, per (company, day)."""
    window = [*companies, first, last]
    ahead = last + dt.timedelta(days=1)   # a trip matched at 23:50 is paid after midnight
    for company, day, orders, complete in duck.execute(f"""
        WITH m AS (SELECT DISTINCT CompanyId, day, OrderId FROM "orderMatch"
                   WHERE CompanyId IN ({_in(companies)}) AND day BETWEEN ? AND ?),
             later AS (SELECT CompanyId, OrderId, 'cancel' AS what FROM "orderCancel" WHERE day >= ?
                   UNION ALL SELECT CompanyId, OrderId, 'depart' FROM "operateDepart" WHERE day >= ?
                   UNION ALL SELECT CompanyId, OrderId, 'arrive' FROM "operateArrive" WHERE day >= ?
                   UNION ALL SELECT CompanyId, OrderId, 'pay' FROM "operatePay" WHERE day >= ?),
             seen AS (SELECT CompanyId, OrderId, list_distinct(list(what)) AS what
                      FROM later GROUP BY ALL)
        SELECT m.CompanyId, m.day,
               count(*) FILTER (WHERE NOT coalesce(list_contains(what, 'cancel'), false)),
               count(*) FILTER (WHERE NOT list_contains(what, 'cancel')
                                AND len(list_intersect(what, ['depart', 'arrive', 'pay'])) = 3)
        FROM m LEFT JOIN seen USING (CompanyId, OrderId) GROUP BY ALL
        """, [*window, first, first, first, first]).fetchall():
        figures[company, day].orders, figures[company, day].orders_complete = orders, complete
    for company, day, count, p50, p95 in duck.execute(f"""
        SELECT CompanyId, day, count(*),
               quantile_cont(epoch(received_at) - epoch(event_time), 0.5),
               quantile_cont(epoch(received_at) - epoch(event_time), 0.95)
        FROM "positionVehicle" WHERE CompanyId IN ({_in(companies)}) AND day BETWEEN ? AND ?
        GROUP BY ALL""", window).fetchall():
        figure = figures[company, day]
        figure.positions, figure.delay_p50, figure.delay_p95 = count, round(p50, 1), round(p95, 1)
    for company, day, payments, zero, orphan in duck.execute(f"""
        SELECT p.CompanyId, p.day, count(*),
               count(*) FILTER (WHERE p.DriveMile = 0 OR p.DriveTime = 0),
               count(*) FILTER (WHERE c.OrderId IS NULL)
        FROM "operatePay" p LEFT JOIN (SELECT DISTINCT CompanyId, OrderId FROM "orderCreate"
                                        WHERE day <= ?) c USING (CompanyId, OrderId)
        WHERE p.CompanyId IN ({_in(companies)}) AND p.day BETWEEN ? AND ?
        GROUP BY ALL""", [ahead, *window]).fetchall():
        figures[company, day].payments = payments
        figures[company, day].zero_mile_or_time, figures[company, day].pay_without_order = zero, orphan
    plates = collections.defaultdict(set)
    for company, day, plate in duck.execute(f"""
        SELECT DISTINCT CompanyId, day, VehicleNo FROM "positionVehicle"
        WHERE CompanyId IN ({_in(companies)}) AND day BETWEEN ? AND ?""", window).fetchall():
        plates[company, day].add(plate)
    matched = duck.execute(f"""
        SELECT CompanyId, day, LicenseId, VehicleNo, count(DISTINCT OrderId) FROM "orderMatch"
        WHERE CompanyId IN ({_in(companies)}) AND day BETWEEN ? AND ? GROUP BY ALL""",
                           window).fetchall()
    return {"plates": plates, "matched": matched}


# -- the relational database --------------------------------------------------------------------

def _in_force(certificate: Certificate, day: dt.date) -> bool:
    """Was the certificate in force on ``day``? Its validity covers the day and it was still
    valid then (a later suspension or cancellation does not rewrite the past)."""
    if not certificate.valid_from <= day <= certificate.valid_until:
        return False
    if certificate.status == Status.VALID:
        return True
    return certificate.status_changed_at.astimezone(BEIJING).date() > day


def _licensed_vehicles(figures, by_company, reported, first, last) -> None:
    codes = {p.code: company for company, p in by_company.items()}
    certificates = db.session.scalars(sa.select(Certificate).where(
        Certificate.kind == Kind.TRANSPORT, Certificate.platform_code.in_(codes),
        Certificate.valid_from <= last, Certificate.valid_until >= first))
    licensed = collections.defaultdict(set)
    for certificate in certificates:
        for day in days_between(max(first, certificate.valid_from), min(last, certificate.valid_until)):
            if _in_force(certificate, day):
                licensed[codes[certificate.platform_code], day].add(certificate.plate)
    for key, plates in licensed.items():
        figures[key].licensed_vehicles = len(plates)
        figures[key].licensed_vehicles_reporting = len(plates & reported["plates"].get(key, set()))


def _rejections(figures, companies, first, last) -> None:
    rows = db.session.execute(
        sa.select(RejectedRecord.company_id, RejectedRecord.day, RejectedRecord.reason,
                  sa.func.count())
        .where(RejectedRecord.company_id.in_(companies), RejectedRecord.day.between(first, last))
        .group_by(RejectedRecord.company_id, RejectedRecord.day, RejectedRecord.reason))
    for company, day, reason, count in rows:
        figures[company, day].rejected[reason] = count


def _consistency(figures, reported, companies) -> None:
    known = collections.defaultdict(set)
    rows = db.session.execute(
        sa.select(BaseRecord.company_id, BaseRecord.interface, BaseRecord.natural_key)
        .where(BaseRecord.company_id.in_(companies), BaseRecord.deleted.is_(False),
               BaseRecord.interface.in_(["baseInfoDriver", "baseInfoVehicle"])))
    for company, interface, key in rows:
        known[company, interface].add(key)
    for company, day, driver, plate, orders in reported["matched"]:
        figure = figures[company, day]
        figure.matched_orders += orders
        if (driver not in known[company, "baseInfoDriver"]
                or plate not in known[company, "baseInfoVehicle"]):
            figure.unknown_driver_or_vehicle += orders
