"""Monthly evaluation report as PDF (fpdf2 with the Noto Sans CJK font).

fpdf2 rather than reportlab: reportlab cannot embed the CFF-outline OpenType fonts that
Debian's fonts-noto-cjk ships ("postscript outlines are not supported"); fpdf2 embeds
and subsets them (so a report is ~100 kB), needs no Qt and runs in a worker thread.

One landscape A4 table per level (a new page when little room is left): rank, object,
the rates of its kind, 综合指标值 and grade; counts are in the Excel report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from .config import EvaluationConfig
from .indicators import Evaluation

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2 = SC
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


class ReportFontMissing(RuntimeError):
    pass


def _font(pdf: FPDF) -> None:
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            pdf.add_font("cjk", fname=path, collection_font_number=index)
            return
    raise ReportFontMissing("找不到中文字体（请安装 fonts-noto-cjk），无法生成 PDF 报表")


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _section(pdf: FPDF, ev: Evaluation) -> None:
    rates = [i for i in ev.indicators if i.is_rate]
    if pdf.get_y() > pdf.eph * 0.6:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("cjk", size=15)
    pdf.cell(0, 9, f"{ev.centre_name}  {ev.period.label} 综合评价 — {ev.level_label}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    pdf.cell(0, 5, "按统计期末之前的电子台账计算；比率单位为 %；“—” 表示无应计数据。",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    name_w, rank_w, tail = 38, 10, 2
    width = (pdf.epw - name_w - rank_w) / (len(rates) + tail)
    widths = (rank_w, name_w, *([width] * (len(rates) + tail)))
    head = ("名次", ev.level_label, *[i.label for i in rates], "综合指标值", "等级")
    pdf.set_font("cjk", size=7.5)
    with pdf.table(col_widths=widths, text_align="CENTER", line_height=4.6,
                   headings_style=FontFace(emphasis=None, fill_color=(48, 84, 150),
                                           color=(255, 255, 255))) as table:
        table.row(head)
        for r in ev.rows:
            table.row([str(r.rank or ""), r.name, *[_fmt(r.figures[i.key].value) for i in rates],
                       _fmt(r.score), r.grade or "—"])


def write_pdf(path: str | Path, evaluations: Mapping[str, Evaluation],
              config: EvaluationConfig) -> Path:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    _font(pdf)
    pdf.add_page()
    for ev in evaluations.values():
        _section(pdf, ev)
    pdf.set_font("cjk", size=8)
    grades = "；".join(f"{g} ≥ {lo:g}" for g, lo in config.grades)
    pdf.cell(0, 8, f"等级：{grades}", new_x="LMARGIN", new_y="NEXT")
    out = Path(path)
    pdf.output(str(out))
    return out
