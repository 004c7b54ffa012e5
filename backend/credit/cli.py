"""``flask credit …``: the catalogue of behaviours, the lists' timer, the automatic sources and
the yearly grades."""

from __future__ import annotations

import datetime as dt
import json

import click

from backend.credit import catalogue, collect, grades, operations
from backend.credit.catalogue import SubjectKind
from backend.licensing.operations import today
from backend.transactions import CommandGroup

credit_cli = CommandGroup("credit", help="Credit management: behaviours, lists and grades.")


@credit_cli.command("behaviours")
@click.option("--json", "as_json", is_flag=True, help="The catalogue as a JSON list.")
def behaviours_command(as_json: bool) -> None:
    """The catalogue of dishonest behaviours (backend/credit/behaviours.json)."""
    found = catalogue.behaviours().values()
    if as_json:
        click.echo(json.dumps([b.to_json() for b in found], ensure_ascii=False, indent=1))
        return
    for b in found:
        listed = b.list.value if b.list else "-"
        click.echo(f"{b.code:28} {b.subject:9} {b.severity:18} {listed:6} {b.points:5}  {b.name}")


@credit_cli.command("sweep")
def sweep_command() -> None:
    """Move watch-list entries past their review day to the blacklist and end blacklist entries
    past theirs. Run it daily from a timer."""
    counts = operations.sweep()
    click.echo(f"blacklisted {counts['blacklisted']}, expired {counts['expired']}")


@credit_cli.command("collect")
@click.option("--days", type=int, default=7, show_default=True,
              help="How far back to look in the data feed (complaints and revocations: all).")
def collect_command(days: int) -> None:
    """Record what the automatic sources found: upheld 12328 complaints, the feed's
    ratedDriverPunish, revoked certificates, platforms' data-quality failures. Each is recorded
    once however often this runs."""
    counts = collect.everything(since=today() - dt.timedelta(days=days))
    click.echo(json.dumps(counts))


@credit_cli.command("grades")
@click.option("--year", type=int, default=None, help="The year graded (default: last year).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Grade the twelve months up to this day instead.")
@click.option("--kind", type=click.Choice(["platform", "driver"]), multiple=True,
              help="Only these subjects (default: both).")
def grades_command(year: int | None, as_of, kind) -> None:
    """Compute and store the service-quality credit grades (rules: backend/credit/grades.json)."""
    kinds = [SubjectKind(k) for k in kind] or [SubjectKind.PLATFORM, SubjectKind.DRIVER]
    if as_of is not None:
        period = grades.as_of(as_of.date())
    else:
        period = grades.year(year or today().year - 1)
    stored = grades.grade_everyone(period, kinds, actor="system:credit")
    for grade in stored:
        click.echo(f"{grade.subject_kind:8} {grade.subject_name:30} {grade.grade:6} {grade.score:g}")
    click.echo(f"{len(stored)} grades for {period.label}")
