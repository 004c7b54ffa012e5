"""Automatic records: upheld complaints, the feed's ratedDriverPunish, revocations and a
platform's data-quality failures, each recorded once however often the collector runs."""

import datetime as dt

import sqlalchemy as sa

from backend.certificates import operations as certificates
from backend.certificates.models import Kind, Status
from backend.credit import collect, lists
from backend.credit.catalogue import ListKind
from backend.credit.models import CreditRecord, Source
from backend.db import db
from backend.hotline import operations as hotline
from backend.hotline.models import Kind as TicketKind
from backend.hotline.models import Subject, TicketChannel
from backend.licensing.operations import today
from tests.credit.helpers import person
from tests.supervision.platforms import DRIVER, record, signed_sender


def records(source: Source) -> list[CreditRecord]:
    return list(db.session.scalars(sa.select(CreditRecord).where(CreditRecord.source == source)))


def test_an_upheld_complaint_about_a_driver_is_recorded_once(database):
    driver = person("黄司机")
    ticket = hotline.take_in(TicketKind.COMPLAINT, "司机绕路并辱骂乘客。", channel=TicketChannel.PHONE,
                             subject=Subject.DRIVER, subject_ref=driver.id_number,
                             caller_phone="13900000000", actor="staff:agent")
    assert collect.complaints() == 0  # not judged yet
    hotline.handle(ticket, "经调查属实。", upheld=True, actor="staff:handler")
    assert collect.complaints() == 1
    assert collect.complaints() == 0
    [found] = records(Source.HOTLINE)
    assert (found.behaviour_code, found.subject_key, found.source_ref) == (
        "drv.complaint_upheld", driver.id_number, ticket.number)
    assert found.entries == []  # general: it counts in the grade, lists nobody


def test_a_platforms_driver_punishment_from_the_feed_is_recorded(client, database):
    sender = signed_sender(client, database)
    punished = record("ratedDriverPunish", sender.company_id, PunishResult="停止派单7天",
                      PunishReason="乘客投诉绕路")
    response = sender.send("ratedDriverPunish", [punished])
    assert response.status_code == 200, response.json
    assert collect.platform_punishments(today() - dt.timedelta(days=30)) == 1
    assert collect.platform_punishments(today() - dt.timedelta(days=30)) == 0
    [found] = records(Source.PLATFORM_PUNISH)
    assert found.behaviour_code == "drv.platform_punished" and found.subject_key == DRIVER
    assert "停止派单7天" in found.facts


def test_a_revoked_transport_certificate_puts_the_vehicle_on_the_watch_list(database):
    holder = person("车主")
    certificate = certificates.issue(kind=Kind.TRANSPORT, number="350200999001", holder=holder,
                                     valid_from=today(), valid_until=today() + dt.timedelta(days=300),
                                     actor="test", plate="闽DD99001", platform_code="pt")
    certificates.set_status(certificate, Status.REVOKED, actor="staff:clerk", reason="非法改装")
    db.session.flush()
    assert collect.revocations() == 1
    assert collect.revocations() == 0
    [found] = records(Source.REVOCATION)
    assert found.behaviour_code == "veh.certificate_revoked" and "非法改装" in found.facts
    assert lists.entry_for("vehicle", "闽DD99001").list_kind == ListKind.WATCH


def test_a_platform_whose_vehicles_do_not_report_has_its_day_recorded(database):
    from tests.supervision.platforms import licensed_platform

    platform = licensed_platform()
    holder = person("车主")
    certificates.issue(kind=Kind.TRANSPORT, number="350200999002", holder=holder,
                       valid_from=today() - dt.timedelta(days=10),
                       valid_until=today() + dt.timedelta(days=300), actor="test",
                       plate="闽DD99002", platform_code=platform.code)
    db.session.flush()
    since = today() - dt.timedelta(days=2)
    assert collect.data_quality(since) == 2  # two complete days, no position from its vehicle
    assert collect.data_quality(since) == 0
    found = records(Source.DATA_QUALITY)
    assert {r.occurred_on for r in found} == {since, since + dt.timedelta(days=1)}
    assert all(r.subject_key == platform.uscc and "0/1" in r.facts for r in found)
