"""12328 at the kiosk: the card holder files a ticket; the reply comes by SMS and in the app."""

from backend.hotline import operations
from backend.identity.models import Person
from tests.devices.kiosks import card_for, holder_with_certificate


def test_a_card_holder_files_a_ticket_at_the_kiosk(kiosk, client, database):
    number = holder_with_certificate(client)
    session_id = kiosk.start(card_for(number)).json["id"]
    response = kiosk.call("POST", f"/kiosk/v1/sessions/{session_id}/tickets", {
        "kind": "suggestion", "subject": "bureau", "text": "希望自助终端增加打印回执功能。",
        "phone": "13712345678"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "open" and response.json["reply_by"]
    ticket = operations.by_number(response.json["number"])
    holder = database.session.query(Person).filter_by(id_number=number).one()
    assert (ticket.channel.value, ticket.caller_phone, ticket.person_id) == (
        "kiosk", "13712345678", holder.id)


def test_a_bad_ticket_at_the_kiosk_is_refused(kiosk, client, database):
    number = holder_with_certificate(client)
    session_id = kiosk.start(card_for(number)).json["id"]
    for body, field in (({"kind": "suggestion", "subject": "bureau", "text": "短"}, "text"),
                        ({"kind": "suggestion", "subject": "bureau", "text": "足够长的一段建议",
                          "phone": "12345"}, "phone")):
        response = kiosk.call("POST", f"/kiosk/v1/sessions/{session_id}/tickets", body)
        assert response.status_code == 422 and field in response.json["errors"]["json"]
