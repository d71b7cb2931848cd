"""Table importers on the tables cities publish: the two-digit 立案条件 layout, Excel
workbooks, GBK files, and every error of a file reported — on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from seatdesk.cli import main
from seatdesk.data.calendar import import_calendar_csv
from seatdesk.data.importers import import_classes, import_conditions
from seatdesk.models import CalendarDay, CaseClass, ClassEdition, FilingCondition, set_setting
from tests.test_importers import CONDITION_HEADER, DATA, messages, rejected

OLD_EDITION = "GB/T 30428.2-2013"


def sheet_file(tmp_path: Path, rows: list[list], title: str = "立案标准") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    path = tmp_path / "table.xlsx"
    book.save(path)
    return path


def active_conditions(db, edition: str, kind: str, code: str) -> list[str]:
    with db.Session() as s:
        cls = s.scalar(select(CaseClass).join(ClassEdition).where(
            ClassEdition.code == edition, CaseClass.kind == kind, CaseClass.code == code))
        return sorted(c.text for c in s.scalars(select(FilingCondition).where(
            FilingCondition.class_id == cls.id, FilingCondition.active.is_(True))))


@pytest.fixture(name="old_city")
def old_city_fixture(make_db):
    """Reference data, the centre configured for the 2013 (four-digit) edition."""
    db = make_db("reference")
    with db.Session.begin() as s:
        set_setting(s, "class_edition", OLD_EDITION)
    return db


def test_two_digit_minor_codes_are_read_inside_their_major(old_city, tmp_path):
    path = tmp_path / "liyang.csv"
    path.write_text(CONDITION_HEADER
                    + "01,公用设施,01,上水井盖,井盖缺失,4小时,井盖补齐,自来水公司\n"
                    + "01,市容环境,01,私搭乱建,占道搭建,3工作日,拆除,城管执法大队\n",
                    encoding="utf-8")
    with old_city.Session.begin() as s:
        report = import_conditions(s, path)
    assert report.count("conditions_created") + report.count("conditions_updated") == 2
    assert active_conditions(old_city, OLD_EDITION, "component", "0101") == ["井盖缺失"]
    assert active_conditions(old_city, OLD_EDITION, "event", "0101") == ["占道搭建"]


def test_the_real_error_of_a_published_table_is_not_hidden(old_city, tmp_path):
    path = tmp_path / "liyang.csv"
    path.write_text(CONDITION_HEADER
                    + "01,公用设施,01,上水井盖,井盖缺失,4小时,井盖补齐,自来水公司\n"
                    + "01,公用设施,02,污水井盖,井盖缺失,四个工作日,井盖补齐,排水处\n",
                    encoding="utf-8")
    failure = rejected(old_city, import_conditions, path)
    assert [i.line for i in failure.issues] == [3]
    assert messages(failure)[0].startswith("第3行：无法识别的处置时限“四个工作日”")


def test_three_digit_minor_codes_inside_their_major_on_the_2026_edition(make_db, tmp_path):
    db = make_db("reference")
    path = tmp_path / "c.csv"
    path.write_text(CONDITION_HEADER + "06,市容环境类,010,暴露垃圾,成堆垃圾,2工作时,清除,环卫处\n",
                    encoding="utf-8")
    with db.Session.begin() as s:
        import_conditions(s, path)
    assert active_conditions(db, "GB/T 47678.5-2026", "event", "06010") == ["成堆垃圾"]


def test_every_problem_of_a_row_is_reported(make_db, tmp_path):
    db = make_db("reference")
    path = tmp_path / "c.csv"
    path.write_text(CONDITION_HEADER.rstrip("\n") + ",紧急处置时限,区域\n"
                    + "06,市容环境类,06999,不存在,,两天,清除,环卫处,马上,D\n", encoding="utf-8")
    failure = rejected(db, import_conditions, path)
    assert messages(failure) == [
        "第2行：GB/T 47678.5-2026中没有小类“06999”",
        "第2行：立案条件和结案条件不能为空",
        "第2行：区域“D”无效：应为A、B、C或留空",
        "第2行：无法识别的处置时限“两天”：应为数字加单位，如“4工作时”“7工作日”“30工作分钟”"
        "“2小时”“30分钟”“3自然日”",
        "第2行：紧急处置时限：无法识别的处置时限“马上”：应为数字加单位，如“4工作时”“7工作日”"
        "“30工作分钟”“2小时”“30分钟”“3自然日”"]


def test_conditions_from_an_excel_workbook(make_db, tmp_path):
    db = make_db("reference")
    path = sheet_file(tmp_path, [
        ["溧阳市城市管理立案、处置和结案标准"],
        ["大类代码", "大类名称", "小类代码", "小类名称", "立案条件", "处置时限", "结案条件",
         "责任单位", "区域"],
        ["06", "市容环境类", "06010", "暴露垃圾", "主要道路有成堆垃圾", "2工作时", "垃圾清除",
         "环境卫生管理处", "A"],
        ["06", "市容环境类", "06010", "暴露垃圾", "主要道路有成堆垃圾", "4工作时", "垃圾清除",
         "环境卫生管理处", "B"]])
    with db.Session.begin() as s:
        report = import_conditions(s, path)
    assert report.read_as == "Excel工作表“立案标准”" and report.count("limits") == 2
    assert active_conditions(db, "GB/T 47678.5-2026", "event", "06010") == ["主要道路有成堆垃圾"]


def test_excel_numbers_that_lost_their_leading_zeros_are_named(make_db, tmp_path):
    db = make_db("reference")
    path = sheet_file(tmp_path, [
        ["大类代码", "小类代码", "立案条件", "处置时限", "结案条件"],
        [6, 6010, "成堆垃圾", "2工作时", "清除"]])
    failure = rejected(db, import_conditions, path)
    (text,) = messages(failure)
    assert text.startswith("第2行：小类代码“6010”为4位，应为5位数字：该单元格在Excel中是数字格式，"
                           "开头的0已丢失")


def test_classes_and_calendar_from_excel(make_db, tmp_path):
    db = make_db("reference")
    classes = sheet_file(tmp_path, [
        ["edition", "kind", "major_code", "major_name", "minor_code", "minor_name"],
        ["GB/T 47678.5-2026", "部件", "21", "扩展部件", "21001", "防撞柱"]], "分类")
    with db.Session.begin() as s:
        assert import_classes(s, classes).count("classes") == 1
    days = sheet_file(tmp_path, [["日期", "类型", "名称"],
                                 [dt.datetime(2027, 2, 8), "节假日", "春节"],
                                 ["2027/02/20", "调休工作日", "春节调休上班"]], "2027")
    with db.Session.begin() as s:
        report = import_calendar_csv(s, days)
    assert report.count("calendar_days") == 2 and report.read_as == "Excel工作表“2027”"
    with db.Session() as s:
        assert s.get(CalendarDay, dt.date(2027, 2, 8)).name == "春节"


def test_cli_imports_a_workbook_sheet_and_refuses_a_sheet_for_gis(make_db, tmp_path, capsys):
    db = make_db("reference")
    path = sheet_file(tmp_path, [["大类代码", "小类代码", "立案条件", "处置时限", "结案条件"],
                                 ["06", "06010", "成堆垃圾", "2工作时", "清除"]], "表1")
    assert main(["--database", db.url, "import", "conditions", str(path), "--sheet", "表2"]) == 1
    assert "工作簿中没有工作表“表2”" in capsys.readouterr().err
    assert main(["--database", db.url, "import", "conditions", str(path), "--sheet", "表1"]) == 0
    assert "Excel工作表“表1”" in capsys.readouterr().out
    assert main(["--database", db.url, "import", "grid", str(DATA / "grid_good.geojson"),
                 "--sheet", "表1"]) == 2


def test_calendar_add_takes_every_date_form_the_import_takes(make_db, capsys):
    db = make_db("reference")
    base = ["--database", db.url, "calendar", "add"]
    for day, kind in (("2027/01/01", "holiday"), ("2027.02.08", "节假日"), ("20270220", "workday"),
                      ("2027年10月1日", "节假日"), ("2027-10-2", "holiday")):
        assert main([*base, day, kind, "测试"]) == 0, day
    with db.Session() as s:
        days = {d.day.isoformat(): d.kind for d in s.scalars(select(CalendarDay).where(
            CalendarDay.source == "admin"))}
    assert days == {"2027-01-01": "holiday", "2027-02-08": "holiday", "2027-02-20": "workday",
                    "2027-10-01": "holiday", "2027-10-02": "holiday"}
    capsys.readouterr()
    for args, message in ((["2027-02-30", "holiday"], "日期“2027-02-30”不存在"),
                          (["2027-13-01", "holiday"], "日期“2027-13-01”不存在"),
                          (["明天", "holiday"], "日期“明天”无效：应为YYYY-MM-DD"),
                          (["2027-03-01", "放假吧"], "类型“放假吧”无效"),
                          (["2027-03-01", "holiday", "元\x00旦"], "名称第2个字符是NUL空字符")):
        assert main([*base, *args]) == 2, args
        assert message in capsys.readouterr().err, args
