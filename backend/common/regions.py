"""Regions as people choose them: the current GB/T 2260 counties of a province, by name.

Where a person picks a region (the mailroom correcting a returned item's address) they pick
``厦门市思明区``, not type ``350203``. The names come from the codes python-stdnum carries (the
same data ``backend.identity.id_numbers.region_exists`` checks against); a county's history
(``[1983-2002]杏林区,[2003-]海沧区``) is read for its current name, and counties that no longer
exist are left out.
"""

from __future__ import annotations

import functools
import re

from stdnum import numdb

_PERIOD = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")


def _current_name(history: str) -> str | None:
    """The name in force now, or None for a county that was abolished."""
    last = history.split(",")[-1]
    period = _PERIOD.match(last)
    if period is None:
        return last
    _, ended, name = period.groups()
    return None if ended else name


@functools.cache
def regions_of(province: str = "35") -> tuple[tuple[str, str], ...]:
    """``(code, "厦门市思明区")`` for each current county-level region of ``province``, in code
    order (a city's districts together)."""
    entry = next(p for p in numdb.get("cn/loc").prefixes if p[1] == province)
    regions, city = [], ""
    for _length, low, _high, props, _children in entry[4]:
        name = _current_name(props.get("county", ""))
        if low.endswith("00"):
            city = name or ""
        elif name and name not in ("市辖区", "县", "市区"):
            regions.append((f"{province}{low}", f"{city}{name}"))
    return tuple(regions)
