"""Masking of personal data for logs, API answers about oneself, and public pages."""

from __future__ import annotations

import logging
import re

# 18-character citizen ID numbers (GB 11643) and 15-digit legacy ones, wherever they appear.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{1})(?![0-9A-Za-z])")


def mask_id_number(id_number: str | None, *, head: int = 3, tail: int = 4) -> str | None:
    """``350203199001011234`` → ``350***********1234`` (first 3 and last 4 shown by default)."""
    if not id_number:
        return id_number
    if len(id_number) <= head + tail:
        return "*" * len(id_number)
    return id_number[:head] + "*" * (len(id_number) - head - tail) + id_number[-tail:]


def mask_id_number_public(id_number: str | None) -> str | None:
    """For public pages: only the first and the last character stay visible."""
    return mask_id_number(id_number, head=1, tail=1)


def mask_name(name: str | None) -> str | None:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧**娜``; Latin names keep their first letter per word."""
    if not name:
        return name
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_numbers_in_text(text: str) -> str:
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)


def install_log_masking() -> None:
    """Make every log record, from any logger and to any handler, carry masked ID numbers.

    A record factory rather than a filter: logger filters miss records of child loggers and
    handler filters miss handlers configured later (gunicorn's), the factory sees them all.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_id_numbers", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        masked = mask_id_numbers_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    factory.masks_id_numbers = True
    logging.setLogRecordFactory(factory)
