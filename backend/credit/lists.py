"""Who is on a list at a moment: for licensing's rules, the cameras' plate checks
(``backend.enforcement``) and the public page.

``entry_for(kind, key, at)`` is the entry in force for that subject then (a blacklist entry
before a watch-list one), or None; ``kind`` is a subject kind (``platform``, ``manager``,
``driver``, ``vehicle``) or ``person`` (a driver or manager with that ID number)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from backend.credit.catalogue import ListKind, SubjectKind
from backend.credit.models import ListEntry
from backend.credit.operations import PEOPLE, entries_in_force
from backend.db import db, utcnow
from backend.vehicles.plates import InvalidPlate, normalise_plate


def _kinds(kind: str | SubjectKind) -> frozenset[SubjectKind]:
    return PEOPLE if kind == "person" else frozenset({SubjectKind(kind)})


def _key(kinds: frozenset[SubjectKind], key: str) -> str:
    if kinds == {SubjectKind.VEHICLE}:
        try:
            return normalise_plate(key)
        except InvalidPlate:
            return key
    return key.strip().upper()


def entry_for(kind: str | SubjectKind, key: str, at: dt.datetime | None = None) -> ListEntry | None:
    kinds = _kinds(kind)
    found = entries_in_force(kinds, _key(kinds, key), at)
    return found[0] if found else None


def blacklist_entry(kind: str | SubjectKind, key: str, at: dt.datetime | None = None) -> ListEntry | None:
    """The blacklist entry in force for the subject at ``at`` (now), or None."""
    entry = entry_for(kind, key, at)
    return entry if entry is not None and entry.list_kind == ListKind.BLACK else None


def plate_blacklisted(plate: str) -> bool:
    """Whether the vehicle with ``plate`` (stored form ``闽D12345``) is on the 黑名单 now."""
    now = utcnow()
    return db.session.scalar(sa.select(ListEntry.id).where(
        ListEntry.subject_kind == SubjectKind.VEHICLE, ListEntry.subject_key == plate,
        ListEntry.list_kind == ListKind.BLACK, ListEntry.started_at <= now,
        sa.or_(ListEntry.ended_at.is_(None), ListEntry.ended_at > now)).limit(1)) is not None


def blacklisted_plates() -> set[str]:
    """Plates of vehicles on the 黑名单 now."""
    now = utcnow()
    return set(db.session.scalars(sa.select(ListEntry.subject_key).where(
        ListEntry.subject_kind == SubjectKind.VEHICLE, ListEntry.list_kind == ListKind.BLACK,
        ListEntry.started_at <= now,
        sa.or_(ListEntry.ended_at.is_(None), ListEntry.ended_at > now))))
