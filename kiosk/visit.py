"""One visit at a time: the kiosk's screens, driven by the reader and by touches.

The reader thread reports card events, the UI server forwards touches, and backend calls run
on a small worker pool so neither of them waits on the network. Everything the card said is
held in memory only, for the current visit; a removed card, a finished visit or an idle
timeout forgets it. Each change bumps ``version``; the UI long-polls :meth:`Visit.wait`.

Screens::

    waiting → reading → holder → confirm → submitting → result → rating → finished
                 ↘ problem (a plain message and a way forward)      card removed → waiting
    out_of_service (no reader, or the backend refuses this kiosk)
"""

from __future__ import annotations

import concurrent.futures
import enum
import logging
import threading
import time
import uuid
from collections.abc import Callable

from kiosk.client import BackendRefused, BackendUnavailable, KioskClient
from kiosk.masking import mask_id_number, mask_name

log = logging.getLogger(__name__)


class Screen(enum.StrEnum):
    OUT_OF_SERVICE = "out_of_service"
    WAITING = "waiting"
    READING = "reading"
    HOLDER = "holder"
    CONFIRM = "confirm"
    SUBMITTING = "submitting"
    RESULT = "result"
    RATING = "rating"
    FINISHED = "finished"
    PROBLEM = "problem"


#: Screens that wait for the citizen: left alone for ``idle_timeout`` they reset the visit.
IDLE_SCREENS = {Screen.HOLDER, Screen.CONFIRM, Screen.RESULT, Screen.RATING, Screen.PROBLEM}
#: Screens on which a removed card means the visit was cut short.
IN_VISIT = IDLE_SCREENS | {Screen.READING, Screen.SUBMITTING}
#: Why a reissue (补发) is asked for, as the backend takes it.
REISSUE_REASONS = ("lost", "damaged")

# (Chinese, English) for what the kiosk itself has to say; the backend's refusals come with
# their own messages and are shown as they are.
MESSAGES = {
    "removed_early": ("身份证拿开得太早，未能读完。请重新放置身份证，并保持不动直到读取完成。",
                      "The card was taken away before it could be read. Please place it again and "
                      "keep it still until reading is complete."),
    "unreadable": ("无法读取这张卡。请确认放置的是本人的第二代居民身份证，取下后重新平放在读卡区。",
                   "This card cannot be read. Make sure it is your own second-generation resident "
                   "ID card, then take it off and place it flat on the reader again."),
    "backend_down": ("暂时无法连接政务服务系统，您的信息未提交。请点“重试”，或稍后再来。",
                     "The service cannot be reached right now, and nothing was submitted. Tap "
                     "“Try again”, or come back later."),
    "backend_down_apply": ("暂时无法连接政务服务系统，办理结果未知。请点“重试”：同一笔办理不会重复提交。",
                           "The service cannot be reached right now, so the outcome is unknown. "
                           "Tap “Try again”: the same request is never applied twice."),
    "backend_down_rating": ("评价暂未提交成功。请点“重试”，或跳过评价。",
                            "Your rating was not sent. Tap “Try again”, or skip the rating."),
    "no_reader": ("读卡器未连接，本终端暂停服务。请联系现场工作人员。",
                  "The card reader is not connected, so this kiosk is out of service. Please ask "
                  "the staff on site."),
    "device_refused": ("本终端暂时无法办理业务，请联系现场工作人员。",
                       "This kiosk cannot serve right now. Please ask the staff on site."),
    "card_taken": ("您已取走身份证，本次办理已结束。如需继续办理，请重新放置身份证。",
                   "You have taken your ID card, so this visit has ended. Place it again to "
                   "continue."),
    "timeout": ("长时间未操作，本次办理已结束，您的信息已清除。请取走身份证。",
                "No activity for a while: this visit has ended and your details were cleared. "
                "Please take your ID card."),
    "done": ("办理结束，请取走您的身份证。", "All done. Please take your ID card."),
    "rated": ("感谢您的评价！请取走您的身份证。", "Thank you for your rating! Please take your ID card."),
}


def _flatten(errors: dict, prefix: str = "") -> set[str]:
    """``{"mailing_address": {"phone": [...]}}`` → ``{"mailing_address.phone"}``."""
    names = set()
    for key, value in errors.items():
        name = f"{prefix}{key}"
        names |= _flatten(value, f"{name}.") if isinstance(value, dict) else {name}
    return names


class InvalidCommand(Exception):
    """A touch that does not fit the current screen (a double tap, a stale page)."""


def _message(kind: str, **extra) -> dict:
    zh, en = MESSAGES[kind]
    return {"kind": kind, "message": zh, "message_en": en, **extra}


class Visit:
    """The kiosk's state. Thread-safe; every public method may be called from any thread."""

    def __init__(self, client: KioskClient, *, idle_timeout: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.idle_timeout = idle_timeout
        self.clock = clock
        #: Set by the UI to have the reader thread read the card in the reader again.
        self.reread = threading.Event()
        self._changed = threading.Condition()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2,
                                                           thread_name_prefix="kiosk-backend")
        self._version = 0
        self._run_id = uuid.uuid4().hex[:8]  # lets the page tell a restarted program apart
        self._visit = 0
        self._closed = False
        self._screen = Screen.WAITING
        self._notice: dict | None = None
        self._last_touch = clock()
        self._forget()

    # -- state and its view ------------------------------------------------------------------

    def _forget(self) -> None:
        """Drop everything about the card and its holder."""
        self._card: dict | None = None
        self._session: dict | None = None
        self._choice: dict | None = None
        self._application: dict | None = None
        self._problem: dict | None = None
        self._finished: dict | None = None

    def _show(self, screen: Screen) -> None:
        """Switch screens (lock held) and wake the UI's long polls."""
        self._screen = screen
        self._last_touch = self.clock()
        self._version += 1
        self._changed.notify_all()

    @property
    def screen(self) -> Screen:
        return self._screen

    @property
    def device_refused(self) -> bool:
        """Out of service because the backend refuses this kiosk (disabled, wrong secret)."""
        return self._screen == Screen.OUT_OF_SERVICE and self._problem["kind"] == "device_refused"

    def snapshot(self) -> dict:
        with self._changed:
            return self._view()

    def wait(self, after: int, timeout: float) -> dict:
        """The state once its version is past ``after`` (or after ``timeout`` seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self._version > after or self._closed, timeout)
            return self._view()

    def _view(self) -> dict:
        session = self._session or {}
        return {
            "run": self._run_id, "version": self._version, "screen": self._screen.value,
            "idle_timeout": self.idle_timeout, "notice": self._notice,
            "problem": self._problem, "finished": self._finished,
            "preview": self._preview(), "holder": session.get("holder"),
            "certificates": session.get("certificates", []),
            "matters": session.get("matters", []),
            "choice": self._choice, "application": self._application,
        }

    def _preview(self) -> dict | None:
        if not self._card:
            return None
        # (a foreigner's card may have no Chinese name: its English one is shown instead)
        name = self._card.get("name") or self._card.get("name_en")
        return {"name_masked": mask_name(name),
                "id_number_masked": mask_id_number(self._card.get("id_number"))}

    # -- the reader's events -------------------------------------------------------------------

    def reader_ready(self) -> None:
        with self._changed:
            if self._screen == Screen.OUT_OF_SERVICE and self._problem["kind"] == "no_reader":
                self._problem = None
                self._show(Screen.WAITING)

    def reader_unavailable(self) -> None:
        with self._changed:
            if self._screen == Screen.OUT_OF_SERVICE:
                return
            log.warning("card reader unavailable: out of service")
            self._end_backend_session("card_removed")
            self._forget()
            self._problem = _message("no_reader")
            self._show(Screen.OUT_OF_SERVICE)

    def card_inserted(self) -> None:
        with self._changed:
            if self._screen == Screen.OUT_OF_SERVICE:
                return
            self._visit += 1
            self._forget()
            self._notice = None
            self._show(Screen.READING)

    def card_read(self, card: dict) -> None:
        """The decoded card (``IdentityRecord.to_json_dict()``): verify it with the backend."""
        with self._changed:
            if self._screen != Screen.READING:
                return
            self._card = card
            self._show(Screen.READING)
            self._start_session()

    def read_failed(self, kind: str) -> None:
        """``removed`` (taken away mid-read) or ``unreadable``."""
        with self._changed:
            if self._screen != Screen.READING:
                return
            log.info("card read failed: %s", kind)
            if kind == "removed":
                self._notice = _message("removed_early")
                self._show(Screen.WAITING)
            else:
                self._problem = _message("unreadable", actions=["reread"])
                self._show(Screen.PROBLEM)

    def card_removed(self) -> None:
        with self._changed:
            if self._screen in (Screen.WAITING, Screen.OUT_OF_SERVICE):
                return
            if self._screen in IN_VISIT and self._session:
                self._notice = _message("card_taken")
            self._end_backend_session("card_removed")
            self._visit += 1
            self._forget()
            self._show(Screen.WAITING)

    # -- the citizen's touches -------------------------------------------------------------------

    def command(self, name: str, body: dict) -> None:
        """Run a UI command (``touch``, ``choose``, ``back``, ``confirm``, …)."""
        handler = self._COMMANDS.get(name)
        if handler is None:
            raise InvalidCommand(f"unknown command {name!r}")
        with self._changed:
            self._last_touch = self.clock()
            handler(self, body)

    def _require(self, *screens: Screen) -> None:
        if self._screen not in screens:
            raise InvalidCommand(f"not on the {self._screen.value} screen")

    def _touch(self, _body: dict) -> None:
        pass  # the idle clock was reset by command()

    def _choose(self, body: dict) -> None:
        self._require(Screen.HOLDER)
        matter = next((m for m in self._session["matters"]
                       if m["code"] == body.get("matter") and m["available"]), None)
        if matter is None:
            raise InvalidCommand("that matter cannot be chosen")
        self._choice = {"matter": matter["code"], "name": matter["name"],
                        "name_en": matter["name_en"],
                        "needs_mailing_address": matter["needs_mailing_address"],
                        "mailing_address": dict(self._session.get("mailing_address") or {}),
                        "transaction_id": uuid.uuid4().hex}
        self._show(Screen.CONFIRM)

    def _back(self, _body: dict) -> None:
        self._require(Screen.CONFIRM, Screen.PROBLEM)
        if self._screen == Screen.PROBLEM and "back" not in self._problem.get("actions", []):
            raise InvalidCommand("nothing to go back to")
        self._problem, self._choice = None, None
        self._show(Screen.HOLDER)

    def _confirm(self, body: dict) -> None:
        self._require(Screen.CONFIRM)
        self._choice.pop("error", None)
        if self._choice["needs_mailing_address"]:
            address = body.get("mailing_address") or {}
            self._choice["mailing_address"] = {key: str(address.get(key, "")).strip() for key in
                                               ("recipient", "phone", "region_code", "detail")}
        if body.get("reason") in REISSUE_REASONS:  # (a reissue says why: lost or damaged)
            self._choice["reason"] = body["reason"]
        self._submit()

    def _to_rating(self, _body: dict) -> None:
        self._require(Screen.RESULT)
        self._show(Screen.RATING)

    def _rate(self, body: dict) -> None:
        self._require(Screen.RATING)
        level = body.get("level")
        if level not in (1, 2, 3, 4, 5):
            raise InvalidCommand("level must be 1-5")
        comment = str(body.get("comment") or "").strip()[:500] or None
        self._problem = None
        self._show(Screen.SUBMITTING)
        self._run(self._send_rating, self._session["id"], self._application["number"],
                  level, comment)

    def _skip(self, _body: dict) -> None:
        self._require(Screen.RATING, Screen.PROBLEM)
        self._finish("done")

    def _finish_command(self, _body: dict) -> None:
        self._require(Screen.HOLDER, Screen.RESULT, Screen.PROBLEM)
        self._finish("done")

    def _retry(self, _body: dict) -> None:
        self._require(Screen.PROBLEM)
        retry = (self._problem or {}).get("retry")
        if retry == "session":
            self._problem = None
            self._show(Screen.READING)
            self._start_session()
        elif retry == "apply":
            self._submit()
        elif retry == "rating":
            self._problem = None
            self._show(Screen.RATING)
        else:
            raise InvalidCommand("nothing to retry")

    def _reread(self, _body: dict) -> None:
        self._require(Screen.PROBLEM, Screen.FINISHED)
        self.reread.set()

    _COMMANDS = {"touch": _touch, "choose": _choose, "back": _back, "confirm": _confirm,
                 "to_rating": _to_rating, "rate": _rate, "skip_rating": _skip,
                 "finish": _finish_command, "retry": _retry, "reread": _reread}

    # -- idle timeout ----------------------------------------------------------------------------

    def tick(self) -> None:
        """Called about every quarter second: reset a visit left alone too long."""
        with self._changed:
            if (self._screen in IDLE_SCREENS
                    and self.clock() - self._last_touch >= self.idle_timeout):
                log.info("visit idle for %.0f s: reset", self.idle_timeout)
                self._finish("timeout")

    def _finish(self, kind: str) -> None:
        self._end_backend_session("timeout" if kind == "timeout" else "done")
        self._visit += 1
        self._forget()
        self._finished = _message(kind)
        self._show(Screen.FINISHED)

    # -- backend calls (on the worker pool) ------------------------------------------------------

    def _run(self, call: Callable, *args) -> None:
        """Run ``call(visit_id, *args)`` on the pool; it reports back under the lock."""
        if not self._closed:
            self._pool.submit(self._guarded, call, self._visit, *args)

    def _guarded(self, call: Callable, visit: int, *args) -> None:
        try:
            call(visit, *args)
        except Exception:  # a worker must never die silently: show the plain failure
            log.exception("kiosk worker failed")
            with self._changed:
                if visit == self._visit and self._screen in (Screen.READING, Screen.SUBMITTING):
                    self._problem = _message("backend_down", actions=["finish"])
                    self._show(Screen.PROBLEM)

    def _current(self, visit: int) -> bool:
        return visit == self._visit and not self._closed

    def _start_session(self) -> None:
        self._run(self._open_session, dict(self._card))

    def _open_session(self, visit: int, card: dict) -> None:
        try:
            session = self.client.start_session(card)
        except BackendUnavailable as error:
            log.warning("backend unavailable on session start: %s", error)
            return self._report(visit, _message("backend_down", retry="session",
                                                actions=["retry"]))
        except BackendRefused as refusal:
            log.info("card session refused: HTTP %s %s", refusal.status, refusal.reason)
            return self._report(visit, self._refusal(refusal, retry="session"))
        with self._changed:
            if not self._current(visit) or self._screen != Screen.READING:
                self._pool.submit(self._quietly_end, session["id"], "card_removed")
                return
            self._session = session
            self._show(Screen.HOLDER)

    def _submit(self) -> None:
        self._problem = None
        self._show(Screen.SUBMITTING)
        choice = self._choice
        address = choice["mailing_address"] if choice["needs_mailing_address"] else None
        # The kiosk asks for one phone number, the recipient's; a mobile one is also the
        # applicant's contact number (driver-cert-issue asks for it).
        phone = (address or {}).get("phone", "")
        phone = phone if len(phone) == 11 and phone.startswith("1") and phone.isdigit() else None
        self._run(self._send_application, self._session["id"], choice["matter"],
                  choice["transaction_id"], address, phone, choice.get("reason"))

    def _send_application(self, visit: int, session_id: str, matter: str, transaction_id: str,
                          address: dict | None, phone: str | None, reason: str | None) -> None:
        try:
            application = self.client.apply(session_id, matter, transaction_id,
                                            mailing_address=address, phone=phone, reason=reason)
        except BackendUnavailable as error:
            log.warning("backend unavailable on apply: %s", error)
            return self._report(visit, _message("backend_down_apply", retry="apply",
                                                actions=["retry", "finish"]))
        except BackendRefused as refusal:
            log.info("application refused: HTTP %s", refusal.status)
            if refusal.status == 422:
                return self._correct(visit, refusal)
            return self._report(visit, self._refusal(refusal, retry="apply"))
        log.info("application %s: %s", application.get("number"), application.get("status"))
        with self._changed:
            if self._current(visit):
                self._application = application
                self._show(Screen.RESULT)

    def _send_rating(self, visit: int, session_id: str, number: str, level: int,
                     comment: str | None) -> None:
        try:
            self.client.rate(session_id, number, level, comment)
        except BackendUnavailable:
            return self._report(visit, _message("backend_down_rating", retry="rating",
                                                actions=["retry", "skip_rating"]))
        except BackendRefused as refusal:
            if refusal.status != 409:  # 409: rated already (a retry after a lost answer)
                return self._report(visit, self._refusal(refusal, retry="rating"))
        with self._changed:
            if self._current(visit):
                self._finish("rated")

    def _refusal(self, refusal: BackendRefused, *, retry: str) -> dict:
        """The backend's own message, and what the citizen can do next."""
        problem = {"kind": "refused", "reason": refusal.reason, "message": refusal.message,
                   "message_en": refusal.message_en}
        if refusal.status == 401:
            problem.update(_message("device_refused"))
        elif refusal.retryable:
            problem.update(retry=retry, actions=["retry", "finish"] if self._session else ["retry"])
        elif self._session and refusal.status != 410:
            problem["actions"] = ["back", "finish"]
        return problem

    def _correct(self, visit: int, refusal: BackendRefused) -> None:
        """Back to the confirm screen with what to correct (the address, usually)."""
        fields = (refusal.body.get("errors") or {}).get("json", {})
        with self._changed:
            if self._current(visit):
                self._choice["error"] = {"message": refusal.message,
                                         "message_en": refusal.message_en,
                                         "fields": sorted(_flatten(fields))}
                self._show(Screen.CONFIRM)

    def _report(self, visit: int, problem: dict) -> None:
        with self._changed:
            if not self._current(visit):
                return
            if problem["kind"] == "device_refused":
                self._end_backend_session("done")
                self._forget()
                self._problem = problem
                self._show(Screen.OUT_OF_SERVICE)
            else:
                self._problem = problem
                self._show(Screen.PROBLEM)

    def _end_backend_session(self, reason: str) -> None:
        if self._session:
            self._run_detached(self._quietly_end, self._session["id"], reason)

    def _run_detached(self, call: Callable, *args) -> None:
        if not self._closed:
            self._pool.submit(call, *args)

    def _quietly_end(self, session_id: str, reason: str) -> None:
        """Best effort: an unended session expires on the backend by itself."""
        try:
            self.client.end_session(session_id, reason)
        except (BackendUnavailable, BackendRefused) as error:
            log.info("could not end session: %s", error)

    # -- the backend's view of this kiosk --------------------------------------------------------

    def check_device(self) -> bool:
        """Ask the backend whether it accepts this kiosk; out of service while it does not."""
        try:
            self.client.device()
        except BackendRefused as refusal:
            if refusal.status == 401:
                with self._changed:
                    if self._screen in (Screen.WAITING, Screen.OUT_OF_SERVICE):
                        self._problem = _message("device_refused")
                        self._show(Screen.OUT_OF_SERVICE)
                log.error("the backend refuses this kiosk: %s", refusal.message_en)
                return False
        except BackendUnavailable:
            return True  # a visit will say so if it is still down then
        with self._changed:
            if self._screen == Screen.OUT_OF_SERVICE and self._problem["kind"] == "device_refused":
                self._problem = None
                self._show(Screen.WAITING)
        return True

    def close(self) -> None:
        """End any open session (best effort) and stop the workers."""
        with self._changed:
            self._end_backend_session("done")
            self._forget()
            self._closed = True
            self._changed.notify_all()
        self._pool.shutdown(wait=True)
