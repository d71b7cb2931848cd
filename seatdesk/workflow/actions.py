"""The one path every workflow action takes, in one transaction.

load the case with the acting user and department (one query) → check the actor →
compare versions (optimistic lock) → check role, state, reason, scope and guards from the
transition table → let the service apply its change → move the state and step clocks →
append the ledger row → versioned UPDATE → commit → return a frozen ``CaseChange``.
On PostgreSQL a trigger on the ledger sends NOTIFY ``seatdesk_cases`` for every appended
row; it is delivered to listeners when (and only if) the transaction commits.

A refusal raises before anything is written. A concurrent change (version moved on)
raises ``StaleCase`` naming who made the last change, read from the ledger.

On PostgreSQL an action that writes only the case and its ledger row takes two round trips:
the read outside a transaction, then the combined UPDATE + INSERT as a transaction of its
own (``caserow``: ``alone``); the seat's live-user guard does not ask first, the read
checks the same record. Whatever else an action reads or adds keeps the whole unit one
ordinary transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from seatdesk.models import Case, LedgerEntry, User
from seatdesk.models.enums import DepartmentKind, Role

from . import caserow, guards, ledger, liveuser, timelimits
from .caserow import CaseRecord
from .context import Workflow, WorkflowSettings
from .errors import InvalidArgument, MissingReason, NotFound, StaleCase, WrongRole, WrongState
from .states import ACTIONS, Transition, action_label, rows_for, state_label
from .validation import checked_reason
from .values import Actor, CaseChange
from .worktime import WorkCalendar


class Conflict(Exception):
    """Internal to the package: the versioned UPDATE (or the ledger's unique seq) lost a
    race; the public API turns it into ``StaleCase``."""


@dataclass
class ActionContext:
    """Everything a service's ``apply`` step needs; ``args`` go into the ledger payload."""

    wf: Workflow
    session: Session
    actor: Actor
    case: Any  # caserow.CaseRecord (or the ORM Case being registered)
    action: str
    now: dt.datetime
    reason: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    rows: tuple[Transition, ...] = ()
    before: dict[str, Any] = field(default_factory=dict)
    duplicates: tuple = ()  # candidates found while registering/accepting
    actor_district: Any = field(default=guards.UNKNOWN)  # see guards.district_of
    seen: int = 0  # the version the caller saw (= the version loaded)
    changed: tuple[str, ...] = ()  # case columns this action changed
    alone: bool = False  # the case was read outside a transaction (caserow: ``alone``)

    @property
    def next_seq(self) -> int:
        """The ledger seq this action's row will get (for attachments stored in ``apply``)."""
        return self.case.ledger_seq + 1

    @property
    def settings(self) -> WorkflowSettings:
        return self.wf.settings(self.session)

    @property
    def calendar(self) -> WorkCalendar:
        return self.wf.calendar(self.session)


Apply = Callable[[ActionContext], str | None]


def run(wf: Workflow, actor: Actor, case_id: int, version: int, action: str, apply: Apply, *,
        reason: str = "", args: dict[str, Any] | None = None) -> CaseChange:
    """Run ``action`` on a case. ``apply`` mutates ``ctx.case`` and returns the target state
    (``None`` when the action has a single target from the current state)."""
    check_role(actor, action)

    def body(session: Session) -> CaseChange:
        ctx = prepare(wf, session, actor, case_id, version, action, reason, args, alone=True)
        with session.no_autoflush:  # other rows the action adds are written at the end
            entry = record(ctx, apply(ctx))
        save(ctx, entry)
        return change_of(ctx, entry)

    try:  # the unit checks the actor's live record with the case (``_load_for``)
        return wf.write(body, actor_checked=True)
    except Conflict:
        raise stale_error(wf, case_id) from None


# -- checks -----------------------------------------------------------------------------
def check_role(actor: Actor, action: str) -> None:
    if actor.role not in _roles(rows_for(action)):
        who = Role(actor.role).label if actor.role in Role._value2member_map_ else actor.role
        raise WrongRole(f"{who}不能执行「{action_label(action)}」")


def check_actor(session: Session, actor: Actor) -> None:
    """The acting user exists, is active and holds the role and department claimed."""
    user = session.get(User, actor.user_id)
    _check_user(actor, user.role if user else None, bool(user and user.active),
                user.department_id if user else None)


def check_actor_kept(wf: Workflow, session: Session, actor: Actor) -> None:
    """``check_actor`` through the process's cache while it is live (``Workflow.lookups``):
    a change of a user's role, active flag or department sends ``NOTIFY seatdesk_users``,
    which empties it (registration from the intake server; elsewhere the same as
    ``check_actor``)."""

    def load() -> tuple[str, bool, int | None] | None:
        user = session.get(User, actor.user_id)
        return None if user is None else (user.role, bool(user.active), user.department_id)

    if not wf.lookups.live:
        check_actor(session, actor)
        return
    facts = wf.lookups.get(("user", actor.user_id), load)
    role, active, dept_id = facts if facts is not None else (None, False, None)
    _check_user(actor, role, active, dept_id)


def _check_user(actor: Actor, role: str | None, active: bool, dept_id: int | None) -> None:
    if role is None or not active:
        raise WrongRole("当前用户不存在或已停用，不能操作案卷")
    if role != actor.role or dept_id != actor.department_id:
        raise WrongRole("登录信息与用户资料不符(角色或部门已变更)，请重新登录")


def load_case(session: Session, case_id: int) -> Case:
    case = session.scalar(select(Case).options(defer(Case.geom)).where(Case.id == case_id))
    if case is None:
        raise NotFound(f"案卷 {case_id} 不存在")
    return case


def _load_for(session: Session, actor: Actor, case_id: int,
              alone: bool = False) -> tuple[CaseRecord, int | None]:
    """The case, the acting user's record and department kind in one round trip; returns
    the case and the district centre the actor works for (None: city level). On a seat's
    guarded engine a changed account is ``AccountChanged``, as the guard would say."""
    found = caserow.load(session, actor.user_id, actor.department_id, case_id, alone)
    try:
        if found is None:
            check_actor(session, actor)
            raise NotFound(f"案卷 {case_id} 不存在")
        case, role, active, dept_id, dept_kind = found
        _check_user(actor, role, bool(active), dept_id)
    except WrongRole:
        if liveuser.guarded(session.get_bind().engine):
            raise liveuser.AccountChanged() from None
        raise
    district = actor.department_id if dept_kind == DepartmentKind.DISTRICT_CENTRE else None
    return case, district


def prepare(wf: Workflow, session: Session, actor: Actor, case_id: int, version: int,
            action: str, reason: str, args: dict[str, Any] | None,
            alone: bool = False) -> ActionContext:
    """``alone``: the unit of work is this action's only (``run``), so the case may be read
    and moved outside a transaction when nothing else comes between (``caserow``)."""
    alone = alone and caserow.idle(session)
    case, district = _load_for(session, actor, case_id, alone)
    if case.version != version:
        raise Conflict()
    now = max(wf.now(), case.updated_at)
    ctx = ActionContext(wf, session, actor, case, action, now, checked_reason(reason),
                        dict(args or {}), actor_district=district, seen=version, alone=alone)
    check_transition(ctx)
    ctx.before = ledger.snapshot(case)
    return ctx


def check_transition(ctx: ActionContext) -> None:
    """Role, state, reason, scope and guards of ``ctx.action`` on ``ctx.case``."""
    state, action = ctx.case.state, ctx.action
    rows = tuple(r for r in rows_for(action) if r.source == state)
    if not rows:
        hint = _hint(action)
        raise WrongState(f"案卷 {ctx.case.number} 当前为「{state_label(state)}」，"
                         f"不能「{action_label(action)}」{hint}")
    if ctx.actor.role not in _roles(rows):
        who = Role(ctx.actor.role).label
        raise WrongRole(f"{who}不能对「{state_label(state)}」的案卷执行「{action_label(action)}」")
    if any(r.reason for r in rows) and not ctx.reason:
        raise MissingReason(f"「{action_label(action)}」必须填写理由")
    guards.check_scope(ctx)
    _check_once(ctx, rows)
    guards.check_guards(ctx, tuple(dict.fromkeys(g for r in rows for g in r.guards)))
    ctx.rows = rows


def _check_once(ctx: ActionContext, rows: tuple[Transition, ...]) -> None:
    """A self-loop taken once (``Transition.once``) is refused when it is already done."""
    if all(r.is_self_loop and r.once and getattr(ctx.case, r.once) is not None for r in rows):
        raise WrongState(f"案卷 {ctx.case.number} 已「{action_label(ctx.action)}」，"
                         f"不能重复{_hint(ctx.action)}")


def _roles(rows: tuple[Transition, ...]) -> frozenset[str]:
    return frozenset().union(*(r.roles for r in rows))


def _hint(action: str) -> str:
    hint = ACTIONS[action].hint
    return f"（{hint}）" if hint else ""


# -- recording --------------------------------------------------------------------------
def record(ctx: ActionContext, target: str | None) -> ledger.LedgerRow:
    """Move the state, step clocks and ``updated_at``; build the ledger row."""
    case, old = ctx.case, ctx.case.state or ""
    targets = [r.target for r in ctx.rows]
    target = target if target is not None else (targets[0] if len(targets) == 1 else None)
    if target not in targets:
        raise InvalidArgument(f"「{action_label(ctx.action)}」不能从「{state_label(old)}」"
                              f"转到「{state_label(target or '')}」")
    case.state = target
    timelimits.enter_state(ctx.calendar, ctx.settings, case, old, target, ctx.now)
    case.updated_at = ctx.now
    changed = ledger.changes(ctx.before, case)
    ctx.changed = tuple(changed)
    return ledger.append(case, at=ctx.now, actor_id=ctx.actor.user_id,
                         actor_role=ctx.actor.role, seat=ctx.actor.seat, action=ctx.action,
                         from_state=old, to_state=target, reason=ctx.reason,
                         payload={"args": ctx.args, "set": changed})


def save(ctx: ActionContext, entry: ledger.LedgerRow) -> None:
    """Versioned UPDATE of the changed columns with the ledger INSERT, then whatever else the
    action added (dispatch rows, attachments …). A lost race becomes ``Conflict``."""
    if not caserow.write(ctx.session, ctx.case, ctx.changed, ctx.seen, entry, ctx.alone):
        raise Conflict()
    ctx.session.flush()


def change_of(ctx: ActionContext, entry: ledger.LedgerRow) -> CaseChange:
    case = ctx.case
    return CaseChange(
        case_id=case.id, number=case.number, action=ctx.action, old_state=entry.from_state,
        new_state=case.state, version=case.version, at=ctx.now, ledger_seq=entry.seq,
        changed_fields=ctx.changed, deadline_at=case.deadline_at,
        duplicates=tuple(ctx.duplicates),
    )


def stale_error(wf: Workflow, case_id: int) -> StaleCase:
    """Build the conflict message from the case as committed now and its last ledger row."""
    with wf.reading() as session:
        case = load_case(session, case_id)
        last = session.scalar(select(LedgerEntry).where(
            LedgerEntry.case_id == case_id, LedgerEntry.seq == case.ledger_seq))
        user = session.get(User, last.actor_id) if last and last.actor_id else None
        who = user.display_name if user else "其他席位"
        if last is not None:
            who = f"{who}（{Role(last.actor_role).label}）" if user else who
        return StaleCase(case_id=case.id, number=case.number, changed_by=who,
                         changed_by_id=last.actor_id if last else None, state=case.state,
                         state_label=state_label(case.state), version=case.version,
                         changed_at=last.at if last else None)
