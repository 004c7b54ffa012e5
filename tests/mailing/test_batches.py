"""Printing: one PDF per batch, each item printed once, reprints change nothing."""

from __future__ import annotations

import re

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.certificates.models import Status
from backend.certificates.operations import set_status
from backend.db import db
from backend.mailing.models import MailingBatch, MailingItem
from tests.certificates.holders import page_count, scanned_url, token_of, verify_online
from tests.certificates.test_render import page_text, scanned_codes
from tests.mailing.conftest import queued_items


def printed_entries(items: list[MailingItem]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mailing.printed",
        AuditEntry.object_id.in_([str(item.id) for item in items])))


def states(items: list[MailingItem]) -> list[tuple]:
    db.session.expire_all()
    return [(i.status.value, i.batch_id, i.updated_at) for i in items]


def test_a_batch_of_300_prints_600_pages_once_and_a_reprint_changes_nothing(cli, tmp_path):
    items = queued_items(300)

    result = cli.invoke(args=["mailing", "print-batch", "--out", str(tmp_path / "batch.pdf")])

    assert result.exit_code == 0, result.output
    batch_id = re.search(r"batch (MB-\d{8}-\d{3}): 300 items printed, 600 pages", result.output)[1]
    assert page_count(tmp_path / "batch.pdf") == 600
    printed = states(items)
    assert {(status, batch) for status, batch, _ in printed} == {("printed", batch_id)}
    assert printed_entries(items) == 300

    again = cli.invoke(args=["mailing", "print-batch", "--out", str(tmp_path / "again.pdf")])
    reprint = cli.invoke(args=["mailing", "print-batch", "--batch", batch_id,
                               "--out", str(tmp_path / "reprint.pdf")])

    assert "nothing to print" in again.output and not (tmp_path / "again.pdf").exists()
    assert reprint.exit_code == 0 and "300 items reprinted, 600 pages" in reprint.output
    assert page_count(tmp_path / "reprint.pdf") == 600
    assert states(items) == printed and printed_entries(items) == 300
    batch = db.session.get(MailingBatch, batch_id)
    assert (batch.item_count, batch.print_count) == (300, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailingBatch)) == 1


def test_each_item_is_its_address_sheet_then_its_certificate_whose_code_verifies(
        cli, client, tmp_path):
    items = queued_items(2)
    cli.invoke(args=["mailing", "print-batch", "--out", str(tmp_path / "batch.pdf")])
    pdf = (tmp_path / "batch.pdf").read_bytes()

    sheet = page_text(pdf, 1)
    for shown in ("林志远", "13800000000", items[0].application.number):
        assert shown in sheet
    # The region code's names before the street address, the district written once.
    assert "福建省厦门市思明区湖滨北路61号" in sheet.replace(" ", "")
    assert scanned_codes(pdf, 1) == [f"CODE-128:{items[0].id}"]
    assert "网络预约出租汽车驾驶员证" in page_text(pdf, 2)
    assert verify_online(client, token_of(scanned_url(pdf, 2)))["valid"] is True
    assert scanned_codes(pdf, 3) == [f"CODE-128:{items[1].id}"]


def test_a_certificate_cancelled_before_printing_is_held_back(cli, tmp_path):
    kept, cancelled = queued_items(2)
    set_status(cancelled.certificate, Status.CANCELLED, actor="test", reason="持证人申请注销")

    result = cli.invoke(args=["mailing", "print-batch", "--out", str(tmp_path / "b.pdf")])

    assert "1 items printed, 2 pages" in result.output
    assert "held back: 1 queued items" in result.output
    assert [i.status.value for i in (kept, cancelled)] == ["printed", "queued"]


def test_reprinting_a_batch_that_does_not_exist_is_refused(cli, database, tmp_path):
    result = cli.invoke(args=["mailing", "print-batch", "--batch", "MB-19990101-001",
                              "--out", str(tmp_path / "x.pdf")])

    assert result.exit_code == 1
    assert "No batch MB-19990101-001" in result.output
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.pdf.partial").exists()
