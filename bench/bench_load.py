"""Benchmark: generate and load the large demo city into PostgreSQL/PostGIS.

Drops and re-creates the database ``bench_demo`` on the given server (PostGIS enabled,
migrated to head), then runs ``build_demo`` with ``--cases`` cases (default 1,000,000)
over three years and ``--components`` components (default 100,000), and reports the
seconds of each phase (reference data, geometry, organisation, components, cases), the
case throughput and a ledger check of a sample of the generated cases.

Run standalone:
``.venv/bin/python bench/bench_load.py postgresql+psycopg://postgres@127.0.0.1:55432/postgres \
--cases 100000 --components 100000``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from seatdesk.data.demo import DemoSpec, build_demo  # noqa: E402
from seatdesk.models import Case  # noqa: E402
from seatdesk.models.db import make_engine  # noqa: E402
from seatdesk.workflow.ledger import verify_ledger  # noqa: E402

NAME = "bench_demo"
DAYS = 3 * 365
SAMPLE = 2000
Report = Callable[..., None]


def fresh_database(base_url: str) -> str:
    """Drop and create ``bench_demo`` with PostGIS; return its URL, migrated to head."""
    return common.recreate(base_url, NAME)


def run(report: Report, database_url: str, cases: int = 1_000_000,
        components: int = 100_000) -> None:
    if not database_url.startswith("postgresql"):
        raise SystemExit("bench_load needs a PostgreSQL/PostGIS server URL")
    url = fresh_database(database_url)
    engine = make_engine(url)
    try:
        spec = DemoSpec(components=components, cases=cases, days=DAYS)
        started = time.perf_counter()
        summary = build_demo(engine, spec, progress=_progress())
        total = time.perf_counter() - started
        for phase, seconds in summary.seconds:
            report(f"demo load: {phase}", seconds, "s")
        report("demo load: total", total, "s", "minutes, not hours")
        case_seconds = dict(summary.seconds).get("cases", 0.0)
        if case_seconds:
            report("demo load: cases per second", cases / case_seconds, "cases/s")
            report("demo load: ledger rows", summary.ledger_entries, "rows")
        report("demo load: ledger problems in a sample", _sample_check(engine), "problems", "0")
    finally:
        engine.dispose()


def _progress() -> Callable[[str, int, int], None]:
    last = [0.0]

    def show(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 10 or done == total:
            print(f"     {phase} {done:,}/{total:,}", file=sys.stderr, flush=True)
            last[0] = now

    return show


def _sample_check(engine) -> int:
    """Recompute the hash chains of a sample of cases (and replay them)."""
    with Session(engine) as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)
                                   .limit(SAMPLE)))
        ids += list(session.scalars(select(Case.id).order_by(Case.id.desc()).limit(SAMPLE)))
        return len(verify_ledger(session, ids))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("database_url", help="PostgreSQL/PostGIS server URL (a scratch server)")
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--components", type=int, default=100_000)
    args = p.parse_args()

    def report(name: str, value: float, unit: str, target: str = "") -> None:
        print(f"  {name:<50} {value:>14,.3f} {unit:<9} {target}", flush=True)

    from seatdesk.config import normalise_url

    run(report, normalise_url(args.database_url), args.cases, args.components)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
