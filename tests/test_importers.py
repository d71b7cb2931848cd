"""File importers: every good file loads; every bad file is rejected as a whole with the
line (or GeoJSON feature and line) of each problem, and the database stays unchanged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from seatdesk.data.errors import MAX_ISSUES, ImportFailed
from seatdesk.data.importers import (
    import_classes,
    import_components,
    import_conditions,
    import_grid,
)
from seatdesk.models import (
    AdminUnit,
    Base,
    CaseClass,
    Component,
    FilingCondition,
    GridCell,
    set_setting,
)

DATA = Path(__file__).parent / "data"
CONDITION_HEADER = "大类代码,大类名称,小类代码,小类名称,立案条件,处置时限,结案条件,责任单位\n"


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}


def rejected(db, importer, path) -> ImportFailed:
    """Run an import that must fail; commit the session anyway; nothing may have changed."""
    before = row_counts(db)
    with db.Session() as s:
        with pytest.raises(ImportFailed) as info:
            importer(s, path)
        s.commit()
    assert row_counts(db) == before
    return info.value


def messages(failure: ImportFailed) -> list[str]:
    return [str(issue) for issue in failure.issues]


def load(db, importer, name: str):
    with db.Session.begin() as s:
        return importer(s, DATA / name)


# -- grid -----------------------------------------------------------------------------------

def test_import_grid_creates_cells_and_their_admin_units(db):
    report = load(db, import_grid, "grid_good.geojson")
    assert report.count("grid_cells") == 3 and report.count("admin_units") == 3
    with db.Session() as s:
        cells = {c.code: c for c in s.scalars(select(GridCell))}
        units = {u.code: u for u in s.scalars(select(AdminUnit))}
    assert sorted(cells) == ["320481002012001", "320481002012002", "320481002012003"]
    first = cells["320481002012001"]
    assert 10_000 < first.area_m2 < 11_000  # 0.001° × 0.001° at 31.4°N ≈ 95 m × 111 m
    assert (first.min_lon, first.min_lat, first.max_lon, first.max_lat) == pytest.approx(
        (119.48, 31.425, 119.481, 31.426))
    assert first.zone == "A" and cells["320481002012003"].zone is None
    assert {c.geom.geom_type for c in cells.values()} == {"Polygon"}  # MultiPolygon → Polygon
    community = units["320481002012"]
    assert (community.level, community.name) == ("community", "县前街社区")
    assert first.community_id == community.id
    assert community.parent_id == units["320481002"].id
    assert units["320481002"].parent_id == units["320481"].id


def test_grid_with_a_bowtie_is_refused(db):
    failure = rejected(db, import_grid, DATA / "grid_bowtie.geojson")
    (issue,) = failure.issues
    assert (issue.feature, issue.line) == (2, 5)
    assert str(issue).startswith("第2个要素（文件第5行）：几何图形无效：边界自相交")
    assert "Self-intersection" in issue.message


def test_grid_cells_overlapping_each_other_are_refused(db):
    failure = rejected(db, import_grid, DATA / "grid_overlap.geojson")
    assert messages(failure) == [
        "第1个要素（文件第4行）：单元网格“320481002012004”与单元网格“320481002012005”"
        "（第2个要素）重叠约5,270.8平方米"]


def test_grid_cells_overlapping_or_repeating_stored_cells_are_refused(db):
    load(db, import_grid, "grid_good.geojson")
    failure = rejected(db, import_grid, DATA / "grid_overlap_stored.geojson")
    assert "第1个要素（文件第4行）" in messages(failure)[0]
    assert "与已有单元网格“320481002012003”重叠" in messages(failure)[0]
    failure = rejected(db, import_grid, DATA / "grid_good.geojson")
    assert [(i.feature, i.line) for i in failure.issues] == [(1, 4), (2, 5), (3, 6)]
    assert all("已存在于数据库中" in m for m in messages(failure))


def test_grid_duplicate_codes_in_the_file_are_refused(db):
    failure = rejected(db, import_grid, DATA / "grid_duplicate.geojson")
    assert messages(failure) == [
        "第2个要素（文件第5行）：单元网格代码“320481002012004”与第1个要素重复"]


def test_grid_codes_are_checked_against_length_and_community(db):
    failure = rejected(db, import_grid, DATA / "grid_bad_code.geojson")
    assert messages(failure) == [
        "第1个要素（文件第4行）：单元网格代码（code）“32048100201201”为14位，应为15位数字"
        "（本市按GB/T 30428.1-2013 / GB/T 47678设置为15位，见 seatdesk city show）",
        "第2个要素（文件第5行）：单元网格代码“320481002013001”应以所属社区代码“320481002012”开头",
        "第3个要素（文件第6行）：社区“320481002099”不存在：请先导入行政区划，"
        "或在属性中给出community_name以便一并创建"]


def test_grid_code_length_follows_the_setting(db, tmp_path):
    doc = json.loads((DATA / "grid_good.geojson").read_text(encoding="utf-8"))
    for feature in doc["features"]:
        feature["properties"]["code"] = feature["properties"]["code"][:12] + \
            feature["properties"]["code"][-2:]
    path = tmp_path / "grid14.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with db.Session.begin() as s:
        set_setting(s, "grid_code_length", 14)
    failure = rejected(db, import_grid, DATA / "grid_good.geojson")
    assert all("应为14位数字" in m for m in messages(failure))
    with db.Session.begin() as s:
        assert import_grid(s, path).count("grid_cells") == 3


def test_grid_json_syntax_error_names_the_line(db, tmp_path):
    text = (DATA / "grid_good.geojson").read_text(encoding="utf-8").replace("}},\n", "}}\n", 1)
    path = tmp_path / "broken.geojson"
    path.write_text(text, encoding="utf-8")
    failure = rejected(db, import_grid, path)
    assert failure.issues[0].line == 5 and "GeoJSON格式错误" in str(failure.issues[0])


def test_a_failed_import_keeps_the_callers_earlier_work(db):
    with db.Session() as s:
        import_grid(s, DATA / "grid_good.geojson")
        with pytest.raises(ImportFailed):
            import_grid(s, DATA / "grid_bowtie.geojson")
        s.commit()
    assert row_counts(db)["grid_cells"] == 3


# -- components -----------------------------------------------------------------------------

@pytest.fixture(name="city")
def city_fixture(make_db):
    """Reference data plus the three grid cells of grid_good.geojson (also used by
    tests/test_gis_import.py)."""
    db = make_db("reference")
    load(db, import_grid, "grid_good.geojson")
    return db


def test_import_components(city):
    assert load(city, import_components, "components_good.geojson").count("components") == 3
    with city.Session() as s:
        cells = dict(s.execute(select(GridCell.id, GridCell.code)).all())
        got = {c.code: c for c in s.scalars(select(Component))}
        classes = dict(s.execute(select(CaseClass.id, CaseClass.name)).all())
    cover, lamp, tree = (got[c] for c in ("32048101001000001", "32048101037000001",
                                          "32048104002000001"))
    assert (classes[cover.class_id], cover.status, cells[cover.grid_cell_id]) == (
        "供水井盖", "intact", "320481002012001")
    assert cover.initial_date == dt.date(2024, 1, 15)
    assert (cover.lon, cover.lat) == pytest.approx((119.4805, 31.4255))
    assert cover.geom.geom_type == "Point"
    assert (lamp.name, lamp.status, cells[lamp.grid_cell_id]) == ("路灯", "damaged",
                                                                   "320481002012002")
    assert (tree.status, tree.note) == ("lost", "路口东侧")
    assert cells[tree.grid_cell_id] == "320481002012001"  # on the shared edge: lowest code


def test_bad_components_are_refused_with_every_reason(city):
    failure = rejected(city, import_components, DATA / "components_bad.geojson")
    assert messages(failure) == [
        "第1个要素（文件第4行）：标识码（code）“3204810100100001”为16位，应为17位数字"
        "（GB/T 47678.5-2026）",
        "第2个要素（文件第5行）：标识码“32048101016000001”中的部件小类代码“01016”"
        "不是GB/T 47678.5-2026的部件小类",
        "第3个要素（文件第6行）：点(119.500000,31.400000)不在任何单元网格内",
        "第4个要素（文件第7行）：部件状态（status）“坏了”无效：应为完好、破损、丢失、废弃或移除",
        "第6个要素（文件第9行）：标识码“32048101001000004”与第5个要素重复"]


def test_components_need_the_classification(db):
    failure = rejected(db, import_components, DATA / "components_good.geojson")
    assert "尚未加载" in str(failure)


# -- classes --------------------------------------------------------------------------------

def test_import_local_classes(make_db):
    db = make_db("reference")
    assert load(db, import_classes, "classes_local.csv").count("classes") == 2
    with db.Session() as s:
        local = s.scalars(select(CaseClass).where(CaseClass.is_local.is_(True))).all()
    assert sorted((c.kind, c.code, c.name, c.pinyin_initials) for c in local) == [
        ("component", "21001", "防撞柱", "fzz"), ("event", "21001", "电动车违规充电", "ddcwgcd")]


def test_bad_classes_are_refused(make_db):
    db = make_db("reference")
    failure = rejected(db, import_classes, DATA / "classes_bad.csv")
    assert messages(failure) == [
        "第2行：小类代码“2101”为4位，应为5位数字（GB/T 47678.5-2026）",
        "第3行：未知的分类版本“GB/T 99999-2030”；已有版本：GB/T 30428.2-2013、GB/T 47678.5-2026",
        "第4行：GB/T 47678.5-2026中已有部件小类“01001”（供水井盖）",
        "第6行：小类代码“21001”（事件(事项)）与第5行重复",
        "第7行：类型“thing”无效：应为 component/部件 或 event/matter/事件/事项"]


# -- conditions -----------------------------------------------------------------------------

def conditions_of(db, kind: str, code: str) -> list[FilingCondition]:
    with db.Session() as s:
        cls = s.scalar(select(CaseClass).where(CaseClass.kind == kind, CaseClass.code == code,
                                               CaseClass.edition.has(code="GB/T 47678.5-2026")))
        return [(c, sorted((lim.urgency, lim.zone, lim.value, lim.unit) for lim in c.limits))
                for c in cls.conditions]


def test_import_city_conditions_replaces_the_defaults_of_those_classes(make_db):
    db = make_db("reference")
    report = load(db, import_conditions, "conditions_city.csv")
    assert report.count("conditions_created") + report.count("conditions_updated") == 3
    assert report.count("limits") == 6
    active = [(c, lims) for c, lims in conditions_of(db, "event", "06010") if c.active]
    ((garbage, lims),) = active
    assert garbage.text == "主要道路有成堆垃圾" and not garbage.is_default
    assert [(u, z, str(v), unit) for u, z, v, unit in lims] == [
        ("normal", "A", "2.00", "working_hours"), ("normal", "B", "4.00", "working_hours")]
    cover = [(c, lims) for c, lims in conditions_of(db, "component", "01001") if c.active]
    assert [[(u, str(v), unit) for u, _, v, unit in lims] for _, lims in cover] == [
        [("normal", "4.00", "natural_hours"), ("urgent", "1.00", "natural_hours")]]
    assert any(c.active for c, _ in conditions_of(db, "event", "01001"))  # matter untouched
    before = row_counts(db)
    again = load(db, import_conditions, "conditions_city.csv")
    assert again.count("conditions_created") == 0 and again.count("conditions_updated") == 3
    assert row_counts(db) == before


def test_bad_conditions_are_refused(make_db):
    db = make_db("reference")
    failure = rejected(db, import_conditions, DATA / "conditions_bad.csv")
    assert [i.line for i in failure.issues] == [2, 3, 4, 5, 6]
    text = messages(failure)
    assert text[0] == "第2行：GB/T 47678.5-2026中没有小类“06999”"
    assert text[1].startswith("第3行：无法识别的处置时限“两个工作日”")
    assert "同时对应部件和事项" in text[2] and "类型" in text[2]
    assert text[3] == ("第5行：小类代码“0601”为4位，应为5位数字，或大类代码后的3位序号"
                       "（GB/T 47678.5-2026）")
    assert text[4] == "第6行：大类代码“07”与小类代码“06010”不一致"


def test_gbk_conditions_file_is_read_and_its_encoding_named(make_db):
    db = make_db("reference")
    report = load(db, import_conditions, "conditions_gbk.csv")
    assert report.read_as == "CSV，GB18030（GBK）编码"
    assert "GB18030（GBK）" in str(report)


def test_at_most_fifty_issues_are_listed(make_db, tmp_path):
    db = make_db("reference")
    path = tmp_path / "many.csv"
    rows = "".join(f"06,x,0601{i % 10},x,x,2工作时,x,x\n" for i in range(60))
    path.write_text(CONDITION_HEADER + "06,x,6.01E+04,x,x,2工作时,x,x\n" + rows, encoding="utf-8")
    failure = rejected(db, import_conditions, path)
    assert len(failure.issues) == MAX_ISSUES and failure.truncated
    assert "科学计数法" in str(failure.issues[0]) and "仅列出前50处" in str(failure)
