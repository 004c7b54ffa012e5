"""``python -m kiosk`` as it runs on a kiosk: real reader, real backend over HTTP. It writes
nothing about the card to disk or to its log; the backend refuses forged, stale and replayed
requests over the wire as well."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from kiosk.client import signed_headers

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state(url: str, screen: str, timeout: float = 10.0) -> dict:
    deadline, state = time.monotonic() + timeout, {"version": -1}
    while time.monotonic() < deadline:
        try:
            state = requests.get(f"{url}api/state", params={"after": state["version"]},
                                 timeout=25).json()
        except requests.RequestException:
            time.sleep(0.1)
            continue
        if state["screen"] == screen:
            return state
    raise AssertionError(f"no {screen} screen; last state {state}")


@pytest.mark.pcsc
def test_the_program_serves_a_visit_and_keeps_no_card_data(backend, data, slot, insert_card, tmp_path):
    device_id, secret = data.device()
    card = data.holder("林不留")
    port = _free_port()
    (tmp_path / "kiosk.toml").write_text(
        f'[server]\nurl = "{backend.url}"\ndevice_id = "{device_id}"\nsecret = "{secret}"\n'
        f'[reader]\nname = "{slot.reader}"\n[ui]\nport = {port}\n', encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", "kiosk.toml", "--log-level", "DEBUG"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _state(url, "waiting")
        placed = insert_card(card)
        holder = _state(url, "holder")
        assert holder["holder"]["name_masked"] == "林*留"
        placed.remove()
        _state(url, "waiting")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=15)[0]
    assert process.returncode == 0, output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.toml"]
    for secret_thing in (card["name"], card["id_number"], card["address"], card["chip_serial"], secret):
        assert secret_thing not in output
    assert "UI at" in output


def test_the_live_backend_refuses_forged_stale_and_replayed_requests(backend, data):
    device_id, secret = data.device()
    url = f"{backend.url}/kiosk/v1/device"

    def get(**signing):
        headers = signed_headers(device_id, signing.pop("secret", secret), "GET", "/kiosk/v1/device",
                                 b"", **signing)
        return requests.get(url, headers=headers, timeout=5)

    assert get(nonce="live-nonce-0001").status_code == 200
    replayed = get(nonce="live-nonce-0001")
    stale = get(timestamp=time.time() - 61)
    forged = get(secret="guessed-secret")
    for response in (replayed, stale, forged):
        assert response.status_code == 401
        assert json.loads(response.text)["code"] == 401
