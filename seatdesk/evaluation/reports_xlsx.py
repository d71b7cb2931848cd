"""Monthly evaluation report as an Excel workbook (openpyxl): one sheet per level.

Each sheet lists every object with its rank, every indicator of its kind, the
综合指标值 and the grade; a last sheet states the period and the rules in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from seatdesk.data.exports import append

from .config import EvaluationConfig
from .indicators import Evaluation

_HEAD = Font(bold=True, color="FFFFFF")
_FILL = PatternFill("solid", fgColor="305496")


def _sheet_rows(ev: Evaluation) -> tuple[list[str], list[list]]:
    head = ["名次", ev.level_label, *[i.label + ("(%)" if i.is_rate else "")
                                      for i in ev.indicators], "综合指标值", "等级"]
    rows = []
    for r in ev.rows:
        values = [r.figures[i.key].value for i in ev.indicators]
        rows.append([r.rank or "", r.name, *values, r.score, r.grade])
    return head, rows


def write_xlsx(path: str | Path, evaluations: Mapping[str, Evaluation],
               config: EvaluationConfig) -> Path:
    """Write the report; returns the path."""
    wb = Workbook()
    wb.remove(wb.active)
    first = next(iter(evaluations.values()))
    for ev in evaluations.values():
        ws = wb.create_sheet(ev.level_label.replace("/", "、"))
        head, rows = _sheet_rows(ev)
        append(ws, [f"{first.centre_name} {ev.period.label} 综合评价 — {ev.level_label}"])
        ws["A1"].font = Font(bold=True, size=14)
        append(ws, head)
        for cell in ws[2]:
            cell.font, cell.fill = _HEAD, _FILL
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        for row in rows:
            append(ws, row)  # names from files and admins: text, never formulas
        ws.freeze_panes = "C3"
        ws.column_dimensions["B"].width = 22
        for col in range(3, len(head) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 11
        ws.row_dimensions[2].height = 36
    _rules_sheet(wb, first, config)
    out = Path(path)
    wb.save(out)
    return out


def _rules_sheet(wb: Workbook, ev: Evaluation, config: EvaluationConfig) -> None:
    ws = wb.create_sheet("说明")
    append(ws, ["统计期", f"{ev.period.label}（{ev.period.start.isoformat()} 至 "
                         f"{ev.period.end.isoformat()}，UTC，含起不含止）"])
    append(ws, ["数据来源", "电子台账（按统计期末之前的台账记录计算，重算历史月份结果不变）"])
    append(ws, ["应结案数口径", {"filed": "立案且未作废的案件",
                              "due_by_end": "期末前已结案或已到处置期限的案件"}
               [config.closure_denominator]])
    append(ws, ["缓办(挂账)案件", "从应结案数中扣除" if config.suspended_leave_denominator
               else "不扣除"])
    append(ws, ["准确派遣口径", {"flagged_errors": "回退/改派标记为派遣差错才算不准确",
                              "no_redispatch": "有回退或改派即算不准确"}
               [config.accurate_dispatch_rule]])
    append(ws, ["等级", "；".join(f"{g} ≥ {lo:g}" for g, lo in config.grades)])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90
