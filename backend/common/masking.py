"""Masking of personal data for logs, API answers about oneself, and public pages."""

from __future__ import annotations

import logging
import re

# 18-character citizen ID numbers (GB 11643) and 15-digit legacy ones, wherever they appear.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{1})(?![0-9A-Za-z])")
# Mainland mobile numbers (11 digits from 13…), with or without the +86 country code.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])((?:\+?86[- ]?)?1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")


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


def mask_personal_data(text: str) -> str:
    """ID numbers and mobile numbers masked (``138****5678``) wherever they appear in ``text``."""
    return _MOBILE.sub(r"\1****\3", mask_id_numbers_in_text(text))


_traceback_formatter = logging.Formatter()


def mask_record(record: logging.LogRecord) -> None:
    """Mask the message, its arguments, the exception's text and traceback, and the stack.

    The traceback is formatted here, masked, into ``exc_text`` (which every standard formatter
    prints instead of formatting the exception again), and the exception itself is dropped
    from the record: its text may quote a statement's parameters (SQLAlchemy's errors do)."""
    try:
        message, fits = record.getMessage(), True
    except Exception:  # arguments that do not fit the message: kept readable, and masked
        message, fits = f"{record.msg} {record.args!r}", False
    masked = mask_personal_data(message)
    if masked != message or not fits:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = mask_personal_data(_traceback_formatter.formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = mask_personal_data(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_personal_data(record.stack_info)


def install_log_masking() -> None:
    """Make every log record, from any logger and to any handler, carry masked ID and mobile
    numbers, its exception and stack included.

    A record factory rather than a filter: logger filters miss records of child loggers and
    handler filters miss handlers configured later (gunicorn's), the factory sees them all.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_id_numbers", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask_record(record)
        return record

    factory.masks_id_numbers = True
    logging.setLogRecordFactory(factory)
