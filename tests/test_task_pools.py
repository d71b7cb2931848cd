"""Tasks always have an owner or a visible pool (issue 10, item 3).

A 核实 or 核查 task sent to 任一监督员 shows in every eligible supervisor's 我的核实/核查任务
— all supervisors without beats; by beat (prefix areas or polygons) when beats are set,
and everyone for a case in no beat — until one claims (领取) or answers it. The engine
holds the same rule (an ineligible supervisor is refused), the suggested supervisor is a
real account, and the ledger names where the task went. Both backends.
"""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from sqlalchemy import select

from seatdesk.models import Beat, BeatSupervisor, Case, SupervisorPosition, User
from seatdesk.models.enums import CaseState as S
from seatdesk.models.pools import task_filter
from seatdesk.models.queues import box_counts, fetch_page
from seatdesk.models.settings import set_setting
from seatdesk.ui.case.reads import allowed_actions
from seatdesk.workflow import services as sd
from tests.workflow_fixtures import CELL1, P1, P2, World, world_fixture  # noqa: F401

COMMUNITY1, COMMUNITY2 = "320481002012", "320481003001"  # the communities of cell 1 and 2


def tasks_of(w: World, who: str) -> list[int]:
    with w.db.Session() as s:
        page = fetch_page(s, "my_tasks", viewer=w.a(who))
        counts = box_counts(s, w.a(who))
    ids = [row.id for row in page.rows]
    assert counts["my_tasks"] == len(ids)
    return ids


def pooled(w: World, where=P1, check=False):
    """A case whose 核实 (or 核查) task went to 任一监督员."""
    if check:
        ref = w.drive.to(S.FEEDBACK, where=where)
        return w.drive.do(ref, sd.send_check, "acceptor", supervisor_id=None)
    ref = w.drive.register(source="hotline_12345", caller_phone="13800001234", where=where)
    return w.drive.do(ref, sd.send_verification, "acceptor", supervisor_id=None)


def prefix_beats(w: World, areas: dict[str, list[str]]) -> None:
    with w.db.Session.begin() as s:
        set_setting(s, "evaluation", {"supervisor_areas": areas})


@pytest.mark.parametrize("check", [False, True], ids=["verification", "check"])
def test_without_beats_every_supervisor_sees_the_task_until_one_claims_it(world, check):
    w = world
    ref = pooled(w, check=check)
    assert ref.id in tasks_of(w, "sup1") and ref.id in tasks_of(w, "sup2")
    assert "claim_task" in allowed_actions(w.wf, w.a("sup2"), ref.id, ref.version, ref.state)
    ref = w.drive.do(ref, sd.claim_task, "sup2")
    assert ref.id in tasks_of(w, "sup2") and ref.id not in tasks_of(w, "sup1")
    with pytest.raises(sd.NotYourCase, match="已派给 sup2用户"):
        w.drive.do(ref, sd.claim_task, "sup1")
    with pytest.raises(sd.WrongState, match="已「领取任务」，不能重复"):  # taken once
        w.drive.do(ref, sd.claim_task, "sup2")
    assert "claim_task" not in allowed_actions(w.wf, w.a("sup2"), ref.id, ref.version, ref.state)
    answer = (sd.check_pass, {}) if check else (sd.verify, {"confirmed": True})
    w.drive.do(ref, answer[0], "sup2", **answer[1])
    assert ref.id not in tasks_of(w, "sup2")


def test_a_pooled_task_can_be_answered_without_claiming(world):
    w = world
    ref = pooled(w)
    ref = w.drive.do(ref, sd.verify, "sup1", confirmed=True)
    assert ref.state == S.REPORTED and ref.id not in tasks_of(w, "sup2")


def test_prefix_beats_narrow_the_pool_and_uncovered_cases_reach_everyone(world):
    w = world
    prefix_beats(w, {"sup1": [COMMUNITY1], "sup2": [COMMUNITY2]})
    mine, theirs = pooled(w, P1), pooled(w, P2)
    assert tasks_of(w, "sup1") == [mine.id] and tasks_of(w, "sup2") == [theirs.id]
    with pytest.raises(sd.NotYourCase, match="不在您的责任网格内"):
        w.drive.do(mine, sd.verify, "sup2", confirmed=True)
    assert "verify" not in allowed_actions(w.wf, w.a("sup2"), mine.id, mine.version, mine.state)
    prefix_beats(w, {"sup1": [COMMUNITY1]})  # nobody patrols community 2 any more
    assert set(tasks_of(w, "sup1")) == {mine.id, theirs.id}
    assert tasks_of(w, "sup2") == [theirs.id]
    outside = pooled(w, (119.60, 31.60))  # outside the grid: reaches every supervisor
    assert outside.id in tasks_of(w, "sup1") and outside.id in tasks_of(w, "sup2")


def test_polygon_beats_from_the_beats_table_take_precedence(world):
    w = world
    prefix_beats(w, {"sup1": [COMMUNITY1, COMMUNITY2]})  # ignored once beats exist
    with w.db.Session.begin() as s:
        poly = shapely.MultiPolygon([shapely.box(*CELL1)])
        beat = Beat(code="B01", name="县前街责任网格", geom=poly)
        beat.set_bbox_from(poly)
        beat.supervisors.append(BeatSupervisor(user_id=w.users["sup2"]))
        s.add(beat)
    in_beat, no_beat = pooled(w, P1, check=True), pooled(w, P2, check=True)
    assert tasks_of(w, "sup2") == [in_beat.id, no_beat.id]
    assert tasks_of(w, "sup1") == [no_beat.id]


def test_a_task_sent_to_one_supervisor_is_theirs_alone(world):
    w = world
    ref = w.drive.register(source="hotline_12345", caller_phone="13800001234")
    ref = w.drive.do(ref, sd.send_verification, "acceptor", supervisor_id=w.users["sup2"])
    assert ref.id in tasks_of(w, "sup2") and ref.id not in tasks_of(w, "sup1")
    with w.db.Session() as s:  # non-supervisors have no task box content
        assert s.scalar(select(Case.id).where(task_filter(s, w.a("acceptor")))) is None


def test_the_ledger_and_the_timeline_name_where_the_task_went(world):
    w = world
    prefix_beats(w, {"sup1": [COMMUNITY1]})
    ref = pooled(w, P1)
    ref = w.drive.do(ref, sd.verify, "sup1", confirmed=True)
    ref = w.drive.do(ref, sd.send_verification, "acceptor", supervisor_id=w.users["sup2"])
    with w.db.Session() as s:
        rows = [r for r in sd.case_history(s, ref.id) if r.action == "send_verification"]
    assert rows[0].args["pool_names"] == ["sup1用户"]
    assert rows[0].to_whom == "任一监督员（sup1用户）"
    assert rows[1].args["supervisor_name"] == "sup2用户" and rows[1].to_whom == "sup2用户"


def _position(w: World, who: str, lon: float, lat: float) -> None:
    with w.db.Session.begin() as s:
        s.add(SupervisorPosition(user_id=w.users[who], at=w.clock.now - dt.timedelta(minutes=5),
                                 lon=lon, lat=lat, geom=shapely.Point(lon, lat)))


def test_the_suggested_supervisor_is_a_real_account_of_the_beat(world):
    w = world
    ref = w.drive.register(source="hotline_12345", caller_phone="13800001234", where=P1)
    with w.db.Session() as s:
        assert sd.supervisor_suggestion(s, ref.id, w.clock.now) is None  # nobody to suggest
    _position(w, "sup2", *P1)
    with w.db.Session() as s:
        near = sd.supervisor_suggestion(s, ref.id, w.clock.now)
    assert (near.username, near.reason) == ("sup2", "最近定位离案件最近")
    prefix_beats(w, {"sup1": [COMMUNITY1]})  # the beat's owner beats a stranger nearby
    with w.db.Session() as s:
        owner = sd.supervisor_suggestion(s, ref.id, w.clock.now)
        user = s.get(User, owner.user_id)
    assert (owner.username, owner.reason) == ("sup1", "本网格责任监督员")
    assert user.role == "supervisor" and user.active


def test_demo_supervisors_get_pooled_tasks_of_their_own_beat(make_db):
    """On the demo city the suggestion is a demo account (jiandu…) that owns the case's
    beat, and a pooled task reaches exactly the beat's supervisor."""
    db = make_db("demo_small")
    wf = sd.Workflow(db.engine, cache_seconds=0)
    with db.Session() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        case_id = s.scalar(select(Case.id).where(Case.state == S.REPORTED,
                                                 Case.grid_cell_id.is_not(None))
                           .order_by(Case.id).limit(1))
        version = s.get(Case, case_id).version
        suggestion = sd.supervisor_suggestion(s, case_id, wf.now())
    assert suggestion is not None and suggestion.username.startswith("jiandu")
    def actor(name: str) -> sd.Actor:
        return sd.Actor(users[name].id, users[name].role, users[name].department_id)

    sd.send_verification(wf, actor("shouli"), case_id, version, supervisor_id=None)
    supervisors = [name for name, u in users.items() if u.role == "supervisor"]
    with db.Session() as s:
        seeing = [name for name in supervisors
                  if case_id in {r.id for r in fetch_page(s, "my_tasks",
                                                          viewer=actor(name)).rows}]
    assert seeing == [suggestion.username]


def test_dispatch_rows_name_the_department(world):
    """派遣 and 改派 rows carry the department's name as it was then; rows written before
    (only an id) are named by the id's current name."""
    w = world
    ref = w.drive.to(S.DISPATCHED)
    ref = w.drive.do(ref, sd.redispatch, "dispatcher", department_id=w.dept["HW"],
                     reason="属环卫职责")
    with w.db.Session() as s:
        rows = [r for r in sd.case_history(s, ref.id) if r.action in ("dispatch", "redispatch")]
        assert [(r.args["department_name"], r.to_whom) for r in rows] == [
            ("溧阳市水务集团", "溧阳市水务集团"), ("市环卫处", "市环卫处")]
        from seatdesk.workflow.queries import recipient

        assert recipient(s, "dispatch", {"department_id": w.dept["SW"]}) == "溧阳市水务集团"
