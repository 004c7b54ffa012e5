"""Test harness pieces several test packages share: a department that goes down, firing
requests at the same instant, and driving the staff console."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable


class Department:
    """A source that is down (nothing answers) or back (answering from its mirror)."""

    KEYS = ("SOURCE_URLS", "SOURCE_BUDGET_SECONDS", "SOURCE_TIMEOUT_SECONDS", "SOURCE_RETRIES")

    def __init__(self, app, source: str):
        self.app, self.source = app, source
        self.saved = {key: app.config[key] for key in self.KEYS}

    def go_down(self) -> None:
        # Nothing listens on the loopback discard port: every question is refused at once.
        self.app.config.update(SOURCE_URLS={self.source: "http://127.0.0.1:9"},
                               SOURCE_BUDGET_SECONDS=0.5, SOURCE_TIMEOUT_SECONDS=0.2,
                               SOURCE_RETRIES=0)
        self.app.extensions.pop("sources", None)

    def come_back(self) -> None:
        self.app.config.update(self.saved)
        self.app.extensions.pop("sources", None)


def fire_together(requests: list[Callable]) -> list:
    """Run every callable in its own thread, all released at the same moment; their results."""
    barrier, results = threading.Barrier(len(requests)), [None] * len(requests)

    def run(i):
        barrier.wait()
        results[i] = requests[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# -- the staff console, as a browser drives it ---------------------------------------------------

STAFF_PASSWORD = "console-password-1"
_usernames = itertools.count(1)


def csrf_token(client) -> str:
    page = client.get("/console/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def post(client, url: str, data: dict | None = None):
    """A console form post carrying the session's CSRF token, as a browser would send it."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def sign_in_as(client, role, password: str = STAFF_PASSWORD) -> str:
    """Create a staff account with ``role`` and sign the client in; its username."""
    from backend.staff.operations import create_staff

    username = f"{role.value}{next(_usernames)}"
    create_staff(username, role, password, actor="test")
    response = post(client, "/console/login", {"username": username, "password": password})
    assert response.status_code == 302
    return username
