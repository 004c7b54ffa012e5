"""Sources (联网联查): every outside fact comes through one, on its mirror or over HTTP.

A source answers named operations (``identity.person``, ``driving_licence.licence``, …) with a
JSON-shaped dict. Two implementations share that contract:

* :class:`MirrorSource` reads the mirror tables (the embedded default and what tests use);
* :class:`HttpSource` asks a department's endpoint ``GET {base_url}/{operation}?{params}``,
  which answers ``200 {"data": …}`` or ``404`` for not found, with a timeout per try, bounded
  retries and a circuit breaker so a department that is down costs nothing after a few tries.

Every operation is registered with :func:`operation`: how its mirror answers it, and the shape
(a marshmallow schema, the fields of the source's import contract) every HTTP answer must have.
An answer that does not fit is a fault like a timeout, logged as ``invalid`` with the hash of
the body received; only a ``404`` means "not found", never ``{"data": null}``.

:func:`ask_all` puts several questions at once: mirror questions are answered in the calling
thread (they are local reads in the request's own transaction), HTTP questions run
concurrently, and everything shares one overall time budget. A question that is not answered
in time, or whose department is down, comes back ``unavailable``; the rules that needed it
become ``unknown`` and the application goes to a person, never to a rejection.
"""

from __future__ import annotations

import base64
import concurrent.futures as futures
import dataclasses
import datetime as dt
import enum
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable

import marshmallow as ma
import requests
import sqlalchemy as sa
from flask import current_app
from uuid6 import uuid7

from backend.audit.chain import append, canonical_hash, chained, key_of
from backend.db import db, utcnow
from backend.verification import imports, models

logger = logging.getLogger(__name__)
QUERY_LOG_COUNTER = "source_queries"


class Status(enum.StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@dataclasses.dataclass(frozen=True)
class Question:
    source: str
    operation: str
    params: dict

    @property
    def key(self) -> str:
        return f"{self.source}.{self.operation}"


@dataclasses.dataclass(frozen=True)
class Answer:
    question: Question
    status: Status
    data: dict | list | None
    query_id: str
    latency_ms: float
    implementation: str
    at: dt.datetime = dataclasses.field(default_factory=utcnow)
    # SHA-256 of a body that did not fit the operation's contract (the answer is unavailable)
    invalid_body_hash: str | None = None

    @property
    def outcome(self) -> str:
        """As the query log records it: ``invalid`` tells a wrong answer from no answer."""
        return "invalid" if self.invalid_body_hash else self.status.value


class SourceUnavailable(Exception):
    """The department did not answer usefully (timeout, error status, circuit open)."""


class AnswerInvalid(SourceUnavailable):
    """The department answered, but not in the shape its contract says: a fault, not a fact."""

    def __init__(self, problems: list[str], body: bytes):
        super().__init__("answer outside the contract: " + ", ".join(problems))
        self.body_hash = hashlib.sha256(body).hexdigest()


# -- mirrors -------------------------------------------------------------------------------

def iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def mirror_rows(table: sa.Table, *names: str, where, order_by=None) -> list[dict]:
    """The named columns of a mirror table's matching rows, as a source answers them: dates and
    times as ISO text. (Plain rows, not objects: nothing here is changed or kept.)"""
    query = sa.select(*(table.c[name] for name in names)).where(where)
    if order_by is not None:
        query = query.order_by(order_by)
    return [{name: iso(value) if isinstance(value, dt.date) else value
             for name, value in row.items()}
            for row in db.session.connection().execute(query).mappings()]


def _first(rows: list[dict]) -> dict | None:
    return rows[0] if rows else None


IDENTITY = models.MirrorIdentity.__table__
POLICE = models.MirrorPoliceRecord.__table__
LICENCES = models.MirrorDrivingLicence.__table__
PERMITS = models.MirrorResidencePermit.__table__


IDENTITY_FIELDS = ("id_number", "name", "sex", "birth_date", "hukou_region", "card_valid_until",
                   "card_reported_lost")
POLICE_FIELDS = ("category", "recorded_on")
LICENCE_FIELDS = ("licence_class", "first_issued_on", "status", "valid_until", "cycles")
PERMIT_FIELDS = ("city_code", "valid_until")


def _identity_answer(person: dict | None) -> dict | None:
    if person is not None:
        person["card_valid_until"] = person["card_valid_until"] or "长期"
    return person


def _identity_person(id_number: str):
    return _identity_answer(_first(mirror_rows(IDENTITY, *IDENTITY_FIELDS,
                                               where=IDENTITY.c.id_number == id_number)))


def _identity_photo(id_number: str):
    rows = mirror_rows(IDENTITY, "photo", where=(IDENTITY.c.id_number == id_number)
                       & IDENTITY.c.photo.is_not(None))
    return {"photo": base64.b64encode(rows[0]["photo"]).decode()} if rows else None


def photo_of(answer: Answer) -> bytes | None:
    """The JPEG of a found ``identity.photo`` answer (its shape was checked on the way in)."""
    if answer.status != Status.FOUND:
        return None
    return base64.b64decode(answer.data["photo"])


def _police_records(id_number: str):
    return mirror_rows(POLICE, *POLICE_FIELDS, where=POLICE.c.id_number == id_number,
                       order_by=POLICE.c.recorded_on)


def _driving_licence(id_number: str):
    return _first(mirror_rows(LICENCES, *LICENCE_FIELDS, where=LICENCES.c.id_number == id_number))


def _residence_permit(id_number: str):
    return _first(mirror_rows(PERMITS, *PERMIT_FIELDS, where=PERMITS.c.id_number == id_number))


# -- the same questions for many people at once (``ask_many``) ---------------------------------

BATCH_SIZE = 500  # ID numbers (plates) per statement


def mirror_rows_by(table: sa.Table, names: tuple[str, ...], values: list[str], *,
                   by: str = "id_number", where=None, order_by=None) -> dict[str, list[dict]]:
    """``mirror_rows`` for many values of the ``by`` column at once (and ``where``), grouped
    by it."""
    grouped: dict[str, list[dict]] = {}
    key = table.c[by]
    for start in range(0, len(values), BATCH_SIZE):
        query = sa.select(key.label("_by"), *(table.c[name] for name in names)).where(
            key.in_(values[start:start + BATCH_SIZE]))
        if where is not None:
            query = query.where(where)
        if order_by is not None:
            query = query.order_by(order_by)
        for row in db.session.connection().execute(query).mappings():
            grouped.setdefault(row["_by"], []).append(
                {name: iso(row[name]) if isinstance(row[name], dt.date) else row[name]
                 for name in names})
    return grouped


def _identity_people(id_numbers: list[str]) -> dict:
    found = mirror_rows_by(IDENTITY, IDENTITY_FIELDS, id_numbers)
    return {n: _identity_answer(_first(found.get(n, []))) for n in id_numbers}


def _police_records_of(id_numbers: list[str]) -> dict:
    found = mirror_rows_by(POLICE, POLICE_FIELDS, id_numbers, order_by=POLICE.c.recorded_on)
    return {n: found.get(n, []) for n in id_numbers}


def _first_of(table: sa.Table, names: tuple[str, ...]):
    def read(id_numbers: list[str]) -> dict:
        found = mirror_rows_by(table, names, id_numbers)
        return {n: _first(found.get(n, [])) for n in id_numbers}

    return read


# operation key -> mirror reader, and -> the schema of its answers (filled by ``operation``);
# -> the reader of many questions at once, for the operations that have one
MIRROR_OPERATIONS: dict[str, Callable[..., dict | list | None]] = {}
ANSWER_SCHEMAS: dict[str, ma.Schema] = {}
MIRROR_BATCHES: dict[str, Callable[[list[str]], dict]] = {}


# source -> the department that holds it, as a person reads it (Chinese, English)
DEPARTMENTS: dict[str, tuple[str, str]] = {}


def operation(key: str, mirror: Callable[..., dict | list | None], answer: ma.Schema, *,
              department: tuple[str, str],
              batch: Callable[[list[str]], dict] | None = None) -> None:
    """Register source operation ``key``: how its mirror answers it, the shape an answer must
    have (a mirror's rows were checked by the import contract on their way in), and the
    department a person is told about when it does not answer (never the source's code). With
    ``batch``, its mirror also answers many questions of one parameter at once (values → the
    answer ``mirror`` gives for each), for ``ask_many``."""
    MIRROR_OPERATIONS[key] = mirror
    ANSWER_SCHEMAS[key] = answer
    DEPARTMENTS[key.split(".")[0]] = department
    if batch is not None:
        MIRROR_BATCHES[key] = batch


def department_of(key: str) -> tuple[str, str]:
    """The department holding source operation ``key`` (``police_records.records``)."""
    return DEPARTMENTS.get(key.split(".")[0], ("相关部门", "a department"))


def _without_id_number(schema: type[ma.Schema], *, many: bool = False) -> ma.Schema:
    """An import record less the ID number the question was asked by."""
    return schema(exclude=("id_number",), many=many)


operation("identity.person", _identity_person, imports.IdentityImport(),
          department=("公安机关（人口信息）", "the police (population register)"),
          batch=_identity_people)
operation("identity.photo", _identity_photo, imports.PhotoAnswer(),
          department=("公安机关（人口信息）", "the police (population register)"))
operation("police_records.records", _police_records,
          _without_id_number(imports.PoliceRecordImport, many=True),
          department=("公安机关（违法犯罪记录）", "the police (criminal records)"),
          batch=_police_records_of)
operation("driving_licence.licence", _driving_licence,
          _without_id_number(imports.DrivingLicenceImport),
          department=("公安交管部门（驾驶证）", "the traffic police (driving licences)"),
          batch=_first_of(LICENCES, LICENCE_FIELDS))
operation("residence_permit.permit", _residence_permit,
          _without_id_number(imports.ResidencePermitImport),
          department=("公安机关（居住证）", "the police (residence permits)"),
          batch=_first_of(PERMITS, PERMIT_FIELDS))


def answer_data(key: str, body: bytes):
    """The data of an HTTP answer ``{"data": …}`` when it has the operation's shape; otherwise
    :class:`AnswerInvalid` naming the bad fields (never their values: personal data)."""
    try:
        envelope = json.loads(body)
    except ValueError:
        raise AnswerInvalid(["(not JSON)"], body) from None
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise AnswerInvalid(["(no data)"], body)
    if envelope["data"] is None:  # only a 404 says "not found"
        raise AnswerInvalid(["data (null)"], body)
    if errors := ANSWER_SCHEMAS[key].validate(envelope["data"]):
        raise AnswerInvalid([f"data.{field}" for field, _ in imports.flatten_errors(errors)], body)
    return envelope["data"]


class MirrorSource:
    implementation = "mirror"

    def __init__(self, name: str):
        self.name = name

    def ask(self, question: Question):
        return MIRROR_OPERATIONS[question.key](**question.params)


# -- HTTP ------------------------------------------------------------------------------------

class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; lets one trial through after ``cooldown``."""

    def __init__(self, threshold: int = 3, cooldown: float = 30.0):
        self.threshold, self.cooldown = threshold, cooldown
        self._failures, self._opened_at = 0, None
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            if self._opened_at is None:
                return True
            if time.monotonic() - self._opened_at >= self.cooldown:
                self._opened_at = None  # half-open: the next call is the trial
                self._failures = self.threshold - 1
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._failures, self._opened_at = 0, None

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.threshold:
                self._opened_at = time.monotonic()

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None


class HttpSource:
    implementation = "http"

    def __init__(self, name: str, base_url: str, *, timeout: float = 1.0, retries: int = 1,
                 breaker: CircuitBreaker | None = None, session: requests.Session | None = None):
        self.name, self.base_url = name, base_url.rstrip("/")
        self.timeout, self.retries = timeout, retries
        self.breaker = breaker or CircuitBreaker()
        self.http = session or requests.Session()

    def ask(self, question: Question):
        if not self.breaker.allow():
            raise SourceUnavailable(f"{self.name}: circuit open")
        url = f"{self.base_url}/{question.operation}"
        last_error = None
        for _attempt in range(1 + self.retries):
            try:
                response = self.http.get(url, params=question.params, timeout=self.timeout)
            except requests.RequestException as error:
                last_error = error
                continue
            if response.status_code == 404:
                self.breaker.succeeded()
                return None
            if response.status_code == 200:
                return self._accepted(question, response.content)
            last_error = SourceUnavailable(f"HTTP {response.status_code}")
        self.breaker.failed()
        raise SourceUnavailable(f"{self.name}: {last_error}")

    def _accepted(self, question: Question, body: bytes):
        """The answer's data when the body fits the contract. A body that does not is not
        asked again (the department would say the same) and counts against the breaker."""
        try:
            data = answer_data(question.key, body)
        except AnswerInvalid as invalid:
            self.breaker.failed()
            logger.warning("source %s, operation %s: %s", self.name, question.operation, invalid)
            raise
        self.breaker.succeeded()
        return data


# -- the registry of configured sources ------------------------------------------------------

def configured_source(name: str):
    """The source ``name`` as this app is configured: HTTP when ``SOURCE_URLS`` names it."""
    registry = current_app.extensions.setdefault("sources", {})
    if name not in registry:
        url = current_app.config["SOURCE_URLS"].get(name)
        if url:
            registry[name] = HttpSource(
                name, url, timeout=current_app.config["SOURCE_TIMEOUT_SECONDS"],
                retries=current_app.config["SOURCE_RETRIES"],
                breaker=CircuitBreaker(current_app.config["SOURCE_BREAKER_THRESHOLD"],
                                       current_app.config["SOURCE_BREAKER_COOLDOWN_SECONDS"]))
        else:
            registry[name] = MirrorSource(name)
    return registry[name]


_pool = futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="source")


def _timed(source, question: Question):
    """(status, data, latency in ms, hash of a body outside the contract or None)"""
    started = time.perf_counter()
    invalid = None
    try:
        data = source.ask(question)
        status = Status.NOT_FOUND if data is None else Status.FOUND
    except SourceUnavailable as fault:
        data, status = None, Status.UNAVAILABLE
        invalid = getattr(fault, "body_hash", None)
    return status, data, (time.perf_counter() - started) * 1000, invalid


def ask(questions: Iterable[Question], *, budget: float | None = None) -> dict[str, Answer]:
    """Ask every question within one overall time budget; answers keyed by operation key.

    Nothing is written: ``log`` records the answers once it is known what they were for."""
    budget = budget if budget is not None else current_app.config["SOURCE_BUDGET_SECONDS"]
    deadline = time.monotonic() + budget
    results, pending = {}, {}
    for question in questions:
        source = configured_source(question.source)
        if isinstance(source, HttpSource):
            pending[question.key] = (question, source, _pool.submit(_timed, source, question))
        else:
            results[question.key] = (question, source, _timed(source, question))
    for key, (question, source, future) in pending.items():
        try:
            outcome = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except futures.TimeoutError:
            outcome = (Status.UNAVAILABLE, None, budget * 1000, None)
        results[key] = (question, source, outcome)
    return {key: Answer(question, status, data, str(uuid7()), round(latency_ms, 3),
                        source.implementation, invalid_body_hash=invalid)
            for key, (question, source, (status, data, latency_ms, invalid)) in results.items()}


def ask_many(question_sets: list[list[Question]], *,
             budget: float | None = None) -> list[dict[str, Answer]]:
    """``ask`` for many subjects at once (the regular re-check of every holder): the answers
    of each set of questions, in order. A mirror operation with a batch reader answers all the
    subjects' questions in one read per ``BATCH_SIZE`` (each answer's latency is its share of
    it); every other question is asked as ``ask`` asks it, subject by subject."""
    batched: dict[str, list[tuple[int, Question]]] = {}
    rest: list[list[Question]] = [[] for _ in question_sets]
    for index, questions in enumerate(question_sets):
        for question in questions:
            if _batchable(question):
                batched.setdefault(question.key, []).append((index, question))
            else:
                rest[index].append(question)
    answers = [ask(questions, budget=budget) if questions else {} for questions in rest]
    for key, items in batched.items():
        for index, answer in _asked_together(key, items):
            answers[index][key] = answer
    return answers


def _batchable(question: Question) -> bool:
    return (question.key in MIRROR_BATCHES and len(question.params) == 1
            and isinstance(configured_source(question.source), MirrorSource))


def _asked_together(key: str, items: list[tuple[int, Question]]):
    (name,) = items[0][1].params
    started = time.perf_counter()
    found = MIRROR_BATCHES[key]([question.params[name] for _, question in items])
    share = round((time.perf_counter() - started) * 1000 / len(items), 3)
    for index, question in items:
        data = found[question.params[name]]
        status = Status.NOT_FOUND if data is None else Status.FOUND
        yield index, Answer(question, status, data, str(uuid7()), share, MirrorSource.implementation)


def ask_all(questions: Iterable[Question], *, requester: str, purpose: str,
            budget: float | None = None) -> dict[str, Answer]:
    """``ask``, and log every answer at once."""
    answers = ask(questions, budget=budget)
    log(answers.values(), requester=requester, purpose=purpose)
    return answers


_digest_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # (made once)


def _digest(value) -> str:
    return hashlib.sha256(_digest_json(value).encode()).hexdigest()


def query_hash(row: models.SourceQuery) -> str:
    return canonical_hash({
        "id": row.id, "query_id": row.query_id, "at": row.at.isoformat(),
        "requester": row.requester, "purpose": row.purpose, "source": row.source,
        "operation": row.operation, "implementation": row.implementation,
        "request_hash": row.request_hash, "response_hash": row.response_hash,
        "latency_ms": row.latency_ms, "outcome": row.outcome, "prev_hash": row.prev_hash,
    })


def _purpose_known(row: models.SourceQuery) -> None:
    row.purpose = str(key_of(row.purpose))


chained(models.SourceQuery, QUERY_LOG_COUNTER, query_hash, resolve=_purpose_known)


def log(answers: Iterable[Answer], *, requester: str, purpose: object) -> None:
    """Add the answers to the query log (numbered and chained when the transaction commits).
    ``purpose`` may be the application they were asked for, numbered or not yet."""
    session = db.session()
    for answer in answers:
        question = answer.question
        append(session, models.SourceQuery(
            query_id=answer.query_id, at=answer.at, requester=requester, purpose=purpose,
            source=question.source, operation=question.operation,
            implementation=answer.implementation, request_hash=_digest(question.params),
            response_hash=_response_hash(answer), latency_ms=answer.latency_ms,
            outcome=answer.outcome))


def _response_hash(answer: Answer) -> str | None:
    """The digest of the data answered; of the raw body for an answer outside the contract."""
    if answer.status == Status.UNAVAILABLE:
        return answer.invalid_body_hash
    return _digest(answer.data)
