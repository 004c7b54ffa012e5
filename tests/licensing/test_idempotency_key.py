"""The ``Idempotency-Key`` header: 1–100 visible ASCII characters, or refused with 422; never
cut short, so two different keys never stand for one request."""

import sqlalchemy as sa

from backend.licensing.models import Application
from tests.drivers.helpers import apply, make_driver


def _applications(database) -> int:
    return database.session.scalar(sa.select(sa.func.count()).select_from(Application))


def test_keys_over_the_limit_are_refused_so_two_long_keys_never_collide(client, database):
    _, headers = make_driver(client)
    first, second = "k" * 100 + "-first", "k" * 100 + "-second"
    for key in (first, second):
        response = apply(client, headers, key=key)
        assert response.status_code == 422
        assert "Idempotency-Key" in response.json["errors"]["headers"]
        assert "100" in response.json["errors"]["headers"]["Idempotency-Key"][0]
    assert _applications(database) == 0


def test_control_characters_and_spaces_in_a_key_are_refused(client, database):
    _, headers = make_driver(client)
    for key in ("tab\there", "nul\x00here", "del\x7fhere", "with space", "é-latin-1"):
        response = apply(client, headers, key=key)
        assert response.status_code == 422, repr(key)
        assert "Idempotency-Key" in response.json["errors"]["headers"]
    assert _applications(database) == 0


def test_a_key_of_exactly_the_limit_is_kept_whole_and_replays(client, database):
    _, headers = make_driver(client)
    key = "K" * 99 + "1"
    first = apply(client, headers, key=key)
    again = apply(client, headers, key=key)
    assert first.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["number"] == first.json["number"]
    stored = database.session.scalar(sa.select(Application.idempotency_key))
    assert stored == key
