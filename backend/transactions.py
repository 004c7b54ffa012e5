"""The one owner of the transaction: the request, or the command.

Operations flush and never commit or roll back. A request is committed when it answers with a
success and rolled back when it answers with an error (or when the view refused something it
shows the user itself: ``refuse``); a command (``flask …``) is committed when it ends normally
and rolled back when it fails or exits with an error status.
"""

from __future__ import annotations

import contextlib
import functools

from flask import Flask, flash, g
from flask.cli import AppGroup

from backend.db import db
from backend.errors import ApiError


def refuse() -> None:
    """Roll this request's changes back at its end although it answers with a page (a console
    form that shows a refusal to the clerk)."""
    g.roll_back = True


def keep() -> None:
    """Commit this request's changes at its end although it answers with an error (the
    supervision intake's 400 for a batch whose every record was refused still keeps the count
    of what it refused, and the nonce it used)."""
    g.keep = True

@contextlib.contextmanager
def refusals_flashed():
    """Run a console action: a refusal (``ApiError``) is shown to the clerk on the next page
    and the request's changes are rolled back, instead of an error page."""
    try:
        yield
    except ApiError as error:
        refuse()
        flash(f"{error.message} {error.message_en}", "error")


def init_app(app: Flask) -> None:
    @app.after_request
    def commit_or_roll_back(response):
        kept = response.status_code < 400 or g.pop("keep", False)
        if kept and not g.pop("roll_back", False):
            db.session.commit()
        else:
            db.session.rollback()
        return response

class CommandGroup(AppGroup):
    """A command group whose every command is one transaction."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda callback: register(in_transaction(callback))

def in_transaction(callback):
    """Run a command's callback as one transaction: committed at its end, rolled back if it
    raises or exits with an error status."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            result = callback(*args, **kwargs)
        except SystemExit as stop:
            _end(stop.code in (0, None))
            raise
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return run

def _end(success: bool) -> None:
    if success:
        db.session.commit()
    else:
        db.session.rollback()
