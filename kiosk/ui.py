"""The local touch UI's server, for Chromium in kiosk mode on the same machine.

``GET /`` is the page, ``GET /static/…`` its CSS and JavaScript, ``GET /api/state?after=N``
long-polls the visit's state (answers as soon as its version passes ``N``), and
``POST /api/<command>`` forwards a touch. It listens on loopback only, answers only to its
own host name (no DNS rebinding) and only JSON posts (no cross-site forms), and tells the
browser to store nothing.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kiosk.visit import InvalidCommand, Visit

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
LONG_POLL_SECONDS = 20.0
MAX_BODY = 16 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the page went away mid-answer (a long poll when the browser closes)
        log.exception("UI request failed")


class UiServer:
    def __init__(self, visit: Visit, host: str = "127.0.0.1", port: int = 8765):
        self.visit = visit
        self._files = {f"/static/{path.name}": path for path in STATIC.iterdir()
                       if path.suffix in TYPES}
        self._files["/"] = STATIC / "index.html"
        self._server = _Server((host, port), self._handler_class())
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="kiosk-ui",
                                        kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        ui = self

        class Handler(_Handler):
            server_ui = ui

        return Handler


class _Handler(BaseHTTPRequestHandler):
    server_ui: UiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002  (the base class's name)
        log.debug("ui: " + format, *args)

    def _allowed_host(self) -> bool:
        port = self.server_ui.port
        return self.headers.get("Host", "") in {f"127.0.0.1:{port}", f"localhost:{port}",
                                                f"{self.server_ui.host}:{port}"}

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False, default=str).encode(),
                   "application/json; charset=utf-8")

    def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
        if not self._allowed_host():
            return self._json(HTTPStatus.MISDIRECTED_REQUEST, {"error": "wrong host"})
        url = urlsplit(self.path)
        if url.path == "/api/state":
            after = parse_qs(url.query).get("after", ["-1"])[0]
            after = int(after) if after.lstrip("-").isdigit() else -1
            return self._json(HTTPStatus.OK, self.server_ui.visit.wait(after, LONG_POLL_SECONDS))
        path = self.server_ui._files.get(url.path)
        if path is None:
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        self._send(HTTPStatus.OK, path.read_bytes(), TYPES[path.suffix])

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True  # the unread body must not become the next request
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})
        raw = self.rfile.read(length)
        url = urlsplit(self.path)
        if not self._allowed_host() or not url.path.startswith("/api/"):
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "JSON only"})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "malformed JSON"})
        visit = self.server_ui.visit
        try:
            visit.command(url.path.removeprefix("/api/"), body if isinstance(body, dict) else {})
        except InvalidCommand as error:
            return self._json(HTTPStatus.CONFLICT, {"error": str(error), **visit.snapshot()})
        self._json(HTTPStatus.OK, visit.snapshot())
