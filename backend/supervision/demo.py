"""Demo data for supervision: yesterday, simulated for the demo platforms (3502DEMOGREEN,
3502DEMOLUJIANG and the aggregator 3502DEMOJUHE) and sent through the real intake in-process, so the console's supervision pages
show real figures on a fresh machine. Loaded by ``flask setup`` after the rest of the demo data
is committed (the intake's requests run in transactions of their own)."""

from __future__ import annotations

import datetime as dt

from backend.supervision import events, simulator
from backend.transactions import in_transaction

# Small enough for ``flask setup`` to stay quick (about 250 requests): 8 cars a platform,
# uploads once an hour (so the demo's position delays are half an hour, not the live default's
# seconds: each upload is a request, and a request an event file).
DEMO_SETTINGS = {"vehicles": 8, "unlicensed_share": 0.25, "defect_share": 0.03,
                 "upload_every": 3600}


def load_supervision_demo() -> dict:
    day = dt.datetime.now(simulator.XIAMEN_TZ).date() - dt.timedelta(days=1)
    settings = simulator.Settings(day=day, **DEMO_SETTINGS)
    platforms, secrets, post = in_transaction(simulator.prepare)(settings, platforms=3)
    sent = simulator.simulate_and_send(platforms, settings, secrets, post)
    # One file per partition, so the figures read quickly from the start.
    events.store().compact(dt.datetime.now(events.BEIJING).date())
    return sent
