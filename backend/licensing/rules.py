"""Declarative eligibility rules: a registry of small checks over facts from sources.

Each rule has a code (``drv.experience``), a title (``驾龄`` / ``Driving experience``), a legal
basis, the source operations it reads, and a check that returns ``pass`` with what it verified
or ``fail`` with a reason a citizen understands (Chinese and English). When a source it needs
did not answer, the engine makes it ``unknown`` without calling it, naming the department that
could not be asked: a department being down never rejects anybody.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from backend.licensing.models import Outcome
from backend.verification.sources import Answer, Status


@dataclasses.dataclass(frozen=True)
class Context:
    """What a rule may know besides source facts: the day, the settings, the application."""

    today: dt.date
    config: Mapping
    id_number: str
    name: str
    inputs: Mapping = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str | None = None
    reason_en: str | None = None
    facts: dict = dataclasses.field(default_factory=dict)


def passed(verified: str, verified_en: str, **facts) -> Verdict:
    """A pass that says what was verified ("驾驶证准驾车型 C1，有效"), so nobody needs the facts."""
    return Verdict(Outcome.PASS, verified, verified_en, facts)


def failed(reason: str, reason_en: str, **facts) -> Verdict:
    return Verdict(Outcome.FAIL, reason, reason_en, facts)


class Facts:
    """Source answers by operation key, with typed access for rules."""

    def __init__(self, answers: Mapping[str, Answer]):
        self.answers = answers

    def data(self, key: str):
        answer = self.answers[key]
        return answer.data if answer.status == Status.FOUND else None

    def query_ids(self, keys: Iterable[str]) -> list[str]:
        return [self.answers[k].query_id for k in keys if k in self.answers]


@dataclasses.dataclass(frozen=True)
class Rule:
    code: str
    title: str
    title_en: str
    legal_basis: str
    needs: tuple[str, ...]
    check: Callable[[Facts, Context], Verdict]


@dataclasses.dataclass(frozen=True)
class RuleOutcome:
    rule: str
    verdict: Verdict
    query_ids: list[str]


RULES: dict[str, Rule] = {}


def rule(code: str, *, title: tuple[str, str], legal_basis: str, needs: Iterable[str] = ()):
    """Register the decorated check as rule ``code``, titled ``(Chinese, English)``."""

    def register(check: Callable[[Facts, Context], Verdict]):
        RULES[code] = Rule(code, *title, legal_basis, tuple(needs), check)
        return check

    return register


def sources_for(rule_codes: Iterable[str]) -> set[str]:
    return {key for code in rule_codes for key in RULES[code].needs}


def evaluate(rule_codes: Iterable[str], facts: Facts, context: Context) -> list[RuleOutcome]:
    outcomes = []
    for code in rule_codes:
        current = RULES[code]
        silent = [k for k in current.needs if facts.answers[k].status == Status.UNAVAILABLE]
        verdict = _not_asked(silent) if silent else current.check(facts, context)
        outcomes.append(RuleOutcome(code, verdict, facts.query_ids(current.needs)))
    return outcomes


def _not_asked(keys: list[str]) -> Verdict:
    """A check whose department did not answer: which one, and that nothing was decided (what
    happens next is the application's state: review, or nothing when another check failed)."""
    from backend.verification.sources import department_of

    names = dict.fromkeys(department_of(key) for key in keys)
    english = ", ".join(en for _, en in names)
    return Verdict(Outcome.UNKNOWN,
                   f"暂时无法向{'、'.join(zh for zh, _ in names)}核验，此项未能判断，无需您补交材料。",
                   f"{english[:1].upper()}{english[1:]} could not be asked; this "
                   "check was not decided, and nothing more is needed from you.",
                   {"not_answered": sorted({key.split('.')[0] for key in keys})})


def add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary ``years`` later; 29 February falls on 1 March in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
