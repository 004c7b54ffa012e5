"""The camera message: what a camera publishes on ``cameras/<camera>/plates`` (docs/cameras.md
is the vendor's description of it) and its validation.

    {"plate": "闽DD12345", "colour": "green", "seen_at": "2026-12-06T19:20:31.250+08:00",
     "camera": "XMAIR-T3-01", "lat": 24.5331, "lon": 118.1271, "image_ref": "…"}
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass

from backend.vehicles.plates import InvalidPlate, normalise_plate

TOPIC_FILTER = "cameras/+/plates"
CAMERA_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# 蓝 blue (small cars), 黄 yellow (large), 绿 green (new energy, small), 黄绿 yellow-green (new
# energy, large), 白 white (police, military), 黑 black (foreign, HK/Macau).
COLOURS = frozenset({"blue", "yellow", "green", "yellow_green", "white", "black"})
MAX_PAYLOAD_BYTES = 4096
MAX_AHEAD = dt.timedelta(minutes=5)  # a camera's clock running ahead; further is refused
MAX_AGE = dt.timedelta(days=30)  # a camera that stored its reads while offline sends them later


@dataclass(slots=True)
class Read:
    camera: str
    plate: str
    colour: str
    seen_at: dt.datetime  # aware, UTC
    lat: float
    lon: float
    image_ref: str | None

    @property
    def timestamp(self) -> float:
        return self.seen_at.timestamp()


class BadRead(ValueError):
    """Not a read: the reason, in Chinese and English, is kept with the message."""


def camera_of(topic: str) -> str | None:
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "cameras" and parts[2] == "plates":
        return parts[1]
    return None


def parse(topic: str, payload: bytes, now: dt.datetime) -> Read:
    """The read in a message, or :class:`BadRead`."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadRead(f"消息过大 message larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise BadRead("不是 JSON not JSON") from None
    if not isinstance(body, dict):
        raise BadRead("应为 JSON 对象 not a JSON object")
    camera = body.get("camera")
    if camera != _camera_of(topic):
        raise BadRead("camera 与主题不符 camera does not match the topic cameras/<camera>/plates")
    return Read(camera=camera, plate=_plate(body.get("plate")), colour=_colour(body.get("colour")),
                seen_at=_seen_at(body.get("seen_at"), now), lat=_degrees(body, "lat", 90),
                lon=_degrees(body, "lon", 180), image_ref=_image_ref(body.get("image_ref")))


def _plate(value) -> str:
    try:
        return _normalised(value)
    except (InvalidPlate, TypeError):  # (TypeError: not hashable, so not a string either)
        raise BadRead(f"plate 车牌号码格式不正确 malformed plate {value!r:.40}") from None


# (the same cars pass the same cameras all day: each plate's text is checked once)
_normalised = functools.lru_cache(maxsize=200_000)(normalise_plate)


@functools.lru_cache(maxsize=10_000)
def _camera_of(topic: str) -> str | None:
    """The camera a topic belongs to, if its name is a valid camera id."""
    camera = camera_of(topic)
    return camera if camera is not None and CAMERA_ID.match(camera) else None


def _colour(value) -> str:
    if value not in COLOURS:
        raise BadRead(f"colour 应为 {'/'.join(sorted(COLOURS))} one of those, not {value!r:.20}")
    return value


def _seen_at(value, now: dt.datetime) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRead("seen_at 应为带时区的 ISO 8601 时间 an ISO 8601 time with its offset")
    moment = moment.astimezone(dt.UTC)
    if moment > now + MAX_AHEAD:
        raise BadRead("seen_at 在将来 in the future (check the camera's clock)")
    if moment < now - MAX_AGE:
        raise BadRead("seen_at 超过 30 天 older than 30 days")
    return moment


def _degrees(body: dict, name: str, limit: float) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
        raise BadRead(f"{name} 应为 WGS-84 十进制度数 decimal degrees within ±{limit}")
    return float(value)


def _image_ref(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 300 or not value.isprintable():
        raise BadRead("image_ref 应为不超过 300 字符的可打印字符串 "
                      "printable text of at most 300 characters")
    return value
