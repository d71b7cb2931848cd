"""``seatdesk ledger archive`` and ``reattach`` timed on generated months of ledger.

``python -m bench.scale_archive URL [CASES] [DAYS]`` — URL an empty PostgreSQL/PostGIS
database: migrates it to 0012, builds the lattice city (``bench/scale_world.py``, 1,000
components) and ``CASES`` (default 42,000) cases reported over the last ``DAYS`` (default
120) with their ledger (``bench/scale_cases.py``; ~100,000 ledger rows a full month at
the defaults), upgrades to head (the months partitioned, migration 0013), then times, for
the oldest full month: archiving it (``ledger_archive.archive_month``: verify its cases'
chains, COPY to csv.gz, a signed checkpoint of the whole ledger, the signed manifest, the
segments, DETACH and DROP), ``ledger verify`` by link, and re-attaching it (signatures,
SHA-256, COPY into a fresh table, every hash recomputed, ATTACH). Beside them, from the
same run, the bare SQL of each: the month's ``COPY … TO STDOUT`` into gzip, and ``COPY
FROM`` into a fresh table with ``ATTACH PARTITION``. The load average is printed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench import scale_cases, scale_world
from seatdesk.models.db import make_engine, session_factory, upgrade
from seatdesk.workflow import checkpoint
from seatdesk.workflow import ledger_archive as la
from seatdesk.workflow.ledger_verify import verify_report


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def bare_round_trip(engine, table: str, key: str, order: str, month: dt.date,
                    folder: Path) -> tuple[float, float]:
    """A month partition of ``table`` (by ``key``): its COPY out to gzip (rows by
    ``order``), then COPY in + ATTACH, rolled back — the bare SQL beside an archive and
    a reattach (also ``bench/history_archive.py``)."""
    name = f"{table}_{month:%Y_%m}"
    start, end = f"{month} 00:00+00", f"{la.add_months(month, 1)} 00:00+00"
    path = folder / "bare.csv.gz"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        began = time.perf_counter()
        sql = (f"COPY (SELECT * FROM {name} ORDER BY {order}) TO STDOUT"
               " (FORMAT csv, HEADER true)")
        with open(path, "wb") as fh, gzip.GzipFile(
                fileobj=fh, mode="wb", compresslevel=6, mtime=0) as gz, raw.cursor() as cur, \
                cur.copy(sql) as cp:
            for block in cp:
                gz.write(block)
        out = time.perf_counter() - began
        raw.rollback()
        trans = conn.begin()
        conn.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
        conn.execute(text(f"ALTER TABLE {name} RENAME TO {name}_bare"))
        began = time.perf_counter()
        conn.execute(text(f"CREATE TABLE bare_in (LIKE {table} INCLUDING DEFAULTS"
                          " INCLUDING CONSTRAINTS)"))
        with gzip.open(path, "rb") as gz, raw.cursor() as cur, cur.copy(
                "COPY bare_in FROM STDIN (FORMAT csv, HEADER true)") as cp:
            for block in iter(lambda: gz.read(1 << 20), b""):
                cp.write(block)
        conn.execute(text(f"ALTER TABLE bare_in ADD CONSTRAINT bare_range CHECK"
                          f" ({key} >= '{start}' AND {key} < '{end}')"))
        conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION bare_in FOR VALUES"
                          f" FROM ('{start}') TO ('{end}')"))
        back = time.perf_counter() - began
        trans.rollback()
    return out, back


def _bare(engine, month: dt.date, folder: Path) -> tuple[float, float]:
    return bare_round_trip(engine, "case_ledger", "at", "case_id, seq", month, folder)


def main(url: str, cases: int = 42_000, days: int = 120) -> None:
    upgrade(url, "0012")
    engine = make_engine(url)
    scale_world.build(engine, 1000, progress=lambda *_: None)
    scale_cases.fill(engine, cases, days, dt.datetime.now(dt.UTC), progress=lambda *_: None)
    upgrade(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO settings (key, value, description) VALUES"
                          " ('ledger_archive_after_months', '1', '')"))
        month = la.online_months(conn)[1]  # the oldest full month
        rows = conn.scalar(text(f"SELECT count(*) FROM case_ledger_{month:%Y_%m}"))
        total = conn.scalar(text("SELECT count(*) FROM case_ledger"))
    print(f"{cases:,} cases, {total:,} ledger rows; {month:%Y-%m}: {rows:,} rows; "
          f"load average {_load()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        copy_out, copy_in = _bare(engine, month, folder)
        print(f"bare SQL: COPY out to gzip {copy_out:.2f} s, COPY in + ATTACH {copy_in:.2f} s;"
              f" load average {_load()}", flush=True)
        checkpoint.keygen(folder / "admin.key")
        key = checkpoint.load_private(folder / "admin.key")
        public = checkpoint.load_public(folder / "admin.key.pub")
        began = time.perf_counter()
        done = la.archive_month(engine, month, folder, key, "bench")
        archived = time.perf_counter() - began
        size = (folder / f"case_ledger_{month:%Y_%m}.csv.gz").stat().st_size
        print(f"archive {month:%Y-%m}: {archived:.2f} s ({done.rows:,} rows, {done.cases:,} "
              f"cases, csv.gz {size / 1e6:.1f} MB); load average {_load()}", flush=True)
        began = time.perf_counter()
        with session_factory(engine)() as session:
            report = verify_report(session)
        verified = time.perf_counter() - began
        print(f"ledger verify: {verified:.1f} s, {report.cases:,} cases, {report.link_only:,} "
              f"by link only, {len(report.problems)} problems; load average {_load()}",
              flush=True)
        began = time.perf_counter()
        la.reattach(engine, done.manifest, public)
        back = time.perf_counter() - began
        print(f"reattach {month:%Y-%m}: {back:.2f} s; load average {_load()}", flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:4]))
