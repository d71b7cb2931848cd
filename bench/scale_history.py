"""Migration 0015 (positions and attachments partitioned by month) timed on generated rows.

``python -m bench.scale_history URL [POSITIONS] [ATTACHMENTS] [KB]`` — URL an empty
PostgreSQL/PostGIS database: migrates it to 0013, builds the lattice city's organisation
(``bench/scale_world.py``: 24 supervisors) and 1,000 cases, then ``POSITIONS`` (default
1,000,000) supervisor positions and ``ATTACHMENTS`` (default 5,000) photos of ``KB``
(default 10) random — incompressible, like JPEG — kilobytes each, spread over the last
365 days. Times the bare SQL first (``CREATE TABLE … AS SELECT *`` of each table, dropped
again), then ``seatdesk db upgrade`` to head (0015: both tables copied into monthly
partitions in one transaction, ``ledger_segments`` created, the database rules applied).
The load average is printed beside each figure.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from sqlalchemy import text

from bench import scale_cases, scale_world
from seatdesk.models.db import make_engine, upgrade


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main(url: str, positions: int = 1_000_000, attachments: int = 5_000, kb: int = 10) -> None:
    upgrade(url, "0013")
    engine = make_engine(url)
    scale_world.build(engine, 500, progress=lambda *_: None)
    scale_cases.fill(engine, 1000, 365, dt.datetime.now(dt.UTC), progress=lambda *_: None)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO supervisor_positions (user_id, at, lon, lat, geom)"
            " SELECT u.id, now() - (g % 365) * interval '1 day' - (g % 86400) * interval"
            " '1 second', 119.48, 31.42, ST_SetSRID(ST_MakePoint(119.48, 31.42), 4326)"
            " FROM generate_series(1, :n) g JOIN LATERAL (SELECT id FROM users"
            " WHERE role = 'supervisor' ORDER BY id OFFSET g % 24 LIMIT 1) u ON true"),
            {"n": positions})
        conn.execute(text(
            "INSERT INTO attachments (case_id, kind, filename, mime_type, size, sha256,"
            " uploaded_at, content) SELECT (SELECT min(id) FROM cases) + g % 1000, 'photo',"
            " 'p.jpg', 'image/jpeg', :kb * 1024, md5(g::text) || md5(g::text),"
            " now() - (g % 365) * interval '1 day', (SELECT decode(string_agg(md5(random()::text"
            " || s::text || g::text), ''), 'hex') FROM generate_series(1, :kb * 64) s)"
            " FROM generate_series(1, :n) g"), {"n": attachments, "kb": kb})
        size = conn.scalar(text("SELECT pg_total_relation_size('attachments')"))
    print(f"{positions:,} positions, {attachments:,} attachments ({size / 1e6:.0f} MB);"
          f" load average {_load()}", flush=True)
    for table in ("supervisor_positions", "attachments"):
        with engine.begin() as conn:
            began = time.perf_counter()
            conn.execute(text(f"CREATE TABLE bare_copy AS SELECT * FROM {table}"))
            spent = time.perf_counter() - began
            conn.execute(text("DROP TABLE bare_copy"))
        print(f"bare SQL: CREATE TABLE … AS SELECT * FROM {table}: {spent:.1f} s;"
              f" load average {_load()}", flush=True)
    began = time.perf_counter()
    upgrade(url)
    spent = time.perf_counter() - began
    with engine.connect() as conn:
        parts = conn.scalar(text("SELECT count(*) FROM pg_inherits WHERE inhparent IN"
                                 " ('supervisor_positions'::regclass, 'attachments'::regclass)"))
    print(f"upgrade to 0015: {spent:.1f} s, {parts} partitions; load average {_load()}")
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:5]))
