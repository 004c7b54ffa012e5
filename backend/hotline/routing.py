"""Routing rules and time limits, kept as data (``routing.json`` beside this module, or the file
``HOTLINE_ROUTING_FILE`` names): which unit, platform or agent handles a ticket, and in how many
working days it must be acknowledged, handled and replied to.

The file is checked when the app starts: a rule naming an unknown unit, kind or subject, or a
kind without time limits, refuses the start with the reason.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from flask import current_app

from backend.hotline.models import Assignee, Kind, Subject

DEFAULT_FILE = Path(__file__).with_name("routing.json")
STAGES = ("acknowledge", "handle", "reply")


@dataclasses.dataclass(frozen=True)
class Unit:
    code: str
    name: str
    name_en: str
    head: str | None  # the staff username told of escalations


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    kinds: frozenset[Kind]  # empty: any
    subjects: frozenset[Subject]  # empty: any
    needs_platform: bool  # matches only when the ticket names the platform of the ride
    to: Assignee
    unit: str | None
    reopen_to: str | None  # the unit a reopened ticket goes to (default: the same)

    def matches(self, kind: Kind, subject: Subject, platform: str | None) -> bool:
        return ((not self.kinds or kind in self.kinds)
                and (not self.subjects or subject in self.subjects)
                and (platform is not None or not self.needs_platform))


@dataclasses.dataclass(frozen=True)
class Route:
    rule: str
    assignee_kind: Assignee
    assignee: str | None


@dataclasses.dataclass(frozen=True)
class Routing:
    units: dict[str, Unit]
    limits: dict[Kind, dict[str, int]]
    max_reopens: int
    rules: tuple[Rule, ...]

    def route(self, kind: Kind, subject: Subject, platform: str | None) -> Route:
        for rule in self.rules:
            if rule.matches(kind, subject, platform):
                if rule.to == Assignee.PLATFORM:
                    return Route(rule.id, Assignee.PLATFORM, platform)
                return Route(rule.id, rule.to, rule.unit)
        raise LookupError(f"no routing rule matches a {kind} about {subject}")

    def reopened(self, rule_id: str, current: Route) -> Route:
        """Where a reopened ticket goes: the rule's ``reopen_to`` unit, or back where it was."""
        rule = next(r for r in self.rules if r.id == rule_id)
        if rule.reopen_to:
            return Route(rule.id, Assignee.UNIT, rule.reopen_to)
        return current


class RoutingError(ValueError):
    pass


def parse(data: dict) -> Routing:
    """Check and build the routing from the file's JSON; the first problem is raised."""
    try:
        units = {u["code"]: Unit(u["code"], u["name"], u["name_en"], u.get("head"))
                 for u in data["units"]}
        limits = {}
        for kind in Kind:
            stages = data["limits"][kind.value]
            if any(not isinstance(stages[s], int) or stages[s] < 0 for s in STAGES):
                raise RoutingError(f"limits.{kind}: working days must be whole numbers ≥ 0")
            if not stages["acknowledge"] <= stages["handle"] <= stages["reply"]:
                raise RoutingError(f"limits.{kind}: acknowledge ≤ handle ≤ reply")
            limits[kind] = {s: stages[s] for s in STAGES}
        rules = tuple(_rule(raw, units) for raw in data["rules"])
        max_reopens = data.get("max_reopens", 1)
    except KeyError as missing:
        raise RoutingError(f"missing {missing}") from None
    except (TypeError, ValueError) as error:
        raise RoutingError(str(error)) from None
    if not isinstance(max_reopens, int) or max_reopens < 0:
        raise RoutingError("max_reopens: a whole number ≥ 0")
    if not rules or rules[-1].kinds or rules[-1].subjects or rules[-1].needs_platform:
        raise RoutingError("the last rule must match every ticket (no kinds, no subjects)")
    return Routing(units, limits, max_reopens, rules)


def _rule(raw: dict, units: dict[str, Unit]) -> Rule:
    rule = Rule(id=raw["id"], kinds=frozenset(Kind(k) for k in raw.get("kinds", [])),
                subjects=frozenset(Subject(s) for s in raw.get("subjects", [])),
                needs_platform=bool(raw.get("needs_platform", False)), to=Assignee(raw["to"]),
                unit=raw.get("unit"), reopen_to=raw.get("reopen_to"))
    if rule.to == Assignee.UNIT and rule.unit not in units:
        raise RoutingError(f"rule {rule.id}: unknown unit {rule.unit!r}")
    if rule.to == Assignee.PLATFORM and not rule.needs_platform:
        raise RoutingError(f"rule {rule.id}: routing to a platform needs needs_platform")
    if rule.reopen_to is not None and rule.reopen_to not in units:
        raise RoutingError(f"rule {rule.id}: unknown unit {rule.reopen_to!r} in reopen_to")
    return rule


def init_app(app) -> None:
    from backend.config import ConfigurationError

    path = app.config.get("HOTLINE_ROUTING_FILE") or DEFAULT_FILE
    try:
        app.extensions["hotline_routing"] = parse(json.loads(Path(path).read_text("utf-8")))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"HOTLINE_ROUTING_FILE ({path}): {error}") from None


def routing() -> Routing:
    return current_app.extensions["hotline_routing"]
