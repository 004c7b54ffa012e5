"""Certificate and mailing PDFs, checked the way a reader, a printer and a phone see them.

Needs poppler-utils (pdffonts, pdftotext, pdftoppm), zbar-tools (zbarimg) and
fonts-wqy-microhei from Debian.
"""

from __future__ import annotations

import io
import subprocess
from datetime import date

import pytest

from backend.certificates.render import (
    AddressSheetView,
    CertificateView,
    render_batch,
    render_certificate,
)

QR_TEXT = (
    "https://wyc.jtj.xm.gov.cn/v/eyJhbGciOiJFZERTQSIsImtpZCI6Im5rZG9hYyJ9.eyJrIjoiZCIsIm4iOiIz"
    "NTAyMDMxOTkwMDEwMTEyMzQiLCJ2IjoxLCJoIjoi5bygKuS4iSIsImYiOjIwMjQwMzAxLCJ1IjoyMDMwMDIyOCwiaSI6"
    "MTc5NjAxNzU5MH0._jJQ2MD86U6YYt5_f2vc4Gm35gapj1wS-6BvTcqu9hSvkQoR7o_3g_jM4Gy9UdQElVkljrNcqYL1"
    "uzIs2jxECw"
)
TITLES = {
    "driver": "网络预约出租汽车驾驶员证",
    "transport": "网络预约出租汽车运输证",
    "platform": "网络预约出租汽车经营许可证",
}


def certificate(kind: str = "driver", **overrides) -> CertificateView:
    fields = {
        "kind": kind,
        "number": "350203199001011234",
        "holder_name": "张小三",
        "valid_from": date(2024, 3, 1),
        "valid_until": date(2030, 2, 28),
        "issued_on": date(2024, 2, 27),
        "qr_text": QR_TEXT,
    }
    if kind == "transport":
        fields.update(
            number="350200123456",
            plate="闽D12345",
            platform_name="某某出行（厦门）网络科技有限公司",
            vehicle_model="比亚迪 BYD7006BEV",
        )
    if kind == "platform":
        fields.update(
            number="闽网约许可350200001号", holder_name="某某出行（厦门）网络科技有限公司"
        )
    return CertificateView(**{**fields, **overrides})


def address_sheet(item_id: int = 4711) -> AddressSheetView:
    return AddressSheetView(
        recipient="张小三",
        phone="13800000000",
        region_text="福建省厦门市思明区",
        detail="湖滨南路88号某某小区12栋1203室",
        application_number="XM20240227000012",
        item_id=item_id,
        batch_id=17,
    )


def run(*command: str, stdin: bytes) -> str:
    return subprocess.run(command, input=stdin, capture_output=True, check=True).stdout.decode()


def page_text(pdf: bytes, page: int = 1) -> str:
    return run("pdftotext", "-f", str(page), "-l", str(page), "-layout", "-", "-", stdin=pdf)


def scanned_codes(pdf: bytes, page: int = 1) -> list[str]:
    """What a scanner reads from the printed page (rendered at 200 dpi)."""
    png = subprocess.run(
        ["pdftoppm", "-r", "200", "-f", str(page), "-l", str(page), "-png", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return run("zbarimg", "--quiet", "-", stdin=png).splitlines()


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_every_font_in_the_pdf_is_embedded(kind):
    fonts = run("pdffonts", "-", stdin=render_certificate(certificate(kind))).splitlines()[2:]

    assert fonts, "the PDF lists no fonts"
    assert all("WenQuanYiMicroHei" in line for line in fonts)
    assert all(line.split()[-5] == "yes" for line in fonts)  # the "emb" column


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_certificate_shows_title_holder_number_dates_and_authority(kind):
    view = certificate(kind)
    text = page_text(render_certificate(view))

    assert TITLES[kind] in text
    assert view.holder_name in text
    assert view.number in text
    assert "2024年03月01日 至 2030年02月28日" in text
    assert "厦门市交通运输局" in text
    assert "2024年02月27日" in text


def test_transport_certificate_shows_plate_platform_and_vehicle_model():
    text = page_text(render_certificate(certificate("transport")))

    assert "闽D12345" in text
    assert "某某出行（厦门）网络科技有限公司" in text
    assert "BYD7006BEV" in text


def test_driver_certificate_has_a_photo_area():
    assert "照片" in page_text(render_certificate(certificate("driver")))


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_qr_code_scans_as_the_exact_verification_url(kind):
    assert scanned_codes(render_certificate(certificate(kind))) == [f"QR-Code:{QR_TEXT}"]


def test_long_name_is_printed_whole():
    name = "厦门市某某某某汽车服务有限责任公司第一分公司"
    text = page_text(render_certificate(certificate("platform", holder_name=name)))

    assert name in text.replace(" ", "")


def test_batch_puts_each_address_sheet_before_its_certificate():
    out = io.BytesIO()
    pages = [address_sheet(4711), certificate(), address_sheet(4712), certificate("transport")]

    assert render_batch(pages, out) == 4

    pdf = out.getvalue()
    sheet = page_text(pdf, 1)
    for shown in ("张小三", "13800000000", "福建省厦门市思明区", "XM20240227000012"):
        assert shown in sheet
    assert "湖滨南路88号某某小区12栋1203室" in sheet.replace("\n", "").replace(" ", "")
    assert TITLES["driver"] in page_text(pdf, 2)
    assert TITLES["transport"] in page_text(pdf, 4)


def test_address_sheet_barcode_scans_as_the_item_id():
    out = io.BytesIO()
    render_batch([address_sheet(4712)], out)

    assert scanned_codes(out.getvalue()) == ["CODE-128:4712"]


def test_batch_reports_progress_after_each_page():
    done: list[int] = []

    render_batch([address_sheet(), certificate()], io.BytesIO(), progress=done.append)

    assert done == [1, 2]


def test_empty_batch_is_refused():
    with pytest.raises(ValueError, match="at least one page"):
        render_batch([], io.BytesIO())


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown certificate kind"):
        render_certificate(certificate("taxi"))


def test_long_address_is_printed_whole_on_the_sheet():
    detail = "湖滨南路88号某某花园小区二期东区12栋1203室" * 4
    sheet = AddressSheetView("张小三", "13800000000", "福建省厦门市思明区", detail, "XM1", 1, 1)
    out = io.BytesIO()
    render_batch([sheet], out)

    printed = page_text(out.getvalue()).replace("\n", "").replace(" ", "")

    assert "福建省厦门市思明区" + detail in printed
