"""Tickets routed to a platform: it answers through its company sign-in or its feed's
``ratedPassengerComplaint``; another company sees nothing of them."""

import datetime as dt

import pytest

from backend.hotline import operations
from backend.hotline.models import Ticket
from backend.platforms.models import Platform
from tests.factories import citizen_token, id_number
from tests.platforms.companies import new_uscc, sign_in

COMPLAINT = {"kind": "complaint", "subject": "driver", "subject_ref": "闽DD10001",
             "text": "司机绕路，多收了二十元车费，乘客电话13812345678。"}


@pytest.fixture
def platform(database):
    """A licensed platform in the register, and its company signed in: (code, headers)."""
    def make(client):
        uscc = new_uscc()
        code = f"p-{uscc[-6:].lower()}"
        database.session.add(Platform(code=code, name=f"测试{uscc[-6:]}出行", uscc=uscc,
                                      licence_number=f"测试许可{uscc[-6:]}", company_id=f"C{uscc[-8:]}",
                                      valid_until=dt.date(2029, 1, 1), status="valid"))
        database.session.commit()
        return code, sign_in(client, uscc, f"测试{uscc[-6:]}出行")
    return make


def test_the_platform_sees_and_answers_a_complaint_routed_to_it(client, platform):
    code, company = platform(client)
    _, caller = citizen_token(client)
    number = client.post("/api/v1/tickets", json={**COMPLAINT, "platform": code},
                         headers=caller).json["number"]
    listed = client.get("/api/v1/company/tickets", headers=company).json["items"]
    assert [t["number"] for t in listed] == [number]
    assert "13812345678" not in listed[0]["text"] and "138****5678" in listed[0]["text"]
    assert "caller_phone" not in listed[0] and "caller_name" not in listed[0]
    answered = client.post(f"/api/v1/company/tickets/{number}/answer",
                           json={"finding": "经核实司机绕路，已退还20元并扣分处理。"}, headers=company)
    assert answered.status_code == 200 and answered.json["finding"].startswith("经核实")
    history = client.get(f"/api/v1/tickets/{number}", headers=caller).json["history"]
    assert [e["action"] for e in history] == ["taken_in", "platform_answered"]
    again = client.post(f"/api/v1/company/tickets/{number}/answer",
                        json={"finding": "补充说明一下情况。"}, headers=company)
    assert again.status_code == 409
    # The bureau replies and finds it upheld: it counts in the platform's statistics.
    from backend.hotline import figures
    from backend.licensing.operations import today

    ticket = operations.by_number(number)
    with pytest.raises(Exception) as unjudged:
        operations.reply(ticket, "平台已退款并处理司机。", actor="staff:agent")
    assert unjudged.value.code == 422 and ticket.state.value == "open"
    operations.reply(ticket, "平台已退款并处理司机。", upheld=True, actor="staff:agent")
    assert figures.month(today().replace(day=1))["upheld_by_platform"] == {code: 1}


def test_another_company_and_a_person_cannot_see_or_answer_it(client, platform):
    code, _ = platform(client)
    _, other = platform(client)
    _, caller = citizen_token(client)
    number = client.post("/api/v1/tickets", json={**COMPLAINT, "platform": code},
                         headers=caller).json["number"]
    assert client.get("/api/v1/company/tickets", headers=other).json["items"] == []
    assert client.post(f"/api/v1/company/tickets/{number}/answer", json={"finding": "与我无关的回复"},
                       headers=other).status_code == 404
    assert client.get("/api/v1/company/tickets", headers=caller).status_code == 403
    unregistered = sign_in(client, new_uscc(), "未登记的公司")
    assert client.get("/api/v1/company/tickets", headers=unregistered).status_code == 403


def test_a_feed_complaint_opens_one_ticket_and_its_result_answers_it(client, database, platform):
    code, company = platform(client)
    record = {"OrderId": "ORD-0001", "ComplaintTime": 20261205103000,
              "Detail": "司机态度恶劣"}
    assert operations.from_feed(code, "C0001", [record]) == 1
    assert operations.from_feed(code, "C0001", [record]) == 0  # resent: the same ticket
    ticket = database.session.query(Ticket).one()
    assert (ticket.channel.value, ticket.assignee, ticket.subject_ref) == ("feed", code, "ORD-0001")
    assert operations.from_feed(code, "C0001", [{**record, "Result": "已对司机停单三天并致歉"}]) == 0
    assert ticket.finding == "已对司机停单三天并致歉" and ticket.handled_at is not None
    assert [e.action for e in ticket.events] == ["taken_in", "platform_answered"]
    listed = client.get("/api/v1/company/tickets", headers=company).json["items"]
    assert listed[0]["number"] == ticket.number


def test_a_ticket_not_routed_to_the_platform_is_404_to_it(client, database, platform):
    code, company = platform(client)
    ticket = operations.take_in(operations.Kind.COMPLAINT, "窗口态度不好的投诉", subject=operations.Subject.BUREAU,
                                channel=operations.TicketChannel.PHONE, caller_phone="13800001111",
                                actor="staff:agent")
    database.session.commit()
    assert client.post(f"/api/v1/company/tickets/{ticket.number}/answer",
                       json={"finding": "不该我回复的工单"}, headers=company).status_code == 404
    assert id_number()


@pytest.mark.parametrize("encoding", ["json", "protobuf"])
def test_a_complaint_in_a_platforms_feed_becomes_a_ticket_routed_back_to_it(client, database,
                                                                            encoding):
    from tests.supervision.platforms import (
        PlatformClient,
        licensed_platform,
        with_secret,
    )
    from tests.supervision.platforms import record as feed_record

    the = licensed_platform()
    sender = PlatformClient(client, the, with_secret(the))
    database.session.commit()
    complaint = feed_record("ratedPassengerComplaint", the.company_id, OrderId="ORD-77",
                            Detail="司机中途甩客")
    complaint.pop("Result", None)
    assert sender.send("ratedPassengerComplaint", [complaint], encoding=encoding).status_code == 200
    assert sender.send("ratedPassengerComplaint", [complaint], encoding=encoding).status_code == 200
    ticket = database.session.query(Ticket).one()
    assert (ticket.channel.value, ticket.assignee, ticket.text) == ("feed", the.code, "司机中途甩客")
    answered = {**complaint, "Result": "已核实，对司机停单处理并向乘客致歉"}
    assert sender.send("ratedPassengerComplaint", [answered], encoding=encoding).status_code == 200
    database.session.expire_all()
    assert database.session.query(Ticket).one().finding == "已核实，对司机停单处理并向乘客致歉"
