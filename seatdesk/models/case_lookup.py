"""Finding a case by the digits of its number (Qt-free; the command palette uses it).

A caller or a colleague reads out the last digits of a case number ("…0123"), a seat
types the first ones (the date) — both find it: a number matches when it starts or ends
with the digits. Newest first, only cases the viewer may see.

With ``ORDER BY number DESC LIMIT n`` both backends walk the unique index on ``number``
backwards and stop at the n-th match; a tail matches about one case in 10^len(digits), so
a 4-digit tail reads some tens of thousands of index entries at most (bench_queues).
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.orm import Session

from .cases import Case
from .queue_rows import CaseRow, RowMaker, Viewer, row_query
from .queues import visible_filter


def cases_by_number(session: Session, digits: str, viewer: Viewer,
                    limit: int = 8) -> tuple[CaseRow, ...]:
    digits = digits.strip()
    if not digits.isdigit():
        return ()
    query = (row_query().where(visible_filter(viewer))
             .where(or_(Case.number.startswith(digits, autoescape=True),
                        Case.number.endswith(digits, autoescape=True)))
             .order_by(Case.number.desc()).limit(limit))
    make = RowMaker(session, viewer)
    return tuple(make(r) for r in session.execute(query))
