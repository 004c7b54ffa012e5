"""Certificate and mailing PDFs (A4), fast enough to print a whole batch in one go.

Input is plain data (``CertificateView``, ``AddressSheetView``), never ORM objects, so the
renderer can be tested and benchmarked alone. What makes it fast:

* the CJK font (WenQuanYi Micro Hei, embedded as a subset) is registered once per process;
* everything that does not change between pages (frame, title, labels, photo box, notes) is
  drawn once per document into a Form XObject per page kind and placed on each page;
* the QR code is built with fixed version/mask choices and drawn as vector runs (see ``qr``).

Every string is set in the embedded font, including Latin text, so the PDF needs no font
from the printer or viewer.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, singledispatch
from typing import BinaryIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from backend.certificates.kinds import CertificateKind, chinese_date, get_kind
from backend.certificates.qr import draw_qr

AUTHORITY = "厦门市交通运输局"
FONT_NAME = "WenQuanYiMicroHei"
FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"  # Debian fonts-wqy-microhei
PAGE_WIDTH, PAGE_HEIGHT = A4
FRAME_COLOUR = Color(0.55, 0.1, 0.1)  # dark red; still prints dark on a black-and-white printer
LABEL_COLOUR = Color(0.3, 0.3, 0.3)
MARGIN = 40

# Certificate layout, in points from the bottom-left corner.
ROWS_TOP, ROW_STEP = 640, 44
LABEL_X, VALUE_X, VALUE_RIGHT = 80, 190, 405
VALUE_SIZE = 15
PHOTO_X, PHOTO_Y, PHOTO_W, PHOTO_H = 420, 560, 35 * mm, 49 * mm  # 2-inch ID photo
QR_X, QR_Y, QR_SIDE = 380, 100, 150
ISSUE_Y = 250

# Address sheet layout: value column and the y of each row.
SHEET_VALUE_X, SHEET_RIGHT = 150, PAGE_WIDTH - 80
SHEET_ROWS = {
    "recipient": ("收件人", 690),
    "phone": ("电话", 650),
    "address": ("地址", 610),
    "application": ("申请编号", 470),
    "item": ("批次/件号", 440),
}
_BREAKABLE = re.compile(r"\s*[A-Za-z0-9.\-]+|.", re.DOTALL)


@dataclass(frozen=True)
class CertificateView:
    """What a certificate page shows. ``kind`` is a registered kind name (see ``kinds``)."""

    kind: str
    number: str
    holder_name: str
    valid_from: date
    valid_until: date
    issued_on: date
    qr_text: str  # the verification URL with the signed token
    plate: str | None = None
    platform_name: str | None = None
    vehicle_model: str | None = None
    address: str | None = None
    authority: str = AUTHORITY
    details: dict = field(default_factory=dict)  # (a kind's own printed fields)
    photo: bytes | None = None  # the holder's photo (JPEG), printed in the photo box


@dataclass(frozen=True)
class AddressSheetView:
    """The sheet that goes in the envelope before a mailed certificate."""

    recipient: str
    phone: str
    region_text: str  # province, city, district
    detail: str  # street and house number
    application_number: str
    item_id: int | str
    batch_id: int | str


Page = CertificateView | AddressSheetView


@cache
def register_font() -> str:
    """Register the embedded CJK font once per process (parsing it takes ~0.1 s); its name."""
    if not os.path.exists(FONT_PATH):
        raise FileNotFoundError(f"{FONT_PATH} is missing: install Debian's fonts-wqy-microhei")
    pdfmetrics.registerFont(TTFont(FONT_NAME, FONT_PATH, subfontIndex=0))
    return FONT_NAME


def render_certificate(view: CertificateView) -> bytes:
    """One certificate as a one-page PDF."""
    buffer = io.BytesIO()
    render_batch([view], buffer)
    return buffer.getvalue()


def render_batch(
    pages: Iterable[Page],
    out: BinaryIO,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every page into one PDF on ``out``; return the page count.

    ``progress`` is called with the number of pages done after each page.
    """
    canvas = _new_canvas(out)
    count = 0
    for page in pages:
        draw_page(page, canvas)
        canvas.showPage()
        count += 1
        if progress is not None:
            progress(count)
    if count == 0:
        raise ValueError("a PDF needs at least one page")
    canvas.save()
    return count


def _new_canvas(out: BinaryIO) -> Canvas:
    register_font()
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=FONT_NAME)
    canvas.setAuthor(AUTHORITY)
    canvas.setTitle("网络预约出租汽车证件")
    canvas.setCreator("厦门网约车政务服务")
    return canvas


@singledispatch
def draw_page(page: object, canvas: Canvas) -> None:
    """Draw one page of any registered page type onto the canvas."""
    raise TypeError(f"no page layout for {type(page).__name__}")


@draw_page.register
def _draw_certificate(view: CertificateView, canvas: Canvas) -> None:
    kind = get_kind(view.kind)
    canvas.doForm(_certificate_form(canvas, kind))
    canvas.setFillColorRGB(0, 0, 0)
    for index, row in enumerate(kind.rows):
        y = ROWS_TOP - index * ROW_STEP
        _fitted_string(canvas, VALUE_X, y, row.value(view), VALUE_SIZE, VALUE_RIGHT)
    _text(canvas, VALUE_X, ISSUE_Y, view.authority, 13)
    _text(canvas, VALUE_X, ISSUE_Y - 30, chinese_date(view.issued_on), 13)
    if view.photo:
        _photo(canvas, view.photo)
    draw_qr(canvas, view.qr_text, QR_X, QR_Y, QR_SIDE)


def _photo(canvas: Canvas, jpeg: bytes) -> None:
    """The holder's photo over the box, scaled to fit and centred (the JPEG is embedded as it
    is: reportlab passes a JPEG's data through without decoding it)."""
    image = ImageReader(io.BytesIO(jpeg))
    width, height = image.getSize()
    scale = min(PHOTO_W / width, PHOTO_H / height)
    drawn_w, drawn_h = width * scale, height * scale
    canvas.drawImage(image, PHOTO_X + (PHOTO_W - drawn_w) / 2, PHOTO_Y + (PHOTO_H - drawn_h) / 2,
                     drawn_w, drawn_h)


def _certificate_form(canvas: Canvas, kind: CertificateKind) -> str:
    """The static parts of a certificate of this kind, drawn once per document."""
    name = f"certificate-{kind.name}"
    if canvas.hasForm(name):
        return name
    canvas.beginForm(name)
    _frame(canvas)
    canvas.setFillColor(FRAME_COLOUR)
    _centred(canvas, PAGE_HEIGHT - 110, kind.title, 26)
    _centred(canvas, PAGE_HEIGHT - 135, kind.title_en, 11)
    canvas.setFillColor(LABEL_COLOUR)
    canvas.setStrokeColor(LABEL_COLOUR)
    canvas.setLineWidth(0.4)
    for index, row in enumerate(kind.rows):
        y = ROWS_TOP - index * ROW_STEP
        _text(canvas, LABEL_X, y, row.label, 13)
        canvas.line(VALUE_X - 4, y - 6, VALUE_RIGHT, y - 6)
    _text(canvas, LABEL_X, ISSUE_Y, "发证机关", 13)
    _text(canvas, LABEL_X, ISSUE_Y - 30, "发证日期", 13)
    _photo_box(canvas, kind.photo_label)
    _qr_caption(canvas)
    canvas.endForm()
    return name


def _frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(FRAME_COLOUR)
    canvas.setLineWidth(2.5)
    canvas.rect(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
    canvas.setLineWidth(0.6)
    inner = MARGIN + 6
    canvas.rect(inner, inner, PAGE_WIDTH - 2 * inner, PAGE_HEIGHT - 2 * inner)


def _photo_box(canvas: Canvas, label: str) -> None:
    canvas.saveState()
    canvas.setDash(3, 2)
    canvas.rect(PHOTO_X, PHOTO_Y, PHOTO_W, PHOTO_H)
    canvas.restoreState()
    canvas.setFont(FONT_NAME, 12)
    canvas.drawCentredString(PHOTO_X + PHOTO_W / 2, PHOTO_Y + PHOTO_H / 2 - 5, label)


def _qr_caption(canvas: Canvas) -> None:
    centre = QR_X + QR_SIDE / 2
    canvas.setFont(FONT_NAME, 10)
    canvas.drawCentredString(centre, QR_Y - 6, "扫码核验真伪 · Scan to verify")
    canvas.setFont(FONT_NAME, 8.5)
    canvas.drawString(
        LABEL_X, MARGIN + 24, "二维码含厦门市交通运输局的数字签名，可在线或离线核验；涂改无效。"
    )
    canvas.drawString(
        LABEL_X,
        MARGIN + 13,
        "The QR code carries the bureau's digital signature; altered copies are void.",
    )


@draw_page.register
def _draw_address_sheet(sheet: AddressSheetView, canvas: Canvas) -> None:
    canvas.doForm(_address_form(canvas))
    canvas.setFillColorRGB(0, 0, 0)
    values = {
        "recipient": (sheet.recipient, 22),
        "phone": (sheet.phone, 16),
        "application": (sheet.application_number, 13),
        "item": (f"{sheet.batch_id} / {sheet.item_id}", 13),
    }
    for key, (text, size) in values.items():
        _fitted_string(canvas, SHEET_VALUE_X, SHEET_ROWS[key][1], text, size, SHEET_RIGHT)
    _address_lines(canvas, f"{sheet.region_text}{sheet.detail}")
    _item_barcode(canvas, str(sheet.item_id))


def _address_lines(canvas: Canvas, address: str) -> None:
    """The address, wrapped; set smaller when it would need more than five lines."""
    size = 16
    lines = _wrapped(address, size, SHEET_RIGHT - SHEET_VALUE_X)
    while len(lines) > 5 and size > 9:
        size -= 1
        lines = _wrapped(address, size, SHEET_RIGHT - SHEET_VALUE_X)
    y = SHEET_ROWS["address"][1]
    for line in lines:
        _text(canvas, SHEET_VALUE_X, y, line, size)
        y -= size * 1.5


def _address_form(canvas: Canvas) -> str:
    name = "address-sheet"
    if canvas.hasForm(name):
        return name
    canvas.beginForm(name)
    canvas.setFillColor(LABEL_COLOUR)
    _centred(canvas, PAGE_HEIGHT - 90, "网约车证件邮寄单 · Mailing sheet", 18)
    for label, y in SHEET_ROWS.values():
        _text(canvas, LABEL_X, y, label, 13)
    canvas.setStrokeColor(LABEL_COLOUR)
    canvas.line(LABEL_X, 500, SHEET_RIGHT, 500)
    _text(canvas, LABEL_X, 230, f"寄件单位：{AUTHORITY}", 12)
    _text(canvas, LABEL_X, 210, "请将本页与其后的证件一同装入信封，扫描条码登记寄出。", 12)
    note = "Put this sheet and the certificate after it in one envelope; scan the code."
    _text(canvas, LABEL_X, 192, note, 10)
    canvas.endForm()
    return name


def _item_barcode(canvas: Canvas, item_id: str) -> None:
    """Code 128 of the mailing item id: every mailroom scanner reads it."""
    barcode = Code128(item_id, barHeight=18 * mm, barWidth=0.5 * mm, humanReadable=False)
    barcode.drawOn(canvas, LABEL_X, 300)
    _text(canvas, LABEL_X + 8 * mm, 285, item_id, 11)


def _text(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    canvas.setFont(FONT_NAME, size)
    canvas.drawString(x, y, text)


def _centred(canvas: Canvas, y: float, text: str, size: float) -> None:
    canvas.setFont(FONT_NAME, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, text)


def _fitted_string(
    canvas: Canvas, x: float, y: float, text: str, size: float, right: float
) -> None:
    """A value set smaller when it would run past ``right``."""
    width = pdfmetrics.stringWidth(text, FONT_NAME, size)
    if width > right - x:
        size *= (right - x) / width
    _text(canvas, x, y, text, size)


def _wrapped(text: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than ``width``.

    Chinese may break between any two characters, but a house number or a Latin word stays
    whole.
    """
    lines, line = [], ""
    for piece in _BREAKABLE.findall(text):
        if line and pdfmetrics.stringWidth(line + piece, FONT_NAME, size) > width:
            lines.append(line)
            line = piece.lstrip()
        else:
            line += piece
    return [*lines, line] if line else lines
