"""A small local HTTP server standing in for a department's endpoint in tests.

It answers ``GET /<operation>?id_number=…`` from a dict, and can be told to fail, to be
slow, to answer out of its contract (``bodies``: whole bodies sent as they are with a 200), or
to stop altogether — the situations the HTTP source client must survive.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def body_bytes(body) -> bytes:
    """A body as the stub sends it: bytes as they are, anything else as JSON."""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


class StubDepartment:
    def __init__(self):
        self.records: dict[tuple[str, str], object] = {}
        self.bodies: dict[tuple[str, str], object] = {}
        self.delay = 0.0
        self.status = 200
        self.requests = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                stub.requests += 1
                if stub.delay:
                    time.sleep(stub.delay)
                url = urlsplit(self.path)
                key = (url.path.strip("/"), parse_qs(url.query).get("id_number", [""])[0])
                if stub.status != 200:
                    return self._send(stub.status, {"error": "department failure"})
                if key in stub.bodies:
                    return self._send(200, stub.bodies[key])
                if key not in stub.records:
                    return self._send(404, {"error": "not found"})
                return self._send(200, {"data": stub.records[key]})

            def _send(self, status, body):
                payload = body_bytes(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StubDepartment:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
