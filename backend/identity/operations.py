"""Finding and registering people from what an identity provider or an ID card vouches for."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.operations import record
from backend.db import db
from backend.identity.models import Company, Person

# (built once: every request from the app asks it, and building costs more than running)
BY_ID_NUMBER = sa.select(Person).where(Person.id_number == sa.bindparam("id_number"))


def person_by_id_number(id_number: str) -> Person | None:
    return db.session.scalar(BY_ID_NUMBER, {"id_number": id_number})


def register_or_update(id_number: str, name: str, *, actor: str, address: str | None = None,
                       source: str = "idp") -> Person:
    """The person with this real-name ID number, created on first sight, name and address
    brought up to date from the vouching source (i厦门 login or the ID card itself)."""
    person = person_by_id_number(id_number) or _register(id_number, name, address, actor, source)
    changes = {"name": name} if person.name != name else {}
    if address and person.address != address:
        changes["address"] = address
    if changes:
        before = {k: getattr(person, k) for k in changes}
        for key, value in changes.items():
            setattr(person, key, value)
        db.session.flush()
        record(actor, "person.updated", "person", person.id,
               before=before, after={**changes, "source": source})
    return person


def _register(id_number: str, name: str, address: str | None, actor: str, source: str) -> Person:
    """Create the person; when a concurrent first request won the race, use its row."""
    try:
        with db.session.begin_nested():
            person = Person(id_number=id_number, name=name, address=address)
            db.session.add(person)
            db.session.flush()
            record(actor, "person.registered", "person", person.id,
                   after={"id_number": person.id_number_masked, "name": name, "source": source})
    except sa.exc.IntegrityError:
        return person_by_id_number(id_number)
    return person


COMPANY_BY_USCC = sa.select(Company).where(Company.uscc == sa.bindparam("uscc"))


def company_by_uscc(uscc: str) -> Company | None:
    return db.session.scalar(COMPANY_BY_USCC, {"uscc": uscc})


def register_company(uscc: str, name: str, *, actor: str) -> Company:
    """The company with this credit code, created on first sight, its name brought up to date
    from the identity provider."""
    company = company_by_uscc(uscc)
    if company is None:
        try:
            with db.session.begin_nested():
                company = Company(uscc=uscc, name=name)
                db.session.add(company)
                db.session.flush()
                record(actor, "company.registered", "company", company.id,
                       after={"uscc": uscc, "name": name})
        except sa.exc.IntegrityError:  # (a concurrent first request won)
            return company_by_uscc(uscc)
    elif company.name != name:
        before = company.name
        company.name = name
        db.session.flush()
        record(actor, "company.updated", "company", company.id,
               before={"name": before}, after={"name": name})
    return company
