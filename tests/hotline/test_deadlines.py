"""Deadlines in working days, reminders and escalation, and the routing file's checks."""

import datetime as dt
import json

import pytest

from backend.common.workdays import Calendar, parse_overrides
from backend.hotline import operations
from backend.hotline.models import Kind, Subject, TicketChannel
from backend.hotline.routing import DEFAULT_FILE, RoutingError, parse

D = dt.date


@pytest.fixture
def on(monkeypatch):
    """``on(day)``: tickets are taken in, and the sweep runs, on that Xiamen day."""
    def set_day(day):
        monkeypatch.setattr(operations, "today", lambda: day)
    return set_day


def complaint():
    return operations.take_in(Kind.COMPLAINT, "司机拒载，态度恶劣。", channel=TicketChannel.PHONE,
                              subject=Subject.BUREAU, caller_phone="13800001111",
                              actor="staff:agent")


def test_a_complaint_before_the_spring_festival_is_due_after_it(database, on):
    on(D(2026, 2, 12))  # Thursday; 2026's festival: off 15–23 Feb, Saturday 14 Feb worked
    ticket = complaint()
    # acknowledge 1 → Fri 13; handle 4 → Fri 13, Sat 14 (make-up), Tue 24, Wed 25; reply 5 → Thu 26
    assert (ticket.acknowledge_by, ticket.handle_by, ticket.reply_by) == (
        D(2026, 2, 13), D(2026, 2, 25), D(2026, 2, 26))
    assert ticket.deadline_known


def test_a_deadline_in_a_year_nobody_configured_is_provisional(database, on):
    on(D(2026, 12, 28))
    ticket = complaint()
    assert ticket.reply_by == D(2027, 1, 4)  # weekends only: 29, 30, 31 Dec, 1 Jan, 4 Jan
    assert not ticket.deadline_known


def test_an_override_for_the_unknown_year_counts_its_holiday(app, database, on, monkeypatch):
    monkeypatch.setitem(app.extensions, "workdays",
                        Calendar(parse_overrides({"2027-01-01": "holiday"})))
    on(D(2026, 12, 28))
    ticket = complaint()
    assert ticket.reply_by == D(2027, 1, 5)
    assert ticket.deadline_known


def test_the_sweep_reminds_the_day_before_and_escalates_once_when_overdue(database, on):
    on(D(2026, 3, 2))  # Monday: acknowledge by Tue 3, handle by Fri 6, reply by Mon 9 March
    ticket = complaint()
    operations.acknowledge(ticket, actor="staff:handler")
    assert (ticket.handle_by, ticket.reply_by) == (D(2026, 3, 6), D(2026, 3, 9))
    assert operations.sweep(on=D(2026, 3, 3)) == {"reminded": 0, "escalated": 0}
    assert operations.sweep(on=D(2026, 3, 6)) == {"reminded": 1, "escalated": 0}
    assert operations.sweep(on=D(2026, 3, 6)) == {"reminded": 0, "escalated": 0}
    assert operations.overdue(ticket, D(2026, 3, 9)) == "handle"
    assert operations.sweep(on=D(2026, 3, 9)) == {"reminded": 0, "escalated": 1}
    assert operations.sweep(on=D(2026, 3, 10)) == {"reminded": 0, "escalated": 0}
    escalation = [e for e in ticket.events if e.action == "escalated"][0]
    assert "行政审批窗口负责人" in escalation.note and not escalation.public
    assert "handling deadline missed" in escalation.note


def test_a_ticket_nobody_acknowledged_is_overdue_the_next_working_day(database, on):
    on(D(2026, 3, 6))  # Friday: acknowledge by Monday 9 March
    ticket = complaint()
    assert operations.overdue(ticket, D(2026, 3, 9)) is None
    assert operations.overdue(ticket, D(2026, 3, 10)) == "acknowledge"


def test_an_overdue_ticket_stands_out_in_the_console(client, database, on, monkeypatch):
    from backend.hotline import console
    from backend.staff.models import Role
    from tests.harness import sign_in_as

    on(D(2026, 3, 2))
    ticket = complaint()
    database.session.flush()
    sign_in_as(client, Role.AGENT)
    monkeypatch.setattr(console, "today", lambda: D(2026, 3, 12))
    page = client.get("/console/hotline/").get_data(as_text=True)
    assert ticket.number in page and "签收超期" in page and "1 overdue on this page" in page


def routing_with(**changes):
    data = json.loads(DEFAULT_FILE.read_text("utf-8"))
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, message", [
    ({"rules": [{"id": "x", "to": "unit", "unit": "nowhere"}]}, "unknown unit"),
    ({"rules": [{"id": "x", "kinds": ["complaint"], "to": "agent"}]}, "last rule"),
    ({"limits": {"complaint": {"acknowledge": 1, "handle": 4, "reply": 5}}}, "missing"),
    ({"rules": [{"id": "x", "kinds": ["gossip"], "to": "agent"}]}, "gossip"),
])
def test_a_bad_routing_file_is_refused_with_the_reason(changes, message):
    with pytest.raises(RoutingError, match=message):
        parse(routing_with(**changes))


def test_the_shipped_routing_file_is_valid_and_routes_every_kind_and_subject():
    routing = parse(json.loads(DEFAULT_FILE.read_text("utf-8")))
    for kind in Kind:
        for subject in Subject:
            for platform in (None, "xm-green-ride"):
                assert routing.route(kind, subject, platform).rule
