"""电子台账: append rows to a case's hash chain, verify every chain, replay a case's history.

Each row's payload is canonical JSON ``{"args": {...}, "set": {...}}``: the arguments of
the action and the case fields it changed (new values). Replaying the ``set`` parts in
order therefore rebuilds the case row, and checking each row against the transition
table proves the history is a legal path through the state machine.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from types import MappingProxyType
from typing import Any

from sqlalchemy import Numeric, select
from sqlalchemy.orm import Session

from seatdesk.models import Case, LedgerEntry, UTCDateTime
from seatdesk.models.ledger import GENESIS, canonical_payload, entry_hash

from .states import ALL_TRANSITIONS, NEW

_LEGAL = frozenset((t.action, t.source, t.target) for t in ALL_TRANSITIONS)
#: case columns recorded in ledger payloads (everything a replay must rebuild)
UNTRACKED = frozenset({"id", "version", "geom", "ledger_head", "ledger_seq"})
TRACKED: tuple[str, ...] = tuple(c.key for c in Case.__table__.columns if c.key not in UNTRACKED)
_DATETIME = frozenset(c.key for c in Case.__table__.columns if isinstance(c.type, UTCDateTime))
_DECIMAL = frozenset(c.key for c in Case.__table__.columns if isinstance(c.type, Numeric))


# -- values in payloads -----------------------------------------------------------------
def to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_json(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATETIME:
        return dt.datetime.fromisoformat(value)
    if name in _DECIMAL:
        return Decimal(value)
    return value


def snapshot(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in TRACKED}


def changes(before: Mapping[str, Any], case: Case) -> dict[str, Any]:
    """Fields whose value differs from ``before`` (JSON-ready new values).

    A row that (re)starts a step always states that step's deadline too, even when it
    happens to equal the previous step's (two 30-minute limits started on the same
    weekend both end Monday 08:30): each row then says by itself which 环节时限 runs.
    """
    out = {}
    for name in TRACKED:
        value = getattr(case, name)
        if before.get(name) != value or (name not in before and value is not None):
            out[name] = to_json(value)
    if "step_started_at" in out and "step_deadline_at" not in out:
        out["step_deadline_at"] = to_json(case.step_deadline_at)
    return out


# -- appending --------------------------------------------------------------------------
def append(
    case: Case,
    *,
    at: dt.datetime,
    actor_id: int | None,
    actor_role: str,
    seat: str,
    action: str,
    from_state: str,
    to_state: str,
    reason: str,
    payload: Mapping[str, Any],
) -> LedgerEntry:
    """Build the next row of ``case``'s chain and move the head stored on the case (the
    caller adds the row to the session once the case has its id)."""
    text = canonical_payload(dict(payload))
    seq = case.ledger_seq + 1
    prev = case.ledger_head or GENESIS
    digest = entry_hash(prev_hash=prev, case_number=case.number, seq=seq, at=at,
                        actor_id=actor_id, actor_role=actor_role, seat=seat, action=action,
                        from_state=from_state, to_state=to_state, reason=reason, payload=text)
    row = LedgerEntry(case_id=case.id, seq=seq, at=at, actor_id=actor_id, actor_role=actor_role,
                      seat=seat, action=action, from_state=from_state, to_state=to_state,
                      reason=reason, payload=text, prev_hash=prev, hash=digest)
    case.ledger_seq, case.ledger_head = seq, digest
    return row


def recompute_hash(row: LedgerEntry, case_number: str) -> str:
    return entry_hash(prev_hash=row.prev_hash, case_number=case_number, seq=row.seq, at=row.at,
                      actor_id=row.actor_id, actor_role=row.actor_role, seat=row.seat,
                      action=row.action, from_state=row.from_state, to_state=row.to_state,
                      reason=row.reason, payload=row.payload)


# -- replay -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Replayed:
    """A case rebuilt from its ledger: state, version and every tracked field."""

    state: str
    version: int
    fields: Mapping[str, Any]
    problems: tuple[str, ...] = field(default=())

    @property
    def deadline_at(self) -> dt.datetime | None:
        return self.fields.get("deadline_at")

    @property
    def step_deadline_at(self) -> dt.datetime | None:
        return self.fields.get("step_deadline_at")

    def __getitem__(self, name: str) -> Any:
        return self.fields.get(name)


def replay(rows: Iterable[LedgerEntry]) -> Replayed:
    """Fold a case's ledger rows (in seq order) into the state and fields of the case row."""
    state, version, fields, problems = NEW, 0, {}, []
    for row in rows:
        version += 1
        if row.seq != version:
            problems.append(f"第 {version} 条台账的序号为 {row.seq}")
        if row.from_state != state:
            problems.append(
                f"序号 {row.seq}: 起始状态 {row.from_state!r} 与前一状态 {state!r} 不符")
        if (row.action, row.from_state, row.to_state) not in _LEGAL:
            problems.append(
                f"序号 {row.seq}: {row.action} {row.from_state}→{row.to_state} 不是合法流转")
        for name, value in json.loads(row.payload).get("set", {}).items():
            fields[name] = from_json(name, value)
        state = row.to_state
    return Replayed(state, version, MappingProxyType(fields), tuple(problems))


def case_rows(session: Session, case_id: int) -> list[LedgerEntry]:
    return list(session.scalars(
        select(LedgerEntry).where(LedgerEntry.case_id == case_id).order_by(LedgerEntry.seq)))


# -- verification -------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerProblem:
    """One finding of ``verify_ledger``; ``kind``: seq | link | hash | head | replay."""

    case_id: int
    number: str
    seq: int | None
    kind: str
    message: str


def verify_ledger(session: Session, case_ids: Iterable[int] | None = None) -> list[LedgerProblem]:
    """Recompute every hash of every case's chain and compare the head kept on the case.

    Finds edited rows (hash), deleted/inserted/reordered rows (seq, link), a cut or
    extended tail (head) and a case row that disagrees with its replayed ledger (replay).
    An empty list means every chain is intact.
    """
    query = select(Case.id, Case.number, Case.ledger_head, Case.ledger_seq, Case.state,
                   Case.deadline_at, Case.version)
    rows_query = select(LedgerEntry).order_by(LedgerEntry.case_id, LedgerEntry.seq)
    if case_ids is not None:
        ids = list(case_ids)
        query, rows_query = (query.where(Case.id.in_(ids)),
                             rows_query.where(LedgerEntry.case_id.in_(ids)))
    cases = {row.id: row for row in session.execute(query)}
    problems: list[LedgerProblem] = []
    seen: set[int] = set()
    for case_id, rows in groupby(session.scalars(rows_query.execution_options(yield_per=2000)),
                                 key=lambda r: r.case_id):
        seen.add(case_id)
        problems += _check_case(cases[case_id], list(rows))
    for case_id in cases.keys() - seen:
        c = cases[case_id]
        problems.append(LedgerProblem(c.id, c.number, None, "head", "案卷没有任何台账记录"))
    return problems


def _check_case(case, rows: list[LedgerEntry]) -> list[LedgerProblem]:
    found: list[LedgerProblem] = []

    def add(seq, kind, message):
        found.append(LedgerProblem(case.id, case.number, seq, kind, message))

    prev, expected = GENESIS, 1
    for row in rows:
        if row.seq != expected:
            add(row.seq, "seq", f"序号应为 {expected}，实为 {row.seq}（台账行被删除、插入或调换）")
        if row.prev_hash != prev:
            add(row.seq, "link", "与前一行的哈希链断开（台账行被删除、插入或调换）")
        if recompute_hash(row, case.number) != row.hash:
            add(row.seq, "hash", "内容与哈希不符（台账行被修改）")
        prev, expected = row.hash, row.seq + 1
    last = rows[-1]
    if case.ledger_head != last.hash or case.ledger_seq != last.seq:
        add(last.seq, "head", "案卷记录的链头与台账末行不符（末尾被删除或追加）")
    state = replay(rows)
    if state.state != case.state or state.deadline_at != case.deadline_at:
        add(None, "replay", f"按台账重放得到「{state.state}」/{state.deadline_at}，"
                            f"与案卷「{case.state}」/{case.deadline_at} 不符")
    return found
