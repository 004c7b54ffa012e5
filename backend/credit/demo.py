"""Credit's part of the demo: a driver on the 黑名单 (a forged certificate found on patrol),
so a driver application shows ``drv.blacklist`` refusing with the entry named, and the console's
lists and records have something in them."""

from __future__ import annotations

import datetime as dt

from backend.credit import operations
from backend.licensing.operations import today


def load_credit_demo(id_number: str, name: str) -> None:
    operations.record(
        "drv.forged_certificate", subject_key=id_number, subject_name=name,
        facts="演示数据：机场巡查时该驾驶员出示变造的网约车驾驶员证。Demo data: an altered "
              "driver certificate shown on patrol at the airport.",
        occurred_on=today() - dt.timedelta(days=30), decision_number="厦交执罚〔2026〕演示001号",
        actor="demo")
