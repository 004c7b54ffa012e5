"""From a police alert's arrival to the verification answering ``suspended``, over HTTP.

    python bench/alerts.py [--alerts 200] [--clients 4] [--workers 2] [--no-baseline]
                           [--database-url URL]

It builds a fresh instance as ``bench/decisions.py`` does (SQLite under a temporary
INSTANCE_PATH, demo data, benchmark drivers 压测… who each hold a driver certificate), gives the
service a police key (``POLICE_ALERT_KEY_FILE``), starts gunicorn as ``make run`` does, and has
several clients each take a driver, sign an alert about them (ES256, as the police system
does), ``POST /hooks/v1/police-alerts`` and then ``GET /api/v1/verify/<token>`` of the
driver's QR code until it answers ``suspended``. The time from sending the alert to that answer
is one measurement. The same load is then put on Flask's built-in threaded server (one
process) for comparison. Prints alerts/s and p50/p95/p99 of arrival → ``suspended``; the
requirement is p95 under 1 s.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from decisions import (  # noqa: E402  (the shared instance and server helpers)
    database,
    database_label,
    environment,
    free_port,
    machine,
    postgres_url,
    prepare_instance,
    start_server,
    token,
)

AUDIENCE = "xm-wyc-police-alerts"


def tokens_of(base: str, people) -> list[tuple[str, str]]:
    """Each driver's ID number and the token of their certificate's QR code."""
    out = []
    for number, name in people:
        items = requests.get(f"{base}/api/v1/certificates", headers=token(base, number, name),
                             timeout=10).json()["items"]
        out.append((number, items[0]["verification_url"].rsplit("/v/", 1)[1]))
    return out


def measure(base: str, key, drivers: list[tuple[str, str]], clients: int) -> dict:
    work: queue.Queue = queue.Queue()
    for driver in drivers:
        work.put(driver)
    latencies, polls, lock = [], [], threading.Lock()

    def client():
        session = requests.Session()
        while True:
            try:
                number, qr_token = work.get_nowait()
            except queue.Empty:
                return
            body = jwt.encode({"reference": f"BENCH-{uuid.uuid4().hex}", "id_number": number,
                               "category": "drug_use", "recorded_on": "2026-11-01",
                               "detail": "压测", "aud": AUDIENCE, "iat": int(time.time())},
                              key, algorithm="ES256")
            started = time.perf_counter()
            response = session.post(f"{base}/hooks/v1/police-alerts", data=body, timeout=30,
                                    headers={"Content-Type": "application/jose"})
            assert response.status_code == 201, response.text
            tries = 0
            while True:
                tries += 1
                answer = session.get(f"{base}/api/v1/verify/{qr_token}", timeout=30).json()
                if answer["status"] == "suspended":
                    break
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                polls.append(tries)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {"n": len(latencies), "per_second": len(latencies) / elapsed, "p50": cuts[49],
            "p95": cuts[94], "p99": cuts[98], "max": max(latencies),
            "polls": max(polls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--database-url", metavar="URL")
    args = parser.parse_args()
    if args.database_url:
        args.database_url = postgres_url(args.database_url)
    print(f"machine: {machine()}")
    print(f"database: {database_label(args.database_url)}")
    key = ec.generate_private_key(ec.SECP256R1())
    for server in ["gunicorn"] + ([] if args.no_baseline else ["flask-builtin"]):
        with (tempfile.TemporaryDirectory(prefix="wyc-bench-", ignore_cleanup_errors=True) as instance,
              database(args.database_url) as database_url):
            env = environment(Path(instance), database_url)
            pem = Path(instance) / "police-public.pem"
            pem.write_bytes(key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
            env["POLICE_ALERT_KEY_FILE"] = str(pem)
            people = prepare_instance(env, 1, args.alerts)[0]  # (one pool of as many drivers)
            port = free_port()
            process = start_server(server, env, port, args.workers, 1)
            try:
                base = f"http://127.0.0.1:{port}"
                result = measure(base, key, tokens_of(base, people), args.clients)
            finally:
                process.terminate()
                process.wait(timeout=10)
        label = (f"gunicorn sync {args.workers}w" if server == "gunicorn"
                 else "flask built-in server (threaded, 1 process)")
        print(f"{label:44} {result['per_second']:6.1f} alerts/s  arrival -> suspended: "
              f"p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
              f"p99 {result['p99']:6.1f} ms  max {result['max']:6.1f} ms  "
              f"({result['n']} alerts, {args.clients} clients, verify polled at most "
              f"{result['polls']}x)")
    print(json.dumps({"requirement": "p95 < 1000 ms"}))


if __name__ == "__main__":
    main()
