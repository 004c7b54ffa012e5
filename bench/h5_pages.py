"""Benchmark: what the citizen's H5 pages weigh and how long the server takes to make them.

Run from the repository root (the demo data on a throw-away SQLite file)::

    python bench/h5_pages.py            # 50 requests per page
    python bench/h5_pages.py -n 200

It prints, for each page a driver opens (signed in as the demo driver 演示林持证, who holds a
certificate): the bytes of the HTML, gzipped bytes, and the median and 90th-percentile time the
app takes to answer in-process (no network: the server's own share of a slow phone's wait).
Then the first view's weight (entry page, stylesheet and script), and the QR code on the
certificate page two ways: as drawn (one SVG path of horizontal runs of dark modules) and the
straightforward way (one ``<rect>`` per dark module), plain and gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = ["/h5/", "/h5/home", "/h5/matters/driver-cert-renew", "/h5/applications",
         "{application}", "/h5/certificates", "{certificate}", "/h5/tickets", "/h5/plate?plate=闽DD10013",
         "/h5/platforms"]


def build_app(directory: str):
    import flask_migrate

    os.environ["INSTANCE_PATH"] = directory
    from backend import create_app
    from backend.db import db
    from backend.demo import load_demo_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.sqlite3",
                      "LOAD_DEMO_DATA": True, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(revision="head")
        load_demo_data()
        db.session.commit()
    return app


def signed_in_client(app):
    from backend.demo import DEMO_DRIVERS

    name, number = next((d[0], d[1]) for d in DEMO_DRIVERS if d[0] == "演示林持证")
    client = app.test_client()
    page = client.get("/h5/dev").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/h5/dev", data={"csrf_token": token, "name": name, "id_number": number})
    assert response.status_code == 303, response.status_code
    return client


def resolve(client, path: str) -> str:
    if path == "{application}":
        html = client.get("/h5/applications").get_data(as_text=True)
        return re.search(r'href="(/h5/applications/XM-WYC-[^"]+)"', html).group(1)
    if path == "{certificate}":
        html = client.get("/h5/certificates").get_data(as_text=True)
        return re.search(r'href="(/h5/certificates/\d+)"', html).group(1)
    return path


def measure(client, path: str, runs: int) -> tuple[int, int, float, float]:
    times, body = [], b""
    for _ in range(runs):
        started = time.perf_counter()
        with client.get(path) as response:
            body = response.data
            assert response.status_code == 200, (path, response.status_code)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return len(body), len(gzip.compress(body)), statistics.median(times), times[int(len(times) * .9)]


def qr_ways(app, client, path: str) -> None:
    from backend.certificates.qr import QUIET_ZONE, qr_modules

    html = client.get(path).get_data(as_text=True)
    drawn = re.search(r"<svg class=\"qr\".*?</svg>", html).group(0)
    with app.app_context():
        from backend.certificates import operations
        from backend.certificates.models import Certificate
        from backend.db import db

        certificate = db.session.get(Certificate, int(path.rsplit("/", 1)[1]))
        modules = qr_modules(operations.qr_text(certificate))
    side = len(modules) + 2 * QUIET_ZONE
    rects = "".join(f'<rect x="{x + QUIET_ZONE}" y="{y + QUIET_ZONE}" width="1" height="1"/>'
                    for y, row in enumerate(modules) for x, dark in enumerate(row) if dark)
    naive = f'<svg viewBox="0 0 {side} {side}"><rect width="{side}" height="{side}" fill="#fff"/>{rects}</svg>'
    print(f"\nQR code ({len(modules)}×{len(modules)} modules) on the certificate page:")
    for label, svg in (("runs as one path (as drawn)", drawn), ("one <rect> per module (naive)", naive)):
        print(f"  {label:32} {len(svg):7,} B   gzipped {len(gzip.compress(svg.encode())):6,} B")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app = build_app(directory)
        client = signed_in_client(app)
        print(f"python {platform.python_version()}, {os.cpu_count()} cores, {args.runs} requests a page\n")
        print(f"{'page':42} {'HTML':>8} {'gzip':>7} {'median':>8} {'p90':>8}")
        for raw in PAGES:
            path = resolve(client, raw)
            size, zipped, median, p90 = measure(client, path, args.runs)
            shown = raw if raw.startswith("/") else raw.strip("{}") + " page"
            print(f"{shown:42} {size:7,}B {zipped:6,}B {median:6.1f}ms {p90:6.1f}ms")
        first = [measure(client, p, 1)[0] for p in ("/h5/", "/static/h5.css", "/static/h5.js")]
        print(f"\nfirst view (entry page + h5.css + h5.js): {sum(first):,} B "
              f"({' + '.join(f'{b:,}' for b in first)}), limit 100,000 B")
        qr_ways(app, client, resolve(client, "{certificate}"))


if __name__ == "__main__":
    main()
