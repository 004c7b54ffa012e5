"""The police system as the tests play it: a key pair, alerts signed as it signs them."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from backend.alerts.hook import AUDIENCE
from backend.licensing.operations import today

URL = "/hooks/v1/police-alerts"


class PoliceSystem:
    """A key pair; ``public_pem`` goes in ``POLICE_ALERT_KEY_FILE``."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, alert: dict, *, iat: float | None = None, aud: str = AUDIENCE) -> bytes:
        claims = {**alert, "aud": aud, "iat": int(time.time() if iat is None else iat)}
        return jwt.encode(claims, self.key, algorithm="ES256").encode()


def alert(id_number: str, category: str = "drug_use", **fields) -> dict:
    return {"reference": f"GA-{uuid.uuid4().hex[:12]}", "id_number": id_number,
            "category": category, "recorded_on": (today() - dt.timedelta(days=3)).isoformat(),
            "detail": "公安机关吸毒人员动态管控系统比对命中", **fields}


def post(client, body: bytes):
    return client.post(URL, data=body, content_type="application/jose")


def jsonl(*alerts: dict) -> str:
    return "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in alerts)
