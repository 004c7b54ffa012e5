"""``flask licensing recheck``: the regular re-check of every holder of a driver certificate and
every transport certificate (常态化比对).

It commits after every batch of holders (not once at its end, as other commands do): a run
over every holder takes minutes, and what it found (alerts, suspensions) must not wait for the
last holder, nor be lost with them if it is stopped.
"""

from __future__ import annotations

import sys

import click

from backend.db import db
from backend.licensing import recheck
from backend.licensing.models import RecheckRun
from backend.transactions import CommandGroup

licensing_cli = CommandGroup("licensing", help="许可 Licensing.")


@licensing_cli.command("recheck")
@click.option("--all", "scope", flag_value="all",
              help="Every holder of a driver certificate and every transport certificate in force.")
@click.option("--due", "scope", flag_value="due", default=True,
              help="Those not checked in full within RECHECK_INTERVAL_DAYS (the default).")
@click.option("--batch", default=500, show_default=True,
              help="Holders (transport certificates) per transaction.")
def recheck_command(scope: str, batch: int):
    """Re-run the driver rules for the holders, and the vehicle rules of holding for the
    transport certificates, against the sources; new failures become alerts."""
    report = recheck.run(scope, actor="cli", batch=batch, commit=db.session.commit)
    click.echo(describe(report))
    if report.unreachable:
        sys.exit(3)  # (done, but not in full: a monitor should see it)


def describe(report: RecheckRun) -> str:
    def listed(counts: dict) -> str:
        return ", ".join(f"{key} {value}" for key, value in counts.items()) or "none"

    seconds = (report.finished_at - report.started_at).total_seconds()
    return "\n".join([
        f"re-check run {report.id} ({report.scope}): {report.checked} of {report.holders} "
        f"holders checked in {seconds:.1f} s",
        f"transport certificates: {report.vehicles_checked} of {report.vehicles} vehicles checked",
        f"new failures by rule: {listed(report.new_failures)}",
        f"alerts raised: {report.alerts_raised}; refused by the alert path: "
        f"{listed(report.alerts_refused)}",
        f"sources that did not answer (holders and vehicles): {listed(report.unreachable)}; "
        f"holders not checked in full: {report.incomplete}; "
        f"vehicles not checked in full: {report.vehicles_incomplete}",
    ])
