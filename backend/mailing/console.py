"""The mailing room in the staff console (``/console/mailing``), for the mailroom and admins.

Same shape as the rest of the console: read the form, call one operation of
``backend.mailing.operations`` (which audits), redirect; a refusal is flashed and changes
nothing.
"""

from __future__ import annotations

import contextlib
from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for

from backend.common.masking import mask_id_number
from backend.mailing import operations
from backend.mailing.forms import (
    ActionForm,
    AddressForm,
    DispatchForm,
    ScanDispatchForm,
    StatusFileForm,
)
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role
from backend.transactions import refusals_flashed, refuse

mailing = Blueprint("mailing", __name__, url_prefix="/console/mailing")
mailroom = roles_required(Role.MAILROOM)  # admins pass every role check


@mailing.context_processor
def labels() -> dict:
    from backend.certificates.operations import STATUS_NAMES as CERTIFICATE_STATUS_NAMES

    return {"MAILING_STATUS_NAMES": {s.value: n for s, n in operations.STATUS_NAMES.items()},
            "CERTIFICATE_STATUS_NAMES": {s.value: n for s, n in CERTIFICATE_STATUS_NAMES.items()},
            "region_text": operations.region_text, "mask_id_number": mask_id_number}


@contextlib.contextmanager
def _refusals_flashed():
    """A refusal, or a carrier's file with a bad line, is shown and changes nothing."""
    try:
        with refusals_flashed():
            yield
    except operations.StatusFileError as error:
        refuse()
        flash(f"第 {error.line} 行：{error.message} Line {error.line}: {error.message_en} "
              "文件未导入。Nothing was imported.", "error")


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for message in dict.fromkeys(errors):
            flash(message, "error")


@mailing.get("/")
@mailroom
def index():
    printable, held = operations.queued_items()
    return render_template(
        "mailing/index.html", counts=operations.counts_by_status(), printable=printable,
        held=held, held_reasons={item.id: operations.held_reason(item) for item in held},
        batches=operations.recent_batches(), action_form=ActionForm(),
        scan_form=ScanDispatchForm(), file_form=StatusFileForm())


@mailing.post("/batches")
@mailroom
def new_batch():
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。The page expired; please try again.", "error")
        return redirect(url_for("mailing.index"))
    batch = operations.start_batch(actor=staff_actor())
    if batch is None:
        flash("没有可打印的邮件。Nothing is queued for printing.")
        return redirect(url_for("mailing.index"))
    flash(f"已生成批次 {batch.id}，共 {batch.item_count} 件，已标记为已打印。请下载 PDF 打印。"
          f"Batch {batch.id}: {batch.item_count} items marked printed; download the PDF.")
    return redirect(url_for("mailing.show_batch", batch_id=batch.id))


@mailing.get("/batches/<batch_id>")
@mailroom
def show_batch(batch_id):
    batch = operations.get_batch(batch_id)
    return render_template("mailing/batch.html", batch=batch,
                           items=operations.batch_items(batch))


@mailing.get("/batches/<batch_id>/pdf")
@mailroom
def batch_pdf(batch_id):
    """The batch's PDF; downloading it again reprints the same items and changes none."""
    batch = operations.get_batch(batch_id)
    out = BytesIO()
    operations.write_batch_pdf(batch, out, actor=staff_actor())
    out.seek(0)
    return send_file(out, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{batch.id}.pdf")


@mailing.get("/items")
@mailroom
def find_item():
    item_id = request.args.get("id", "").strip()
    if not (item_id.isascii() and item_id.isdigit()):  # ("²".isdigit() is true too)
        flash("请扫描或填写件号。Scan or type an item id.", "error")
        return redirect(url_for("mailing.index"))
    return redirect(url_for("mailing.show_item", item_id=int(item_id)))


@mailing.get("/items/<int(max=2147483647):item_id>")
@mailroom
def show_item(item_id):
    item = operations.get_item(item_id)
    held_reason = operations.held_reason(item) if operations.is_held(item) else None
    return render_template(
        "mailing/item.html", item=item, full_address=operations.full_address(item.address),
        dispatch_form=DispatchForm(), action_form=ActionForm(),
        address_form=AddressForm.for_item(item.address), held_reason=held_reason,
        history=operations.item_history(item), RETURN_REASONS=operations.RETURN_REASONS)


@mailing.post("/dispatch")
@mailroom
def scan_dispatch():
    form = ScanDispatchForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("mailing.index"))
    with _refusals_flashed():
        operations.dispatch(operations.get_item(form.item_id.data), form.tracking_number.data,
                            actor=staff_actor())
        flash(f"邮件 {form.item_id.data} 已登记寄出。Item {form.item_id.data} dispatched.")
    return redirect(url_for("mailing.index"))


@mailing.post("/items/<int(max=2147483647):item_id>/dispatch")
@mailroom
def dispatch(item_id):
    form = DispatchForm()
    if form.validate_on_submit():
        return _change(item_id, lambda item: operations.dispatch(
            item, form.tracking_number.data, actor=staff_actor()), "已登记寄出 dispatched")
    _flash_errors(form)
    return redirect(url_for("mailing.show_item", item_id=item_id))


@mailing.post("/items/<int(max=2147483647):item_id>/deliver")
@mailroom
def deliver(item_id):
    return _change(item_id, lambda item: operations.deliver(item, actor=staff_actor()),
                   "已登记签收 delivered")


@mailing.post("/items/<int(max=2147483647):item_id>/return")
@mailroom
def mark_returned(item_id):
    return _change(item_id, lambda item: operations.mark_returned(item, actor=staff_actor()),
                   "已登记退回 returned")


@mailing.post("/items/<int(max=2147483647):item_id>/requeue")
@mailroom
def requeue(item_id):
    form = AddressForm()
    if form.validate_on_submit():
        return _change(item_id, lambda item: operations.requeue(
            item, actor=staff_actor(), address=form.address(),
            return_reason=form.return_reason.data, note=(form.note.data or "").strip() or None),
            "已按新地址重新排队 queued again")
    _flash_errors(form)
    return redirect(url_for("mailing.show_item", item_id=item_id))


@mailing.post("/items/<int(max=2147483647):item_id>/withdraw")
@mailroom
def withdraw(item_id):
    """A held item (its certificate replaced or cancelled before posting) leaves the post."""
    return _change(item_id, lambda item: operations.withdraw(item, actor=staff_actor()),
                   "已撤回，不再寄出 withdrawn")


def _change(item_id: int, change, done: str):
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。The page expired; please try again.", "error")
    else:
        with _refusals_flashed():
            change(operations.get_item(item_id))
            flash(f"邮件 {item_id} {done}.")
    return redirect(url_for("mailing.show_item", item_id=item_id))


@mailing.post("/import")
@mailroom
def import_status():
    form = StatusFileForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("mailing.index"))
    upload = form.file.data
    with _refusals_flashed():
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise operations.StatusFileError(1, "文件应为 UTF-8 编码的 CSV。",
                                             "The file must be UTF-8 CSV.") from None
        counts = operations.import_status(operations.read_status_file(text),
                                          actor=f"{staff_actor()} file:{upload.filename}")
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "no rows"
        flash(f"已导入 {upload.filename}：{summary}. Imported.")
    return redirect(url_for("mailing.index"))

