"""12328 in the app and in the console: file, route, handle, reply, call back, reopen, close."""

import datetime as dt

import pytest

from backend.audit.models import AuditEntry
from backend.db import db
from backend.hotline import operations
from backend.hotline.models import Ticket, TicketEvent, UnitMember
from backend.licensing.operations import today
from backend.notify.models import Sms
from backend.staff.models import Role, StaffUser
from tests.factories import citizen_token
from tests.harness import post, sign_in_as

COMPLAINT = {"kind": "complaint", "subject": "driver", "subject_ref": "闽DD10001",
             "platform": "xm-green-ride", "text": "司机绕路，多收了二十元车费。"}


@pytest.fixture(autouse=True)
def platform(database):
    """The platform rides are booked on, in the register."""
    from backend.platforms.models import Platform

    database.session.add(Platform(code="xm-green-ride", name="测试绿行约车科技有限公司",
                                  uscc="91350203MA31ABCD2Y", licence_number="测试许可1号",
                                  valid_until=dt.date(2029, 1, 1), status="valid"))
    database.session.flush()


def file(client, headers, **changes):
    response = client.post("/api/v1/tickets", json={**COMPLAINT, **changes}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_a_ride_complaint_naming_its_platform_goes_to_the_platform_with_a_deadline(client):
    _, headers = citizen_token(client)
    ticket = file(client, headers)
    assert ticket["status"] == "open"
    assert ticket["created_at"] and ticket["history"][0]["at"]
    assert ticket["number"].startswith("12328-")
    assert dt.date.fromisoformat(ticket["reply_by"]) > today()
    assert "platform xm-green-ride" in ticket["history"][0]["note"]
    stored = operations.by_number(ticket["number"])
    assert (stored.assignee_kind.value, stored.assignee) == ("platform", "xm-green-ride")


def test_a_platform_not_in_the_register_is_refused(client):
    _, headers = citizen_token(client)
    response = client.post("/api/v1/tickets", json={**COMPLAINT, "platform": "nosuch"},
                           headers=headers)
    assert response.status_code == 422 and "platform" in response.json["errors"]["json"]
    assert db.session.query(Ticket).count() == 0


def test_without_the_platform_a_ride_complaint_goes_to_the_passenger_division(client):
    _, headers = citizen_token(client)
    ticket = file(client, headers, platform=None)
    stored = operations.by_number(ticket["number"])
    assert (stored.assignee_kind.value, stored.assignee) == ("unit", "passenger")


def test_a_report_goes_to_enforcement_and_a_consultation_to_the_agent(client):
    _, headers = citizen_token(client)
    report = operations.by_number(file(client, headers, kind="report")["number"])
    question = operations.by_number(file(client, headers, kind="consultation",
                                         subject="bureau", text="驾驶员证怎么申请？")["number"])
    assert (report.assignee_kind.value, report.assignee) == ("unit", "enforcement")
    assert question.assignee_kind.value == "agent"


@pytest.mark.parametrize("change, field", [
    ({"kind": "rant"}, "kind"), ({"subject": "weather"}, "subject"), ({"text": "短"}, "text"),
    ({"text": "含有\x00控制字符的内容"}, "text"), ({"subject_ref": 5}, "subject_ref"),
])
def test_a_bad_ticket_is_refused_naming_the_field_and_nothing_is_stored(client, change, field):
    _, headers = citizen_token(client)
    before = db.session.query(Ticket).count()
    response = client.post("/api/v1/tickets", json={**COMPLAINT, **change}, headers=headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert db.session.query(Ticket).count() == before


def test_a_citizen_lists_only_their_own_tickets_and_anothers_is_404(client):
    _, mine = citizen_token(client)
    _, theirs = citizen_token(client)
    number = file(client, mine)["number"]
    file(client, theirs)
    listed = client.get("/api/v1/tickets", headers=mine).json["items"]
    assert [t["number"] for t in listed] == [number]
    assert client.get(f"/api/v1/tickets/{number}", headers=theirs).status_code == 404
    assert client.post(f"/api/v1/tickets/{number}/call-back", json={"satisfaction": "satisfied"},
                       headers=theirs).status_code == 404


def handler_of(client, unit: str) -> str:
    username = sign_in_as(client, Role.HANDLER)
    user = db.session.query(StaffUser).filter_by(username=username).one()
    db.session.add(UnitMember(staff_id=user.id, unit_code=unit))
    db.session.flush()
    return username


def test_the_whole_loop_with_a_dissatisfied_caller_reopening_once_at_a_higher_level(client, app):
    _, headers = citizen_token(client)
    number = file(client, headers, subject="bureau", platform=None, kind="complaint",
                  text="窗口人员态度不好，材料退回三次。")["number"]
    # The licensing windows' handler acknowledges and handles it.
    handler_of(client, "licensing")
    assert post(client, f"/console/hotline/{number}/acknowledge").status_code == 302
    assert post(client, f"/console/hotline/{number}/handle",
                {"text": "经核实窗口一次性告知不到位，已批评教育。", "upheld": "yes"}).status_code == 302
    # An agent replies; the caller sees the reply in the app.
    post(client, "/console/logout")
    sign_in_as(client, Role.AGENT)
    assert post(client, f"/console/hotline/{number}/reply",
                {"text": "已核实并整改，窗口将一次性告知所需材料。"}).status_code == 302
    shown = client.get(f"/api/v1/tickets/{number}", headers=headers).json
    assert shown["status"] == "replied" and "一次性告知" in shown["reply"]
    # Dissatisfied: reopened, at level 1, to the passenger division (the rule's reopen_to).
    back = client.post(f"/api/v1/tickets/{number}/call-back",
                       json={"satisfaction": "dissatisfied", "note": "还是没有解决"}, headers=headers)
    assert back.status_code == 200 and back.json["status"] == "open"
    ticket = operations.by_number(number)
    assert (ticket.level, ticket.assignee, ticket.handled_at) == (1, "passenger", None)
    # Handled and replied again; dissatisfied a second time: closed (one reopen allowed).
    operations.handle(ticket, "处长约谈窗口负责人，办事指南已更新。", upheld=True, actor="staff:head")
    operations.reply(ticket, "办事指南已更新并公示。", actor="staff:agent")
    closed = client.post(f"/api/v1/tickets/{number}/call-back",
                         json={"satisfaction": "dissatisfied"}, headers=headers).json
    assert closed["status"] == "closed"
    actions = [e.action for e in ticket.events]
    assert actions == ["taken_in", "acknowledged", "handled", "replied", "called_back", "reopened",
                       "handled", "replied", "called_back", "closed"]
    # Internal steps stay off the caller's history.
    assert "handled" not in [e["action"] for e in closed["history"]]
    audited = db.session.query(AuditEntry.action).filter(AuditEntry.object_id == number).all()
    assert {"ticket.taken_in", "ticket.replied", "ticket.called_back"} <= {a for (a,) in audited}


def test_a_reply_before_the_unit_has_handled_it_is_refused(client, app):
    _, headers = citizen_token(client)
    number = file(client, headers, platform=None)["number"]
    ticket = operations.by_number(number)
    with pytest.raises(Exception) as refused:
        operations.reply(ticket, "好的", actor="staff:agent")
    assert refused.value.code == 409
    assert ticket.state.value == "open"


def test_a_phone_call_is_taken_in_by_an_agent_and_answered_at_once(client):
    from backend.hotline.models import KnowledgeAnswer

    db.session.add(KnowledgeAnswer(code="driver-cert", question="如何申请网约车驾驶员证？",
                                   answer="在 i厦门 App 或自助终端申请，无需提交材料。"))
    sign_in_as(client, Role.AGENT)
    response = post(client, "/console/hotline/new", {
        "kind": "consultation", "subject": "bureau", "caller_name": "林先生",
        "caller_phone": "13800001234", "text": "想问怎么申请驾驶员证"})
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/console/hotline/{number}").get_data(as_text=True)
    assert "138****1234" in page and "13800001234" not in page
    assert post(client, f"/console/hotline/{number}/answer", {"answer": "driver-cert"}).status_code == 302
    ticket = operations.by_number(number)
    assert ticket.state.value == "closed" and "无需提交材料" in ticket.reply


def test_a_phone_call_without_a_phone_number_is_refused(client):
    sign_in_as(client, Role.AGENT)
    page = post(client, "/console/hotline/new", {
        "kind": "complaint", "subject": "bureau", "caller_phone": "", "text": "窗口态度不好"})
    assert page.status_code == 200
    assert "来电号码" in page.get_data(as_text=True)
    assert db.session.query(Ticket).count() == 0


def test_a_reply_to_a_phone_caller_waits_in_the_outbox_as_an_sms(client):
    ticket = operations.take_in(
        operations.Kind.HELP, "手机落在网约车上了", channel=operations.TicketChannel.PHONE,
        subject=operations.Subject.BUREAU, caller_phone="13900002222", actor="staff:agent")
    operations.handle(ticket, "已联系平台找到失物。", actor="staff:handler")
    operations.reply(ticket, "失物已找到，请到平台服务点领取。", actor="staff:agent")
    db.session.flush()
    message = db.session.query(Sms).one()
    assert message.phone == "13900002222" and ticket.number in message.text
    assert message.reference == ticket.number
    assert message.sent_at is None


def test_a_handler_sees_only_their_units_tickets(client):
    _, headers = citizen_token(client)
    theirs = file(client, headers, kind="report")["number"]  # enforcement
    mine = file(client, headers, platform=None)["number"]  # passenger
    handler_of(client, "passenger")
    listing = client.get("/console/hotline/").get_data(as_text=True)
    assert mine in listing and theirs not in listing
    assert client.get(f"/console/hotline/{theirs}").status_code == 404
    assert post(client, f"/console/hotline/{theirs}/acknowledge").status_code == 404


def test_an_extension_moves_the_deadline_only_when_the_head_approves(client, app):
    _, headers = citizen_token(client)
    number = file(client, headers, platform=None)["number"]
    ticket = operations.by_number(number)
    due = ticket.reply_by
    operations.request_extension(ticket, 3, "需要调取行车记录", actor="staff:handler")
    assert ticket.reply_by == due
    with pytest.raises(Exception) as twice:
        operations.request_extension(ticket, 2, "再延", actor="staff:handler")
    assert twice.value.code == 409
    # A handler who is not the head may not approve.
    handler_of(client, "passenger")
    assert post(client, f"/console/hotline/{number}/extension/decision",
                {"decision": "approve"}).status_code == 403
    operations.decide_extension(ticket, True, actor="staff:admin")
    assert ticket.reply_by > due and ticket.extension_days is None
    assert [e.action for e in ticket.events][-2:] == ["extension_requested", "extended"]


def test_the_knowledge_answer_and_message_tables_are_not_shown_to_citizens(client):
    _, headers = citizen_token(client)
    ticket = file(client, headers)
    assert set(ticket) >= {"number", "status", "reply_by", "deadline_provisional", "history"}
    assert "caller_phone" not in ticket and "assignee" not in ticket
    assert db.session.query(TicketEvent).count() == 1

