"""A stream of plate reads as the city's cameras would send it (``flask enforcement simulate``):
fixed cameras at the airport, the railway stations and busy streets, and patrol cars driving
between them, reading licensed 网约车 (the register's plates), private cars (made-up plates,
blue for petrol, green for new energy) and, at ``illegal_share``, cars that operate without a
permit: plates in a platform's feed without a certificate in force, read where and when the
feed had them (the demo's feed is yesterday's, so those reads carry yesterday's times).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import string
import time
from dataclasses import dataclass

import sqlalchemy as sa

from backend.certificates.models import Certificate, Status
from backend.db import db
from backend.enforcement import mqtt
from backend.supervision import events

BEIJING = dt.timezone(dt.timedelta(hours=8))
# (camera, name, lat, lon): fixed sites; patrol cars move between these.
FIXED = [("XMAIR-T3-01", "高崎国际机场T3", 24.5370, 118.1332),
         ("XMAIR-T4-01", "高崎国际机场T4", 24.5441, 118.1405),
         ("XMSTN-01", "厦门站", 24.4686, 118.1163),
         ("XMNORTH-01", "厦门北站", 24.6368, 118.0733),
         ("ZSL-01", "中山路步行街", 24.4563, 118.0815),
         ("SWCP-01", "软件园二期", 24.4920, 118.1859)]
PATROLS = ["PATROL-01", "PATROL-02", "PATROL-03"]


@dataclass(frozen=True)
class Sighting:
    """A feed position of an unlicensed plate: where and when a camera may have seen it."""

    plate: str
    at: dt.datetime
    lat: float
    lon: float


def licensed_plates() -> list[str]:
    return list(db.session.scalars(sa.select(Certificate.plate).where(
        Certificate.valid_plate.is_not(None), Certificate.status == Status.VALID)))


def unlicensed_sightings(limit: int = 5000) -> list[Sighting]:
    """Positions from the last two days' feed of plates with no certificate in force now."""
    licensed = set(licensed_plates())
    since = dt.datetime.now(BEIJING).date() - dt.timedelta(days=2)
    rows = events.query(
        "SELECT VehicleNo, event_time, Latitude, Longitude FROM positionVehicle_raw "
        "WHERE day >= ? USING SAMPLE 20000 ROWS", [since])
    found = [Sighting(r["VehicleNo"], r["event_time"].replace(tzinfo=BEIJING),
                      r["Latitude"] / 1e6, r["Longitude"] / 1e6)
             for r in rows if r["VehicleNo"] not in licensed]
    return found[:limit]


class Stream:
    """Reads to publish, made one at a time."""

    def __init__(self, licensed: list[str], sightings: list[Sighting], *, cameras: int,
                 illegal_share: float, seed: int) -> None:
        self.random = random.Random(seed)
        self.licensed, self.sightings = licensed, sightings
        self.illegal_share = illegal_share if sightings else 0.0
        fixed = FIXED[:max(1, cameras - min(len(PATROLS), cameras // 3))]
        self.cameras = [(camera, lat, lon) for camera, _, lat, lon in fixed]
        self.cameras += [(patrol, *FIXED[i % len(FIXED)][2:])
                         for i, patrol in enumerate(PATROLS[:cameras - len(fixed)])]

    def next(self, now: dt.datetime) -> tuple[str, bytes]:
        camera, lat, lon = self.random.choice(self.cameras)
        roll = self.random.random()
        if roll < self.illegal_share:
            seen = self.random.choice(self.sightings)
            plate, colour, now, lat, lon = seen.plate, "green", seen.at, seen.lat, seen.lon
        elif roll < self.illegal_share + 0.35 and self.licensed:
            plate, colour = self.random.choice(self.licensed), "green"
        else:
            plate, colour = self._private_plate()
        if camera.startswith("PATROL"):
            lat, lon = lat + self.random.uniform(-0.01, 0.01), lon + self.random.uniform(-0.01, 0.01)
        body = {"plate": plate, "colour": colour,
                "seen_at": now.astimezone(BEIJING).isoformat(timespec="milliseconds"),
                "camera": camera, "lat": round(lat, 6), "lon": round(lon, 6),
                "image_ref": f"https://evidence.example/{camera}/{now:%Y%m%d}/"
                             f"{self.random.getrandbits(48):012x}.jpg"}
        return f"cameras/{camera}/plates", json.dumps(body, ensure_ascii=False).encode()

    def _private_plate(self) -> tuple[str, str]:
        letters = string.ascii_uppercase.replace("I", "").replace("O", "")
        if self.random.random() < 0.3:  # new energy: 闽D + D (electric) or F + 5 digits
            digits = "".join(self.random.choices(string.digits, k=5))
            return f"闽D{self.random.choice('DF')}{digits}", "green"
        tail = self.random.choice(letters) + "".join(self.random.choices(string.digits, k=4))
        return f"闽{self.random.choice('DDDDAC')}{tail}", "blue"


def publish(broker: mqtt.Broker, stream: Stream, count: int, rate: float | None,
            client_id: str = "wyc-camera-simulator") -> int:
    """Publish ``count`` reads with QoS 1 at ``rate`` a second (None: as fast as the broker
    takes them); returns how many the broker acknowledged."""
    client = mqtt.client(broker, client_id)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    mqtt.connect(client, broker)
    client.loop_start()
    sent, started = [], time.monotonic()
    try:
        for n in range(count):
            if rate:
                delay = started + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            topic, payload = stream.next(dt.datetime.now(dt.UTC))
            sent.append(client.publish(topic, payload, qos=1))
        for info in sent:
            info.wait_for_publish(timeout=60)
    finally:
        client.disconnect()
        client.loop_stop()
    return sum(1 for info in sent if info.is_published())
