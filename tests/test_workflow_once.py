"""Idempotent actions (issue 10, item 4): the transition table says which self-loops may
repeat (督办 may; 签收 may not); an action not allowed twice is refused by the engine and
its button disappears; 处置反馈 (and 延期/挂账 requests) come after 签收. Both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from seatdesk.models import LedgerEntry
from seatdesk.models.enums import CaseState as S
from seatdesk.ui.case.reads import allowed_actions
from seatdesk.workflow import services as sd
from seatdesk.workflow.states import ALL_TRANSITIONS, rows_for
from tests.workflow_fixtures import World, world_fixture  # noqa: F401 (fixture)


def allowed(w: World, who: str, ref) -> tuple[str, ...]:
    return allowed_actions(w.wf, w.a(who), ref.id, ref.version, ref.state)


def ledger_count(w: World, case_id: int, action: str) -> int:
    with w.db.Session() as s:
        return s.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.case_id == case_id, LedgerEntry.action == action))


def test_the_table_says_which_self_loops_repeat():
    loops = {(t.action, t.source): t for t in ALL_TRANSITIONS if t.is_self_loop}
    assert loops[("urge", S.DISPATCHED)].repeat
    assert loops[("sign", S.DISPATCHED)].once == "signed_at"
    assert loops[("claim_task", S.PENDING_CHECK)].once == "task_user_id"
    assert all(t.repeat != bool(t.once) for t in loops.values())  # each says one or the other
    assert {g for t in rows_for("feedback") for g in t.guards} == {"signed"}


def test_sign_is_done_once_and_its_button_disappears(world):
    w = world
    ref = w.drive.to(S.DISPATCHED, sign=False)
    assert "sign" in allowed(w, "water", ref)
    ref = w.drive.do(ref, sd.sign, "water")
    assert "sign" not in allowed(w, "water", ref)
    with pytest.raises(sd.WrongState, match="已「签收」，不能重复"):
        w.drive.do(ref, sd.sign, "water")
    assert ledger_count(w, ref.id, "sign") == 1


def test_urge_may_repeat(world):
    w = world
    ref = w.drive.to(S.DISPATCHED)
    for _ in range(3):
        assert "urge" in allowed(w, "dispatcher", ref)
        ref = w.drive.do(ref, sd.urge, "dispatcher", note="请尽快处置")
    assert ledger_count(w, ref.id, "urge") == 3


def test_feedback_and_requests_need_the_sign_first(world):
    w = world
    ref = w.drive.to(S.DISPATCHED, sign=False)
    offered = allowed(w, "water", ref)
    assert "feedback" not in offered and "request_extension" not in offered
    assert "request_return" in offered  # 拒签: a case that is not ours goes back unsigned
    with pytest.raises(sd.WrongState, match="尚未签收：请先签收，再处置反馈"):
        w.drive.do(ref, sd.feedback, "water", result="已处理")
    with pytest.raises(sd.WrongState, match="请先签收，再申请挂账"):
        w.drive.do(ref, sd.request_suspension, "water", reason="工程")
    ref = w.drive.do(ref, sd.sign, "water")
    assert {"feedback", "request_extension", "request_suspension"} <= set(
        allowed(w, "water", ref))
    assert w.drive.do(ref, sd.feedback, "water", result="已处理").state == S.FEEDBACK


def test_a_new_department_signs_again_after_redispatch(world):
    w = world
    ref = w.drive.to(S.DISPATCHED)  # signed by 水务集团
    ref = w.drive.do(ref, sd.redispatch, "dispatcher", department_id=w.dept["HW"],
                     reason="属环卫职责")
    assert "sign" in allowed(w, "sanitation", ref) and "feedback" not in allowed(
        w, "sanitation", ref)
    ref = w.drive.do(ref, sd.sign, "sanitation")
    assert w.drive.do(ref, sd.feedback, "sanitation", result="已清理").state == S.FEEDBACK


def test_rework_keeps_the_sign(world):
    """返工 goes back to the department that signed: no second 签收 needed."""
    w = world
    ref = w.drive.to(S.PENDING_CHECK)
    ref = w.drive.do(ref, sd.check_fail, "sup1", reason="井盖仍缺失")
    assert "sign" not in allowed(w, "water", ref) and "feedback" in allowed(w, "water", ref)
