"""Clocks after 挂账 (issue 10, item 6): the light and the remaining time count the handling
time used — suspensions excluded — against the limit, the same in the work boxes, the map,
the wall/KPI clocks and the case detail; and the evaluation's ``due_by_end`` agrees with
the engine that a suspension never makes a case overdue. Instants before, during and
after a suspension, and across a month end. Both backends."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from seatdesk.evaluation.clocks import GREEN, RED, YELLOW, open_clocks
from seatdesk.evaluation.config import EvaluationConfig
from seatdesk.evaluation.indicators import Period, evaluate
from seatdesk.map.cases import open_case_markers
from seatdesk.models.enums import CaseState as S
from seatdesk.models.queues import fetch_rows
from seatdesk.models.settings import set_setting
from seatdesk.ui.case.reads import load_case_view
from seatdesk.ui.workbox.case_lights import LightContext, lights_for
from seatdesk.workflow import services as sd
from tests.workflow_fixtures import World, world_fixture  # noqa: F401 (fixture)

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
CODES = {GREEN: "green", YELLOW: "yellow", RED: "red"}


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SH)


def act(w: World, when: str, fn, who: str, ref, **kw):
    w.clock.set(at(when))
    return ref.update(fn(w.wf, w.a(who), ref.id, ref.version, **kw))


def handling(w: World, dispatched: str):
    """A 道路不洁 case (1 working day) dispatched to 环卫处 at ``dispatched`` and signed."""
    w.clock.set(at(dispatched) - dt.timedelta(hours=1))
    ref = w.drive.to(S.FILED, klass="道路")
    ref = act(w, dispatched, sd.dispatch, "dispatcher", ref, department_id=w.dept["HW"])
    return act(w, dispatched, sd.sign, "sanitation", ref)


def suspend(w: World, when: str, ref):
    ref = act(w, when, sd.request_suspension, "sanitation", ref, reason="管网改造")
    return act(w, when, sd.approve_suspension, "dispatcher", ref)


def everywhere(w: World, case_id: int, when: str) -> dict[str, tuple]:
    """(light, remaining text) of the case as each view computes it at ``when``."""
    now = at(when)
    with w.db.Session() as s:
        row = fetch_rows(s, [case_id], w.a("dispatcher"))[case_id]
        box = lights_for([row], LightContext.from_session(s), now)[0]
        marker = next(m for m in open_case_markers(s, now, ids=[case_id]))
        clocks = open_clocks(s, w.wf.calendar(s), now)
    i = list(clocks.case_id).index(case_id)
    w.clock.set(now)
    detail = load_case_view(w.wf, w.a("dispatcher"), case_id).light
    return {"box": (str(box.light), box.remaining_text, round(box.ratio, 4)),
            "map": (marker.light, marker.remaining),
            "wall": (CODES[int(clocks.light[i])], int(clocks.left_us[i] // 60_000_000)),
            "detail": (str(detail.light), detail.remaining_text)}


def expect(views: dict[str, tuple], light: str, text: str, ratio: float, minutes: int) -> None:
    assert views["box"] == (light, text, ratio)
    assert views["map"] == (light, text) and views["detail"] == (light, text)
    assert views["wall"] == (light, minutes)


def test_the_light_counts_handling_time_used_not_time_suspended(world):
    w = world
    ref = handling(w, "2026-11-02 09:00")  # Mon; 1 working day → due Tue 09:00
    expect(everywhere(w, ref.id, "2026-11-02 10:00"), "green", "剩余 7工作时", 0.125, 420)
    ref = suspend(w, "2026-11-02 10:00", ref)
    # during two weeks of 挂账 the clock stays where it was
    expect(everywhere(w, ref.id, "2026-11-09 16:00"), "green", "剩余 7工作时", 0.125, 420)
    ref = act(w, "2026-11-16 10:00", sd.resume, "dispatcher", ref)
    assert ref.state == S.DISPATCHED
    # resumed: 12.5 % used, green (it used to show yellow: 81 of 88 working hours)
    expect(everywhere(w, ref.id, "2026-11-16 10:00"), "green", "剩余 7工作时", 0.125, 420)
    expect(everywhere(w, ref.id, "2026-11-16 17:00"), "green", "剩余 2工作时", 0.75, 120)
    expect(everywhere(w, ref.id, "2026-11-16 17:30"), "yellow", "剩余 1工作时30分", 0.8125, 90)
    expect(everywhere(w, ref.id, "2026-11-17 09:30"), "red", "超期 30工作分", 1.0625, -30)


def test_a_second_suspension_keeps_the_first_off_the_clock(world):
    w = world
    ref = handling(w, "2026-11-02 09:00")
    ref = suspend(w, "2026-11-02 10:00", ref)
    ref = act(w, "2026-11-04 10:00", sd.resume, "dispatcher", ref)  # 16 h suspended
    ref = suspend(w, "2026-11-04 12:00", ref)  # 3 h used in all
    expect(everywhere(w, ref.id, "2026-11-05 12:00"), "green", "剩余 5工作时", 0.375, 300)
    ref = act(w, "2026-11-06 08:00", sd.resume, "dispatcher", ref)
    expect(everywhere(w, ref.id, "2026-11-06 12:00"), "yellow", "剩余 1工作时", 0.875, 60)


def test_a_restarted_clock_forgets_the_suspensions_behind_it(world):
    """返工 restarting the deadline (setting) starts the limit afresh: nothing suspended."""
    w = world
    with w.db.Session.begin() as s:
        set_setting(s, "rework_keeps_deadline", False)
    ref = handling(w, "2026-11-02 09:00")
    ref = suspend(w, "2026-11-02 10:00", ref)
    ref = act(w, "2026-11-04 10:00", sd.resume, "dispatcher", ref)
    ref = act(w, "2026-11-04 10:30", sd.feedback, "sanitation", ref, result="已清扫")
    ref = act(w, "2026-11-04 10:40", sd.send_check, "acceptor", ref)
    ref = act(w, "2026-11-04 11:00", sd.check_fail, "sup1", ref, reason="仍不洁")
    expect(everywhere(w, ref.id, "2026-11-04 15:00"), "green", "剩余 6工作时", 0.25, 360)


def test_month_end_due_by_end_agrees_with_the_engine(world):
    """November: a case still suspended at the month end whose deadline had not passed when
    it was suspended is not due; one already overdue when suspended is; one resumed before
    the end is due by its moved deadline."""
    w = world
    overdue = handling(w, "2026-11-25 09:00")  # due Thu 26th 09:00
    waiting = handling(w, "2026-11-27 09:00")  # due Mon 30th 09:00
    overdue = suspend(w, "2026-11-27 10:00", overdue)
    waiting = suspend(w, "2026-11-27 10:00", waiting)
    resumed = suspend(w, "2026-11-27 10:00", handling(w, "2026-11-27 09:00"))
    resumed = act(w, "2026-11-30 08:00", sd.resume, "dispatcher", resumed)  # due 30th 15:00
    november = Period.month(2026, 11)
    config = EvaluationConfig.default(closure_denominator="due_by_end")
    w.clock.set(at("2026-12-05 09:00"))
    with w.db.Session() as s:
        (city,) = evaluate(s, november, "district", config).rows
    due = set(city.figure("due_closure").cases)
    assert overdue.id in due and resumed.id in due and waiting.id not in due
    waiting = act(w, "2026-12-03 09:00", sd.resume, "dispatcher", waiting)
    with w.db.Session() as s:  # the November figures do not move afterwards
        (again,) = evaluate(s, november, "district", config).rows
    assert set(again.figure("due_closure").cases) == due
