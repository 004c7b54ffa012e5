"""After printing: dispatch, delivery, returns, re-queueing, the carrier's file, and the app."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.db import db
from backend.mailing.models import MailingItem
from tests.certificates.holders import driver_with_certificate
from tests.mailing.conftest import queued_items


def invoke(cli, *args: str):
    return cli.invoke(args=["mailing", *map(str, args)])


def printed(cli, tmp_path, count: int) -> list[MailingItem]:
    items = queued_items(count)
    assert invoke(cli, "print-batch", "--out", tmp_path / "batch.pdf").exit_code == 0
    return items


def status(item: MailingItem) -> str:
    db.session.refresh(item)
    return item.status.value


def test_dispatch_deliver_each_step_is_recorded_and_audited(cli, tmp_path):
    (item,) = printed(cli, tmp_path, 1)

    assert invoke(cli, "dispatch", item.id, "--tracking", "SF1234567890").exit_code == 0
    assert (status(item), item.tracking_number) == ("dispatched", "SF1234567890")
    assert invoke(cli, "deliver", item.id, "--at", "2026-12-01 10:30").exit_code == 0
    assert status(item) == "delivered"
    assert item.updated_at.isoformat() == "2026-12-01T02:30:00+00:00"  # 10:30 in Xiamen
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "mailing_item", AuditEntry.object_id == str(item.id))
        .order_by(AuditEntry.id)).all()
    assert actions == ["mailing.queued", "mailing.printed", "mailing.dispatched",
                       "mailing.delivered"]


def test_a_step_out_of_order_is_refused_and_changes_nothing(cli, tmp_path):
    (queued,) = queued_items(1)

    result = invoke(cli, "deliver", queued.id)

    assert result.exit_code == 1
    assert "is queued; only dispatched items can become delivered" in result.output
    assert "Nothing was changed" in result.output and status(queued) == "queued"
    assert invoke(cli, "dispatch", queued.id, "--tracking", "SF1").exit_code == 1
    assert invoke(cli, "dispatch", 999999, "--tracking", "SF12345").exit_code == 1


def test_returned_item_is_queued_again_to_the_corrected_address_and_printed_anew(cli, tmp_path):
    (item,) = printed(cli, tmp_path, 1)
    first_batch = item.batch_id
    invoke(cli, "dispatch", item.id, "--tracking", "SF1234567890")

    assert invoke(cli, "return", item.id).exit_code == 0
    assert status(item) == "returned"
    bad = invoke(cli, "requeue", item.id, "--reason", "moved", "--region-code", "35")
    assert bad.exit_code == 1 and "region_code" in bad.output and status(item) == "returned"
    no_reason = invoke(cli, "requeue", item.id, "--detail", "湖里区金山路 9 号 3 栋 502 室")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    result = invoke(cli, "requeue", item.id, "--reason", "moved",
                    "--detail", "湖里区金山路 9 号 3 栋 502 室")
    assert result.exit_code == 0, result.output
    assert (status(item), item.batch_id, item.tracking_number) == ("queued", None, None)
    assert item.address["detail"] == "湖里区金山路 9 号 3 栋 502 室"
    assert item.address["recipient"] == "林志远"  # the parts not corrected stay

    assert invoke(cli, "print-batch", "--out", tmp_path / "second.pdf").exit_code == 0
    assert status(item) == "printed" and item.batch_id != first_batch


def write(tmp_path, text: str):
    path = tmp_path / "carrier.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_carrier_file_records_every_row(cli, tmp_path):
    one, two = printed(cli, tmp_path, 2)
    invoke(cli, "dispatch", two.id, "--tracking", "EMS0002")
    path = write(tmp_path, "item_id,tracking_number,status,at\n"
                           f"{one.id},EMS0001,dispatched,2026-12-01T09:00:00\n"
                           f"{one.id},EMS0001,delivered,2026-12-02T15:00:00+08:00\n"
                           f"{two.id},EMS0002,dispatched,\n"
                           f"{two.id},EMS0002,returned,\n")

    result = invoke(cli, "import-status", path)

    assert result.exit_code == 0, result.output
    assert "1 delivered, 1 dispatched, 1 returned, 1 unchanged" in result.output
    assert (status(one), status(two)) == ("delivered", "returned")
    assert one.tracking_number == "EMS0001"


def test_carrier_file_with_one_bad_line_is_refused_whole_naming_the_line(cli, tmp_path):
    one, two = printed(cli, tmp_path, 2)
    path = write(tmp_path, "item_id,tracking_number,status,at\n"
                           f"{one.id},EMS0001,dispatched,\n"
                           f"{two.id},EMS0002,delivered,\n")

    result = invoke(cli, "import-status", path)

    assert result.exit_code == 1
    assert "line 3" in result.output and "cannot become delivered" in result.output
    assert (status(one), status(two)) == ("printed", "printed")


def test_carrier_file_errors_name_their_line(cli, tmp_path):
    (item,) = printed(cli, tmp_path, 1)
    cases = {
        "item_id,status\n": ("line 1:", "lacks tracking_number"),
        f"item_id,tracking_number,status,at\n{item.id},EMS1,lost,\n": ("line 2:", "'lost'"),
        f"item_id,tracking_number,status,at\nx{item.id},EMS1,delivered,\n": ("line 2:",
                                                                             "not a number"),
        "item_id,tracking_number,status,at\n999999,EMS1,dispatched,\n": ("line 2:",
                                                                         "no item 999999"),
        f"item_id,tracking_number,status,at\n{item.id},EMS1,dispatched,x\n": ("line 2:",
                                                                              "ISO 8601"),
    }
    for text, expected in cases.items():
        result = invoke(cli, "import-status", write(tmp_path, text))
        assert result.exit_code == 1, result.output
        assert all(part in result.output for part in expected), (text, result.output)
    assert status(item) == "printed"


def test_the_app_shows_the_mailing_state_of_my_application(client, cli, tmp_path):
    _, headers, certificate = driver_with_certificate(client)
    item = db.session.scalar(sa.select(MailingItem).where(
        MailingItem.certificate_id == certificate.id))
    application = f"/api/v1/applications/{item.application.number}"

    assert client.get(application, headers=headers).json["mailing"]["status"] == "queued"
    invoke(cli, "print-batch", "--out", tmp_path / "b.pdf")
    invoke(cli, "dispatch", item.id, "--tracking", "SF9999999999")

    mailing = client.get(application, headers=headers).json["mailing"]
    assert (mailing["status"], mailing["tracking_number"]) == ("dispatched", "SF9999999999")
    assert mailing["updated_at"]


def test_the_cli_shows_batch_times_in_xiamen_time_and_withdraws_a_held_item(cli, tmp_path):
    from backend.certificates import operations as certificates
    from backend.certificates.models import Status
    from backend.mailing.models import MailingBatch
    from backend.mailing.operations import XIAMEN

    (item,) = printed(cli, tmp_path, 1)
    batch = db.session.get(MailingBatch, item.batch_id)
    shown = invoke(cli, "status").output
    assert f"{batch.created_at.astimezone(XIAMEN):%Y-%m-%d %H:%M} Xiamen" in shown
    assert "UTC" not in shown

    (held,) = queued_items(1)
    assert invoke(cli, "withdraw", held.id).exit_code == 1  # (its certificate is in force)
    certificates.set_status(held.certificate, Status.REPLACED, actor="test", reason="换发")
    db.session.commit()
    shown = invoke(cli, "status").output
    assert "queued 0" in shown and "held 1" in shown and "replaced" in shown
    assert invoke(cli, "withdraw", held.id).exit_code == 0
    assert status(held) == "withdrawn"
