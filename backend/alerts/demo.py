"""The alerts' part of the demo: 演示冯预警 holds a driver certificate a police alert (drug use)
suspended, so the app shows the suspension and takes an objection and the console's queue has
one to decide; and an alert about somebody who never applied, kept for a later application."""

from __future__ import annotations

import datetime as dt

from backend.alerts.operations import receive

# (the demo holder, listed in backend.demo.DEMO_DRIVERS; and a person unknown to the service)
HOLDER_NUMBER = "350203198403030332"
UNKNOWN_NUMBER = "350203198302020354"


def load_alerts_demo() -> None:
    from backend.demo import _issue_demo_certificate

    _issue_demo_certificate(HOLDER_NUMBER, "演示冯预警")
    receive(reference="DEMO-GA-0001", id_number=HOLDER_NUMBER, category="drug_use",
            recorded_on=dt.date(2026, 11, 20), detail="演示数据：吸毒人员动态管控比对命中（虚构）",
            source="police", actor="demo")
    receive(reference="DEMO-GA-0002", id_number=UNKNOWN_NUMBER, category="violent_crime",
            recorded_on=dt.date(2025, 8, 1), detail="演示数据：暴力犯罪前科（虚构）",
            source="police", actor="demo")
