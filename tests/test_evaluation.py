"""综合评价 indicators on hand-built cases with known answers (tests/evaluation_cases.py),
on SQLite and PostgreSQL: regions, departments, posts, composite scores and grades,
configuration variants, drill-down lists that add up, and past months that stay put."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy.orm import Session

from seatdesk.evaluation.config import EvaluationConfig, load_config, save_config
from seatdesk.evaluation.definitions import LEVELS
from seatdesk.evaluation.drilldown import denominator_rows, numerator_rows
from seatdesk.evaluation.indicators import Period, evaluate, evaluate_all
from tests.evaluation_cases import built_fixture

built = built_fixture()
JUNE, MAY = Period.month(2025, 6), Period.month(2025, 5)


@pytest.fixture(scope="module")
def june(built):
    with Session(built.engine) as session:
        return evaluate_all(session, JUNE)


def values(row, keys):
    return {k: row.value(k) for k in keys}


def test_district_figures(june):
    (row,) = june["district"].rows
    assert row.name == "溧阳市"
    assert values(row, ["reports", "valid_reports", "valid_report_rate", "accepted", "filed",
                        "filed_accurate", "file_accuracy_rate", "voided", "missed_reports",
                        "missed_report_rate", "patrol_filed", "supervisor_report_rate"]) == {
        "reports": 11, "valid_reports": 10, "valid_report_rate": 90.91, "accepted": 10,
        "filed": 10, "filed_accurate": 9, "file_accuracy_rate": 90.0, "voided": 1,
        "missed_reports": 1, "missed_report_rate": 10.0, "patrol_filed": 9,
        "supervisor_report_rate": 90.0}
    assert values(row, ["due_closure", "closed", "closure_rate", "closed_on_time",
                        "closure_on_time_rate", "closed_overdue", "closure_overdue_rate",
                        "unclosed", "unclosed_rate", "rework", "rework_rate", "extended",
                        "extension_rate", "suspended", "returned"]) == {
        "due_closure": 9, "closed": 6, "closure_rate": 66.67, "closed_on_time": 5,
        "closure_on_time_rate": 55.56, "closed_overdue": 1, "closure_overdue_rate": 11.11,
        "unclosed": 3, "unclosed_rate": 27.27, "rework": 1, "rework_rate": 16.67,
        "extended": 1, "extension_rate": 11.11, "suspended": 2, "returned": 1}
    # 监督举报率 90×20 + 结案率 66.67×40 + 按期结案率 55.56×40, over 100
    assert (row.score, row.grade) == (66.89, "C")


def test_communities_and_cells(built, june):
    by_name = {r.name: r for r in june["community"].rows}
    one, two = by_name["第1社区"], by_name["第2社区"]
    assert values(one, ["reports", "filed", "due_closure", "closed", "closure_on_time_rate"]) == {
        "reports": 5, "filed": 5, "due_closure": 4, "closed": 4, "closure_on_time_rate": 100.0}
    assert values(two, ["reports", "valid_reports", "filed", "due_closure", "closed",
                        "closed_on_time", "closed_overdue", "unclosed"]) == {
        "reports": 6, "valid_reports": 5, "filed": 5, "due_closure": 5, "closed": 2,
        "closed_on_time": 1, "closed_overdue": 1, "unclosed": 3}
    assert built.names(two.figure("closed_overdue").cases) == ["C2"]
    assert built.names(two.figure("unclosed").cases) == ["C12", "C4b", "C9"]
    assert [r.name for r in june["community"].rows] == ["第1社区", "第2社区"]  # ranked
    cells = {r.name: r.value("reports") for r in june["grid"].rows}
    assert cells == {"320481002001001": 5, "320481002002002": 6}


def test_departments(built, june):
    rows = {r.name: r for r in june["department"].rows}
    d1, d2 = rows["市政设施管理处"], rows["环境卫生管理处"]
    assert values(d1, ["due_handling", "handled", "handling_rate", "handled_on_time",
                       "handling_on_time_rate", "handled_overdue", "rework", "rework_rate",
                       "extended", "returned", "suspended", "due_closure", "closed"]) == {
        "due_handling": 4, "handled": 3, "handling_rate": 75.0, "handled_on_time": 3,
        "handling_on_time_rate": 75.0, "handled_overdue": 0, "rework": 1, "rework_rate": 33.33,
        "extended": 1, "returned": 1, "suspended": 0, "due_closure": 4, "closed": 3}
    assert values(d2, ["due_handling", "handled", "handled_on_time", "handled_overdue",
                       "suspended", "closed_on_time", "closure_overdue_rate"]) == {
        "due_handling": 5, "handled": 3, "handled_on_time": 2, "handled_overdue": 1,
        "suspended": 2, "closed_on_time": 2, "closure_overdue_rate": 20.0}
    assert built.names(d1.figure("due_handling").cases) == ["C1", "C12", "C3", "C6"]
    assert built.names(d1.figure("returned").cases) == ["C5"]  # 回退, not due
    assert built.names(d2.figure("handled_overdue").cases) == ["C2"]
    assert built.names(d2.figure("handled_on_time").cases) == ["C4", "C5"]  # 挂账 moved C4's
    assert (d1.score, d1.grade, d1.rank) == (73.33, "C", 1)
    assert (d2.score, d2.rank) == (60.0, 2)


def test_posts(built, june):
    sup = {r.name: r for r in june["supervisor"].rows}
    assert values(sup["监督员一"], ["reports", "valid_report_rate", "checks", "checks_on_time",
                                "check_on_time_rate", "verify_on_time_rate"]) == {
        "reports": 6, "valid_report_rate": 100.0, "checks": 6, "checks_on_time": 4,
        "check_on_time_rate": 66.67, "verify_on_time_rate": None}
    assert built.names(sup["监督员一"].figure("checks").cases) == sorted(
        ["C1", "C2", "C3", "C4", "C5", "C10"])
    assert values(sup["监督员二"], ["verifies", "verify_on_time_rate", "checks"]) == {
        "verifies": 1, "verify_on_time_rate": 0.0, "checks": 2}
    assert (sup["监督员一"].score, sup["监督员二"].score) == (88.89, 75.0)
    (acc,) = june["acceptor"].rows
    assert values(acc, ["accepted", "accept_on_time_rate", "verify_send_on_time_rate",
                        "check_sends", "check_send_on_time_rate"]) == {
        "accepted": 10, "accept_on_time_rate": 90.0, "verify_send_on_time_rate": 100.0,
        "check_sends": 8, "check_send_on_time_rate": 87.5}
    (lead,) = june["shift_lead"].rows
    assert values(lead, ["filed", "file_on_time_rate", "file_accuracy_rate", "closes",
                         "close_on_time_rate"]) == {
        "filed": 10, "file_on_time_rate": 90.0, "file_accuracy_rate": 90.0, "closes": 7,
        "close_on_time_rate": 100.0}
    assert (lead.score, lead.grade) == (93.5, "A")
    (disp,) = june["dispatcher"].rows
    assert values(disp, ["dispatched", "dispatch_on_time_rate", "dispatch_accuracy_rate"]) == {
        "dispatched": 10, "dispatch_on_time_rate": 90.0, "dispatch_accuracy_rate": 90.0}
    assert (disp.score, disp.grade) == (72.0, "C")  # 派遣数 10 scores 0 in the bands


def test_configuration_changes_the_arithmetic(built):
    with Session(built.engine) as session:
        by_end = evaluate(session, JUNE, "district",
                          EvaluationConfig.default(closure_denominator="due_by_end"))
        jinhua = evaluate(session, JUNE, "department",
                          EvaluationConfig.default(suspended_leave_denominator=True))
        strict = evaluate(session, JUNE, "dispatcher",
                          EvaluationConfig.default(accurate_dispatch_rule="no_redispatch"))
        areas = evaluate(session, JUNE, "supervisor", EvaluationConfig.default(
            supervisor_areas={"s1": ["320481002001"], "s2": ["320481002002"]},
            rework_denominator="due"))
    (district,) = by_end.rows
    # C4b, still suspended at the end, was not overdue when suspended: not due (the engine
    # moves its deadline at 挂账恢复); C9 is due, C12 is not (due 1 July)
    assert values(district, ["due_closure", "closure_rate"]) == {"due_closure": 7,
                                                                 "closure_rate": 85.71}
    assert "C4b" not in built.names(district.figure("due_closure").cases)
    d2 = next(r for r in jinhua.rows if r.name == "环境卫生管理处")
    assert built.names(d2.figure("due_closure").cases) == ["C2", "C4", "C5", "C9"]  # C4b out
    assert strict.rows[0].value("dispatch_accuracy_rate") == 80.0  # C9's 改派 counts too
    sup = {r.name: r for r in areas.rows}
    assert values(sup["监督员二"], ["filed", "missed_reports", "missed_report_rate"]) == {
        "filed": 5, "missed_reports": 1, "missed_report_rate": 20.0}
    assert sup["监督员一"].value("missed_report_rate") == 0.0


def test_configuration_is_stored_as_a_setting(built):
    config = EvaluationConfig.default(closure_denominator="due_by_end")
    with Session(built.engine) as session:
        assert load_config(session) == EvaluationConfig.default()
        save_config(session, config)
        assert load_config(session) == config
        session.rollback()
    with pytest.raises(ValueError, match="closure_denominator"):
        EvaluationConfig.default(closure_denominator="everything")


def test_drill_down_lists_add_up(built, june):
    with Session(built.engine) as session:
        for level in LEVELS:
            for row in june[level].rows:
                for ind in june[level].indicators:
                    fig = row.figure(ind.key)
                    if not ind.is_rate:
                        assert fig.value == len(fig.cases) == len(numerator_rows(session, fig))
                        continue
                    assert Counter(fig.cases) <= Counter(fig.base), (level, row.name, ind.key)
                    expected = round(100 * len(fig.cases) / len(fig.base), 2) if fig.base else None
                    assert fig.value == expected
                    assert len(denominator_rows(session, fig)) == len(fig.base)
        d1 = june["department"].rows[0]
        rows = numerator_rows(session, d1.figure("rework"))
    assert [(built.name_of(r.case_id), r.state_label) for r in rows] == [("C6", "结案")]
    assert not hasattr(rows[0], "caller_phone")


def test_region_levels_sum_up(june):
    district = june["district"].rows[0]
    for level in ("street", "community", "grid"):
        for key in ("reports", "filed", "closed", "due_closure"):
            assert sum(r.value(key) for r in june[level].rows) == district.value(key)


def test_a_past_month_stays_the_same(built):
    before = built.may_before_june
    with Session(built.engine) as session:
        after = evaluate_all(session, MAY)
    for level in LEVELS:
        old = {r.object_id: dict(r.figures) for r in before[level].rows}
        new = {r.object_id: dict(r.figures) for r in after[level].rows}
        assert old == new, level
    (district,) = after["district"].rows
    assert values(district, ["reports", "filed", "due_closure", "closed"]) == {
        "reports": 1, "filed": 1, "due_closure": 1, "closed": 0}
    d1 = next(r for r in after["department"].rows if r.name == "市政设施管理处")
    assert (d1.value("due_handling"), d1.value("handled")) == (1, 0)
