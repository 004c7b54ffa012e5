"""The whole address on the kiosk: the recipient's name and street typed on the on-screen
pinyin keyboard, the region picked by name (never a code), on a 1280 × 1024 kiosk and a
1080 × 1920 portrait one; and the receipt, whose QR code opens the application's progress."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend.db import db
from backend.licensing.models import Application
from tests.kiosk.test_visit import screen, snap

pytestmark = [pytest.mark.pcsc, pytest.mark.browser]

VIEWPORTS = {"landscape-1280x1024": (1280, 1024), "portrait-1080x1920": (1080, 1920)}


@pytest.fixture(params=sorted(VIEWPORTS))
def kiosk_page(request, browser):
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.viewport_name = request.param
    yield page
    context.close()


def fits(page, tmp_path: Path, name: str) -> None:
    """Nothing on the screen needs scrolling, and every control is inside the viewport; the
    screenshot is kept (``KIOSK_SCREENSHOTS``) to look at."""
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot))
    snap(page, f"{name}-{page.viewport_name}")
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    overflow = page.evaluate("(() => { const m = document.querySelector('main');"
                             " return [m.scrollHeight - m.clientHeight, m.scrollWidth - m.clientWidth]; })()")
    assert overflow[0] <= 1 and overflow[1] <= 1, (name, overflow)
    for box in page.eval_on_selector_all(
            "main button:not(.option), main input, main textarea",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [e.textContent || e.dataset.field, r.left, r.top, r.right, r.bottom]; })"):
        label, left, top, right, bottom = box
        assert left >= 0 and top >= 0 and right <= width + 0.5 and bottom <= height + 0.5, (name, box)


def tap_character(page, character: str) -> None:
    """Tap the candidate ``character``, paging through the candidates when needed."""
    candidate = page.locator(f'.candidate[data-char="{character}"]')
    for _ in range(30):
        if candidate.count():
            candidate.click()
            return
        page.click('[data-action="candidates"][data-step="1"]')
    raise AssertionError(f"{character} is not among the candidates")


def type_pinyin(page, text: list[tuple[str, str]]) -> None:
    for letters, character in text:
        for letter in letters:
            page.click(f'.key[data-key="{letter}"]')
        assert page.inner_text("#pinyin") == letters
        tap_character(page, character)


def test_the_visitor_corrects_name_region_and_street_on_screen_and_gets_a_receipt(
        backend, backend_app, data, run_kiosk, insert_card, kiosk_page, tmp_path):
    page = kiosk_page
    card = data.holder("林持证")
    kiosk = run_kiosk(backend.url, data.device())
    page.goto(kiosk.url)
    insert_card(card)
    screen(page, "holder")
    page.click('[data-matter="driver-cert-renew"]')
    screen(page, "confirm")
    fits(page, tmp_path, "confirm-digits")
    assert page.locator("input[data-field=region_code]").count() == 0  # no code to type

    page.click('[data-field="recipient"]')
    page.wait_for_selector(".keyboard")
    page.click('.key[data-key="clear"]')
    type_pinyin(page, [("chen", "陈"), ("xiao", "小"), ("ming", "明")])
    assert page.input_value('[data-field="recipient"]') == "陈小明"
    fits(page, tmp_path, "confirm-keyboard")

    page.click("#region-choice")
    page.wait_for_selector(".regions")
    assert "思明区" in page.inner_text(".regions")  # Xiamen's districts first
    page.click('[data-action="picker_level"][data-level="city"]')
    assert "泉州市" in page.inner_text(".regions")
    fits(page, tmp_path, "confirm-regions")
    page.click('.option[data-code="350200"]')
    page.click('.option[data-code="350206"]')  # 湖里区
    assert page.inner_text("#region-choice") == "福建省厦门市湖里区"

    page.wait_for_selector(".keyboard")  # the street comes next
    page.click('.key[data-key="clear"]')
    type_pinyin(page, [("hu", "湖"), ("li", "里"), ("da", "大"), ("dao", "道")])
    for key in ("8", "8"):
        page.click(f'.key[data-key="{key}"]')
    page.click('.key.quick[data-key="=号"]')
    assert page.input_value('[data-field="detail"]') == "湖里大道88号"

    page.click('[data-action="confirm"]')
    screen(page, "result")
    page.wait_for_selector("#receipt img.qr")
    fits(page, tmp_path, "result-receipt")
    number = page.inner_text("#application-number")

    def stored():
        application = db.session.scalar(sa.select(Application).where(Application.number == number))
        return application.mailing_address

    assert data.run(stored) == {"recipient": "陈小明", "phone": "13800000000",
                                "region_code": "350206", "detail": "湖里大道88号"}

    # the receipt's QR code, as a phone reads it, opens where the application stands
    qr = tmp_path / "qr.png"
    page.locator("#receipt img.qr").screenshot(path=str(qr))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(qr)], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert f"/follow/{number}?t=" in decoded
    path = decoded[decoded.index("/follow/"):]
    progress = backend_app.test_client().get(path)
    assert progress.status_code == 200
    text = progress.get_data(as_text=True)
    assert number in text and "已办结" in text and "林持证" not in text
