"""两级指挥: city → district command centre → its departments, sending back up, returns
inside a district; who sees which cases; dispatch and supervisor suggestions."""

from __future__ import annotations

import datetime as dt

import shapely
from sqlalchemy import select

from seatdesk.models import Case, Dispatch, SupervisorPosition
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from tests.workflow_fixtures import (
    P1,
    P2,
    World,
    case_row,
    world_fixture,  # noqa: F401 (fixture)
)


def dispatches(w: World, case_id: int) -> list[tuple]:
    with w.db.Session() as s:
        rows = s.scalars(select(Dispatch).where(Dispatch.case_id == case_id)
                         .order_by(Dispatch.id)).all()
        codes = {v: k for k, v in w.dept.items()}
        return [(codes[d.department_id], d.level, d.kind, d.outcome) for d in rows]


def test_case_runs_through_the_district_level(world):
    w = world
    ref = w.drive.to(S.AT_DISTRICT)
    row = case_row(w, ref.id)
    assert row["centre_id"] == w.dept["DC"] and row["deadline_at"] is not None
    deadline = row["deadline_at"]  # the clock started at the city's dispatch
    ref = w.drive.do(ref, sd.dispatch, "district", department_id=w.dept["D1"])
    assert case_row(w, ref.id)["deadline_at"] == deadline
    ref = w.drive.do(ref, sd.sign, "street1")
    ref = w.drive.do(ref, sd.request_extension, "street1", value=2, unit="working_hours",
                     reason="夜间施工")
    ref = w.drive.do(ref, sd.approve_extension, "district")  # the holding level approves
    ref = w.drive.do(ref, sd.feedback, "street1", result="已处理")
    for fn, actor in ((sd.send_check, "acceptor"), (sd.check_pass, "sup1"), (sd.close, "lead")):
        ref = w.drive.do(ref, fn, actor)
    assert ref.state == S.CLOSED
    assert dispatches(w, ref.id) == [("DC", "city", "dispatch", "dispatched_on"),
                                     ("D1", "district", "dispatch", "feedback")]


def test_district_sends_back_up_and_handles_its_returns(world):
    w = world
    up = w.drive.do(w.drive.to(S.AT_DISTRICT), sd.send_up, "district", reason="非本区事项")
    assert up.state == S.FILED and case_row(w, up.id)["centre_id"] is None
    up = w.drive.do(up, sd.dispatch, "dispatcher", department_id=w.dept["SW"])
    assert [d[0] for d in dispatches(w, up.id)] == ["DC", "SW"]
    ref = w.drive.do(w.drive.to(S.AT_DISTRICT), sd.dispatch, "district",
                     department_id=w.dept["D1"])
    ref = w.drive.do(ref, sd.request_return, "street1", reason="属环卫所")
    ref = w.drive.do(ref, sd.approve_return, "district", dispatch_error=True)
    assert ref.state == S.AT_DISTRICT  # back to the district dispatcher, not the city
    ref = w.drive.do(ref, sd.dispatch, "district", department_id=w.dept["D2"])
    assert dispatches(w, ref.id)[-2:] == [("D1", "district", "dispatch", "returned"),
                                          ("D2", "district", "redispatch", "")]


def test_visibility_by_level(world):
    w = world
    city = w.drive.to(S.DISPATCHED)  # at the water company
    waiting = w.drive.to(S.AT_DISTRICT)
    district = w.drive.do(w.drive.to(S.AT_DISTRICT), sd.dispatch, "district",
                          department_id=w.dept["D1"])
    filed = w.drive.to(S.FILED)
    everything = {city.id, waiting.id, district.id, filed.id}

    def visible(name: str) -> set[int]:
        with w.db.Session() as s:
            return set(s.scalars(select(Case.id).where(sd.visible_cases_filter(w.a(name)))))

    for name in ("acceptor", "lead", "dispatcher", "admin", "wall", "sup1"):
        assert visible(name) == everything, name
    assert visible("district") == {waiting.id, district.id}
    assert visible("street1") == {district.id}
    assert visible("water") == {city.id}
    assert visible("sanitation") == set()
    with w.db.Session() as s:
        assert sd.case_detail(s, w.a("water"), district.id) is None
        assert sd.case_detail(s, w.a("street1"), district.id).number


def test_dispatch_suggestions(world):
    w = world
    with_component = w.drive.register(component_code="32048101001000001", klass=None)
    garbage_street1 = w.drive.register(klass="垃圾", where=P1)
    garbage_street2 = w.drive.register(klass="垃圾", where=P2)
    with w.db.Session() as s:
        sug = sd.suggest_department(s, with_component.id)
        assert (sug.department_id, "部件" in sug.reason) == (w.dept["SW"], True)
        sug = sd.suggest_department(s, garbage_street1.id)
        assert (sug.department_id, sug.district_centre_id) == (w.dept["D1"], w.dept["DC"])
        assert "街道" in sug.reason
        assert sd.suggest_department(s, garbage_street2.id).department_id == w.dept["HW"]
        assert sd.suggest_department(s, with_component.id, within_centre=w.dept["DC"]) is None
    ref = w.drive.do(w.drive.to(S.ACCEPTED, klass="垃圾"), sd.file, "lead",
                     condition_id=w.cond["垃圾"])
    ref = w.drive.do(ref, sd.dispatch, "dispatcher", department_id=w.dept["HW"])
    with w.db.Session() as s:
        d = s.scalar(select(Dispatch).where(Dispatch.case_id == ref.id))
        assert (d.suggested_department_id, d.department_id) == (w.dept["D1"], w.dept["HW"])


def test_supervisor_suggestion_uses_latest_positions(world):
    w = world
    ref = w.drive.to(S.FEEDBACK)
    now = w.clock()
    with w.db.Session.begin() as s:
        for user, lon, minutes in (("sup1", P2[0], 5), ("sup2", P1[0] + 0.0003, 5),
                                   ("sup1", P1[0], 600)):  # sup1 was near, long ago
            s.add(SupervisorPosition(user_id=w.users[user], at=now - dt.timedelta(minutes=minutes),
                                     lon=lon, lat=P1[1], geom=shapely.Point(lon, P1[1])))
    with w.db.Session() as s:
        assert sd.suggest_supervisor(s, ref.id, now) == w.users["sup2"]
