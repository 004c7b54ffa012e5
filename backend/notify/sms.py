"""Sending the outbox's SMS.

``SMS_SENDER`` chooses how:

- ``gateway``: each message is POSTed to ``SMS_GATEWAY_URL`` as JSON ``{"phone": "…", "text":
  "…", "reference": "…"}`` with ``Authorization: Bearer <SMS_GATEWAY_TOKEN>``; any 2xx means
  accepted. Without a URL nothing is sent: the messages wait in the outbox, and ``flask notify
  send`` says so instead of pretending.
- ``log`` (the development default): each message is written to the application log, the
  phone number masked, and counts as sent.
"""

from __future__ import annotations

import logging

import requests
import sqlalchemy as sa
from flask import current_app

from backend.common.masking import mask_personal_data
from backend.db import db, utcnow
from backend.notify.models import Sms

log = logging.getLogger(__name__)


class NoGateway(RuntimeError):
    pass


def _by_gateway(message: Sms) -> None:
    url = current_app.config["SMS_GATEWAY_URL"]
    headers = {"Authorization": f"Bearer {current_app.config.get('SMS_GATEWAY_TOKEN') or ''}"}
    answer = requests.post(url, json={"phone": message.phone, "text": message.text,
                                      "reference": message.reference},
                           headers=headers, timeout=5)
    answer.raise_for_status()


def _by_log(message: Sms) -> None:
    log.info("SMS to %s (%s): %s", mask_personal_data(message.phone), message.reference or "-",
             message.text)


def sender_name() -> str:
    return current_app.config.get("SMS_SENDER") or "gateway"


def send_waiting(limit: int = 200) -> tuple[int, int]:
    """Send up to ``limit`` waiting messages, oldest first: (sent, failed)."""
    name = sender_name()
    waiting = db.session.scalars(sa.select(Sms).where(Sms.sent_at.is_(None))
                                 .order_by(Sms.id).limit(limit)).all()
    if name == "gateway" and not current_app.config.get("SMS_GATEWAY_URL"):
        raise NoGateway(f"SMS_GATEWAY_URL is not set: {len(waiting)} message(s) wait in the outbox")
    send = _by_log if name == "log" else _by_gateway
    sent = failed = 0
    for message in waiting:
        message.attempts += 1
        try:
            send(message)
        except requests.RequestException as error:
            message.last_error = mask_personal_data(str(error))[:200]
            failed += 1
        else:
            message.sent_at, message.sent_by, message.last_error = utcnow(), name, None
            sent += 1
    return sent, failed
