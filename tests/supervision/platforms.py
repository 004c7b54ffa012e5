"""Test helpers for the supervision intake: licensed platforms with intake secrets, valid
records of every interface, and a client that signs and posts batches as a platform does."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import secrets
import time

from backend.db import db
from backend.devices.keys import signature, string_to_sign
from backend.platforms.models import Platform
from backend.supervision import auth, ipc
from backend.supervision.interfaces import BEIJING, CATALOGUE
from tests.factories import id_number

USCC = "91350200MA3123456J"
_codes = itertools.count(1)


def licensed_platform(licensed_from: dt.date | None = dt.date(2026, 1, 5), *,
                      status: str = "valid", valid_until: dt.date = dt.date(2030, 12, 31),
                      company_id: str | None = None) -> Platform:
    number = next(_codes)
    platform = Platform(code=f"PT{number:04d}", name=f"测试出行{number}", uscc=USCC,
                        licence_number=f"闽交网约车{number:04d}号", company_id=company_id or
                        f"XMTEST{number:04d}{secrets.token_hex(3)}", licensed_from=licensed_from,
                        valid_until=valid_until, status=status)
    db.session.add(platform)
    db.session.flush()
    return platform


def with_secret(platform: Platform) -> str:
    return auth.issue_credentials(platform, actor="test")


def signed_sender(client, database, **platform_options) -> PlatformClient:
    """A licensed platform (committed, with its intake secret) posting through ``client``."""
    platform = licensed_platform(**platform_options)
    secret = with_secret(platform)
    database.session.commit()
    return PlatformClient(client, platform, secret)


# -- valid records --------------------------------------------------------------------------

EVENT_TIME = dt.datetime(2026, 12, 6, 9, 0, tzinfo=BEIJING)
DRIVER = id_number(dt.date(1985, 3, 2))


def _value(field, company_id: str):
    check, kind = field.check, field.proto_type
    if field.name == "CompanyId":
        return company_id
    if check.startswith("in:"):
        code = "1" if field.name == "Encrypt" else check[3:].split(",")[0]  # GCJ-02
        return code if kind == "string" else int(code)
    if check.startswith("range:"):
        return int(check[6:].split("..")[0]) + 1
    return {"f8": 20261201, "f14": int(EVENT_TIME.strftime("%Y%m%d%H%M%S")),
            "ym": 202611, "ptime": int(EVENT_TIME.timestamp()), "hhmm": "0730",
            "area": 350203, "lon": 118_089_123, "lat": 24_479_833, "plate": "闽D12345",
            "idno": DRIVER, "uscc": USCC, "mobile": "13812345678", "phone": "0592-5551234",
            "vin": "LSVAU2180N2183294", "amount": 12.5, "any": 3}.get(
        check, "测试" if kind == "string" else None)


def record(ipc_type: str, company_id: str, **changes) -> dict:
    """A valid record of ``ipc_type`` (every field, optional ones too), with ``changes``."""
    values = {field.name: _value(field, company_id) for field in CATALOGUE[ipc_type].fields}
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


# -- sending --------------------------------------------------------------------------------

def envelope_json(company_id: str, ipc_type: str, payload) -> bytes:
    return json.dumps({"Source": "0", "CompanyId": company_id, "IPCType": ipc_type,
                       ipc_type: payload}, ensure_ascii=False).encode()


class PlatformClient:
    """A platform posting signed batches to ``/ipc/v1`` through Flask's test client."""

    def __init__(self, client, platform: Platform, secret: str):
        self.client, self.company_id, self.secret = client, platform.company_id, secret

    def send(self, ipc_type: str, records: list[dict], *, encoding: str = "json",
             compress: bool = False, **options):
        interface = CATALOGUE[ipc_type]
        if encoding == "json":
            body, kind = envelope_json(self.company_id, ipc_type, records), "application/json"
        else:
            body, kind = ipc.envelope_bytes(self.company_id, interface, records), "application/x-protobuf"
        return self.post(interface.path, body, kind, compress=compress, **options)

    def post(self, path: str, body: bytes, content_type: str, *, compress: bool = False,
             headers: dict | None = None, **signing):
        extra = {}
        if compress:
            body, extra = gzip.compress(body), {"Content-Encoding": "gzip"}
        return self.client.post(path, data=body, headers={
            **self.headers(path, body, content_type, **signing), **extra, **(headers or {})})

    def headers(self, path: str, body: bytes, content_type: str, *,
                timestamp: float | None = None, nonce: str | None = None,
                secret: str | None = None, company_id: str | None = None) -> dict:
        """The headers of a request signed over ``body`` (as sent: compressed if it is)."""
        stamp = str(int(time.time() if timestamp is None else timestamp))
        nonce = nonce or secrets.token_hex(16)
        signed = signature(secret or self.secret, string_to_sign("POST", path, stamp, nonce, body))
        return {"Content-Type": content_type, "X-Company-Id": company_id or self.company_id,
                "X-Timestamp": stamp, "X-Nonce": nonce, "X-Signature": signed}
