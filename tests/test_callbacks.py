"""回访 after 结案 (issue 10, item 12): callers who asked for it are due at 结案 and shown
in the 待回访 box; each call is a ``callback`` ledger row (满意/基本满意/不满意/无法联系);
无法联系 is retried up to a limit; 不满意 reopens the case (返工) when the setting says so.
Both backends."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from seatdesk.evaluation.handover import handover_sheet
from seatdesk.models import CaseReporter, Dispatch, LedgerEntry
from seatdesk.models.enums import CaseState as S
from seatdesk.models.queues import box_counts, fetch_page
from seatdesk.models.settings import set_setting
from seatdesk.ui.case.reads import allowed_actions
from seatdesk.workflow import services as sd
from tests.workflow_fixtures import World, case_row, world_fixture  # noqa: F401 (fixture)

PHONE = "13800001234"


def due_box(w: World, who: str = "acceptor") -> list[int]:
    with w.db.Session() as s:
        ids = [r.id for r in fetch_page(s, "pending_callback", viewer=w.a(who)).rows]
        assert box_counts(s, w.a(who))["pending_callback"] == len(ids)
    return ids


def closed_with_caller(w: World, **kw):
    return w.drive.to(S.CLOSED, caller_phone=PHONE, caller_name="张先生", callback_wanted=True,
                      **kw)


def callers(w: World, case_id: int) -> list[tuple]:
    with w.db.Session() as s:
        return [(r.callback_due, r.callback_outcome, r.callback_attempts, r.satisfied)
                for r in s.scalars(select(CaseReporter).where(CaseReporter.case_id == case_id)
                                   .order_by(CaseReporter.id))]


def last_row(w: World, case_id: int) -> LedgerEntry:
    with w.db.Session() as s:
        return s.scalars(select(LedgerEntry).where(LedgerEntry.case_id == case_id)
                         .order_by(LedgerEntry.seq.desc())).first()


def test_a_satisfied_callback_ends_the_wait(world):
    w = world
    ref = closed_with_caller(w)
    assert due_box(w) == [ref.id] and callers(w, ref.id) == [(True, "", 0, None)]
    assert "callback" in allowed_actions(w.wf, w.a("acceptor"), ref.id, ref.version, ref.state)
    ref = w.drive.do(ref, sd.callback, "acceptor", outcome="basically_satisfied", note="基本满意")
    assert ref.state == S.CLOSED and due_box(w) == []
    assert callers(w, ref.id) == [(False, "basically_satisfied", 1, True)]
    row = last_row(w, ref.id)
    with w.db.Session() as s:
        reporter = s.scalar(select(CaseReporter.id).where(CaseReporter.case_id == ref.id))
    assert row.action == "callback" and json.loads(row.payload)["args"] == {
        "reporter_id": reporter, "outcome": "basically_satisfied", "attempt": 1,
        "reopened": False}
    with pytest.raises(sd.WrongState, match="没有待回访的来电人"):
        w.drive.do(ref, sd.callback, "acceptor", outcome="satisfied")
    assert "callback" not in allowed_actions(w.wf, w.a("acceptor"), ref.id, ref.version,
                                             ref.state)


def test_cases_without_a_callback_wish_never_wait(world):
    w = world
    ref = w.drive.to(S.CLOSED, caller_phone=PHONE)  # a caller, but no callback asked for
    assert due_box(w) == [] and callers(w, ref.id) == [(False, "", 0, None)]


def on_handover_sheet(w: World) -> list[int]:
    with w.db.Session() as s:
        return [c.case_id for c in handover_sheet(s, w.clock()).callbacks]


def test_unreachable_is_tried_up_to_the_limit(world):
    """The box and the handover sheet agree: a caller not reached yet is still due (the
    sheet used to drop the case after the first attempt)."""
    w = world
    ref = closed_with_caller(w)
    assert on_handover_sheet(w) == [ref.id]
    for attempt in (1, 2):
        ref = w.drive.do(ref, sd.callback, "acceptor", outcome="unreachable")
        assert due_box(w) == [ref.id] and callers(w, ref.id)[0][:3] == (
            True, "unreachable", attempt)
        assert on_handover_sheet(w) == [ref.id]
    ref = w.drive.do(ref, sd.callback, "acceptor", outcome="unreachable")
    assert due_box(w) == [] and callers(w, ref.id) == [(False, "unreachable", 3, None)]
    assert on_handover_sheet(w) == []


def test_dissatisfied_reopens_the_case_to_the_same_department(world):
    w = world
    ref = closed_with_caller(w)
    with pytest.raises(sd.MissingReason, match="不满意时必须记录"):
        w.drive.do(ref, sd.callback, "acceptor", outcome="dissatisfied")
    before = case_row(w, ref.id)
    ref = w.drive.do(ref, sd.callback, "acceptor", outcome="dissatisfied", note="井盖仍然松动")
    row = case_row(w, ref.id)
    assert ref.state == S.DISPATCHED and row["department_id"] == before["department_id"]
    assert row["rework_count"] == before["rework_count"] + 1 and row["closed_at"] is None
    assert row["dispatched_at"] == w.clock.now and row["deadline_at"] > w.clock.now
    assert json.loads(last_row(w, ref.id).payload)["args"]["reopened"] is True
    with w.db.Session() as s:
        last = s.scalars(select(Dispatch).where(Dispatch.case_id == ref.id)
                         .order_by(Dispatch.id.desc())).first()
        assert (last.kind, last.suggestion_reason) == ("rework", "回访不满意，退回重办")
        assert sd.verify_ledger(s, [ref.id]) == []
    assert due_box(w) == []  # handled again first; the caller waits for the next 结案
    ref = w.drive.do(ref, sd.feedback, "water", result="已重新加固")
    ref = w.drive.do(ref, sd.send_check, "acceptor")
    ref = w.drive.do(ref, sd.check_pass, "sup1")
    ref = w.drive.do(ref, sd.close, "lead")
    assert due_box(w) == [ref.id] and callers(w, ref.id) == [(True, "", 0, False)]


def test_dissatisfied_only_records_when_the_setting_is_off(world):
    w = world
    with w.db.Session.begin() as s:
        set_setting(s, "callback_dissatisfied_reopens", False)
    ref = closed_with_caller(w)
    ref = w.drive.do(ref, sd.callback, "acceptor", outcome="dissatisfied", note="处置太慢")
    assert ref.state == S.CLOSED and due_box(w) == []
    assert callers(w, ref.id) == [(False, "dissatisfied", 1, False)]


def test_every_caller_of_merged_duplicates_is_called_back(world):
    w = world
    keep = w.drive.register(caller_phone=PHONE, callback_wanted=True)
    dup = w.drive.register(caller_phone="13900005678", callback_wanted=True)
    w.clock.advance(minutes=1)
    sd.merge(w.wf, w.a("acceptor"), dup.id, keep.id, version=dup.version)
    with w.db.Session() as s:
        keep.version = s.scalar(text("SELECT version FROM cases WHERE id = :i"), {"i": keep.id})
        first, second = s.scalars(select(CaseReporter.id).where(
            CaseReporter.case_id == keep.id).order_by(CaseReporter.id)).all()
    for fn, who, kw in [(sd.accept, "acceptor", {}), (sd.file, "lead",
                                                      {"condition_id": w.cond["井盖"]}),
                        (sd.dispatch, "dispatcher", {"department_id": w.dept["SW"]}),
                        (sd.sign, "water", {}), (sd.feedback, "water", {"result": "已处理"}),
                        (sd.send_check, "acceptor", {}), (sd.check_pass, "sup1", {}),
                        (sd.close, "lead", {})]:
        keep = w.drive.do(keep, fn, who, **kw)
    assert due_box(w) == [keep.id]
    keep = w.drive.do(keep, sd.callback, "acceptor", outcome="satisfied", reporter_id=second)
    assert due_box(w) == [keep.id]  # the first caller still waits
    keep = w.drive.do(keep, sd.callback, "acceptor", outcome="satisfied")
    assert due_box(w) == [] and [c[1] for c in callers(w, keep.id)] == ["satisfied"] * 2
    assert first < second


def test_only_the_acceptor_calls_back_and_the_platform_hears_of_it(world):
    w = world
    ref = closed_with_caller(w)
    with pytest.raises(sd.WrongRole):
        w.drive.do(ref, sd.callback, "lead", outcome="satisfied")
    with w.db.Session() as s:  # 12345 work orders report the 回访 result back (outbox)
        assert s.scalar(text("SELECT event FROM callback_events WHERE action = 'callback'"))


def test_callback_satisfaction_in_the_evaluation_and_the_live_kpis(world):
    """回访满意率 = satisfied (满意, 基本满意) ÷ reached (无法联系 left out), for the region, the
    department that handled the case, and the acceptor's 回访数; a case reopened by 不满意
    is not counted as closed at the period end; the live panel shows the last 30 days."""
    from seatdesk.evaluation.config import EvaluationConfig
    from seatdesk.evaluation.indicators import Period, evaluate
    from seatdesk.evaluation.live import live_kpis

    w = world
    start = w.clock.now
    outcomes = ["satisfied", "basically_satisfied", "dissatisfied", "unreachable"]
    refs = []
    for outcome in outcomes:
        ref = closed_with_caller(w)
        note = "仍有问题" if outcome == "dissatisfied" else ""
        refs.append(w.drive.do(ref, sd.callback, "acceptor", outcome=outcome, note=note))
    w.clock.advance(hours=1)
    period = Period.between(start, w.clock.now)
    config = EvaluationConfig.default(closure_denominator="filed")
    with w.db.Session() as s:
        (city,) = evaluate(s, period, "district", config).rows
        water = next(r for r in evaluate(s, period, "department", config).rows
                     if r.object_id == w.dept["SW"])
        (acceptor,) = [r for r in evaluate(s, period, "acceptor", config).rows
                       if r.object_id == w.users["acceptor"]]
        kpis = live_kpis(s, w.wf.calendar(s), w.clock.now)
    for row in (city, water):
        assert [row.value(k) for k in ("callbacks", "callbacks_reached", "callbacks_satisfied",
                                       "callback_satisfaction_rate")] == [4, 3, 2, 66.67]
    assert acceptor.value("callbacks") == 4
    reopened = refs[outcomes.index("dissatisfied")].id
    assert reopened not in city.figure("closed").cases and len(city.figure("closed").cases) == 3
    assert kpis.callbacks == {"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 1,
                              "unreachable": 1}
    assert kpis.callback_satisfaction == (66.7, 2, 3)
