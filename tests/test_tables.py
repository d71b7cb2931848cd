"""The table-reading layer (``seatdesk.data.tables``): CSV and .xlsx, encodings, strict
quoting, headers, limits — every problem of a file named by line and column, or a table."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from seatdesk.data.errors import MAX_ISSUES, ImportFailed
from seatdesk.data.tables import TableLimits, read_table

HEADER = "大类代码,小类代码,立案条件\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def refused(path: Path, *args, **kwargs) -> list[str]:
    with pytest.raises(ImportFailed) as info:
        read_table(path, *args, **kwargs)
    return [str(issue) for issue in info.value.issues]


def xlsx(tmp_path: Path, sheets: dict[str, list[list]], name: str = "t.xlsx") -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


# -- CSV: quoting, lines, columns ----------------------------------------------------------------

def test_rows_keep_the_line_where_a_quoted_multiline_cell_starts(tmp_path):
    path = write(tmp_path, HEADER + '06,06010,"有垃圾\n成堆"\n01,01001,"井盖""丢失"""\n')
    table = read_table(path, ("小类代码", "立案条件"))
    assert [(r.line, r.get("立案条件")) for r in table.rows] == [
        (2, "有垃圾\n成堆"), (4, '井盖"丢失"')]
    assert table.read_as == "CSV，UTF-8编码" and table.unknown == ("大类代码",)


def test_an_unclosed_quote_is_refused_naming_its_line_and_column(tmp_path):
    path = write(tmp_path, HEADER + "06,06010,有垃圾\n06,\"06011,无人清理\n01,01001,井盖\n")
    assert refused(path, ("小类代码",)) == [
        "第3行第2列：引号未闭合：从这个引号起到文件末尾都被读成了一个单元格，请补上右引号"]


def test_text_after_a_closing_quote_is_refused_and_reading_goes_on(tmp_path):
    path = write(tmp_path, HEADER + '06,"06010"x,有垃圾\n01,01001,井盖,多余\n')
    assert refused(path, ("小类代码",)) == [
        "第2行第2列：右引号后面还有字符：单元格中的引号要写成两个（\"\"），或去掉多余的引号",
        "第3行第4列：这一行有4列，表头只有3列：多出的数据多半来自未加引号的逗号"]


def test_duplicated_and_aliased_headers_are_refused_naming_both_columns(tmp_path):
    path = write(tmp_path, "小类代码,立案条件,小类代码,立案标准\n06010,a,06010,b\n")
    assert refused(path, ("小类代码", "立案条件"), aliases={"立案标准": "立案条件"}) == [
        "第1行第3列“小类代码”：列名重复：与第1列是同一列，请删除或改名其中一列",
        "第1行第4列“立案标准”：列名重复：与第2列是同一列（“立案标准”即“立案条件”），"
        "请删除或改名其中一列"]


def test_missing_columns_and_an_empty_header_over_data_are_refused(tmp_path):
    path = write(tmp_path, "小类代码,,备注\n06010,漏了列名,\n")
    assert refused(path, ("小类代码", "立案条件")) == [
        "第1行：表头缺少必需的列：立案条件；表头应包含：小类代码,立案条件",
        "第1行第2列：表头为空，但第2行在这一列有数据：请填写列名"]


def test_a_title_row_above_the_header_is_skipped(tmp_path):
    path = write(tmp_path, "溧阳市数字城管立案标准（2025版）,,\n" + HEADER + "06,06010,有垃圾\n")
    table = read_table(path, ("小类代码", "立案条件"))
    assert table.header_line == 2 and [r.line for r in table.rows] == [3]


def test_every_problem_is_listed_up_to_the_cap(tmp_path):
    rows = "".join(f'06,"06{i:03d}"x,c\n' for i in range(MAX_ISSUES + 5))
    with pytest.raises(ImportFailed) as info:
        read_table(write(tmp_path, HEADER + rows), ("小类代码",))
    assert len(info.value.issues) == MAX_ISSUES and info.value.truncated
    assert [i.line for i in info.value.issues] == list(range(2, MAX_ISSUES + 2))


# -- encodings -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "bom", "named"), [
    ("utf-8", b"", "UTF-8"), ("utf-8", codecs.BOM_UTF8, "UTF-8（带BOM）"),
    ("gbk", b"", "GB18030（GBK）"), ("gb18030", b"", "GB18030（GBK）")])
def test_utf8_and_gbk_files_are_read_and_their_encoding_named(tmp_path, encoding, bom, named):
    path = tmp_path / "t.csv"
    path.write_bytes(bom + (HEADER + "06,06010,主要道路有成堆垃圾\n").encode(encoding))
    table = read_table(path, ("小类代码", "立案条件"))
    assert table.encoding == named and table.rows[0].get("立案条件") == "主要道路有成堆垃圾"
    assert table.columns == ("大类代码", "小类代码", "立案条件")


def test_gb18030_four_byte_characters_are_read(tmp_path):
    path = write(tmp_path, HEADER + "06,06010,𠮷野家门口有垃圾\n", "gb18030")
    assert read_table(path, ("小类代码",)).rows[0].get("立案条件") == "𠮷野家门口有垃圾"


@pytest.mark.parametrize(("data", "reason"), [
    ((HEADER + "06,06010,有垃圾\n").encode("utf-16"), "UTF-16"),
    ("大類代碼,小類代碼,立案條件\n06,06010,環境衛生髒亂\n".encode("big5"), "Big5"),
    (codecs.BOM_UTF8 + "小类代码\n".encode() + "垃圾".encode("gbk"), "开头标明是UTF-8"),
    (b"\x00\x01\x02binary\x00data", "NUL"),
])
def test_other_encodings_are_refused_with_the_reason(tmp_path, data, reason):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    (message,) = refused(path, ("小类代码",))
    assert reason in message


# -- Excel ---------------------------------------------------------------------------------------

def test_an_excel_sheet_is_read_like_a_csv(tmp_path):
    path = xlsx(tmp_path, {"说明": [["本表由城管局提供"]], "立案标准": [
        ["溧阳市立案标准"], [], ["大类代码", "小类代码", "立案条件", "日期", "紧急"],
        [6, "06010", "有垃圾", dt.datetime(2027, 1, 1), True],
        [1, 1001.0, 2.5, dt.date(2027, 10, 1), False]]})
    table = read_table(path, ("小类代码", "立案条件"), ("大类代码", "日期", "紧急"))
    assert (table.sheet, table.header_line, table.read_as) == ("立案标准", 3,
                                                               "Excel工作表“立案标准”")
    first, second = table.rows
    assert (first.line, dict(first.values)) == (4, {
        "大类代码": "6", "小类代码": "06010", "立案条件": "有垃圾", "日期": "2027-01-01",
        "紧急": "是"})
    assert (second.get("小类代码"), second.get("立案条件"), second.get("日期")) == (
        "1001", "2.5", "2027-10-01")
    assert first.was_number("大类代码") and not first.was_number("小类代码")
    assert second.was_number("小类代码")


def test_an_excel_sheet_is_chosen_by_name_and_problems_name_the_column_letter(tmp_path):
    path = xlsx(tmp_path, {"甲": [["小类代码", "立案条件", "小类代码"], ["06010", "a", "x"]],
                           "乙": [["小类代码"]]})
    assert refused(path, ("小类代码",), sheet="甲") == [
        "第1行C列“小类代码”：列名重复：与A列是同一列，请删除或改名其中一列"]
    assert refused(path, ("小类代码",), sheet="丙") == [
        "工作簿中没有工作表“丙”；已有的工作表：“甲”、“乙”"]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("t.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版Excel"),
    ("t.xlsx", b"PK\x03\x04 not really a zip", "文件已损坏"),
])
def test_old_and_damaged_workbooks_are_refused(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    (message,) = refused(path, ("小类代码",))
    assert reason in message


# -- limits --------------------------------------------------------------------------------------

def test_size_row_and_cell_limits(tmp_path):
    limits = TableLimits(max_bytes=2_000, max_rows=5, max_cell_chars=50)
    big = write(tmp_path, HEADER + "06,06010,x\n" * 200, name="big.csv")
    assert refused(big, ("小类代码",), limits=limits) == [
        "文件过大（2,239字节）：一次最多导入2,000字节，请拆分后分批导入"]
    many = write(tmp_path, HEADER + "06,06010,x\n" * 6, name="many.csv")
    assert refused(many, ("小类代码",), limits=limits) == ["文件超过5行：请拆分后分批导入"]
    wide = write(tmp_path, HEADER + "06,06010," + "长" * 60 + "\n", name="wide.csv")
    assert refused(wide, ("小类代码",), limits=limits) == [
        "第2行第3列：单元格超过50个字符：请缩短内容或拆分"]
    sheet = xlsx(tmp_path, {"s": [["小类代码"]] + [["06010"]] * 6})
    assert refused(sheet, ("小类代码",), limits=TableLimits(max_rows=5)) == [
        "工作表超过5行：请拆分后分批导入"]


def test_an_empty_file_is_refused(tmp_path):
    assert refused(write(tmp_path, "\n\n"), ("小类代码",)) == ["文件为空：缺少表头行"]
