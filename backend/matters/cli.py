import click
from flask.cli import with_appcontext

from backend.matters.operations import catalogue, summary


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


@click.command("matters")
@with_appcontext
def matters_command():
    """Print the matter catalogue (事项目录) as a table."""
    matters = catalogue()
    rows = [("code", "name", "subject", "zero material", "instant", "auto", "days", "channels")]
    rows += [(m.code, m.name, m.subject.value, _yes(m.zero_material), _yes(m.instant),
              _yes(m.auto_decided), str(m.time_limit_days), ",".join(m.channels)) for m in matters]
    widths = [max(_display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    counts = summary(matters)
    click.echo(f"\n{counts['total']} matters, {counts['zero_material']} zero-material, "
               f"{counts['instant']} instant, {counts['auto_decided']} decided by the system")


def _display_width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))
