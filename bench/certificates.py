"""Benchmark: certificate PDFs for the mailing room and for single downloads.

Run it pinned to one core, from the repository root::

    python bench/certificates.py --pin 0                 # N = 500 certificates
    python bench/certificates.py -n 200 --pin 0 --out /tmp/batch.pdf

It measures, in one run and on the same certificates, each time from the certificate's data to
the finished PDF, the token signed on the way (the application signs when it renders):

* **batch**: one PDF of N certificates, as ``flask mailing print-batch`` prints them. This is
  the figure the issue's target (300 pages a second on one core) is about;
* **mailing batch**: the same N certificates, each after its address sheet (2N pages), which
  is what the mailing room's PDF holds. Address sheets are cheap, so its pages-per-second
  figure is higher; it is reported separately and never as "the batch figure";
* **single**: one PDF per certificate (a holder downloading theirs);
* **naive**: the straightforward way for comparison, on the same pages: ``qrcode`` choosing
  version and mask itself, ``make_image`` to a PIL image placed in the PDF, every page drawn in
  full, the font registered for every document.

All names, numbers and addresses are **benchmark data**, made up from a fixed seed; QR
codes point at ``https://benchmark.invalid``.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from backend.certificates.keys import Signer, current_signer
from backend.certificates.kinds import chinese_date, get_kind
from backend.certificates.render import (
    FONT_PATH,
    AddressSheetView,
    CertificateView,
    Page,
    render_batch,
    render_certificate,
)
from backend.certificates.tokens import sign_certificate_claims, verification_url

BENCH_BASE_URL = "https://benchmark.invalid"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡欧阳"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "志强",
    "建华",
    "文",
    "海燕",
]
DISTRICTS = ["思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"]
STREETS = ["湖滨南路", "嘉禾路", "厦禾路", "莲前西路", "集美大道", "新阳路", "环岛东路", "同集路"]
PLATFORMS = [
    "某某出行（厦门）网络科技有限公司",
    "某某约车（福建）科技有限公司",
    "某某智行科技有限公司",
]
MODELS = ["比亚迪 BYD7006BEV", "吉利 MR7153A01", "广汽埃安 GAC7000BEVH0A", "丰田 TV7251"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rng: random.Random) -> str:
    """A made-up Xiamen resident ID number with a correct GB 11643 check digit."""
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 35))
    body = f"3502{rng.choice('0356'):s}{rng.randrange(1, 10)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


def fake_certificates(count: int, seed: int = 20240301) -> list[CertificateView]:
    """Benchmark certificates, not signed yet: mostly drivers, many vehicles, a few platforms."""
    rng = random.Random(seed)
    return [_fake_certificate(rng, index) for index in range(count)]


def _fake_certificate(rng: random.Random, index: int) -> CertificateView:
    kind = rng.choices(["driver", "transport", "platform"], weights=[60, 35, 5])[0]
    holder = rng.choice(SURNAMES) + rng.choice(GIVEN)
    fields = {"plate": None, "platform_name": None, "vehicle_model": None}
    number = id_number(rng)
    if kind == "transport":
        number = f"3502{rng.randrange(10**8):08d}"
        plate = "闽D" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
        fields.update(
            plate=plate, platform_name=rng.choice(PLATFORMS), vehicle_model=rng.choice(MODELS)
        )
    if kind == "platform":
        number, holder = f"闽网约许可3502{index:05d}号", rng.choice(PLATFORMS)
    issued = date(2024, 1, 2) + timedelta(days=rng.randrange(300))
    return CertificateView(
        kind=kind,
        number=number,
        holder_name=holder,
        valid_from=issued,
        valid_until=issued + timedelta(days=6 * 365),
        issued_on=issued,
        qr_text="",
        **fields,
    )


def signed(view: CertificateView, signer: Signer) -> CertificateView:
    """The view with its QR text, signed as the application signs when it renders."""
    token = sign_certificate_claims(
        signer,
        kind=view.kind,
        number=view.number,
        holder_name=view.holder_name,
        valid_from=view.valid_from,
        valid_until=view.valid_until,
        issued_at=datetime.combine(view.issued_on, datetime.min.time(), UTC),
        plate=view.plate,
        # (a driver's token names the certificate by its register id, not the ID number: a
        # made-up certificate has none, so one derived from its number stands in)
        register_id=zlib.crc32(view.number.encode()) % 10_000_000 + 1,
    )
    return replace(view, qr_text=verification_url(BENCH_BASE_URL, token))


def fake_address_sheet(rng: random.Random, view: CertificateView, index: int) -> AddressSheetView:
    return AddressSheetView(
        recipient=view.holder_name if view.kind != "platform" else rng.choice(SURNAMES) + "经理",
        phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        region_text="福建省厦门市" + rng.choice(DISTRICTS),
        detail=f"{rng.choice(STREETS)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}栋"
        f"{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室（基准测试数据）",
        application_number=f"BENCH-{index:08d}",
        item_id=100000 + index,
        batch_id="BENCH",
    )


def mailing_batch(certificates: Sequence[CertificateView], signer: Signer) -> Iterator[Page]:
    """Address sheet, then the certificate, for each one: the mailing room's PDF."""
    rng = random.Random(7)
    for index, view in enumerate(certificates):
        yield fake_address_sheet(rng, view, index)
        yield signed(view, signer)


# The straightforward renderer, kept only as the benchmark's baseline.

NAIVE_FONT = "NaiveCJK"


def naive_render_batch(pages: Sequence[Page], out: io.BytesIO) -> None:
    pdfmetrics.registerFont(TTFont(NAIVE_FONT, FONT_PATH, subfontIndex=0))
    canvas = Canvas(out, pagesize=A4)
    for page in pages:
        if isinstance(page, CertificateView):
            _naive_certificate(canvas, page)
        else:
            _naive_address_sheet(canvas, page)
        canvas.showPage()
    canvas.save()


def _naive_certificate(canvas: Canvas, view: CertificateView) -> None:
    kind = get_kind(view.kind)
    width, height = A4
    canvas.setLineWidth(2.5)
    canvas.rect(40, 40, width - 80, height - 80)
    canvas.setFont(NAIVE_FONT, 26)
    canvas.drawCentredString(width / 2, height - 110, kind.title)
    canvas.setFont(NAIVE_FONT, 11)
    canvas.drawCentredString(width / 2, height - 135, kind.title_en)
    for index, row in enumerate(kind.rows):
        canvas.setFont(NAIVE_FONT, 13)
        canvas.drawString(80, 640 - 44 * index, row.label)
        canvas.setFont(NAIVE_FONT, 15)
        canvas.drawString(190, 640 - 44 * index, row.value(view))
    canvas.rect(420, 560, 99, 139)
    canvas.drawString(80, 250, f"发证机关  {view.authority}")
    canvas.drawString(80, 220, f"发证日期  {chinese_date(view.issued_on)}")
    image = qrcode.make(view.qr_text).get_image()  # automatic version and mask search
    canvas.drawImage(ImageReader(image), 380, 100, 150, 150)
    canvas.setFont(NAIVE_FONT, 10)
    canvas.drawCentredString(455, 94, "扫码核验真伪 · Scan to verify")


def _naive_address_sheet(canvas: Canvas, sheet: AddressSheetView) -> None:
    canvas.setFont(NAIVE_FONT, 18)
    canvas.drawCentredString(A4[0] / 2, A4[1] - 90, "网约车证件邮寄单 · Mailing sheet")
    canvas.setFont(NAIVE_FONT, 16)
    lines = [
        sheet.recipient,
        sheet.phone,
        sheet.region_text + sheet.detail,
        sheet.application_number,
        f"{sheet.batch_id} / {sheet.item_id}",
    ]
    for index, line in enumerate(lines):
        canvas.drawString(80, 690 - 40 * index, line)
    image = qrcode.make(str(sheet.item_id)).get_image()
    canvas.drawImage(ImageReader(image), 80, 300, 100, 100)


# Measuring and reporting.

TARGET_PAGES_PER_SECOND = 300


def seconds(work: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    allowed = len(os.sched_getaffinity(0))
    return (
        f"{model}; {os.cpu_count()} cores, this process may use {allowed}; "
        f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}; "
        f"reportlab {version('reportlab')}, rl_accel {'yes' if _has_rl_accel() else 'no'}, "
        f"qrcode {version('qrcode')}"
    )


def _has_rl_accel() -> bool:
    try:
        import _rl_accel  # noqa: F401
    except ImportError:
        return False
    return True


def report(label: str, count: int, unit: str, elapsed: float) -> float:
    rate = count / elapsed
    print(f"  {label:<46} {count:>5} {unit:<5} {elapsed:7.2f} s  {rate:8.1f} {unit}/s")
    return rate


class Runs:
    """The measurements of one run, on one set of certificates."""

    def __init__(self, certificates: Sequence[CertificateView], signer: Signer, repeat: int):
        self.certificates = certificates
        self.signer = signer
        self.repeat = repeat

    def batch(self) -> float:
        def work() -> None:
            render_batch((signed(v, self.signer) for v in self.certificates), io.BytesIO())

        return seconds(work, self.repeat)

    def mailing_batch(self) -> float:
        def work() -> None:
            render_batch(mailing_batch(self.certificates, self.signer), io.BytesIO())

        return seconds(work, self.repeat)

    def singles(self, count: int) -> float:
        def work() -> None:
            for view in self.certificates[:count]:
                render_certificate(signed(view, self.signer))

        return seconds(work, self.repeat)

    def naive_batch(self, pages: Callable[[], Iterable[Page]]) -> float:
        return seconds(lambda: naive_render_batch(list(pages()), io.BytesIO()), 1)

    def naive_singles(self, count: int) -> float:
        def work() -> None:
            for view in self.certificates[:count]:
                naive_render_batch([signed(view, self.signer)], io.BytesIO())

        return seconds(work, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/certificates.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("-n", type=int, default=500, help="certificates in the batch (default 500)")
    parser.add_argument("--single", type=int, default=200, help="single downloads (default 200)")
    parser.add_argument(
        "--naive-single", type=int, default=30, help="naive single PDFs (default 30)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each fast measurement")
    parser.add_argument("--pin", type=int, metavar="CPU", help="pin this process to one CPU")
    parser.add_argument("--out", help="also write the mailing batch PDF here, to look at")
    arguments = parser.parse_args(argv)
    if arguments.pin is not None:
        os.sched_setaffinity(0, {arguments.pin})

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as keys_dir:
        return _measure(arguments, current_signer(keys_dir))


def _measure(arguments: argparse.Namespace, signer: Signer) -> int:
    n, certificates = arguments.n, fake_certificates(arguments.n)
    runs = Runs(certificates, signer, arguments.repeat)
    render_batch([signed(certificates[0], signer)], io.BytesIO())  # font loading: once a process
    pdfmetrics.registerFont(TTFont(NAIVE_FONT, FONT_PATH, subfontIndex=0))
    singles, naive_singles = min(arguments.single, n), min(arguments.naive_single, n)

    print("this renderer (fixed QR layout, static parts as form XObjects):")
    batch = report("batch: certificates only", n, "pages", runs.batch())
    report("mailing batch: address sheet + certificate", 2 * n, "pages", runs.mailing_batch())
    report("single downloads", singles, "PDFs", runs.singles(singles))
    print("naive (qrcode automatic version and mask, PIL image, everything per page):")
    naive = report(
        "batch: certificates only",
        n,
        "pages",
        runs.naive_batch(lambda: (signed(v, signer) for v in certificates)),
    )
    report(
        "mailing batch: address sheet + certificate",
        2 * n,
        "pages",
        runs.naive_batch(lambda: mailing_batch(certificates, signer)),
    )
    report("single downloads", naive_singles, "PDFs", runs.naive_singles(naive_singles))
    verdict = "met" if batch >= TARGET_PAGES_PER_SECOND else "NOT met"
    print(
        f"batch (certificates only): {batch:.0f} pages/s, {batch / naive:.1f}x naive; "
        f"target {TARGET_PAGES_PER_SECOND} pages/s on one core: {verdict}"
    )
    if arguments.out:
        with open(arguments.out, "wb") as out:
            render_batch(mailing_batch(certificates, signer), out)
        print(f"mailing batch PDF written to {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
