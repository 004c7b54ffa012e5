"""The monthly bulletin (网约车双合规情况通报): the month's ranking, the city's trend and the
data-quality table, in Chinese, as a PDF (``flask supervision bulletin --month YYYY-MM --out
FILE.pdf``) set in the embedded WenQuanYi font like the certificates. ``figures`` is the same
content as JSON (the public endpoint); nothing in it is personal data."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend.certificates.render import AUTHORITY, register_font
from backend.supervision import compliance
from backend.supervision.dashboard import month_quality


def figures(month: dt.date) -> dict:
    """The bulletin's figures: ``compliance.month_report`` and the month's data quality."""
    report = compliance.month_report(month)
    first, last = compliance.month_days(month)
    report["quality"] = month_quality(compliance.reporting_platforms(), first, last)
    return report


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _pp(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def pdf(month: dt.date, issued_on: dt.date | None = None) -> bytes:
    """The month's bulletin as PDF bytes."""
    font = register_font()
    report = figures(month)
    styles = {name: ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.5,
                                   alignment=align, spaceAfter=4)
              for name, size, align in (("title", 17, 1), ("h", 12.5, 0), ("p", 10.5, 0),
                                        ("small", 8.5, 0), ("sign", 10.5, 2))}
    city = report["city"]
    named = "、".join(report["named"]) or "无"
    story = [
        Paragraph(f"厦门市网络预约出租汽车{month.year}年{month.month}月双合规情况通报", styles["title"]),
        Spacer(1, 4 * mm),
        Paragraph(
            f"{month.year}年{month.month}月，全市网约车平台共完成订单 {city['completed']:,} 单，"
            f"其中双合规（驾驶员和车辆均取得许可）订单 {city['dual_compliant']:,} 单，双合规完成订单率为"
            f" {_pct(city['dual_rate'])}，环比变化 {_pp(city['change_points'])} 个百分点。"
            f"驾驶员合规率 {_pct(city['driver_rate'])}，车辆合规率 {_pct(city['vehicle_rate'])}。",
            styles["p"]),
        Paragraph(f"双合规完成订单率达到 80% 的平台：{named}。", styles["p"]),
        Paragraph("一、网约车平台排名（按完成订单量）", styles["h"]),
        _ranking_table(report["ranking"], font),
        Paragraph("二、聚合平台排名（按完成订单量）", styles["h"]),
        _ranking_table(report["aggregators"], font),
        Paragraph("三、全市双合规完成订单率走势", styles["h"]),
        _trend_chart(report["trend"], font),
        Paragraph("四、平台数据传输质量", styles["h"]),
        _quality_table(report["quality"], font),
        Spacer(1, 4 * mm),
        Paragraph("说明：双合规完成订单率 = 驾驶员和车辆在订单出发时刻均持有本市有效许可证件的完成订单数 ÷ "
                  "完成订单数；证件是否有效以许可登记簿中的有效期及暂扣、吊销、注销、换发等状态变更记录为准"
                  "（北京时间）。环比以百分点计。", styles["small"]),
        Spacer(1, 8 * mm),
        Paragraph(AUTHORITY, styles["sign"]),
        Paragraph(_chinese_date(issued_on or dt.datetime.now(compliance.BEIJING).date()),
                  styles["sign"]),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"双合规情况通报 {report['month']}",
                                 author=AUTHORITY, leftMargin=18 * mm, rightMargin=18 * mm,
                                 topMargin=18 * mm, bottomMargin=18 * mm)
    document.build(story)
    return out.getvalue()


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _grid(rows: list[list[str]], font: str, widths: list[float]) -> Table:
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.96)),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _ranking_table(rows: list[dict], font: str) -> Table:
    body = [["排名", "平台", "完成订单", "驾驶员合规率", "车辆合规率", "双合规率", "环比(百分点)"]]
    body += [[str(r["rank"]), r["name"], f"{r['completed']:,}", _pct(r["driver_rate"]),
              _pct(r["vehicle_rate"]), _pct(r["dual_rate"]), _pp(r["change_points"])]
             for r in rows] or [["—", "本月无完成订单", "", "", "", "", ""]]
    return _grid(body, font, [12, 56, 22, 22, 20, 20, 22])


def _quality_table(rows: list[dict], font: str) -> Table:
    body = [["平台", "匹配订单", "订单完整率", "拒收记录", "零里程/零时长", "无订单支付", "一致率"]]
    body += [[r["name"], f"{r['orders']:,}", _pct(r["orders_complete_share"]), f"{r['rejected']:,}",
              f"{r['zero_mile_or_time']:,}", f"{r['pay_without_order']:,}",
              _pct(r["consistent_share"])] for r in rows] or [["—", "", "", "", "", "", ""]]
    return _grid(body, font, [60, 16, 20, 16, 24, 20, 18])


def _trend_chart(trend: list[dict], font: str) -> Drawing:
    drawing = Drawing(170 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 10 * mm, 150 * mm, 46 * mm
    # (a month without completed orders has no bar rather than a bar at 0 %)
    chart.data = [[None if m["dual_rate"] is None else m["dual_rate"] * 100 for m in trend]]
    chart.categoryAxis.categoryNames = [m["month"][2:] for m in trend]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = colors.Color(0.1, 0.37, 0.71)
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName, chart.barLabels.fontSize = font, 6
    chart.barLabels.nudge = 5
    drawing.add(chart)
    drawing.add(String(0, 58 * mm, "双合规完成订单率（%）", fontName=font, fontSize=8))
    return drawing
