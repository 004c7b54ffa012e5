"""Figures the grades read from other parts of the service, each behind one small function
that answers None when no figure is available (the indicator is then left out of the grade
and the breakdown says so)."""

from __future__ import annotations

import datetime as dt


def dual_compliance_rate(platform_code: str, first: dt.date, last: dt.date) -> float | None:
    """The share of the platform's orders from ``first`` to ``last`` whose driver and vehicle
    both held a certificate in force at departure (双合规率), 0–1; None when not available.

    The dual-compliance analysis (``backend.supervision.compliance``) is wired in here when it
    is merged; until then there is no figure."""
    return None
