"""Every allowed transition of the table, performed through the services on both backends:
the state moves to the row's target, the version and the ledger advance by one, the
chain verifies and the replayed ledger equals the case row."""

from __future__ import annotations

import pytest

from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from seatdesk.workflow.ledger import case_rows, replay
from seatdesk.workflow.states import MERGE_IN, TRANSITIONS
from tests.workflow_fixtures import (
    P1,
    Ref,
    World,
    call,
    case_row,
    shared_world_fixture,  # noqa: F401 (fixture)
)


def _district_dispatched(w: World) -> Ref:
    ref = w.drive.to(S.AT_DISTRICT)
    return w.drive.do(ref, sd.dispatch, "district", department_id=w.dept["D1"])


def _district_return_requested(w: World) -> Ref:
    return w.drive.do(_district_dispatched(w), sd.request_return, "street1", reason="非本科职责")


def _verified(w: World) -> Ref:
    ref = w.drive.to(S.PENDING_VERIFICATION)
    return w.drive.do(ref, sd.verify, "sup1", confirmed=True)


#: (action, from, to) → (prepare the case, actor, keyword overrides)
PLAN = {
    ("send_verification", S.REPORTED, S.PENDING_VERIFICATION):
        (lambda w: w.drive.register(source="hotline_12319"), "acceptor", {}),
    ("verify", S.PENDING_VERIFICATION, S.REPORTED): (None, "sup1", {}),
    ("accept", S.REPORTED, S.ACCEPTED): (None, "acceptor", {}),
    ("void", S.REPORTED, S.VOIDED): (None, "acceptor", {}),
    ("void", S.PENDING_VERIFICATION, S.VOIDED): (None, "acceptor", {}),
    ("void", S.ACCEPTED, S.VOIDED): (None, "acceptor", {}),
    ("file", S.ACCEPTED, S.FILED): (None, "lead", {}),
    ("refuse_filing", S.ACCEPTED, S.NOT_FILED): (None, "lead", {}),
    ("dispatch", S.FILED, S.DISPATCHED): (None, "dispatcher", {}),
    ("dispatch", S.FILED, S.AT_DISTRICT): (None, "dispatcher", {"department_id": "DC"}),
    ("dispatch", S.AT_DISTRICT, S.DISPATCHED): (None, "district", {"department_id": "D1"}),
    ("send_up", S.AT_DISTRICT, S.FILED): (None, "district", {}),
    ("redispatch", S.DISPATCHED, S.DISPATCHED): (None, "dispatcher", {}),
    ("redispatch", S.DISPATCHED, S.AT_DISTRICT): (None, "dispatcher", {"department_id": "DC"}),
    ("urge", S.DISPATCHED, S.DISPATCHED): (None, "dispatcher", {}),
    ("sign", S.DISPATCHED, S.DISPATCHED):
        (lambda w: w.drive.to(S.DISPATCHED, sign=False), "water", {}),
    ("request_return", S.DISPATCHED, S.RETURN_REQUESTED): (None, "water", {}),
    ("approve_return", S.RETURN_REQUESTED, S.FILED): (None, "dispatcher", {}),
    ("approve_return", S.RETURN_REQUESTED, S.AT_DISTRICT):
        (_district_return_requested, "district", {}),
    ("refuse_return", S.RETURN_REQUESTED, S.DISPATCHED): (None, "dispatcher", {}),
    ("request_extension", S.DISPATCHED, S.EXTENSION_REQUESTED): (None, "water", {}),
    ("approve_extension", S.EXTENSION_REQUESTED, S.DISPATCHED): (None, "dispatcher", {}),
    ("refuse_extension", S.EXTENSION_REQUESTED, S.DISPATCHED): (None, "dispatcher", {}),
    ("request_suspension", S.DISPATCHED, S.SUSPENSION_REQUESTED): (None, "water", {}),
    ("approve_suspension", S.SUSPENSION_REQUESTED, S.SUSPENDED): (None, "dispatcher", {}),
    ("refuse_suspension", S.SUSPENSION_REQUESTED, S.DISPATCHED): (None, "dispatcher", {}),
    ("resume", S.SUSPENDED, S.DISPATCHED): (None, "dispatcher", {}),
    ("feedback", S.DISPATCHED, S.FEEDBACK): (None, "water", {}),
    ("send_check", S.FEEDBACK, S.PENDING_CHECK): (None, "acceptor", {}),
    ("check_pass", S.PENDING_CHECK, S.READY_TO_CLOSE): (None, "sup1", {}),
    ("check_fail", S.PENDING_CHECK, S.DISPATCHED): (None, "sup1", {}),
    ("close", S.READY_TO_CLOSE, S.CLOSED): (None, "lead", {}),
    ("request_void", S.FILED, S.VOID_REQUESTED): (None, "acceptor", {}),
    ("request_void", S.AT_DISTRICT, S.VOID_REQUESTED): (None, "district", {}),
    ("request_void", S.DISPATCHED, S.VOID_REQUESTED): (None, "dispatcher", {}),
    ("approve_void", S.VOID_REQUESTED, S.VOIDED): (None, "lead", {}),
    ("refuse_void", S.VOID_REQUESTED, S.FILED): (None, "lead", {}),
    ("refuse_void", S.VOID_REQUESTED, S.AT_DISTRICT):
        (lambda w: w.drive.do(w.drive.to(S.AT_DISTRICT), sd.request_void, "acceptor",
                              reason="重复"), "lead", {}),
    ("refuse_void", S.VOID_REQUESTED, S.DISPATCHED):
        (lambda w: w.drive.do(w.drive.to(S.DISPATCHED), sd.request_void, "dispatcher",
                              reason="重复"), "lead", {}),
    ("merge", S.REPORTED, S.MERGED): (None, "acceptor", {}),
    ("merge", S.PENDING_VERIFICATION, S.MERGED): (None, "acceptor", {}),
    ("merge", S.ACCEPTED, S.MERGED): (None, "acceptor", {}),
    ("merge", S.FILED, S.MERGED): (None, "lead", {}),
    ("accept", S.REPORTED, S.ACCEPTED, "verified hotline"): (_verified, "acceptor", {}),
    ("claim_task", S.PENDING_VERIFICATION, S.PENDING_VERIFICATION): (None, "sup1", {}),
    ("claim_task", S.PENDING_CHECK, S.PENDING_CHECK): (None, "sup1", {}),
    ("callback", S.CLOSED, S.CLOSED):
        (lambda w: w.drive.to(S.CLOSED, caller_phone="13800001234", callback_wanted=True),
         "acceptor", {}),
    ("callback", S.CLOSED, S.DISPATCHED):
        (lambda w: w.drive.to(S.CLOSED, caller_phone="13800001234", callback_wanted=True),
         "acceptor", {"outcome": "dissatisfied", "note": "井盖仍松动"}),
}
KEYS = [(t.action, t.source, t.target) for t in TRANSITIONS if t.action != "register"]


def test_plan_covers_every_transition():
    assert set(KEYS) <= {k[:3] for k in PLAN}


def test_register(shared_world):
    w = shared_world
    change = sd.register(w.wf, w.a("sup1"), sd.Report(source="patrol", lon=P1[0], lat=P1[1],
                                                      description="井盖破损"))
    assert (change.old_state, change.new_state, change.version, change.ledger_seq) == (
        "", S.REPORTED, 1, 1)
    row = case_row(w, change.case_id)
    assert row["grid_cell_id"] is not None and row["zone"] == "A" and row["number"].startswith(
        "20261102")
    assert None not in (row["community_id"], row["street_id"], row["district_id"])
    assert row["reporter_id"] == w.users["sup1"]  # a supervisor's own patrol report
    assert row["step_deadline_at"] is not None  # 受理 step limit
    _assert_consistent(w, change.case_id)


@pytest.mark.parametrize("key", list(PLAN), ids=lambda k: "-".join(k))
def test_allowed_transition(shared_world, key):
    w = shared_world
    action, source, target = key[:3]
    prepare, actor, override = PLAN[key]
    ref = prepare(w) if prepare else w.drive.to(source)
    assert ref.state == source
    before = case_row(w, ref.id)
    kwargs = {k: w.dept[v] if k == "department_id" else v for k, v in override.items()}
    if action == "merge":
        keep = w.drive.register()
        result = sd.merge(w.wf, w.a(actor), ref.id, keep.id, version=ref.version)
        change = result.duplicate
        assert result.survivor.version == keep.version + 1
        _assert_consistent(w, keep.id)
    else:
        change = call(w, action, actor, ref, **kwargs)
    assert (change.old_state, change.new_state) == (source, target)
    after = case_row(w, ref.id)
    assert after["state"] == target
    assert after["version"] == before["version"] + 1 == change.version
    assert after["ledger_seq"] == before["ledger_seq"] + 1
    _assert_consistent(w, ref.id)


def _assert_consistent(w: World, case_id: int) -> None:
    """The chain verifies and replaying the ledger gives every field of the case row."""
    with w.db.Session() as s:
        assert sd.verify_ledger(s, [case_id]) == []
        replayed = replay(case_rows(s, case_id))
    row = case_row(w, case_id)
    assert replayed.problems == ()
    assert replayed.state == row["state"] and replayed.version == row["version"]
    for name, value in replayed.fields.items():
        assert row[name] == value, name


def test_merge_in_rows_cover_every_open_state():
    assert {t.source for t in MERGE_IN} >= {S.REPORTED, S.DISPATCHED, S.CLOSED}
