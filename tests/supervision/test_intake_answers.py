"""Every answer of the intake a platform's engineers can meet: envelopes refused whole with the
spec's code, batches refused record by record, resends counted once, records before the
licence, a store that cannot take the batch."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
import sqlalchemy as sa

from backend.supervision import events, ipc
from backend.supervision.interfaces import CATALOGUE
from backend.supervision.models import IntakeNonce, RejectedRecord
from backend.supervision.positions import last_position_at
from tests.supervision.platforms import (
    envelope_json,
    record,
    signed_sender,
)

ORDERS = "/ipc/v1/order/create"


@pytest.fixture
def sender(client, database):
    return signed_sender(client, database)


def _order(sender, order_id: str, **changes) -> dict:
    return record("orderCreate", sender.company_id, OrderId=order_id, **changes)


def _orders_stored(company_id: str) -> int:
    return events.query(f'SELECT count(*) AS n FROM {events.view("orderCreate")} '
                        'WHERE "CompanyId" = ?', [company_id])[0]["n"]


def _rejections(database, company_id: str) -> list[tuple]:
    return database.session.execute(
        sa.select(RejectedRecord.field, RejectedRecord.reason)
        .where(RejectedRecord.company_id == company_id).order_by(RejectedRecord.id)).all()


@pytest.mark.parametrize(("body", "content_type", "compress", "what"), [
    (b'{"Source": "0", ', "application/json", False, "not valid UTF-8 JSON"),
    (b"[1, 2]", "application/json", False, "one OTIpc object"),
    (b"[" * 100_000, "application/json", False, "not valid UTF-8 JSON"),
    (b'{"Source": "\xff"}', "application/json", False, "not valid UTF-8 JSON"),
    (b"\xff\xfe\x00garbage", "application/x-protobuf", False, "not an OTIpc"),
    (b"", "application/x-protobuf", False, "not an OTIpc"),
    (gzip.compress(b"{}")[:-6], "application/json", True, "truncated gzip"),
])
def test_a_body_that_does_not_deserialise_is_refused_whole_with_code_555(
        sender, body, content_type, compress, what):
    headers = {"Content-Encoding": "gzip"} if compress else {}
    answer = sender.post(ORDERS, body, content_type, headers=headers)
    assert answer.status_code == 400
    assert answer.json["ipc_code"] == 555 and what in answer.json["message_en"]


def test_a_gzip_body_that_is_not_gzip_is_555(sender):
    answer = sender.post(ORDERS, b"plain", "application/json", headers={"Content-Encoding": "gzip"})
    assert (answer.status_code, answer.json["ipc_code"]) == (400, 555)


@pytest.mark.parametrize(("headers", "content_type"), [
    ({}, "text/plain"), ({"Content-Encoding": "br"}, "application/json")])
def test_other_encodings_are_415(sender, headers, content_type):
    answer = sender.post(ORDERS, envelope_json(sender.company_id, "orderCreate", [_order(sender, "E-1")]),
                         content_type, headers=headers)
    assert (answer.status_code, answer.json["ipc_code"]) == (415, 415)
    assert _orders_stored(sender.company_id) == 0


@pytest.mark.parametrize(("document", "what"), [
    ({"CompanyId": None, "IPCType": "orderCreate"}, "Source is missing"),
    ({"Source": "0", "IPCType": "orderMatch"}, "IPCType must be orderCreate"),
    ({"Source": "0", "IPCType": "orderCreate", "orderCreate": []}, "No orderCreate records"),
    ({"Source": "0", "IPCType": "orderCreate", "orderCreate": "O-1"}, "No orderCreate records"),
    ({"Source": "0", "IPCType": ["orderCreate"]}, "IPCType must be orderCreate"),
    ({"Source": "0", "IPCType": 9999}, "IPCType must be orderCreate"),
])
def test_an_envelope_without_what_it_needs_is_refused_whole(sender, document, what):
    document = {"CompanyId": sender.company_id, "orderCreate": [_order(sender, "E-2")], **document}
    document["CompanyId"] = sender.company_id
    answer = sender.post(ORDERS, json.dumps(document).encode(), "application/json")
    assert answer.status_code == 400 and answer.json["ipc_code"] == 400
    assert what in answer.json["message_en"]
    assert _orders_stored(sender.company_id) == 0


@pytest.mark.parametrize("company_id", [None, ["XM"], {"id": "XM"}, 42])
def test_an_envelope_without_a_company_id_is_refused_whole(sender, company_id):
    body = json.dumps({"Source": "0", "CompanyId": company_id, "IPCType": "orderCreate",
                       "orderCreate": [_order(sender, "E-3")]}).encode()
    answer = sender.post(ORDERS, body, "application/json")
    assert (answer.status_code, answer.json["ipc_code"]) == (400, 400)
    assert "CompanyId is missing" in answer.json["message_en"]


def test_an_unknown_interface_is_404(sender):
    answer = sender.post("/ipc/v1/order/teleport", b"{}", "application/json")
    assert answer.status_code == 404 and answer.json["ipc_code"] == 404


def test_a_single_object_payload_and_a_numeric_ipc_type_are_accepted(sender):
    body = json.dumps({"Source": "0", "CompanyId": sender.company_id, "IPCType": 0x2001,
                       "orderCreate": _order(sender, "S-1")}).encode()
    answer = sender.post(ORDERS, body, "application/json")
    assert answer.status_code == 200 and answer.json["accepted"] == 1


def test_positions_in_an_otipc_list_are_accepted(sender):
    interface = CATALOGUE["positionVehicle"]
    listing = ipc.OTIpcList()
    for plate in ("闽D1L001", "闽D1L002"):
        [envelope] = ipc.parse(ipc.envelope_bytes(sender.company_id, interface, [
            record("positionVehicle", sender.company_id, VehicleNo=plate)]))
        listing.otpic.add().CopyFrom(envelope)
    answer = sender.post(interface.path, listing.SerializePartialToString(),
                         "application/x-protobuf", compress=True)
    assert answer.status_code == 200 and answer.json["accepted"] == 2


def test_too_many_records_is_413(sender, app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_MAX_RECORDS", 2)
    answer = sender.send("orderCreate", [_order(sender, f"M-{n}") for n in range(3)])
    assert answer.status_code == 413 and "At most 2 records" in answer.json["message_en"]


@pytest.mark.parametrize(("limit", "compress"), [("SUPERVISION_MAX_BODY_BYTES", False),
                                                 ("SUPERVISION_MAX_INFLATED_BYTES", True)])
def test_a_body_over_the_limits_is_413_even_when_it_compresses_well(
        sender, app, monkeypatch, limit, compress):
    monkeypatch.setitem(app.config, limit, 4096)
    batch = [_order(sender, f"Z-{n}") for n in range(40)]   # about 20 KB of JSON
    answer = sender.send("orderCreate", batch, compress=compress)
    assert answer.status_code == 413
    assert _orders_stored(sender.company_id) == 0


def test_a_batch_every_record_of_which_is_refused_is_400_and_the_refusals_are_counted(
        sender, database):
    batch = [_order(sender, "B-1", OrderTime=0), _order(sender, "B-2", Encrypt=9)]
    answer = sender.send("orderCreate", batch)
    assert answer.status_code == 400 and answer.json["accepted"] == 0
    assert [(r["index"], r["field"], r["reason"]) for r in answer.json["rejected"]] == [
        (0, "OrderTime", "date"), (1, "Encrypt", "code")]
    assert answer.json["rejected"][0]["message"] and answer.json["rejected"][0]["message_en"]
    assert _orders_stored(sender.company_id) == 0
    assert _rejections(database, sender.company_id) == [("OrderTime", "date"), ("Encrypt", "code")]
    # the nonce was used: the same request again is a replay
    assert database.session.scalar(sa.select(sa.func.count()).select_from(IntakeNonce).where(
        IntakeNonce.company_id == sender.company_id)) == 1


def test_a_record_with_a_strange_field_name_is_refused_and_counted(sender, database):
    strange = "Order\x00Id" + "x" * 100
    answer = sender.send("orderCreate", [{**_order(sender, "N-1"), strange: "1"}, _order(sender, "N-2")])
    assert answer.status_code == 200
    [rejected] = answer.json["rejected"]
    assert rejected["reason"] == "unknown_field" and "\x00" not in rejected["field"]
    assert _rejections(database, sender.company_id) == [(rejected["field"], "unknown_field")]


def test_a_lone_surrogate_in_json_is_refused_and_counted(sender, database):
    body = envelope_json(sender.company_id, "orderCreate", [_order(sender, "U-1", Departure="@@")])
    answer = sender.post(ORDERS, body.replace(b"@@", b"\\ud800"), "application/json")
    assert answer.status_code == 400
    assert [(r["field"], r["reason"]) for r in answer.json["rejected"]] == [("Departure", "characters")]
    assert _rejections(database, sender.company_id) == [("Departure", "characters")]


def test_resending_a_batch_counts_nothing_twice(sender, database):
    batch = [_order(sender, "R-1"), _order(sender, "R-2", DepLatitude=1)]
    for _ in range(2):
        assert sender.send("orderCreate", batch).json["accepted"] == 1
    assert _orders_stored(sender.company_id) == 1
    assert _rejections(database, sender.company_id) == [("DepLatitude", "coordinate")]


def test_events_before_the_day_after_the_licence_do_not_count(client, database):
    sender = signed_sender(client, database, licensed_from=dt.date(2026, 12, 5))
    answer = sender.send("orderCreate", [
        _order(sender, "L-1", OrderTime=20261205235959, DepartTime=20261206000500),
        _order(sender, "L-2", OrderTime=20261206000000)])
    assert answer.status_code == 200 and answer.json["accepted"] == 1
    assert [(r["index"], r["field"], r["reason"]) for r in answer.json["rejected"]] == [
        (0, "OrderTime", "before_licence")]


def test_without_a_licence_date_in_the_register_no_event_is_held_back(client, database):
    sender = signed_sender(client, database, licensed_from=None)
    answer = sender.send("orderCreate", [_order(sender, "L-3", OrderTime=20200101080000,
                                                DepartTime=20200101081000)])
    assert answer.status_code == 200 and answer.json["accepted"] == 1


def test_base_information_is_taken_whatever_its_update_time(client, database):
    sender = signed_sender(client, database, licensed_from=dt.date(2026, 12, 5))
    answer = sender.send("baseInfoCompany", [record("baseInfoCompany", sender.company_id,
                                                    UpdateTime=20250101000000)])
    assert answer.status_code == 200 and answer.json["accepted"] == 1


def test_when_the_event_store_cannot_write_the_answer_is_503_and_nothing_is_kept(
        sender, app, database, monkeypatch, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the store's directory should be")
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(blocked))
    answer = sender.send("positionVehicle", [record("positionVehicle", sender.company_id,
                                                    VehicleNo="闽D5U001")])
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert "Send it again" in answer.json["message_en"]
    monkeypatch.undo()
    assert last_position_at("闽D5U001") is None
    assert database.session.scalar(sa.select(sa.func.count()).select_from(IntakeNonce).where(
        IntakeNonce.company_id == sender.company_id)) == 0


def test_a_batch_larger_than_the_apps_own_body_limit_is_taken(sender, app):
    """The intake's limit (SUPERVISION_MAX_BODY_BYTES), not the app-wide MAX_CONTENT_LENGTH
    that guards every other JSON body, applies to a platform's batch."""
    orders = [_order(sender, f"BIG-{n}") for n in range(1500)]
    body_size = len(json.dumps(orders, ensure_ascii=False).encode())
    assert body_size > app.config["MAX_CONTENT_LENGTH"]
    response = sender.send("orderCreate", orders)
    assert response.status_code == 200, response.get_json()
    assert response.json["accepted"] == 1500
