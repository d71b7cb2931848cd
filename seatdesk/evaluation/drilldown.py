"""Drill-down: the cases behind a figure, as plain rows (never caller names or phones).

A count's list has one row per counted item (a case counted twice — two 核查 of one
case, say — appears twice), so ``len(rows) == figure.value`` always holds. For a rate,
``numerator_rows`` and ``denominator_rows`` list the two counts it divides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from seatdesk.models import Case, Department, GridCell
from seatdesk.models.enums import CaseState
from seatdesk.models.sources import source_names

from .indicators import Figure

_Dept, _Grid = aliased(Department), aliased(GridCell)


@dataclass(frozen=True)
class DrillRow:
    case_id: int
    number: str
    state: str
    state_label: str
    source_label: str
    address: str
    grid_code: str
    department: str
    reported_at: dt.datetime
    closed_at: dt.datetime | None
    deadline_at: dt.datetime | None


def case_rows(session: Session, case_ids: Iterable[int]) -> list[DrillRow]:
    """Rows for ``case_ids`` in the given order (repeats kept)."""
    ids = list(case_ids)
    found: dict[int, DrillRow] = {}
    unique = sorted(set(ids))
    names = source_names(session)
    for start in range(0, len(unique), 1000):
        chunk = unique[start:start + 1000]
        query = (select(Case.id, Case.number, Case.state, Case.source, Case.address, _Grid.code,
                        _Dept.name, Case.reported_at, Case.closed_at, Case.deadline_at)
                 .outerjoin(_Grid, _Grid.id == Case.grid_cell_id)
                 .outerjoin(_Dept, _Dept.id == Case.department_id)
                 .where(Case.id.in_(chunk)))
        for r in session.execute(query):
            found[r[0]] = DrillRow(r[0], r[1], r[2], CaseState(r[2]).label,
                                   names.get(r[3], r[3]), r[4] or "", r[5] or "", r[6] or "",
                                   r[7], r[8], r[9])
    return [found[i] for i in ids if i in found]


def numerator_rows(session: Session, figure: Figure) -> list[DrillRow]:
    """The counted cases of a count, or the numerator's cases of a rate."""
    return case_rows(session, figure.cases)


def denominator_rows(session: Session, figure: Figure) -> list[DrillRow]:
    return case_rows(session, figure.base)
