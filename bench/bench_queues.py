"""Benchmark: first page of each work box with 1,000,000 cases on PostgreSQL (target ≤ 200 ms).

Creates (or reuses) the database ``seatdesk_bench_queues`` on the given server, fills it
with the small fixture of ``tests/casedata.py`` plus ``--cases`` synthetic cases made by
``generate_series`` (≈ 97 % closed, the rest spread over the open states, 3 years of
report times), then times ``fetch_page`` (first page, default sort, other sorts, filters)
and ``box_counts`` for the main roles.

Run standalone:
``.venv/bin/python bench/bench_queues.py postgresql+psycopg://postgres@127.0.0.1:55432/postgres``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from seatdesk.models.db import make_engine, session_factory  # noqa: E402
from seatdesk.models.queues import CaseFilter, box_counts, boxes_for, fetch_page  # noqa: E402

NAME = "seatdesk_bench_queues"
OPEN_STATES = ["reported", "pending_verification", "accepted", "filed", "dispatched",
               "dispatched", "dispatched", "extension_requested", "return_requested",
               "suspension_requested", "suspended", "feedback", "pending_check",
               "ready_to_close", "void_requested"]

FILL = """
INSERT INTO cases (number, version, state, source, kind, class_id, urgency, lon, lat, geom,
    grid_cell_id, zone, address, description, caller_name, caller_phone, callback_wanted,
    department_id, closure_condition, reported_at, dispatched_at, deadline_at, limit_unit,
    step_started_at, step_deadline_at, suspended_seconds, rework_count, return_count,
    extension_count, pending_request, ledger_head, ledger_seq, updated_at, verification,
    merged_count)
SELECT 'B' || lpad(g::text, 9, '0'), 1,
    CASE WHEN g % 100 < 97 THEN 'closed' ELSE (CAST(:open AS text[]))[1 + (g / 100) % :n_open] END,
    CASE WHEN g % 3 = 0 THEN 'hotline_12319' ELSE 'patrol' END,
    'event', :class_id, 'normal', 119.48, 31.42,
    ST_SetSRID(ST_MakePoint(119.48, 31.42), 4326), :cell + g % 2, '',
    '燕山路' || (g % 500) || '号', '暴露垃圾 ' || g, '', '138' || lpad((g % 100000000)::text, 8, '0'),
    false, :dept + g % 2, '',
    now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval,
    now() - (g || ' minutes')::interval + interval '6 hours', 'working_hours',
    now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval + interval '30 minutes',
    0, 0, 0, 0, '', '', 0, now(), '', 0
FROM generate_series(1, :count) AS g
"""


def prepare(base_url: str, count: int) -> str:
    url = (common.migrated(base_url, NAME) if common.exists(base_url, NAME)
           else common.recreate(base_url, NAME))
    engine = make_engine(url)
    with engine.begin() as conn:
        have = conn.scalar(text("SELECT count(*) FROM cases"))
    if have < count:
        _fill(engine, count)
    engine.dispose()
    return url


def _fill(engine, count: int) -> None:
    from tests.casedata import read_back, seed_cases

    with session_factory(engine).begin() as session:
        seeded = read_back(session) if session.scalar(text("SELECT count(*) FROM users")) else (
            seed_cases(session))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(FILL), {
            "open": OPEN_STATES, "n_open": len(OPEN_STATES), "count": count,
            "class_id": seeded.class_ids["10002"], "dept": seeded.departments[0],
            "cell": conn.scalar(text("SELECT min(id) FROM grid_cells"))})
        conn.execute(text("ANALYZE cases"))
    print(f"filled {count:,} cases in {time.perf_counter() - started:.0f} s")


def timed(fn, repeats: int = 5) -> float:
    fn()  # warm the cache: seats run against a warm database
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def run(report, database_url: str, cases: int = 1_000_000) -> None:
    """For ``python -m bench`` (``make bench``): each first page's median, ≤ 200 ms."""
    for name, ms in measure(prepare(database_url, cases)):
        report(f"queues: {name} (median of 5)", ms, "ms", "≤ 200 ms")


def measure(url: str) -> list[tuple[str, float]]:
    from tests.casedata import read_back

    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        users = read_back(session).users
    results = []

    def page(viewer, box, **kw):
        with sessions() as session:
            return fetch_page(session, box, viewer=viewer, limit=100, **kw)

    for role in ("shift_lead", "dispatcher", "department"):
        viewer = users[role]
        for box in boxes_for(viewer.role):
            results.append((f"{role} {box.key}", timed(lambda: page(viewer, box))))
    lead = users["shift_lead"]
    for sort in (("number", True), ("deadline", True), ("reported_at", True), ("state", False),
                 ("class", True), ("department", True)):
        results.append((f"all sorted by {sort}", timed(lambda: page(lead, "all", sort=sort))))
    for name, f in (("number", CaseFilter(number="B00012")),
                    ("text", CaseFilter(text="垃圾 12345")),
                    ("phone", CaseFilter(caller_phone="13800012345")),
                    ("grid", CaseFilter(grid_code="320481002001"))):
        results.append((f"all filtered by {name}", timed(lambda: page(lead, "all", filters=f))))
    for role in ("shift_lead", "dispatcher", "department"):
        def counts():
            with sessions() as session:
                box_counts(session, users[role])
        results.append((f"box_counts {role}", timed(counts)))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="PostgreSQL server URL (a database is created on it)")
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    url = prepare(args.database, args.cases)
    for name, ms in measure(url):
        flag = "" if ms <= 200 else "   > 200 ms"
        print(f"{name:55s} {ms:8.1f} ms{flag}")


if __name__ == "__main__":
    main()
