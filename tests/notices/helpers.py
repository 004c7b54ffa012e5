"""Test helpers for notices: holders with certificates, the platforms serving them (base
information as the intake stores it), and a platform's callback: a real HTTP server on
loopback that records what it is sent and can be down, failing or up."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import itertools
import json
import socket
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind
from backend.db import db
from backend.identity.models import Person
from backend.supervision.models import BaseRecord
from tests.factories import id_number
from tests.supervision.platforms import licensed_platform

_plates = itertools.count(10001)


def holder(name: str = "陈测试") -> Person:
    person = Person(id_number=id_number(), name=name, phone="13800000000")
    db.session.add(person)
    db.session.flush()
    return person


def driver_certificate(person: Person | None = None, *, platform_code: str | None = None,
                       valid_until: dt.date = dt.date(2031, 1, 1)) -> Certificate:
    person = person or holder()
    certificate = certificates.issue(
        kind=Kind.DRIVER, number=person.id_number, holder=person, actor="test",
        valid_from=dt.date(2025, 1, 1), valid_until=valid_until, platform_code=platform_code)
    db.session.flush()
    return certificate


def transport_certificate(platform_code: str | None, *, plate: str | None = None,
                          valid_until: dt.date = dt.date(2031, 1, 1)) -> Certificate:
    plate = plate or f"闽D{next(_plates)}"
    certificate = certificates.issue(
        kind=Kind.TRANSPORT, number=f"闽交运管许可厦字350200{next(_plates):06d}号", holder=holder(),
        actor="test", valid_from=dt.date(2025, 1, 1), valid_until=valid_until, plate=plate,
        valid_plate=plate, platform_code=platform_code)
    db.session.flush()
    return certificate


def serves(platform, *, driver: str | None = None, plate: str | None = None,
           deleted: bool = False) -> None:
    """The platform's base information names the driver (``LicenseId``) or vehicle."""
    interface, key = ("baseInfoDriver", driver) if driver else ("baseInfoVehicle", plate)
    db.session.add(BaseRecord(company_id=platform.company_id, interface=interface,
                              natural_key=key, data={}, update_time=20261201090000,
                              deleted=deleted))
    db.session.flush()


def platform(**options):
    return licensed_platform(**options)


# -- a platform's callback ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Callback:
    """The platform's notice endpoint. ``fail_first[notice event]``: answer 500 that many times
    to notices of that event first (a platform that refuses, then takes them)."""

    def __init__(self, port: int):
        self.port, self.received, self.answers = port, [], []
        self.fail_first: dict[str, int] = {}
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wyc/notices?v=1"

    def start(self) -> None:
        callback = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                notice = json.loads(body)
                event = notice["event"]
                status = 200
                if callback.fail_first.get(event, 0) > 0:
                    callback.fail_first[event] -= 1
                    status = 500
                callback.answers.append((notice["notice_id"], status))
                if status == 200:
                    callback.received.append((dict(self.headers), self.path, body, notice))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def verify_bureau_signature(headers: dict, method: str, path: str, body: bytes,
                            keyset: dict) -> bool:
    """What a platform engineer does with a notice (docs/platform-notices.md)."""
    key = next(k for k in keyset["keys"] if k["kid"] == headers["X-Bureau-Key-Id"])
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "=="))
    message = "\n".join([method, path, headers["X-Bureau-Timestamp"], headers["X-Bureau-Nonce"],
                         hashlib.sha256(body).hexdigest()]).encode()
    signature = base64.urlsafe_b64decode(headers["X-Bureau-Signature"] + "==")
    try:
        public.verify(signature, message)
    except Exception:  # noqa: BLE001  (InvalidSignature)
        return False
    return True
