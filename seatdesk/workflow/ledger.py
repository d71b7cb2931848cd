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
from types import MappingProxyType
from typing import Any

from sqlalchemy import Numeric, select
from sqlalchemy.orm import Session

from seatdesk.models import Case, LedgerEntry, UTCDateTime
from seatdesk.models.ledger import GENESIS, canonical_payload, entry_hash

from .states import ALL_TRANSITIONS, NEW

_ROLES: dict[tuple[str, str, str], frozenset[str]] = {}
for _t in ALL_TRANSITIONS:
    _key = (_t.action, str(_t.source), str(_t.target))
    _ROLES[_key] = _ROLES.get(_key, frozenset()) | _t.roles
#: case columns recorded in ledger payloads (everything a replay must rebuild)
UNTRACKED = frozenset({"id", "version", "geom", "ledger_head", "ledger_seq", "ledger_since"})
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
class LedgerRow:
    """A ledger row as ``append`` builds it: every column of ``case_ledger`` as a plain
    attribute. Every caller reads it and writes it with a Core INSERT (``caserow.write``,
    the registration's ``_add_entry``), never through the ORM's unit of work, so an ORM
    ``LedgerEntry`` cost its instrumentation for nothing (a tenth of a registration's
    Python CPU went to building and reading the case and its row as ORM objects:
    docs/performance.md)."""

    __slots__ = tuple(c.key for c in LedgerEntry.__table__.columns)

    def __init__(self, **values: Any):
        for name in self.__slots__:
            setattr(self, name, values.get(name))


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
) -> LedgerRow:
    """Build the next row of ``case``'s chain and move the head stored on the case (the
    caller adds the row to the session once the case has its id); the first row's time
    becomes the case's ``ledger_since``."""
    text = canonical_payload(dict(payload))
    seq = case.ledger_seq + 1
    prev = case.ledger_head or GENESIS
    digest = entry_hash(prev_hash=prev, case_number=case.number, seq=seq, at=at,
                        actor_id=actor_id, actor_role=actor_role, seat=seat, action=action,
                        from_state=from_state, to_state=to_state, reason=reason, payload=text)
    row = LedgerRow(case_id=case.id, seq=seq, at=at, actor_id=actor_id, actor_role=actor_role,
                    seat=seat, action=action, from_state=from_state, to_state=to_state,
                    reason=reason, payload=text, prev_hash=prev, hash=digest)
    case.ledger_seq, case.ledger_head = seq, digest
    if seq == 1:
        case.ledger_since = at
    return row


def recompute_hash(row: LedgerEntry, case_number: str) -> str:
    return entry_hash(prev_hash=row.prev_hash, case_number=case_number, seq=row.seq, at=row.at,
                      actor_id=row.actor_id, actor_role=row.actor_role, seat=row.seat,
                      action=row.action, from_state=row.from_state, to_state=row.to_state,
                      reason=row.reason, payload=row.payload)


# -- replay -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """A replay problem of one row: ``transition`` (not a legal transition), ``role`` (the
    actor's role may not take it) or ``skip`` (it does not start where the case was)."""

    seq: int
    kind: str
    message: str


@dataclass(frozen=True)
class Replayed:
    """A case rebuilt from its ledger: state, version and every tracked field."""

    state: str
    version: int
    fields: Mapping[str, Any]
    findings: tuple[Finding, ...] = field(default=())

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(f"序号 {f.seq}: {f.message}" for f in self.findings)

    @property
    def deadline_at(self) -> dt.datetime | None:
        return self.fields.get("deadline_at")

    @property
    def step_deadline_at(self) -> dt.datetime | None:
        return self.fields.get("step_deadline_at")

    def __getitem__(self, name: str) -> Any:
        return self.fields.get(name)


def replay(rows: Iterable[LedgerEntry]) -> Replayed:
    """Fold a case's ledger rows (in seq order) into the state and fields of the case row,
    checking each row against the transition table on the way."""
    state, version, fields, findings = NEW, 0, {}, []
    for row in rows:
        version += 1
        findings += _row_findings(row, state)
        for name, value in _payload_set(row).items():
            fields[name] = from_json(name, value)
        state = row.to_state
    return Replayed(state, version, MappingProxyType(fields), tuple(findings))


def _row_findings(row: LedgerEntry, state: str) -> list[Finding]:
    out = []
    key = (row.action, row.from_state, row.to_state)
    if row.from_state != state:
        out.append(Finding(row.seq, "skip", f"「{row.action}」从 {row.from_state!r} 开始，"
                                            f"但案卷此前处于 {state!r}（跳过或篡改了状态）"))
    if key not in _ROLES:
        out.append(Finding(row.seq, "transition", f"{row.action} {row.from_state!r}→"
                                                  f"{row.to_state!r} 不是合法流转"))
    elif row.actor_role not in _ROLES[key]:
        out.append(Finding(row.seq, "role", f"{row.actor_role} 不能执行 {row.action} "
                                            f"{row.from_state!r}→{row.to_state!r}"))
    return out


def _payload_set(row: LedgerEntry) -> dict[str, Any]:
    try:
        found = json.loads(row.payload).get("set", {})
    except (ValueError, AttributeError):
        return {}
    return found if isinstance(found, dict) else {}


def case_rows(session: Session, case_id: int) -> list[LedgerEntry]:
    return list(session.scalars(
        select(LedgerEntry).where(LedgerEntry.case_id == case_id).order_by(LedgerEntry.seq)))


def __getattr__(name: str):
    """Verification lives in ``ledger_verify``; its names stay importable from here."""
    if name in ("LedgerProblem", "verify_ledger"):
        from . import ledger_verify

        return getattr(ledger_verify, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


