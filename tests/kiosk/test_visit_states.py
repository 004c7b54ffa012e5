"""The kiosk's visit logic against a scripted backend: no reader, no browser, no network."""

from __future__ import annotations

import time

import pytest

from kiosk.client import BackendRefused, BackendUnavailable
from kiosk.visit import InvalidCommand, Screen, Visit

CARD = {"card_type": "resident", "name": "林持证", "id_number": "350203198808080133",
        "address": "福建省厦门市思明区", "valid_until": None, "long_term": True, "expired": False}
ADDRESS = {"recipient": "林持证", "phone": "13800000000", "region_code": "350203", "detail": "湖滨南路1号"}
SESSION = {"id": "s-1", "holder": {"name_masked": "林*证", "id_number_masked": "350***********0133"},
           "certificates": [], "mailing_address": ADDRESS,
           "matters": [{"code": "driver-cert-renew", "name": "换发", "name_en": "Renew", "available": True,
                        "needs_mailing_address": True, "reason": None, "reason_en": None},
                       {"code": "driver-cert-reissue", "name": "补发", "name_en": "Reissue", "available": True,
                        "needs_mailing_address": True, "reason": None, "reason_en": None},
                       {"code": "driver-cert-issue", "name": "核发", "name_en": "Issue", "available": False,
                        "needs_mailing_address": True, "reason": "已持证", "reason_en": "Holds one"}]}


class ScriptedBackend:
    """Answers from a script: a value is returned, an exception raised; records every call."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.answers: dict[str, list] = {}

    def script(self, method: str, *answers) -> None:
        self.answers.setdefault(method, []).extend(answers)

    def _answer(self, method: str, *args):
        self.calls.append((method, *args))
        queue = self.answers.get(method) or [{}]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def start_session(self, card):
        return self._answer("start_session", card["id_number"])

    def apply(self, session_id, matter, transaction_id, *, mailing_address=None, phone=None,
              reason=None):
        return self._answer("apply", session_id, matter, transaction_id, phone, reason)

    def rate(self, session_id, number, level, comment=None):
        return self._answer("rate", session_id, number, level, comment)

    def end_session(self, session_id, reason):
        return self._answer("end_session", session_id, reason)

    def device(self):
        return self._answer("device")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def backend():
    scripted = ScriptedBackend()
    scripted.script("start_session", SESSION)
    scripted.script("apply", {"number": "XM-WYC-20261130-000001", "status": "issued"})
    return scripted


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def visit(backend, clock):
    visit = Visit(backend, idle_timeout=60, clock=clock)
    yield visit
    visit.close()


def until(visit: Visit, screen: Screen, timeout: float = 2.0) -> dict:
    deadline = time.monotonic() + timeout
    while visit.screen != screen and time.monotonic() < deadline:
        visit.wait(visit.snapshot()["version"], 0.05)
    assert visit.screen == screen, visit.snapshot()
    return visit.snapshot()


def at_holder(visit: Visit) -> dict:
    visit.card_inserted()
    visit.card_read(dict(CARD))
    return until(visit, Screen.HOLDER)


def test_a_read_card_opens_a_session_and_shows_the_holder(visit):
    state = at_holder(visit)
    assert state["holder"]["name_masked"] == "林*证"
    assert [m["code"] for m in state["matters"] if m["available"]] == ["driver-cert-renew",
                                                                      "driver-cert-reissue"]


def test_a_matter_the_holder_cannot_do_cannot_be_chosen(visit):
    at_holder(visit)
    with pytest.raises(InvalidCommand):
        visit.command("choose", {"matter": "driver-cert-issue"})


def test_removal_while_the_backend_answers_ends_that_session(visit, backend):
    def slow_start(card):
        visit.card_removed()  # the card goes while the request is in flight
        return SESSION

    backend.start_session = slow_start
    visit.card_inserted()
    visit.card_read(dict(CARD))
    until(visit, Screen.WAITING)
    deadline = time.monotonic() + 2
    while ("end_session", "s-1", "card_removed") not in backend.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ("end_session", "s-1", "card_removed") in backend.calls
    assert visit.snapshot()["holder"] is None


def test_a_retried_application_reuses_its_transaction_id(visit, backend):
    at_holder(visit)
    backend.answers["apply"] = [BackendUnavailable("timeout"),
                                {"number": "XM-WYC-20261130-000001", "status": "issued"}]
    visit.command("choose", {"matter": "driver-cert-renew"})
    visit.command("confirm", {"mailing_address": ADDRESS})
    state = until(visit, Screen.PROBLEM)
    assert state["problem"]["actions"] == ["retry", "finish"]
    visit.command("retry", {})
    until(visit, Screen.RESULT)
    first, second = [call for call in backend.calls if call[0] == "apply"]
    assert first[3] == second[3] and len(first[3]) == 32
    assert first[4] == "13800000000"  # the mobile number also goes as the applicant's phone


def test_an_invalid_address_goes_back_to_the_form(visit, backend):
    at_holder(visit)
    backend.answers["apply"] = [BackendRefused(422, {
        "message": "提交的内容有误", "message_en": "Invalid",
        "errors": {"json": {"mailing_address": {"region_code": ["6 digits"]}}}})]
    visit.command("choose", {"matter": "driver-cert-renew"})
    visit.command("confirm", {"mailing_address": {**ADDRESS, "region_code": "35"}})
    state = until(visit, Screen.CONFIRM)
    assert state["choice"]["error"]["fields"] == ["mailing_address.region_code"]


def test_a_refusal_shows_the_backends_message_without_a_retry(visit, backend):
    backend.answers["start_session"] = [BackendRefused(403, {
        "message": "此身份证已挂失", "message_en": "Reported lost", "reason": "reported_lost"})]
    visit.card_inserted()
    visit.card_read(dict(CARD))
    state = until(visit, Screen.PROBLEM)
    assert (state["problem"]["message"], state["problem"]["reason"]) == ("此身份证已挂失", "reported_lost")
    assert not state["problem"].get("actions")
    with pytest.raises(InvalidCommand):
        visit.command("retry", {})


def test_a_rating_already_stored_counts_as_done(visit, backend):
    at_holder(visit)
    backend.answers["rate"] = [BackendRefused(409, {"message": "已评价", "message_en": "Rated"})]
    visit.command("choose", {"matter": "driver-cert-renew"})
    visit.command("confirm", {"mailing_address": ADDRESS})
    until(visit, Screen.RESULT)
    visit.command("to_rating", {})
    visit.command("rate", {"level": 5})
    assert until(visit, Screen.FINISHED)["finished"]["kind"] == "rated"


def test_idle_visit_is_reset_and_forgotten(visit, backend, clock):
    at_holder(visit)
    clock.now += 59
    visit.tick()
    assert visit.screen == Screen.HOLDER
    visit.command("touch", {})
    clock.now += 59
    visit.tick()
    assert visit.screen == Screen.HOLDER
    clock.now += 2
    visit.tick()
    state = until(visit, Screen.FINISHED)
    assert state["finished"]["kind"] == "timeout" and state["holder"] is None
    assert "林持证" not in str(state) and "0133" not in str(state)


def test_a_refused_kiosk_is_out_of_service_until_accepted(visit, backend):
    backend.answers["device"] = [BackendRefused(401, {"message": "终端认证失败", "message_en": "refused"}), {}]
    assert visit.check_device() is False and visit.device_refused
    visit.card_inserted()
    assert visit.screen == Screen.OUT_OF_SERVICE  # cards are ignored meanwhile
    assert visit.check_device() is True and visit.screen == Screen.WAITING


def test_reader_unplugged_and_back(visit):
    visit.reader_unavailable()
    assert visit.snapshot()["problem"]["kind"] == "no_reader"
    visit.reader_ready()
    assert visit.screen == Screen.WAITING


def test_a_foreigners_card_without_a_chinese_name_previews_the_english_one(visit):
    card = {**CARD, "card_type": "foreign_permanent_2023", "name": None, "name_en": "JOHN SMITH",
            "id_number": "91184019800101118X"}
    visit.card_inserted()
    visit.card_read(card)
    state = until(visit, Screen.HOLDER)
    assert state["preview"] == {"name_masked": "J********H",
                                "id_number_masked": "911***********118X"}


def test_a_reissue_sends_the_reason_chosen(visit, backend):
    at_holder(visit)
    visit.command("choose", {"matter": "driver-cert-reissue"})
    visit.command("confirm", {"mailing_address": ADDRESS, "reason": "damaged"})
    until(visit, Screen.RESULT)
    (call,) = [call for call in backend.calls if call[0] == "apply"]
    assert (call[2], call[5]) == ("driver-cert-reissue", "damaged")
