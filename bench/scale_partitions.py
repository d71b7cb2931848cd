"""Migration 0013 (the ledger partitioned by month) timed on generated cases.

``python -m bench.scale_partitions URL [CASES]`` — URL an empty PostgreSQL/PostGIS database:
migrates it to 0012, builds the lattice city (``bench/scale_world.py``, 1,000 components)
and ``CASES`` (default 100,000) cases reported over a year with their ledger
(``bench/scale_cases.py``), then times ``seatdesk db upgrade`` to 0013 (the copy into
monthly partitions and the database rules applied again) with the load average beside it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from sqlalchemy import text

from bench import scale_cases, scale_world
from seatdesk.models.db import make_engine, upgrade


def main(url: str, cases: int = 100_000) -> None:
    upgrade(url, "0012")
    engine = make_engine(url)
    scale_world.build(engine, 1000, progress=lambda *_: None)
    scale_cases.fill(engine, cases, 365, dt.datetime.now(dt.UTC), progress=lambda *_: None)
    with engine.connect() as conn:
        rows = conn.scalar(text("SELECT count(*) FROM case_ledger"))
    print(f"{cases:,} cases, {rows:,} ledger rows; load average {os.getloadavg()}", flush=True)
    started = time.perf_counter()
    upgrade(url)
    spent = time.perf_counter() - started
    with engine.connect() as conn:
        parts = conn.scalar(text(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'case_ledger'::regclass"))
        after = conn.scalar(text("SELECT count(*) FROM case_ledger"))
    print(f"upgrade to 0013: {spent:.1f} s, {parts} partitions, {after:,} rows; "
          f"load average {os.getloadavg()}")
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
