"""Mailing room helpers: queued items made quickly, staff sign-in for the console."""

from __future__ import annotations

import datetime as dt
import itertools

from backend.certificates import operations as certificates
from backend.certificates.models import Kind
from backend.db import db
from backend.identity.models import Person
from backend.licensing.models import Application, Channel, State
from backend.licensing.operations import today
from backend.mailing.models import MailingItem
from backend.mailing.operations import queue_item
from tests.factories import id_number

_runs = itertools.count(1)
ADDRESS = {"recipient": "林志远", "phone": "13800000000", "region_code": "350203",
           "detail": "思明区湖滨北路 61 号"}


def queued_items(count: int) -> list[MailingItem]:
    """``count`` issued driver certificates queued for the post, each on its own application.

    Built with the operations the real flow uses (issue, queue), minus the checks and exams,
    and committed as the requests that issue them commit (the test's transaction still rolls
    back at the end), so a refused command's rollback leaves them in place.
    """
    run = next(_runs)
    people = [Person(id_number=id_number(dt.date(1961, 1, 1) + dt.timedelta(days=i)),
                     name=f"林{'一二三四五六七八九十'[i % 10]}远") for i in range(count)]
    db.session.add_all(people)
    db.session.flush()
    applications = [Application(
        number=f"XM-WYC-T{run:03d}-{i:06d}", matter_code="driver-cert-issue", applicant_id=p.id,
        channel=Channel.APP, state=State.ISSUED, inputs={}, mailing_address=ADDRESS)
        for i, p in enumerate(people)]
    db.session.add_all(applications)
    db.session.flush()
    day = today()
    items = []
    for person, application in zip(people, applications, strict=True):
        certificate = certificates.issue(
            kind=Kind.DRIVER, number=person.id_number, holder=person, actor="test",
            valid_from=day, valid_until=day.replace(year=day.year + 6))
        application.certificate = certificate
        items.append(queue_item(certificate, application, actor="test"))
    db.session.commit()
    return items


