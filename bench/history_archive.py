"""``seatdesk history archive`` and ``reattach`` timed on a month of positions and a month
of attachments.

``python -m bench.history_archive URL [POSITIONS] [ATTACHMENTS] [KB]`` — URL an empty
PostgreSQL/PostGIS database: migrates it to 0013, builds the lattice city's organisation
(``bench/scale_world.py``: 24 supervisors) and 1,000 cases with their ledger over the last
365 days, ``POSITIONS`` (default 1,000,000) positions over those 365 days and
``ATTACHMENTS`` (default 3,000) photos of ``KB`` (default 10) random — incompressible, like
JPEG — kilobytes with their real SHA-256, of closed cases, over 60 days ending 400 days ago
(a time without ledger rows: the ledger's month is "archived", as ``history archive``
requires), then upgrades to head (migration 0015 partitions both tables by month). For
the oldest full month of each table it times ``history_archive.archive_month`` (COPY to
csv.gz, the signed manifest — for attachments the digest of every photo's SHA-256 —
DETACH and DROP) and ``reattach`` (signature, SHA-256, COPY into a fresh table, count,
range, every photo's bytes against its SHA-256, ATTACH), beside the bare SQL of the same
run: the month's ``COPY … TO STDOUT`` into gzip, and ``COPY FROM`` into a fresh table with
``ATTACH PARTITION``. The load average is printed beside each figure.
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
from bench.scale_archive import bare_round_trip
from seatdesk.models.db import make_engine, upgrade
from seatdesk.workflow import checkpoint
from seatdesk.workflow import history_archive as ha
from seatdesk.workflow import ledger_archive as la


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def _bare(engine, table: str, month: dt.date, folder: Path) -> tuple[float, float]:
    return bare_round_trip(engine, table, ha._key(table), "id", month, folder)


def _fill(engine, positions: int, attachments: int, kb: int) -> None:
    closed = "('closed', 'voided', 'not_filed', 'merged')"
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO supervisor_positions (user_id, at, lon, lat, geom, accuracy_m)"
            " SELECT u.id, now() - (g % 365) * interval '1 day' - (g % 86400) * interval"
            " '1 second', 119.48, 31.42, ST_SetSRID(ST_MakePoint(119.48, 31.42), 4326), g % 40"
            " FROM generate_series(1, :n) g JOIN LATERAL (SELECT id FROM users"
            " WHERE role = 'supervisor' ORDER BY id OFFSET g % 24 LIMIT 1) u ON true"),
            {"n": positions})
        count = conn.scalar(text(f"SELECT count(*) FROM cases WHERE state IN {closed}"))
        conn.execute(text(
            "INSERT INTO attachments (case_id, kind, filename, mime_type, size, sha256,"
            " uploaded_at, content) SELECT c.id, 'photo', 'p.jpg', 'image/jpeg', :kb * 1024,"
            " encode(sha256(b.content), 'hex'), now() - interval '400 days'"
            " - (g % 60) * interval '1 day', b.content FROM generate_series(1, :n) g"
            f" JOIN LATERAL (SELECT id FROM cases WHERE state IN {closed} ORDER BY id"
            " OFFSET g % :closed LIMIT 1) c ON true"
            " JOIN LATERAL (SELECT decode(string_agg(md5(random()::text || s::text || g::text),"
            " ''), 'hex') AS content FROM generate_series(1, :kb * 64) s) b ON true"),
            {"n": attachments, "kb": kb, "closed": count})


def main(url: str, positions: int = 1_000_000, attachments: int = 3_000, kb: int = 10) -> None:
    upgrade(url, "0013")
    engine = make_engine(url)
    scale_world.build(engine, 500, progress=lambda *_: None)
    scale_cases.fill(engine, 1000, 365, dt.datetime.now(dt.UTC), progress=lambda *_: None)
    _fill(engine, positions, attachments, kb)
    upgrade(url)
    with engine.begin() as conn:
        for setting in ("ledger_archive_after_months", "positions_archive_after_months"):
            conn.execute(text("INSERT INTO settings (key, value, description) VALUES"
                              " (:k, '1', '') ON CONFLICT (key) DO UPDATE SET value = '1'"),
                         {"k": setting})
        months = {t: la.online_months(conn, t)[1] for t in ha.TABLES.values()}  # full months
    print(f"{positions:,} positions, {attachments:,} attachments of {kb} KB; load average "
          f"{_load()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        checkpoint.keygen(folder / "admin.key")
        key = checkpoint.load_private(folder / "admin.key")
        public = checkpoint.load_public(folder / "admin.key.pub")
        for table, month in months.items():
            copy_out, copy_in = _bare(engine, table, month, folder)
            print(f"{table} {month:%Y-%m} bare SQL: COPY out to gzip {copy_out:.2f} s, COPY in"
                  f" + ATTACH {copy_in:.2f} s; load average {_load()}", flush=True)
            began = time.perf_counter()
            done = ha.archive_month(engine, table, month, folder, key, "bench")
            archived = time.perf_counter() - began
            size = (folder / f"{table}_{month:%Y_%m}.csv.gz").stat().st_size
            print(f"{table} archive {month:%Y-%m}: {archived:.2f} s ({done.rows:,} rows,"
                  f" {done.bytes / 1e6:.1f} MB of content, csv.gz {size / 1e6:.1f} MB);"
                  f" load average {_load()}", flush=True)
            began = time.perf_counter()
            ha.reattach(engine, done.manifest, public)
            back = time.perf_counter() - began
            print(f"{table} reattach {month:%Y-%m}: {back:.2f} s; load average {_load()}",
                  flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:5]))
