"""The monthly figures, in the console and as public JSON."""

import datetime as dt

import pytest

from backend.db import db
from backend.hotline import figures, operations
from backend.hotline.models import (
    Kind,
    KnowledgeAnswer,
    Satisfaction,
    Subject,
    TicketChannel,
)

D = dt.date


@pytest.fixture
def on(monkeypatch):
    def set_day(day):
        monkeypatch.setattr(operations, "today", lambda: day)
        monkeypatch.setattr(figures, "today", lambda: day)
    return set_day


def take(kind, channel=TicketChannel.PHONE):
    return operations.take_in(kind, "内容足够长的一段话", channel=channel, subject=Subject.BUREAU,
                              caller_phone="13800002222", actor="staff:agent")


def as_of(day: dt.date, *tickets):
    """Move the tickets' times (taken in, handled, replied, called back, closed) to ``day``:
    the steps ran now, the figures are for a past month."""
    at = dt.datetime.combine(day, dt.time(10), dt.UTC)
    db.session.flush()
    for ticket in tickets:
        for field in ("created_at", "acknowledged_at", "handled_at", "replied_at",
                      "called_back_at", "closed_at"):
            if getattr(ticket, field) is not None:
                setattr(ticket, field, at)


def test_a_months_figures_count_what_happened_in_it(database, on):
    database.session.add(KnowledgeAnswer(code="q", question="问", answer="答"))
    on(D(2026, 3, 2))
    asked = take(Kind.CONSULTATION)
    operations.answer_at_once(asked, "q", actor="staff:agent")
    take(Kind.CONSULTATION)  # with the agent, not answered at once
    pleased = take(Kind.COMPLAINT, TicketChannel.APP)
    operations.handle(pleased, "属实，已处理", upheld=True, actor="staff:handler")
    operations.reply(pleased, "已处理", actor="staff:agent")
    operations.call_back(pleased, Satisfaction.BASICALLY_SATISFIED, actor="staff:agent")
    late = take(Kind.SUGGESTION)  # reply due 23 March (15 working days), never replied
    as_of(D(2026, 3, 2), *database.session.query(operations.Ticket))
    database.session.flush()
    on(D(2026, 3, 31))
    got = figures.month(D(2026, 3, 1))
    assert got["taken_in"] == 4
    assert got["by_kind"]["consultation"] == 2 and got["by_channel"]["app"] == 1
    assert got["immediate_answer_rate"] == 0.5
    # Due in March: the two consultations (3 March), the complaint (9 March), the suggestion
    # (23 March); the unanswered consultation and the suggestion were late.
    assert late.reply_by == D(2026, 3, 23)
    assert (got["replies_due"], got["on_time_rate"]) == (4, 0.5)
    assert got["closure_rate"] == 0.5
    assert (got["called_back"], got["satisfaction_rate"]) == (1, 1.0)
    assert got["complaints_upheld"] == 1
    assert got["upheld_by_platform"] == {}  # (the caller named no platform)


def test_the_public_figures_carry_no_personal_data(client, database, on):
    on(D(2026, 3, 2))
    as_of(D(2026, 3, 2), take(Kind.COMPLAINT))
    database.session.commit()
    body = client.get("/api/v1/public/service-kpis?month=2026-03")
    assert body.status_code == 200
    assert body.json["hotline"]["taken_in"] == 1
    assert "13800002222" not in body.get_data(as_text=True)


@pytest.mark.parametrize("month", ["2026-13", "March", "2999-01"])
def test_a_bad_or_future_month_is_refused(client, month):
    response = client.get(f"/api/v1/public/service-kpis?month={month}")
    assert response.status_code == 422 and "month" in response.json["errors"]["query"]


def test_the_console_shows_the_months_figures_with_a_chart(client, database, on):
    from backend.staff.models import Role
    from tests.harness import sign_in_as

    on(D(2026, 3, 2))
    as_of(D(2026, 3, 2), take(Kind.COMPLAINT), take(Kind.COMPLAINT), take(Kind.PRAISE))
    sign_in_as(client, Role.HANDLER)
    page = client.get("/console/hotline/figures?month=2026-03").get_data(as_text=True)
    assert "Monthly figures, 2026-03" in page and "<svg" in page
    assert ">2</text>" in page  # two complaints in the bar chart
