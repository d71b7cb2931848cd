"""The case state machine as data: one row per (action, from-state, to-state).

Each row says which roles may take the action from that state, whether a reason
(理由) is required and which named guards apply. The services consult this table
for every call (whatever the UI shows), the UI asks it which buttons to offer
(``actions_for``) and ``docs/workflow.md`` shows a diagram generated from it.

A self-loop (an action that leaves the state as it is) says whether it may repeat:
``repeat=True`` (督办 as often as needed), or ``once="<case column>"`` — the action is
done once the column is set and is refused (and its button disappears) from then on
(签收: ``signed_at``, reset by a new 派遣). Every self-loop declares one or the other.

Beyond the per-row roles, every action is scoped by role (see ``guards.py``): a
department (专业部门) only touches cases dispatched to itself, a dispatcher only
cases held at its command level, a supervisor only the 核实/核查 tasks sent to it or
to a pool it belongs to (``models/pools.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from seatdesk.models.enums import CaseState as S
from seatdesk.models.enums import Role as R

NEW = ""  # the "from-state" of a case being registered


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset[str]
    reason: bool = False
    guards: tuple[str, ...] = ()
    repeat: bool = False  # a self-loop that may be taken again and again (督办)
    once: str = ""  # a self-loop done once: refused while this case column is set (签收)

    @property
    def is_self_loop(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class ActionInfo:
    label: str
    hint: str = ""  # shown when the action is refused in the wrong state


def _t(action, source, target, roles, reason=False, guards=(), repeat=False,
       once="") -> Transition:
    return Transition(action, source, target, frozenset(roles), reason, tuple(guards),
                      repeat, once)


_ACC, _LEAD, _DISP, _DEPT, _SUP = R.ACCEPTOR, R.SHIFT_LEAD, R.DISPATCHER, R.DEPARTMENT, R.SUPERVISOR
_APPROVERS = (_DISP, _LEAD)  # narrowed by the "extension_approver" setting (guard)

TRANSITIONS: tuple[Transition, ...] = (
    # 受理 and 核实 (before filing)
    _t("register", NEW, S.REPORTED, [_ACC, _SUP], guards=["supervisor_patrol_only"]),
    _t("send_verification", S.REPORTED, S.PENDING_VERIFICATION, [_ACC]),
    _t("claim_task", S.PENDING_VERIFICATION, S.PENDING_VERIFICATION, [_SUP],
       once="task_user_id"),
    _t("verify", S.PENDING_VERIFICATION, S.REPORTED, [_SUP]),
    _t("accept", S.REPORTED, S.ACCEPTED, [_ACC], guards=["verified_if_public"]),
    _t("void", S.REPORTED, S.VOIDED, [_ACC], reason=True),
    _t("void", S.PENDING_VERIFICATION, S.VOIDED, [_ACC], reason=True),
    _t("void", S.ACCEPTED, S.VOIDED, [_ACC], reason=True),
    # 立案
    _t("file", S.ACCEPTED, S.FILED, [_LEAD], guards=["filing_condition"]),
    _t("refuse_filing", S.ACCEPTED, S.NOT_FILED, [_LEAD], reason=True),
    # 派遣 (two command levels) and 改派
    _t("dispatch", S.FILED, S.DISPATCHED, [_DISP]),
    _t("dispatch", S.FILED, S.AT_DISTRICT, [_DISP]),
    _t("dispatch", S.AT_DISTRICT, S.DISPATCHED, [_DISP], guards=["own_district_department"]),
    _t("send_up", S.AT_DISTRICT, S.FILED, [_DISP], reason=True),
    _t("redispatch", S.DISPATCHED, S.DISPATCHED, [_DISP], reason=True, repeat=True),
    _t("redispatch", S.DISPATCHED, S.AT_DISTRICT, [_DISP], reason=True),
    _t("urge", S.DISPATCHED, S.DISPATCHED, [_DISP, _LEAD], repeat=True),
    # 处置 by the department, with its requests; it signs first (签收, once per dispatch)
    _t("sign", S.DISPATCHED, S.DISPATCHED, [_DEPT], once="signed_at"),
    _t("request_return", S.DISPATCHED, S.RETURN_REQUESTED, [_DEPT], reason=True),
    _t("approve_return", S.RETURN_REQUESTED, S.FILED, [_DISP]),
    _t("approve_return", S.RETURN_REQUESTED, S.AT_DISTRICT, [_DISP]),
    _t("refuse_return", S.RETURN_REQUESTED, S.DISPATCHED, [_DISP], reason=True),
    _t("request_extension", S.DISPATCHED, S.EXTENSION_REQUESTED, [_DEPT], reason=True,
       guards=["signed"]),
    _t("approve_extension", S.EXTENSION_REQUESTED, S.DISPATCHED, _APPROVERS,
       guards=["extension_approver"]),
    _t("refuse_extension", S.EXTENSION_REQUESTED, S.DISPATCHED, _APPROVERS, reason=True,
       guards=["extension_approver"]),
    _t("request_suspension", S.DISPATCHED, S.SUSPENSION_REQUESTED, [_DEPT], reason=True,
       guards=["signed"]),
    _t("approve_suspension", S.SUSPENSION_REQUESTED, S.SUSPENDED, [_DISP]),
    _t("refuse_suspension", S.SUSPENSION_REQUESTED, S.DISPATCHED, [_DISP], reason=True),
    _t("resume", S.SUSPENDED, S.DISPATCHED, [_DISP]),
    _t("feedback", S.DISPATCHED, S.FEEDBACK, [_DEPT], reason=True, guards=["signed"]),
    # 核查 and 结案
    _t("send_check", S.FEEDBACK, S.PENDING_CHECK, [_ACC]),
    _t("claim_task", S.PENDING_CHECK, S.PENDING_CHECK, [_SUP], once="task_user_id"),
    _t("check_pass", S.PENDING_CHECK, S.READY_TO_CLOSE, [_SUP]),
    _t("check_fail", S.PENDING_CHECK, S.DISPATCHED, [_SUP], reason=True),
    _t("close", S.READY_TO_CLOSE, S.CLOSED, [_LEAD]),
    # 回访 after 结案: each caller who asked for it; 不满意 may reopen (setting) → 返工
    _t("callback", S.CLOSED, S.CLOSED, [_ACC], guards=["callback_due"], repeat=True),
    _t("callback", S.CLOSED, S.DISPATCHED, [_ACC], guards=["callback_due"]),
    # 作废 after filing needs the shift lead's approval
    _t("request_void", S.FILED, S.VOID_REQUESTED, [_ACC, _DISP], reason=True),
    _t("request_void", S.AT_DISTRICT, S.VOID_REQUESTED, [_ACC, _DISP], reason=True),
    _t("request_void", S.DISPATCHED, S.VOID_REQUESTED, [_ACC, _DISP], reason=True),
    _t("approve_void", S.VOID_REQUESTED, S.VOIDED, [_LEAD]),
    _t("refuse_void", S.VOID_REQUESTED, S.FILED, [_LEAD], reason=True),
    _t("refuse_void", S.VOID_REQUESTED, S.AT_DISTRICT, [_LEAD], reason=True),
    _t("refuse_void", S.VOID_REQUESTED, S.DISPATCHED, [_LEAD], reason=True),
    # duplicates: the duplicate ends as "merged"; the survivor gets a "merge_in" row
    _t("merge", S.REPORTED, S.MERGED, [_ACC, _LEAD]),
    _t("merge", S.PENDING_VERIFICATION, S.MERGED, [_ACC, _LEAD]),
    _t("merge", S.ACCEPTED, S.MERGED, [_ACC, _LEAD]),
    _t("merge", S.FILED, S.MERGED, [_LEAD]),
)

#: states a duplicate may be merged into (the survivor keeps its state)
MERGE_TARGET_STATES = frozenset(
    {S.REPORTED, S.PENDING_VERIFICATION, S.ACCEPTED, S.FILED, S.AT_DISTRICT, S.DISPATCHED,
     S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.SUSPENSION_REQUESTED, S.SUSPENDED,
     S.FEEDBACK, S.PENDING_CHECK, S.READY_TO_CLOSE, S.CLOSED}
)
MERGE_IN = tuple(_t("merge_in", s, s, [_ACC, _LEAD], repeat=True)
                 for s in sorted(MERGE_TARGET_STATES))

ACTIONS: dict[str, ActionInfo] = {
    "register": ActionInfo("登记"),
    "send_verification": ActionInfo("派发核实"),
    "claim_task": ActionInfo("领取任务", "只有派给任一监督员、尚无人领取的核实/核查任务才能领取"),
    "verify": ActionInfo("核实回复", "只有待核实的案卷才能回复核实结果"),
    "accept": ActionInfo("受理"),
    "void": ActionInfo("作废(不予受理)", "立案后作废须申请并经值班长审批"),
    "file": ActionInfo("立案", "只有已受理(待立案)的案卷才能立案"),
    "refuse_filing": ActionInfo("不予立案"),
    "dispatch": ActionInfo("派遣"),
    "send_up": ActionInfo("退回市级"),
    "redispatch": ActionInfo("改派"),
    "urge": ActionInfo("督办"),
    "sign": ActionInfo("签收", "签收只需一次"),
    "request_return": ActionInfo("申请回退"),
    "approve_return": ActionInfo("同意回退"),
    "refuse_return": ActionInfo("驳回回退"),
    "request_extension": ActionInfo("申请延期"),
    "approve_extension": ActionInfo("批准延期"),
    "refuse_extension": ActionInfo("驳回延期"),
    "request_suspension": ActionInfo("申请挂账"),
    "approve_suspension": ActionInfo("批准挂账"),
    "refuse_suspension": ActionInfo("驳回挂账"),
    "resume": ActionInfo("挂账恢复"),
    "feedback": ActionInfo("处置反馈"),
    "send_check": ActionInfo("派发核查", "只有已反馈(待核查)的案卷才能派发核查"),
    "check_pass": ActionInfo("核查通过"),
    "check_fail": ActionInfo("核查不通过(返工)"),
    "close": ActionInfo("结案", "结案前须经监督员核查通过；部门反馈本身不能结案"),
    "callback": ActionInfo("回访", "只有已结案、来电人要求回访的案卷才能回访"),
    "request_void": ActionInfo("申请作废"),
    "approve_void": ActionInfo("批准作废"),
    "refuse_void": ActionInfo("驳回作废"),
    "merge": ActionInfo("合并为重复案卷"),
    "merge_in": ActionInfo("并入重复案卷"),
}

ALL_TRANSITIONS: tuple[Transition, ...] = TRANSITIONS + MERGE_IN
for _row in ALL_TRANSITIONS:  # every self-loop says whether it may repeat
    if _row.is_self_loop and _row.repeat == bool(_row.once):
        raise AssertionError(f"self-loop {_row.action} in {_row.source}: repeat or once")
#: where the handling ends; 结案 is left only by a 回访 that reopens the case (不满意)
TERMINAL_STATES = frozenset({S.VOIDED, S.NOT_FILED, S.CLOSED, S.MERGED})
OPEN_STATES = frozenset(S) - TERMINAL_STATES

_BY_ACTION: dict[str, tuple[Transition, ...]] = {}
for _row in ALL_TRANSITIONS:
    _BY_ACTION[_row.action] = _BY_ACTION.get(_row.action, ()) + (_row,)


def rows_for(action: str) -> tuple[Transition, ...]:
    """Every row of ``action`` (KeyError for an unknown action)."""
    return _BY_ACTION[action]


def state_label(state: str) -> str:
    return S(state).label if state else "新案卷"


def action_label(action: str) -> str:
    return ACTIONS[action].label


def actions_for(role: str, state: str) -> tuple[str, ...]:
    """Actions ``role`` may take on a case in ``state`` by the table (scope guards aside)."""
    seen: dict[str, None] = {}
    for row in TRANSITIONS:
        if row.source == state and role in row.roles:
            seen.setdefault(row.action)
    return tuple(seen)


def roles_for(action: str) -> frozenset[str]:
    return frozenset().union(*(row.roles for row in rows_for(action)))
