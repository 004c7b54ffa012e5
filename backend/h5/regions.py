"""The mailing address's region picker: Fujian's county-level divisions (GB/T 2260), grouped by
city, from the code table python-stdnum carries (the same one every channel's
``MailingAddressSchema`` checks a region code against)."""

from __future__ import annotations

import dataclasses
import functools
import re

from stdnum import numdb

FUJIAN = "35"
# Names carry the years they were in use: "[1983-2002]杏林区,[2003-]海沧区". A name is current
# when its last period is open (or it has none).
_PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
# 金门县 is in the table but outside the mainland post: no certificate is mailed there.
NOT_MAILED = {"350527"}


@dataclasses.dataclass(frozen=True)
class City:
    code: str
    name: str
    counties: tuple[tuple[str, str], ...]  # (code, name)


def _current_name(listed: str) -> str | None:
    last = listed.split(",")[-1]
    match = _PERIOD.match(last)
    if match is None:
        return last
    return match[3] if not match[2] else None


@functools.cache
def fujian_cities() -> tuple[City, ...]:
    """Every current Fujian city with its current districts and counties, in code order
    (Xiamen's first: the city most addresses are in)."""
    province = next(p for p in numdb.get("cn/loc").prefixes if p[1] == FUJIAN)
    names = {FUJIAN + low: _current_name(props.get("county", "")) for _, low, _, props, _ in province[4]}
    cities = []
    for code, name in names.items():
        if code.endswith("00") and not code.endswith("0000") and name:
            counties = tuple((c, n) for c, n in names.items()
                             if c[:4] == code[:4] and not c.endswith(("00", "01")) and n
                             and c not in NOT_MAILED)
            if counties:
                cities.append(City(code, name, counties))
    return tuple(sorted(cities, key=lambda city: (city.code != "350200", city.code)))
