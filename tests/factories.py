"""Small factories for test data: valid ID numbers, citizens with tokens, staff accounts."""

from __future__ import annotations

import collections
import datetime as dt
import itertools

from stdnum.cn import ric

# Numbers given out per (region, birth date, sex); the sequence starts at 100, clear of the demo
# people's (backend/demo.py), and has room for 450 a day.
_given: dict[tuple, itertools.count] = collections.defaultdict(lambda: itertools.count(50))


def id_number(birth: dt.date = dt.date(1990, 1, 1), region: str = "350203", sex: int = 1) -> str:
    """A valid citizen ID number (sex: 1 male, 2 female), unique within the test run (some
    tests commit, so a number given twice could meet another test's person). When a day's
    numbers are all given out, the next day's are."""
    while (n := next(_given[region, birth, sex])) >= 500:
        birth += dt.timedelta(days=1)
    seq = n * 2 + (1 if sex == 1 else 0)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def citizen_token(client, number: str | None = None, name: str = "陈测试") -> tuple[str, dict]:
    """Sign in through the development identity provider; return (ID number, auth headers)."""
    number = number or id_number()
    response = client.post("/dev/idp/token", json={"id_number": number, "name": name})
    assert response.status_code == 200, response.json
    return number, {"Authorization": f"Bearer {response.json['access_token']}"}


def near_expiry(certificate, days_left: int = 30):
    """Set a certificate's term back, its length kept, so that it ends ``days_left`` days from
    today: a holder who comes to renew (renewal opens in the last days before expiry)."""
    from backend.db import db
    from backend.licensing.operations import today

    term = certificate.valid_until - certificate.valid_from
    certificate.valid_until = today() + dt.timedelta(days=days_left)
    certificate.valid_from = certificate.valid_until - term
    db.session.commit()  # (set up: a refused request's rollback leaves it)
    return certificate
