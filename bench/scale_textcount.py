"""A text filter's first page by deadline, piece by piece, on a ``bench_scale`` database:
the capped count through the gram index and by a plain scan, the walk of the deadline
index, the gram-index page, the whole ``fetch_page`` and the bench's bare page — each
term's pieces alternating, median of N (docs/performance.md, "Counting a common
two-character term").

``python -m bench.scale_textcount URL [RUNS] [TERM,TERM,…]``
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from sqlalchemy import select

from bench import bench_scale
from seatdesk.models import Case
from seatdesk.models.case_search import estimated_matches
from seatdesk.models.db import make_engine, session_factory
from seatdesk.models.queues import (
    CaseFilter,
    _capped_count,
    _common_text,
    _filtered,
    _order,
    _scope,
    fetch_page,
    get_box,
)

TERMS = ("井盖", "垃圾", "路灯", "占道", "路灯不亮", "下水")
SORT = ("deadline", True)


def pieces(session, term: str, viewer) -> dict:
    """One call of each piece: name → function of a session."""
    f, box = CaseFilter(text=term).checked(), get_box("all")

    def page(indexed: bool):
        ids = _filtered(_scope(session, select(Case.id), box, viewer), f, viewer,
                        "postgresql", indexed)
        return session.execute(_order(ids, SORT).limit(bench_scale.PAGE)).scalars().all()

    return {
        "count by gram index": lambda: _capped_count(session, box, f, viewer, "postgresql"),
        "count by plain scan": lambda: _capped_count(session, box, f, viewer, "postgresql",
                                                     False),
        "walk of the deadline index": lambda: page(False),
        "gram-index page": lambda: page(True),
        "fetch_page": lambda: fetch_page(session, "all", CaseFilter(text=term), SORT,
                                         limit=bench_scale.PAGE, viewer=viewer),
        "bare page": lambda: bench_scale.bare_page(session, "all", CaseFilter(text=term),
                                                   SORT, viewer),
    }


def measure(url: str, runs: int = 5, terms=TERMS, log=print) -> list[dict]:
    sessions = session_factory(make_engine(url))
    with sessions() as s:
        viewer = bench_scale.people(s).viewers["shift_lead"]
    out = []
    for term in terms:
        with sessions() as s:
            estimate, cases = estimated_matches(s, [term])
            common = _common_text(s, CaseFilter(text=term).checked())
        times: dict[str, list[float]] = {}
        for _ in range(runs):
            with sessions() as s:
                for name, call in pieces(s, term, viewer).items():
                    started = time.perf_counter()
                    call()
                    times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        row = {"term": term, "estimate": estimate, "cases": cases, "common": common,
               **{k: statistics.median(v) for k, v in times.items()},
               "load": os.getloadavg()[0]}
        log(f"{term}: estimate {estimate:,.0f} of {cases:,.0f}, "
            f"{'plain scan' if common else 'gram index'} chosen; "
            + "; ".join(f"{k} {statistics.median(v):.1f} ms" for k, v in times.items())
            + f" (load {row['load']:.1f})")
        out.append(row)
    return out


def main(argv: list[str]) -> int:
    print(f"load {os.getloadavg()}")
    measure(argv[0], int(argv[1]) if len(argv) > 1 else 5,
            argv[2].split(",") if len(argv) > 2 else TERMS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
