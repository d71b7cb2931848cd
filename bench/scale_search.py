"""Text search timings on a database of many cases, with the gram index and without it.

``python -m bench.scale_search URL [TERM …]`` — against a database holding the cases
(``bench/scale_cases.py`` fills one). For each term: the count-first query
``queues.fetch_page`` runs (capped at ``COUNT_CAP`` + 1 rows), then the first page of 50
newest cases the way ``fetch_page`` fetches it (a term in more than ``COUNT_CAP`` cases
walks the sort order, ``walk``), each with the gram index (``case_search.text_match``)
and with the plain ``LIKE`` it replaced. Medians of 5 runs (3 for the plain scans), the
worst beside them, and the load average before and after (docs/performance.md).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from sqlalchemy import create_engine, func, select

from seatdesk.models import Case
from seatdesk.models.case_search import text_match
from seatdesk.models.queues import COUNT_CAP

TERMS = ("垃圾", "井盖", "路灯不亮", "下水", "灯", "燕山路12")


def timed(conn, stmt, runs: int) -> tuple[list, float, float]:
    times, rows = [], []
    for _ in range(runs):
        start = time.perf_counter()
        rows = conn.execute(stmt).all()
        times.append((time.perf_counter() - start) * 1000)
    return rows, statistics.median(times), max(times)


def measure(conn, term: str, indexed: bool) -> str:
    runs = 5 if indexed else 3
    match = text_match("postgresql", term, indexed=indexed)
    count = select(func.count()).select_from(
        select(Case.id).where(match).limit(COUNT_CAP + 1).subquery())
    rows, c_med, c_worst = timed(conn, count, runs)
    found = rows[0][0]
    walk = found > COUNT_CAP
    page = (select(Case.id).where(text_match("postgresql", term, indexed=indexed and not walk))
            .order_by(Case.reported_at.desc(), Case.id.desc()).limit(50))
    _, p_med, p_worst = timed(conn, page, runs)
    shown = f">{COUNT_CAP}" if walk else str(found)
    return (f"{term}\t{'grams' if indexed else 'plain LIKE'}\tmatches {shown}\t"
            f"count {c_med:.0f} ms (worst {c_worst:.0f})\t"
            f"first page {p_med:.0f} ms (worst {p_worst:.0f}){' walk' if walk else ''}")


def main(argv: list[str]) -> None:
    url, terms = argv[0], argv[1:] or TERMS
    engine = create_engine(url)
    print("load average before", os.getloadavg())
    with engine.connect() as conn:
        print("cases", conn.scalar(select(func.count()).select_from(Case)))
        for term in terms:
            for indexed in (True, False):
                print(measure(conn, term, indexed), flush=True)
    print("load average after", os.getloadavg())
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
