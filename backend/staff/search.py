"""Finding a person's applications, certificates and mailing items from what staff have at hand.

A clerk has somebody at the counter or on the phone: an ID number, a name, a plate, a phone
number, or part of a number (an application's, a certificate's, a tracking number). What the
query is decides where it is looked for; what a role may see decides which of the three lists
are searched (``SCOPES``). Every search is audited, with the query masked as in any log.
"""

from __future__ import annotations

import dataclasses
import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from backend.audit.operations import record
from backend.certificates.models import Certificate
from backend.common.masking import mask_id_number, mask_name, mask_personal_data
from backend.db import db
from backend.errors import ApiError
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Person
from backend.licensing.models import Application
from backend.mailing.models import MailingItem
from backend.staff.models import Role
from backend.vehicles.plates import InvalidPlate, normalise_plate

LIMIT = 50
#: What each role may search: applications, certificates, mailing items.
SCOPES: dict[Role, frozenset[str]] = {
    Role.CLERK: frozenset({"applications", "certificates", "mailing"}),
    Role.EXAMINER: frozenset({"applications"}),
    Role.MAILROOM: frozenset({"mailing"}),
}
KIND_NAMES = {"id_number": ("身份证号码", "ID number"), "plate": ("车牌号码", "plate"),
              "phone": ("电话号码", "phone number"), "name": ("姓名", "name"),
              "number": ("编号（部分）", "part of a number")}
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
_NAME = re.compile(r"[\u3400-\u9fff·]{1,20}")
_NUMBER = re.compile(r"[0-9A-Za-z-]{3,40}")


@dataclasses.dataclass
class Found:
    kind: str
    applications: list[Application] = dataclasses.field(default_factory=list)
    certificates: list[Certificate] = dataclasses.field(default_factory=list)
    mailing: list[MailingItem] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.applications) + len(self.certificates) + len(self.mailing)


def scopes_of(user) -> frozenset[str]:
    if user.role == Role.ADMIN:
        return frozenset().union(*SCOPES.values())
    return SCOPES.get(user.role, frozenset())


def kind_of(query: str) -> tuple[str, str]:
    """What the query is, and its normalised form; 422 for something none of them."""
    text = query.strip()
    if len(text) == 18 and text[:17].isdigit():
        try:
            return "id_number", validate_id_number(text)
        except InvalidIdNumber as error:
            raise ApiError(422, f"身份证号码有误：{error.message}", f"The ID number is wrong: "
                                f"{error.message_en}") from None
    try:
        return "plate", normalise_plate(text)
    except InvalidPlate:
        pass
    compact = text.replace(" ", "")
    if _PHONE.fullmatch(compact):
        return "phone", compact
    if _NAME.fullmatch(text):
        return "name", text
    if _NUMBER.fullmatch(text):
        return "number", text.upper()
    raise ApiError(422, "请输入身份证号码、姓名、车牌号码、电话号码或编号的一部分（至少 3 位）。",
                   "Enter an ID number, a name, a plate, a phone number or at least 3 "
                   "characters of a number.")


def search(query: str, scopes: frozenset[str], *, actor: str) -> Found:
    """Look the query up in ``scopes`` (a role's), and audit the search."""
    kind, value = kind_of(query)
    found = Found(kind)
    if "applications" in scopes:
        found.applications = _applications(kind, value)
    if "certificates" in scopes:
        found.certificates = _certificates(kind, value)
    if "mailing" in scopes:
        found.mailing = _mailing(kind, value)
    record(actor, "console.search", "search", kind, after={
        "query": _masked(kind, value), "kind": kind, "scopes": sorted(scopes),
        "found": {"applications": len(found.applications), "certificates": len(found.certificates),
                  "mailing": len(found.mailing)}})
    return found


def _masked(kind: str, value: str) -> str:
    if kind == "id_number":
        return mask_id_number(value)
    if kind == "name":
        return mask_name(value)
    return mask_personal_data(value)


def _contains(column, value: str):
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _people(kind: str, value: str):
    """The ids of the people a personal query names (None: not a personal query)."""
    if kind == "id_number":
        return sa.select(Person.id).where(Person.id_number == value)
    if kind == "name":
        return sa.select(Person.id).where(Person.name == value)
    if kind == "phone":
        return sa.select(Person.id).where(Person.phone == value)
    return None


def _applications(kind: str, value: str) -> list[Application]:
    query = sa.select(Application).options(selectinload(Application.applicant))
    people = _people(kind, value)
    if kind == "phone":
        query = query.where(sa.or_(Application.applicant_id.in_(people), Application.phone == value))
    elif people is not None:
        query = query.where(Application.applicant_id.in_(people))
    elif kind == "plate":
        certificates = sa.select(Certificate.id).where(Certificate.plate == value)
        query = query.where(sa.or_(Application.inputs["plate"].as_string() == value,
                                   Application.certificate_id.in_(certificates)))
    else:
        query = query.where(_contains(Application.number, value))
    return list(db.session.scalars(query.order_by(Application.id.desc()).limit(LIMIT)))


def _certificates(kind: str, value: str) -> list[Certificate]:
    query = sa.select(Certificate).options(selectinload(Certificate.holder))
    people = _people(kind, value)
    if kind == "name":
        query = query.where(sa.or_(Certificate.holder_id.in_(people), Certificate.holder_name == value))
    elif people is not None:
        query = query.where(Certificate.holder_id.in_(people))
    elif kind == "plate":
        query = query.where(Certificate.plate == value)
    else:
        query = query.where(_contains(Certificate.number, value))
    return list(db.session.scalars(query.order_by(Certificate.id.desc()).limit(LIMIT)))


def _mailing(kind: str, value: str) -> list[MailingItem]:
    query = sa.select(MailingItem).options(selectinload(MailingItem.application),
                                           selectinload(MailingItem.certificate))
    people = _people(kind, value)
    of_people = MailingItem.application_id.in_(
        sa.select(Application.id).where(Application.applicant_id.in_(people))) \
        if people is not None else None
    if kind == "name":
        query = query.where(sa.or_(of_people, MailingItem.address["recipient"].as_string() == value))
    elif kind == "phone":
        query = query.where(sa.or_(of_people, MailingItem.address["phone"].as_string() == value))
    elif of_people is not None:
        query = query.where(of_people)
    elif kind == "plate":
        query = query.where(MailingItem.certificate_id.in_(
            sa.select(Certificate.id).where(Certificate.plate == value)))
    else:
        numbers = sa.select(Application.id).where(_contains(Application.number, value))
        matches = [_contains(MailingItem.tracking_number, value),
                   MailingItem.application_id.in_(numbers)]
        if value.isdigit() and len(value) < 10:
            matches.append(MailingItem.id == int(value))
        query = query.where(sa.or_(*matches))
    return list(db.session.scalars(query.order_by(MailingItem.id.desc()).limit(LIMIT)))
