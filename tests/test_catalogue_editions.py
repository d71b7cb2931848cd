"""The default 立案条件 catalogue of GB/T 30428.2-2013, derived from the 47678.5 rules:
the mapping tables, the committed CSVs, the loaded conditions and a 2013 case filed under
one of them through the workflow services."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from seatdesk.data import catalogue_editions as ed
from seatdesk.data.catalogue_gen import CLASSES, CLASSES_2013, OUTPUT, OUTPUT_2013, main, render
from seatdesk.data.limits import parse_limit
from seatdesk.models import Case, CaseClass, ClassEdition, FilingCondition, TimeLimit
from seatdesk.models.enums import TimeUnit
from seatdesk.models.settings import set_setting
from seatdesk.workflow import services as sd
from seatdesk.workflow.sample import USERS, ensure_sample
from seatdesk.workflow.worktime import WorkCalendar
from tests.workflow_fixtures import Clock

OLD = "GB/T 30428.2-2013"


def read(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def rows_of(code: str, kind: str) -> list[dict[str, str]]:
    return [r for r in read(OUTPUT_2013) if r["小类代码"] == code and r["类型"] == kind]


# -- the mapping tables ----------------------------------------------------------------------

def test_event_mapping_covers_all_50_events_and_points_at_existing_matters():
    old = read(CLASSES_2013)
    new = {(r["kind"], r["minor_code"]) for r in read(CLASSES)}
    events = {r["minor_code"]: r for r in old if r["kind"] == "event"}
    assert len(events) == 50 and set(ed.EVENT_MATCHES) == set(events)
    for code, match in ed.EVENT_MATCHES.items():
        assert all(("matter", m) in new for m in match.matters), code
        if not match.matters:  # the generic rule of the fallback major, with a unit
            major = ed.EVENT_FALLBACK_MAJOR[events[code]["major_code"]]
            assert major in ed.GENERIC_EVENT_BY_MAJOR and match.unit and not match.same
    assert set(ed.EVENT_FALLBACK_MAJOR) == {r["major_code"] for r in events.values()}
    assert set(ed.EVENT_FALLBACK_MAJOR.values()) <= set(ed.GENERIC_EVENT_BY_MAJOR)


def test_component_mapping_covers_all_85_components():
    components = [r for r in read(CLASSES_2013) if r["kind"] == "component"]
    new = {r["minor_code"] for r in read(CLASSES) if r["kind"] == "component"}
    assert len(components) == 85 == len(ed.COMPONENT_MATCHES)
    assert set(ed.COMPONENT_MATCHES) == {r["minor_code"] for r in components}
    assert all(code in new for code in ed.COMPONENT_MATCHES.values() if code)
    assert set(ed.COMPONENT_MAJORS) == {r["major_code"] for r in components}
    unmatched = {r["minor_name"] for r in components if not ed.COMPONENT_MATCHES[r["minor_code"]]}
    assert set(ed.EXACT_2013) <= unmatched


# -- the committed files ---------------------------------------------------------------------

def test_both_catalogues_regenerate_byte_identical(tmp_path, capsys):
    assert OUTPUT.read_bytes() == render().encode("utf-8")
    assert OUTPUT_2013.read_bytes() == render("30428.2").encode("utf-8")
    assert main([str(tmp_path / "new.csv")]) == 0
    assert main(["--edition", "30428.2", str(tmp_path / "old.csv")]) == 0
    assert (tmp_path / "new.csv").read_bytes() == OUTPUT.read_bytes()
    assert (tmp_path / "old.csv").read_bytes() == OUTPUT_2013.read_bytes()
    assert "wrote 239 conditions" in capsys.readouterr().out


def test_2013_catalogue_rows_are_well_formed():
    rows = read(OUTPUT_2013)
    assert list(rows[0]) == list(read(OUTPUT)[0])  # same columns as the 47678.5 file
    classes = {(r["kind"], r["minor_code"]): r for r in read(CLASSES_2013)}
    kinds = {"部件": "component", "事件": "event"}
    for row in rows:
        cls = classes[kinds[row["类型"]], row["小类代码"]]
        assert (row["大类代码"], row["大类名称"], row["小类名称"]) == (
            cls["major_code"], cls["major_name"], cls["minor_name"])
        assert len(row["立案明细编码"]) == 6 and row["立案明细编码"].startswith(row["小类代码"])
        parse_limit(row["处置时限"])
        parse_limit(row["紧急处置时限"])  # every urgency can be filed
        assert row["立案条件"] and row["结案条件"] and row["责任单位"]
        assert row["默认值"] == "是" or row["来源"]  # only published rows are not defaults
    assert {(kinds[r["类型"]], r["小类代码"]) for r in rows if r["启用"] == "是"} == set(classes)


def test_published_rows_travel_through_the_mapping_with_their_source():
    illegal = rows_of("0101", "事件")  # S28's 01-01 and 济源's 01 are this very class
    assert [(r["处置时限"], r["来源"], r["默认值"], r["启用"]) for r in illegal] == [
        ("4工作时", "S28", "否", "是"), ("7工作日", "S28", "否", "是"),
        ("20工作日", "S28", "否", "是"), ("15工作日", "S29", "否", "否")]
    police = rows_of("0112", "部件")[0]  # via COMPONENT_MATCHES → BY_CODE 01012
    assert (police["来源"], police["责任单位"]) == ("S24", "公安局交通警察大队")
    ownerless = rows_of("0114", "部件")  # 无主井盖 = 不明井盖
    assert [r["来源"] for r in ownerless[:2]] == ["S32", "S33"]
    water = rows_of("0406", "事件")  # closest match: S28's 积水 row, flagged for review
    assert [(r["立案条件"][:4], r["来源"], r["默认值"]) for r in water] == [("道路积水", "S28", "是")]


def test_inferred_rows_are_defaults_with_a_plausible_unit():
    pipe = rows_of("0402", "事件")  # 突发事件 without a 2026 matter: generic rule of 10
    assert [(r["处置时限"], r["紧急处置时限"], r["责任单位"], r["默认值"]) for r in pipe] == [
        ("4小时", "1小时", "自来水公司", "是")]
    assert rows_of("0107", "部件")[0]["责任单位"] == "通信运营企业"  # 通讯 read as 通信
    assert {r["责任单位"] for r in rows_of("0306", "部件")} == {"城管执法大队"}  # 灯箱霓虹灯
    signs = rows_of("0205", "事件")  # 广告招牌破损 → 户外广告异常 + 牌匾标识异常
    assert len(signs) == 4 and signs[2]["立案条件"].startswith("牌匾标识")


@pytest.mark.parametrize("normal, urgent", [
    ("5工作日", "8小时"), ("3自然日", "8小时"), ("36小时", "8小时"), ("2工作日", "4小时"),
    ("1工作日", "2小时"), ("6小时", "1小时"), ("4工作时", "1小时"), ("90分钟", "30分钟"),
    ("2工作时", "30分钟"), ("10自然日", "24小时"), ("20工作日", "24小时"),
    ("30工作分钟", "30分钟"), ("20分钟", "20分钟")])
def test_the_urgent_limit_rule(normal, urgent):
    """A quarter of the normal limit, continuous, rounded down to 30 min/1/2/4/8/24 h."""
    from seatdesk.data.limits import derived_urgent_limit, format_limit

    assert format_limit(*derived_urgent_limit(*parse_limit(normal))) == urgent


@pytest.mark.parametrize("path", [OUTPUT, OUTPUT_2013])
def test_every_condition_has_an_urgent_limit_marked_when_derived(path):
    """Shipped catalogues carry a 紧急 limit on every row; the derived ones (no figure in
    the rules) say so in 紧急时限默认值 and follow the rule."""
    from seatdesk.data.limits import derived_urgent_limit, format_limit

    rows = read(path)
    derived = [r for r in rows if r["紧急时限默认值"] == "是"]
    assert all(r["紧急处置时限"] for r in rows) and derived
    assert {r["紧急时限默认值"] for r in rows} == {"是", "否"}
    for row in derived:
        assert row["紧急处置时限"] == format_limit(
            *derived_urgent_limit(*parse_limit(row["处置时限"])))
    cover = rows[0]  # a published 紧急 limit stays as published
    assert (cover["紧急处置时限"], cover["紧急时限默认值"]) in {("2小时", "否")}


# -- loaded into a database -------------------------------------------------------------------

def test_every_2013_class_has_an_active_condition_with_a_limit(make_db):
    db = make_db("reference")
    with db.Session() as s:
        query = (select(CaseClass).join(ClassEdition).where(ClassEdition.code == OLD)
                 .options(selectinload(CaseClass.conditions).selectinload(FilingCondition.limits)))
        old = list(s.scalars(query))
        assert Counter(c.kind for c in old) == {"component": 85, "event": 50}
        for cls in old:
            active = [c for c in cls.conditions if c.active]
            assert active, f"{cls.kind} {cls.code} {cls.name} has no active condition"
            for cond in active:
                assert {(lim.urgency, lim.zone) for lim in cond.limits} == {
                    ("normal", ""), ("urgent", "")}
        assert sum(len(cls.conditions) for cls in old) == 239
        assert s.scalar(select(func.count()).select_from(FilingCondition)) == 652 + 239
        assert s.scalar(select(func.count()).select_from(TimeLimit)) == 2 * (652 + 239)


def _class_and_condition(s, kind: str, code: str, cond_code: str) -> tuple[int, int]:
    cond = s.scalar(select(FilingCondition).join(CaseClass).join(ClassEdition).where(
        ClassEdition.code == OLD, CaseClass.kind == kind, CaseClass.code == code,
        FilingCondition.code == cond_code))
    return cond.class_id, cond.id


def _file_and_dispatch(wf, clock, actors, ids, class_id: int, condition_id: int):
    clock.advance(minutes=1)
    report = sd.Report(source="patrol", lon=ids.point[0], lat=ids.point[1], class_id=class_id)
    change = sd.register(wf, actors["sample_acceptor"], report)
    steps = ((sd.accept, "sample_acceptor", {}),
             (sd.file, "sample_lead", {"condition_id": condition_id}),
             (sd.dispatch, "sample_dispatcher", {"department_id": ids.departments["SAMPLE-SW"]}))
    for action, who, kwargs in steps:
        clock.advance(minutes=1)
        change = action(wf, actors[who], change.case_id, change.version, **kwargs)
    return change


def test_a_2013_case_is_filed_under_its_condition_and_gets_its_deadline(make_db):
    db = make_db("reference")
    with db.Session.begin() as s:
        set_setting(s, "class_edition", OLD)
        ids = ensure_sample(s)
        cover = _class_and_condition(s, "component", "0102", "010201")  # 6小时
        illegal = _class_and_condition(s, "event", "0101", "010101")  # 4工作时
    actors = {name: sd.Actor(ids.users[name], role, ids.departments.get(dept), "席位")
              for name, (_, role, dept) in USERS.items()}
    clock = Clock()
    wf = sd.Workflow(db.engine, clock=clock, cache_seconds=0)
    first = _file_and_dispatch(wf, clock, actors, ids, *cover)
    second = _file_and_dispatch(wf, clock, actors, ids, *illegal)
    with db.Session() as s:
        case = s.get(Case, first.case_id)
        assert (case.state, case.condition_id, case.class_id) == ("dispatched", cover[1], cover[0])
        assert (case.limit_value, case.limit_unit) == (Decimal(6), TimeUnit.NATURAL_HOURS)
        assert case.closure_condition == "污水井盖补齐或修复，与路面平齐、稳固"
        assert case.deadline_at == first.deadline_at == case.dispatched_at + dt.timedelta(hours=6)
        case = s.get(Case, second.case_id)
        assert (case.limit_value, case.limit_unit) == (Decimal(4), TimeUnit.WORKING_HOURS)
        expected = WorkCalendar.from_session(s).add(case.dispatched_at, Decimal(4),
                                                    TimeUnit.WORKING_HOURS)
        assert case.deadline_at == second.deadline_at == expected
        assert case.deadline_at - case.dispatched_at >= dt.timedelta(hours=4)
