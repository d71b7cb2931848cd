"""Time limits through the services: the limit chosen by zone and urgency at 立案, the
handling clock from 派遣, 延期, 挂账/恢复, 返工 and 改派 keeping or restarting the
deadline by configuration, 超时结案 derived from timestamps, step (环节) deadlines.

Working periods are the defaults (08:00–12:00, 14:00–18:00, Asia/Shanghai, no holidays
in the test world); the clock is the test's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatdesk.models import Case, Dispatch, set_setting
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from seatdesk.workflow import timelimits
from seatdesk.workflow.worktime import WorkCalendar
from tests.workflow_fixtures import (
    P2,
    World,
    case_row,
    world_fixture,  # noqa: F401 (fixture)
)

CST = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    """Local Shanghai time "2026-11-02 11:00" as aware UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(dt.UTC)


def dispatched_at(w: World, local: str, **kw):
    """Dispatched to 水务集团 at ``local`` and signed for at the same instant."""
    ref = w.drive.to(S.FILED, **kw)
    w.clock.set(at(local))
    ref.update(sd.dispatch(w.wf, w.a("dispatcher"), ref.id, ref.version,
                           department_id=w.dept["SW"]))
    return ref.update(sd.sign(w.wf, w.a("water"), ref.id, ref.version))


def deadline(w: World, ref) -> dt.datetime:
    return case_row(w, ref.id)["deadline_at"]


def setting(w: World, key: str, value) -> None:
    with w.db.Session.begin() as s:
        set_setting(s, key, value)
    w.wf.invalidate()


def test_limit_by_zone_and_urgency(world):
    w = world
    zone_a = dispatched_at(w, "2026-11-02 11:00")  # P1 lies in a zone-A cell: 2 工作时
    assert deadline(w, zone_a) == at("2026-11-02 15:00")  # lunch 12–14 does not count
    row = case_row(w, zone_a.id)
    assert (row["limit_value"], row["limit_unit"]) == (Decimal(2), "working_hours")
    assert row["closure_condition"] == "井盖完好归位"
    no_zone = dispatched_at(w, "2026-11-03 11:00", where=P2)  # zone "" fallback: 4 工作时
    assert deadline(w, no_zone) == at("2026-11-03 17:00")
    urgent = w.drive.to(S.ACCEPTED)
    urgent = w.drive.do(urgent, sd.file, "lead", condition_id=w.cond["井盖"], urgency="urgent")
    w.clock.set(at("2026-11-03 21:59"))  # urgent limits run through the night
    urgent = w.drive.do(urgent, sd.dispatch, "dispatcher", department_id=w.dept["SW"])
    assert deadline(w, urgent) == at("2026-11-04 00:00")  # 2 natural hours
    assert case_row(w, urgent.id)["limit_unit"] == "natural_hours"


def test_clock_starts_at_dispatch_and_extension_moves_it(world):
    w = world
    filed = w.drive.to(S.FILED)
    assert case_row(w, filed.id)["deadline_at"] is None  # no handling clock before 派遣
    ref = dispatched_at(w, "2026-11-02 11:00")
    ref = w.drive.do(ref, sd.request_extension, "water", value=1, unit="working_days",
                     reason="需要备料")
    assert deadline(w, ref) == at("2026-11-02 15:00")  # unchanged while requested
    ref = w.drive.do(ref, sd.approve_extension, "dispatcher")
    assert deadline(w, ref) == at("2026-11-03 15:00")  # + 8 工作时
    row = case_row(w, ref.id)
    assert row["extension_count"] == 1 and row["step_deadline_at"] == row["deadline_at"]
    ref = w.drive.do(ref, sd.request_extension, "water", value=2, unit="working_hours",
                     reason="再延")
    explicit = at("2026-11-05 10:00")
    ref = w.drive.do(ref, sd.approve_extension, "dispatcher", new_deadline=explicit)
    assert deadline(w, ref) == explicit and case_row(w, ref.id)["extension_count"] == 2


def test_suspension_stops_the_clock(world):
    w = world
    ref = dispatched_at(w, "2026-11-02 11:00")  # deadline Mon 15:00
    ref = w.drive.do(ref, sd.request_suspension, "water", reason="需管网改造")
    w.clock.set(at("2026-11-02 12:30"))
    ref = w.drive.do(ref, sd.approve_suspension, "dispatcher")  # suspended at 12:31
    w.clock.set(at("2026-11-05 09:59"))
    ref = w.drive.do(ref, sd.resume, "dispatcher")  # resumed Thu 10:00
    row = case_row(w, ref.id)
    # 1 working hour was left (14:00–15:00 Mon); it is left again from Thu 10:00
    assert row["deadline_at"] == at("2026-11-05 11:00")
    assert row["suspended_seconds"] == (4 + 8 + 8 + 2) * 3600
    assert row["suspended_at"] is None and row["state"] == S.DISPATCHED


@pytest.mark.parametrize("keep", [True, False])
def test_rework_keeps_or_restarts_the_deadline(world, keep):
    w = world
    setting(w, "rework_keeps_deadline", keep)
    ref = dispatched_at(w, "2026-11-02 11:00")
    for action, actor, kw in [(sd.feedback, "water", {"result": "已处理"}),
                              (sd.send_check, "acceptor", {}),
                              (sd.check_fail, "sup1", {"reason": "井盖仍缺失"})]:
        ref = w.drive.do(ref, action, actor, **kw)
    row = case_row(w, ref.id)
    assert row["state"] == S.DISPATCHED and row["rework_count"] == 1
    assert row["department_id"] == w.dept["SW"]  # 返工 goes to the same department
    now = w.clock()
    expected = at("2026-11-02 15:00") if keep else WorkCalendar.default().add(
        now, 2, "working_hours")
    assert row["deadline_at"] == expected
    with w.db.Session() as s:
        kinds = [d.kind for d in s.query(Dispatch).filter_by(case_id=ref.id).order_by(Dispatch.id)]
    assert kinds == ["dispatch", "rework"]


@pytest.mark.parametrize("keep", [True, False])
def test_redispatch_keeps_or_restarts_the_deadline(world, keep):
    w = world
    setting(w, "redispatch_keeps_deadline", keep)
    ref = dispatched_at(w, "2026-11-02 11:00")
    ref = w.drive.do(ref, sd.request_return, "water", reason="非本单位")
    ref = w.drive.do(ref, sd.approve_return, "dispatcher", dispatch_error=True)
    w.clock.set(at("2026-11-02 16:00"))
    ref = w.drive.do(ref, sd.dispatch, "dispatcher", department_id=w.dept["HW"])
    expected = at("2026-11-02 15:00") if keep else at("2026-11-03 08:01")
    assert deadline(w, ref) == expected
    with w.db.Session() as s:
        rows = s.query(Dispatch).filter_by(case_id=ref.id).order_by(Dispatch.id).all()
        assert [(d.kind, d.outcome, d.dispatch_error) for d in rows] == [
            ("dispatch", "returned", True), ("redispatch", "", False)]
        assert s.get(Case, ref.id).return_count == 1


@pytest.mark.parametrize(("close_at", "asked", "expected"), [
    ("2026-11-02 14:50", "normal", "normal"),
    ("2026-11-02 15:30", "normal", "overdue"),
    ("2026-11-02 15:30", "special", "special"),
    ("2026-11-02 14:50", "error", "error"),
])
def test_overdue_is_derived_at_closure(world, close_at, asked, expected):
    w = world
    ref = dispatched_at(w, "2026-11-02 11:00")  # deadline 15:00
    w.clock.set(at("2026-11-02 14:00"))
    ref = w.drive.do(ref, sd.feedback, "water", result="已处理")
    ref = w.drive.do(ref, sd.send_check, "acceptor")
    ref = w.drive.do(ref, sd.check_pass, "sup1")
    w.clock.set(at(close_at) - dt.timedelta(minutes=1))
    ref = w.drive.do(ref, sd.close, "lead", closure_type=asked, reason="说明")
    assert case_row(w, ref.id)["closure_type"] == expected


def test_step_deadlines(world):
    w = world
    w.clock.set(at("2026-11-02 11:44"))
    ref = w.drive.register()  # at 11:45: 15 min before lunch + 15 min after
    row = case_row(w, ref.id)
    assert (row["step_started_at"], row["step_deadline_at"]) == (
        at("2026-11-02 11:45"), at("2026-11-02 14:15"))
    ref = w.drive.do(ref, sd.accept, "acceptor")  # 立案 step restarts at 11:46
    assert case_row(w, ref.id)["step_deadline_at"] == at("2026-11-02 14:16")
    setting(w, "step_limits", {"file": [10, "working_minutes"]})  # 'accept' etc. unset
    ref = w.drive.do(w.drive.register(), sd.accept, "acceptor")
    row = case_row(w, ref.id)
    assert row["step_deadline_at"] == WorkCalendar.default().add(row["step_started_at"], 10,
                                                                 "working_minutes")
    assert case_row(w, w.drive.register().id)["step_deadline_at"] is None


def test_extension_approver_is_configurable(world):
    w = world
    ref = w.drive.to(S.EXTENSION_REQUESTED)
    with pytest.raises(sd.WrongRole):
        w.drive.do(ref, sd.approve_extension, "lead")
    setting(w, "extension_approver", "shift_lead")
    with pytest.raises(sd.WrongRole, match="值班长"):
        w.drive.do(ref, sd.approve_extension, "dispatcher")
    assert w.drive.do(ref, sd.approve_extension, "lead").state == S.DISPATCHED


# -- property: a suspension never makes a case overdue by itself ------------------------------
CAL = WorkCalendar.default()
START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
minutes = st.integers(min_value=0, max_value=60 * 24 * 60)


@settings(max_examples=200, deadline=None)
@given(dispatch=minutes, limit=st.integers(1, 40), before=st.floats(0, 0.999), pause=minutes,
       unit=st.sampled_from(["working_hours", "natural_hours"]))
def test_suspension_keeps_the_remaining_time(dispatch, limit, before, pause, unit):
    start = START + dt.timedelta(minutes=dispatch)
    case = Case(limit_value=Decimal(limit), limit_unit=unit, suspended_seconds=0)
    case.deadline_at = timelimits.handling_deadline(CAL, case, start)
    span = CAL.elapsed(start, case.deadline_at, unit)
    suspended = CAL.add(start, Decimal(str(span * before / 3600)), unit)  # before the deadline
    case.suspended_at = suspended
    left = CAL.remaining(case.deadline_at, suspended, unit)
    resumed = suspended + dt.timedelta(minutes=pause)
    timelimits.resume(CAL, case, resumed)
    assert CAL.remaining(case.deadline_at, resumed, unit) == pytest.approx(left, abs=1e-3)
    assert CAL.remaining(case.deadline_at, resumed, unit) > 0
    assert case.suspended_seconds == round(CAL.elapsed(suspended, resumed, unit))
