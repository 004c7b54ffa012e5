"""Generated portraits for demo and test people, clearly marked 演示 (demo): a grey silhouette
on an ID-photo background with 演示 DEMO across it, so nobody takes one for a real photo.

Real people's photos come from the police's population register (the identity source's
``photo``); these stand in for them in the demo data, the tests and the benchmarks.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

from backend.certificates.render import FONT_PATH

WIDTH, HEIGHT = 358, 441  # the ID-card photo's pixels (26 × 32 mm at 350 dpi)
BACKGROUNDS = [(226, 236, 248), (240, 244, 250), (232, 240, 236), (246, 240, 232)]


@functools.lru_cache(maxsize=256)
def demo_portrait(seed: str) -> bytes:
    """A JPEG portrait (about 10 KB) that differs a little with ``seed`` (an ID number)."""
    digest = hashlib.sha256(seed.encode()).digest()
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUNDS[digest[0] % len(BACKGROUNDS)])
    draw = ImageDraw.Draw(image)
    tone = 110 + digest[1] % 60
    head_w, head_h = 120 + digest[2] % 30, 150 + digest[3] % 20
    centre = WIDTH // 2
    draw.ellipse((centre - 150, 300, centre + 150, 560), fill=(tone - 30,) * 3)  # shoulders
    draw.rectangle((centre - 32, 230, centre + 32, 320), fill=(tone,) * 3)  # neck
    draw.ellipse((centre - head_w // 2, 90, centre + head_w // 2, 90 + head_h), fill=(tone,) * 3)
    font = ImageFont.truetype(FONT_PATH, 44)
    small = ImageFont.truetype(FONT_PATH, 22)
    draw.text((centre, 36), "演示 DEMO", font=font, fill=(190, 30, 30), anchor="mm")
    draw.text((centre, HEIGHT - 24), "非真实照片 not a real photo", font=small,
              fill=(190, 30, 30), anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, optimize=True)
    return out.getvalue()


def demo_portrait_base64(seed: str) -> str:
    """As the identity import contract carries it."""
    return base64.b64encode(demo_portrait(seed)).decode()
