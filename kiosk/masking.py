"""Masking for the kiosk's screen and log lines (the kiosk never imports ``backend``)."""

from __future__ import annotations


def mask_id_number(number: str | None) -> str:
    """``350203199003071236`` → ``350***********1236``."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧**娜``."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
