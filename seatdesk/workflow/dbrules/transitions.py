"""``workflow_transitions``: the transition table of ``states.py`` as rows in the database.

``sync`` makes the table equal to ``rows()`` (deleting what ``states.py`` no longer has,
adding what is new) in the caller's transaction; every migration run ends with it, so a
transition added in Python reaches the database with the next ``seatdesk db upgrade``.
``tests/test_dbrules.py`` checks that the table of a migrated database equals ``rows()``:
a transition added without a sync fails a test, not production.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from seatdesk.models import WorkflowTransition

from ..states import ALL_TRANSITIONS

Row = tuple[str, str, str, str]  # action, from-state, to-state, role
_TABLE = WorkflowTransition.__table__


def rows() -> frozenset[Row]:
    """(action, from-state, to-state, role) for every role of every transition."""
    return frozenset((t.action, str(t.source), str(t.target), str(role))
                     for t in ALL_TRANSITIONS for role in t.roles)


def stored(conn: Connection) -> frozenset[Row]:
    cols = _TABLE.c
    return frozenset(tuple(r) for r in conn.execute(
        select(cols.action, cols.source, cols.target, cols.role)))


def sync(conn: Connection) -> tuple[int, int]:
    """Make the table equal ``rows()``; returns (added, removed)."""
    want, have = rows(), stored(conn)
    cols = _TABLE.c
    for action, source, target, role in have - want:
        conn.execute(delete(_TABLE).where(cols.action == action, cols.source == source,
                                          cols.target == target, cols.role == role))
    added = sorted(want - have)
    if added:
        conn.execute(insert(_TABLE), [dict(zip(("action", "source", "target", "role"), row,
                                               strict=True)) for row in added])
    return len(added), len(have - want)
