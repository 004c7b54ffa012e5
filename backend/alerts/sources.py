"""The alerts the bureau received, as a source the driver rules read (``police_alerts.alerts``):
the category and date of each alert about the person as a driver (not about their vehicles)
that a clerk did not dismiss."""

from __future__ import annotations

import marshmallow as ma

from backend.alerts.models import Alert
from backend.drivers.rules import ALERT_CATEGORIES
from backend.verification.sources import mirror_rows, operation

ALERTS = Alert.__table__


class AlertAnswer(ma.Schema):
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(list(ALERT_CATEGORIES)))
    recorded_on = ma.fields.Date(required=True)


def _alerts(id_number: str):
    return mirror_rows(ALERTS, "category", "recorded_on",
                       where=(ALERTS.c.id_number == id_number) & ALERTS.c.dismissed_at.is_(None)
                       & ALERTS.c.plate.is_(None),
                       order_by=ALERTS.c.recorded_on)


operation("police_alerts.alerts", _alerts, AlertAnswer(many=True),
          department=("公安机关（预警信息）", "the police (alerts)"))
