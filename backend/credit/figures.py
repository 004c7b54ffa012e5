"""Figures the grades read from other parts of the service, each behind one small function
that answers None when no figure is available (the indicator is then left out of the grade
and the breakdown says so)."""

from __future__ import annotations

import datetime as dt

from backend.platforms.models import Platform
from backend.supervision import compliance


def dual_compliance_rates(platforms: list[Platform], first: dt.date,
                          last: dt.date) -> dict[str, float | None]:
    """Each platform's share of its completed orders from ``first`` to ``last`` whose driver and
    vehicle both held a certificate in force at departure (双合规率, 0–1), as the supervision
    dashboard and the bulletin count it (``backend.supervision.compliance``); None for a
    platform with no completed orders (or no CompanyId to report them under)."""
    reporting = [p for p in platforms if p.company_id]
    counts, _ = compliance.daily(reporting, first, last) if reporting else ({}, None)
    return {p.code: compliance.totals(counts, p.code).rate for p in platforms}
