"""The case as the action path sees it: a plain mutable record read and written with
SQLAlchemy Core — one SELECT (with the acting user and department), one versioned
UPDATE of the changed columns, one ledger INSERT.

The services' ``apply`` steps read and set attributes exactly as on the ORM ``Case``;
avoiding the ORM unit of work here keeps a transition cheap enough for many seats.
The optimistic lock is explicit: ``UPDATE … WHERE id = :id AND version = :seen``; no
row updated means someone else committed first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from seatdesk.models import Case, Department, LedgerEntry, User

_CASES = Case.__table__
_COLUMNS = tuple(c for c in _CASES.columns if c.key != "geom")
_NAMES = tuple(c.key for c in _COLUMNS)
_LEDGER_COLUMNS = tuple(c.key for c in LedgerEntry.__table__.columns if c.key != "id")


class CaseRecord:
    """Every column of a case but its geometry, as plain attributes."""

    __slots__ = _NAMES

    def __init__(self, values: dict[str, Any]):
        for name in _NAMES:
            setattr(self, name, values.get(name))


def _select_for():
    """SELECT the case with the acting user's role/active/department and that department's
    kind (built once; executed with ``uid``, ``did``, ``cid``)."""
    joined = (_CASES.outerjoin(User.__table__, User.id == bindparam("uid"))
              .outerjoin(Department.__table__, Department.id == bindparam("did")))
    return (select(*_COLUMNS, User.role.label("_role"), User.active.label("_active"),
                   User.department_id.label("_dept"), Department.kind.label("_kind"))
            .select_from(joined).where(_CASES.c.id == bindparam("cid")))


_SELECT_FOR = _select_for()
_SELECT = select(*_COLUMNS).where(_CASES.c.id == bindparam("cid"))
# SET columns come from the parameters of each call; the WHERE uses _id and _seen
_UPDATE = update(_CASES).where(_CASES.c.id == bindparam("_id"),
                               _CASES.c.version == bindparam("_seen"))
_INSERT = insert(LedgerEntry.__table__)


def load(session: Session, user_id: int, department_id: int | None, case_id: int):
    """(record, role, active, department_id, department kind) or None if no such case."""
    row = session.connection().execute(
        _SELECT_FOR, {"uid": user_id, "did": department_id, "cid": case_id}).first()
    if row is None:
        return None
    values = row._mapping
    return (CaseRecord({name: values[name] for name in _NAMES}), values["_role"],
            values["_active"], values["_dept"], values["_kind"])


def load_plain(session: Session, case_id: int) -> CaseRecord | None:
    row = session.connection().execute(_SELECT, {"cid": case_id}).first()
    return None if row is None else CaseRecord(dict(row._mapping))


def write(session: Session, case: CaseRecord, changed: tuple[str, ...], seen: int) -> bool:
    """Versioned UPDATE of ``changed`` columns (+ version and ledger head); False if lost."""
    values = {name: getattr(case, name) for name in changed}
    values.update(version=seen + 1, ledger_seq=case.ledger_seq, ledger_head=case.ledger_head,
                  _id=case.id, _seen=seen)
    result = session.connection().execute(_UPDATE, values)
    if result.rowcount != 1:
        return False
    case.version = seen + 1
    return True


def insert_entry(session: Session, entry: LedgerEntry) -> None:
    session.connection().execute(_INSERT, {name: getattr(entry, name)
                                           for name in _LEDGER_COLUMNS})
