"""``flask hotline …``: the timer's sweep (reminders, escalations), the knowledge base, and
which unit a handler works in. (SMS replies are sent by ``flask notify send``.)"""

import json
import sys

import click
import sqlalchemy as sa

from backend.db import db
from backend.hotline import operations
from backend.hotline.models import KnowledgeAnswer, UnitMember
from backend.hotline.routing import routing
from backend.staff.models import Role, StaffUser
from backend.transactions import CommandGroup

hotline_cli = CommandGroup("hotline", help="The 12328 hotline's tickets.")


@hotline_cli.command("sweep")
def sweep_command():
    """Remind assignees a working day before a reply is due; escalate overdue tickets to the
    unit's head. Run it from a timer (every 15 minutes is plenty)."""
    counts = operations.sweep()
    click.echo(f"reminded {counts['reminded']}, escalated {counts['escalated']}")


@hotline_cli.command("answers")
@click.argument("file", type=click.File(encoding="utf-8"))
def answers_command(file):
    """Load the knowledge base from JSON Lines (``code``, ``question``, ``answer``, optional
    ``matter_code``), upserted by code; a bad line loads nothing and names the line."""
    rows = []
    for number, line in enumerate(file, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append(KnowledgeAnswer(code=str(row["code"])[:40], question=str(row["question"])[:200],
                                        answer=str(row["answer"]),
                                        matter_code=row.get("matter_code")))
        except (ValueError, KeyError, TypeError) as error:
            click.echo(f"line {number}: {error!r}; nothing loaded", err=True)
            sys.exit(2)
    for row in rows:
        db.session.merge(row)
    click.echo(f"{len(rows)} answers loaded")


@hotline_cli.command("member")
@click.argument("username")
@click.argument("unit")
def member_command(username, unit):
    """Put a handler account in a unit (its tickets appear in that account's console)."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))
    if user is None or user.role != Role.HANDLER:
        click.echo(f"error: no handler account {username!r}", err=True)
        sys.exit(2)
    if unit not in routing().units:
        click.echo(f"error: no unit {unit!r}; units: {', '.join(routing().units)}", err=True)
        sys.exit(2)
    db.session.merge(UnitMember(staff_id=user.id, unit_code=unit))
    click.echo(f"{username} handles {unit}'s tickets")
