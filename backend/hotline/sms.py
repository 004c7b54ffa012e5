"""Sending the outbox's SMS through the bureau's gateway.

The gateway is whatever ``SMS_GATEWAY_URL`` names: each message is POSTed as JSON
``{"phone": "…", "text": "…", "reference": "<ticket number>"}`` with ``Authorization: Bearer
<SMS_GATEWAY_TOKEN>``; any 2xx means accepted. Without a gateway nothing is sent: the replies
wait in the outbox (and citizens who filed in the app read them there), and ``flask hotline
send`` says so instead of pretending.
"""

from __future__ import annotations

import requests
import sqlalchemy as sa
from flask import current_app

from backend.common.masking import mask_personal_data
from backend.db import db, utcnow
from backend.hotline.models import Message


class NoGateway(RuntimeError):
    pass


def send_waiting(limit: int = 200) -> tuple[int, int]:
    url = current_app.config.get("SMS_GATEWAY_URL")
    waiting = db.session.scalars(sa.select(Message).where(Message.sent_at.is_(None))
                                 .order_by(Message.id).limit(limit)).all()
    if not url:
        raise NoGateway(f"SMS_GATEWAY_URL is not set: {len(waiting)} message(s) wait in the outbox")
    headers = {"Authorization": f"Bearer {current_app.config.get('SMS_GATEWAY_TOKEN') or ''}"}
    sent = failed = 0
    for message in waiting:
        message.attempts += 1
        try:
            answer = requests.post(url, json={"phone": message.phone, "text": message.text,
                                              "reference": message.ticket.number},
                                   headers=headers, timeout=5)
            answer.raise_for_status()
        except requests.RequestException as error:
            message.last_error = mask_personal_data(str(error))[:200]
            failed += 1
        else:
            message.sent_at, message.last_error = utcnow(), None
            sent += 1
    return sent, failed
