"""Every forbidden move is refused with a Chinese reason and changes nothing: wrong role,
wrong state, missing reason, missing filing condition, closing without a passed 核查, a
department (or district, or supervisor) touching a case that is not its own."""

from __future__ import annotations

import pytest

from seatdesk.models.enums import CaseState as S
from seatdesk.models.enums import Role
from seatdesk.workflow import services as sd
from seatdesk.workflow.states import TRANSITIONS, rows_for
from tests.workflow_fixtures import (
    P1,
    ROLE_ACTOR,
    Ref,
    World,
    call,
    case_row,
    shared_world_fixture,  # noqa: F401 (fixture)
)

ACTIONS = sorted({t.action for t in TRANSITIONS} - {"register", "merge"})
_cache: dict[tuple[int, str], Ref] = {}


def case_in(w: World, state: str) -> Ref:
    """One case per state per world, reused: refused actions never change it."""
    key = (id(w), state)
    if key not in _cache:
        _cache[key] = w.drive.to(state)
    return _cache[key]


def refused(w: World, ref: Ref, error: type, fn, *args, match: str | None = None, **kw):
    before = case_row(w, ref.id)
    with pytest.raises(error, match=match) as info:
        fn(*args, **kw)
    assert case_row(w, ref.id) == before
    assert str(info.value)  # a message for the seat
    return info.value


def allowed_actor(role: str, state: str) -> str:
    if role == Role.DISPATCHER and state == S.AT_DISTRICT:
        return "district"
    return ROLE_ACTOR[role]


@pytest.mark.parametrize("action", ACTIONS)
def test_wrong_role(shared_world, action):
    w = shared_world
    for row in rows_for(action):
        ref = case_in(w, row.source)
        for role in sorted(set(Role) - row.roles):
            err = refused(w, ref, sd.WrongRole, call, w, action, ROLE_ACTOR[role], ref)
            assert Role(role).label in str(err)


@pytest.mark.parametrize("action", ACTIONS + ["merge"])
def test_wrong_state(shared_world, action):
    w = shared_world
    sources = {row.source for row in rows_for(action)}
    role = min(next(iter(rows_for(action))).roles)
    for state in sorted(set(S) - sources):
        ref = case_in(w, state)
        actor = allowed_actor(role, state)
        if action == "merge":
            target = case_in(w, S.REPORTED)
            refused(w, ref, sd.WrongState, sd.merge, w.wf, w.a(actor), ref.id, target.id,
                    version=ref.version)
        else:
            refused(w, ref, sd.WrongState, call, w, action, actor, ref, match="不能")


@pytest.mark.parametrize("row", [t for t in TRANSITIONS if t.reason],
                         ids=lambda t: f"{t.action}-{t.source}-{t.target}")
def test_missing_reason(shared_world, row):
    w = shared_world
    ref = case_in(w, row.source)
    actor = allowed_actor(min(row.roles), row.source)
    key = "result" if row.action == "feedback" else "reason"
    for blank in ("", "   "):
        refused(w, ref, sd.MissingReason, call, w, row.action, actor, ref, **{key: blank})


def test_register_roles_and_sources(shared_world):
    w = shared_world
    report = sd.Report(source="patrol", lon=P1[0], lat=P1[1])
    for role in sorted(set(Role) - {Role.ACCEPTOR, Role.SUPERVISOR}):
        with pytest.raises(sd.WrongRole):
            sd.register(w.wf, w.a(ROLE_ACTOR[role]), report)
    with pytest.raises(sd.InvalidArgument, match="巡查"):
        sd.register(w.wf, w.a("sup1"), sd.Report(source="hotline_12319", lon=P1[0], lat=P1[1]))
    with pytest.raises(sd.InvalidArgument, match="来源"):
        sd.register(w.wf, w.a("acceptor"), sd.Report(source="fax", lon=P1[0], lat=P1[1]))


def test_verification_and_check_reasons(shared_world):
    w = shared_world
    ref = w.drive.to(S.PENDING_VERIFICATION)
    refused(w, ref, sd.MissingReason, sd.verify, w.wf, w.a("sup1"), ref.id, ref.version,
            confirmed=False)
    ref = w.drive.to(S.READY_TO_CLOSE)
    for kind in ("special", "error"):
        refused(w, ref, sd.MissingReason, sd.close, w.wf, w.a("lead"), ref.id, ref.version,
                closure_type=kind)
    refused(w, ref, sd.InvalidArgument, sd.close, w.wf, w.a("lead"), ref.id, ref.version,
            closure_type="overdue")  # 超时 is derived, never chosen


def test_missing_filing_condition(shared_world):
    w = shared_world
    ref = w.drive.to(S.ACCEPTED)
    lead = w.a("lead")
    refused(w, ref, sd.MissingCondition, sd.file, w.wf, lead, ref.id, ref.version)
    refused(w, ref, sd.MissingCondition, sd.file, w.wf, lead, ref.id, ref.version,
            condition_id=w.cond["垃圾"])  # a condition of another class
    refused(w, ref, sd.MissingCondition, sd.file, w.wf, lead, ref.id, ref.version,
            class_id=w.cls["无条件"], condition_id=w.cond["井盖"])
    unclassified = w.drive.to(S.ACCEPTED, klass=None)
    refused(w, unclassified, sd.MissingCondition, sd.file, w.wf, lead, unclassified.id,
            unclassified.version, condition_id=w.cond["井盖"], match="小类")
    garbage = w.drive.to(S.ACCEPTED, klass="垃圾")
    refused(w, garbage, sd.MissingCondition, sd.file, w.wf, lead, garbage.id, garbage.version,
            condition_id=w.cond["垃圾"], urgency="urgent", match="紧急")  # no urgent limit


@pytest.mark.parametrize("state", [S.DISPATCHED, S.FEEDBACK, S.PENDING_CHECK, S.SUSPENDED])
def test_no_closure_without_passed_check(shared_world, state):
    w = shared_world
    ref = case_in(w, state)
    refused(w, ref, sd.WrongState, call, w, "close", "lead", ref, match="核查")


def test_public_report_needs_verification_before_acceptance(shared_world):
    w = shared_world
    ref = w.drive.register(source="mayor_mailbox", klass=None)
    refused(w, ref, sd.WrongState, call, w, "accept", "acceptor", ref, match="核实")
    ref = w.drive.do(ref, sd.send_verification, "acceptor", supervisor_id=w.users["sup1"])
    ref = w.drive.do(ref, sd.verify, "sup1", confirmed=False, note="现场无此问题")
    refused(w, ref, sd.WrongState, call, w, "accept", "acceptor", ref, match="核实")
    ref = w.drive.do(ref, sd.void, "acceptor", reason="核实不属实")
    assert ref.state == S.VOIDED
    superior = w.drive.register(source="superior")
    assert w.drive.do(superior, sd.accept, "acceptor").state == S.ACCEPTED


@pytest.mark.parametrize("action", ["sign", "request_return", "request_extension",
                                    "request_suspension", "feedback"])
def test_department_touching_another_departments_case(shared_world, action):
    w = shared_world
    ref = case_in(w, S.DISPATCHED)  # dispatched to the water company
    for other in ("sanitation", "street1"):
        refused(w, ref, sd.NotYourCase, call, w, action, other, ref, match="本部门")


def test_command_level_and_task_scope(shared_world):
    w = shared_world
    city_case = case_in(w, S.FILED)
    refused(w, city_case, sd.NotYourCase, call, w, "dispatch", "district", city_case,
            department_id=w.dept["D1"])
    district_case = case_in(w, S.AT_DISTRICT)
    refused(w, district_case, sd.NotYourCase, call, w, "dispatch", "dispatcher", district_case,
            department_id=w.dept["D1"])
    refused(w, district_case, sd.InvalidArgument, call, w, "dispatch", "district",
            district_case, department_id=w.dept["SW"])  # not one of the district's departments
    ref = w.drive.register(source="hotline_12319")
    ref = w.drive.do(ref, sd.send_verification, "acceptor", supervisor_id=w.users["sup1"])
    refused(w, ref, sd.NotYourCase, call, w, "verify", "sup2", ref, match="sup1")


def test_actor_must_match_the_user_record(shared_world):
    w = shared_world
    ref = case_in(w, S.ACCEPTED)
    forged = sd.Actor(w.users["acceptor"], "shift_lead")  # an acceptor claiming to be lead
    refused(w, ref, sd.WrongRole, sd.file, w.wf, forged, ref.id, ref.version,
            condition_id=w.cond["井盖"])
    refused(w, ref, sd.NotFound, sd.accept, w.wf, w.a("acceptor"), 999999, 1)

