"""A walk-in visit end to end: a virtual ID card through vpcd and pcscd, the kiosk program
against the live backend, and its touch UI clicked in headless Chromium."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend.certificates.models import Certificate, Status
from backend.db import db
from backend.devices.models import KioskSession, SessionEnd
from backend.identity.operations import person_by_id_number
from backend.licensing.models import Application
from backend.ratings.models import ServiceRating
from tests.devices.kiosks import CARD_ADDRESS
from tests.drivers.helpers import ADDRESS
from tests.kiosk.conftest import LiveBackend

pytestmark = [pytest.mark.pcsc, pytest.mark.browser]


def screen(page, name: str) -> None:
    page.wait_for_selector(f'body[data-screen="{name}"]')


def snap(page, name: str) -> None:
    """Save a screenshot when ``KIOSK_SCREENSHOTS`` names a folder (to look at the screens)."""
    if folder := os.environ.get("KIOSK_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def eventually(check, timeout: float = 5.0):
    """``check()``'s first truthy result (the kiosk ends sessions in the background)."""
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


def test_renewal_visit_from_card_to_rating(backend, data, run_kiosk, insert_card, page):
    device = data.device()
    card = data.holder("林持证")
    kiosk = run_kiosk(backend.url, device)
    page.goto(kiosk.url)
    screen(page, "waiting")
    snap(page, "waiting")
    assert "请将身份证平放在读卡区" in page.inner_text("main")

    placed = insert_card(card)
    screen(page, "holder")
    text = page.inner_text("main")
    assert "林*证" in text and card["id_number"][:3] + "*" * 11 + card["id_number"][-4:] in text
    assert card["id_number"] not in page.content()
    assert "网约车驾驶员证" in text and page.is_disabled('[data-matter="driver-cert-issue"]')
    snap(page, "holder")

    page.click("#lang-switch")
    assert "Hello" in page.inner_text("main")
    snap(page, "holder-en")
    page.click("#lang-switch")

    page.click('[data-matter="driver-cert-renew"]')
    screen(page, "confirm")
    snap(page, "confirm")
    assert page.input_value('[data-field="recipient"]') == ADDRESS["recipient"]  # last used
    page.click('[data-action="confirm"]')
    screen(page, "result")
    number = page.inner_text("#application-number")
    assert "已办结" in page.inner_text("main")
    snap(page, "result")

    page.click('[data-action="to_rating"]')
    screen(page, "rating")
    page.click('[data-level="5"]')
    page.fill('[data-field="comment"]', "很快")
    snap(page, "rating")
    page.click('[data-action="rate"]')
    screen(page, "finished")
    assert "感谢您的评价" in page.inner_text("main")
    snap(page, "finished")

    placed.remove()
    screen(page, "waiting")

    def stored():
        application = db.session.scalar(sa.select(Application).where(Application.number == number))
        new = db.session.get(Certificate, application.certificate_id)
        rating = db.session.scalar(sa.select(ServiceRating).where(
            ServiceRating.application_id == application.id))
        session = db.session.get(KioskSession, rating.session_id)
        return (application.channel.value, new.version, new.previous.status, rating.level,
                rating.comment, session.end_reason, person_by_id_number(card["id_number"]).address)

    assert eventually(lambda: data.run(stored)[5] is not None)
    assert data.run(stored) == ("kiosk", 2, Status.REPLACED, 5, "很快", SessionEnd.DONE,
                                CARD_ADDRESS)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_card_removed_during_the_read_asks_to_place_it_again(backend, data, run_kiosk, insert_card, page):
    from card_reader.virtual import Faults

    kiosk = run_kiosk(backend.url, data.device())
    page.goto(kiosk.url)
    screen(page, "waiting")
    insert_card(data.holder(), faults=Faults(remove_after=2))
    page.wait_for_selector(".notice")
    assert "拿开得太早" in page.inner_text(".notice")
    snap(page, "waiting-removed-early")
    assert page.evaluate("document.body.dataset.screen") == "waiting"


def test_unreadable_card_says_so_and_offers_a_second_read(backend, data, run_kiosk, insert_card, page):
    from card_reader.virtual import Faults, Garbage

    kiosk = run_kiosk(backend.url, data.device())
    page.goto(kiosk.url)
    screen(page, "waiting")
    card = insert_card(data.holder(), faults=Faults(garbage=Garbage.TEXT))
    screen(page, "problem")
    assert "无法读取这张卡" in page.inner_text("main")
    assert page.is_visible('[data-action="reread"]')
    card.remove()
    screen(page, "waiting")


def test_lost_card_is_refused_with_the_backends_message(backend, data, run_kiosk, insert_card, page):
    from tests.drivers.helpers import eligible_records

    identity = {**eligible_records("x", "张挂失")["identity"][0], "card_reported_lost": True}
    card = data.holder("张挂失", certificate=False, identity=[identity])
    kiosk = run_kiosk(backend.url, data.device())
    page.goto(kiosk.url)
    insert_card(card)
    screen(page, "problem")
    snap(page, "problem-lost")
    assert "此身份证已挂失" in page.inner_text("main") and "请取走" in page.inner_text("main")

    def sessions_of_the_holder():
        return _count(KioskSession, KioskSession.person.has(id_number=card["id_number"]))

    assert data.run(sessions_of_the_holder) == 0


def test_backend_down_then_back_never_applies_twice(backend_app, data, run_kiosk, insert_card, page):
    outage = LiveBackend(backend_app)
    outage.start()
    port = outage.port
    outage.stop()  # the kiosk starts while its backend is down
    card = data.holder("林重试")
    kiosk = run_kiosk(f"http://127.0.0.1:{port}", data.device())
    page.goto(kiosk.url)
    insert_card(card)
    screen(page, "problem")
    assert "暂时无法连接" in page.inner_text("main")
    snap(page, "problem-backend")

    outage.start()
    try:
        page.click('[data-action="retry"]')
        screen(page, "holder")
        page.click('[data-matter="driver-cert-renew"]')
        screen(page, "confirm")
        outage.stop()
        page.click('[data-action="confirm"]')
        screen(page, "problem")
        assert "同一笔办理不会重复提交" in page.inner_text("main")
        outage.start()
        page.click('[data-action="retry"]')
        screen(page, "result")
    finally:
        outage.stop()
    renewals = data.run(lambda: _count(Application, Application.matter_code == "driver-cert-renew",
                                       Application.applicant_id == person_by_id_number(card["id_number"]).id))
    assert renewals == 1


def test_idle_timeout_ends_the_visit_and_forgets_the_card(backend, data, run_kiosk, insert_card, page):
    card = data.holder("林发呆")
    kiosk = run_kiosk(backend.url, data.device(), idle_timeout=1.5)
    page.goto(kiosk.url)
    insert_card(card)
    screen(page, "holder")
    screen(page, "finished")
    assert "长时间未操作" in page.inner_text("main")
    snap(page, "finished-timeout")
    state = kiosk.visit.snapshot()
    assert state["holder"] is None and state["preview"] is None
    assert card["id_number"][-4:] not in str(state)

    def ended():
        person = person_by_id_number(card["id_number"])
        session = db.session.scalar(sa.select(KioskSession).where(KioskSession.person_id == person.id))
        return session.end_reason

    assert eventually(lambda: data.run(ended)) == SessionEnd.TIMEOUT


def test_unplugged_reader_puts_the_kiosk_out_of_service(backend, data, run_kiosk, page):
    kiosk = run_kiosk(backend.url, data.device(), reader="No Such Reader")
    page.goto(kiosk.url)
    screen(page, "out_of_service")
    assert "读卡器未连接" in page.inner_text("main")
    snap(page, "out-of-service")


def test_a_holder_no_longer_eligible_sees_the_reasons(backend, data, run_kiosk, insert_card, page):
    import json

    from backend.verification.imports import import_file

    card = data.holder("林酒驾")
    data.run(lambda: import_file("police_records", [json.dumps(
        {"id_number": card["id_number"], "category": "drink_driving", "recorded_on": "2026-01-05"})]))
    kiosk = run_kiosk(backend.url, data.device())
    page.goto(kiosk.url)
    insert_card(card)
    screen(page, "holder")
    page.click('[data-matter="driver-cert-renew"]')
    screen(page, "confirm")
    page.click('[data-action="confirm"]')
    screen(page, "result")
    text = page.inner_text("main")
    assert "不符合办理条件" in text and "原因如下" in text
    assert page.locator(".reasons li").count() == 1
    snap(page, "result-rejected")


def test_a_reissue_at_the_kiosk_asks_why_before_it_is_sent(backend, data, run_kiosk, insert_card,
                                                          page):
    card = data.holder("林补发")
    kiosk = run_kiosk(backend.url, data.device())
    page.goto(kiosk.url)
    screen(page, "waiting")
    insert_card(card)
    screen(page, "holder")
    page.click('[data-matter="driver-cert-reissue"]')
    screen(page, "confirm")
    assert "补发原因" in page.inner_text("main")
    page.click('[data-action="confirm"]')  # no reason chosen: nothing is sent
    assert "请选择补发原因" in page.inner_text("main")
    assert data.run(lambda: _count(Application, Application.matter_code == "driver-cert-reissue")) == 0
    page.click('[data-action="reissue_reason"][data-code="lost"]')
    snap(page, "confirm-reissue")
    page.click('[data-action="confirm"]')
    screen(page, "result")
    number = page.inner_text("#application-number")

    def reason():
        return db.session.scalar(sa.select(Application).where(Application.number == number)).inputs["reason"]

    assert data.run(reason) == "lost"
