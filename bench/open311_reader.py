"""The anonymous Open311 reads as ``seatdesk_open311_reader`` against the same SQL as the
owner (a superuser: no row-level security), in the same run.

    PYTHONPATH=. python bench/open311_reader.py postgresql+psycopg://postgres@HOST:PORT/DB [CASES]

DB: an empty database brought to the current schema (``seatdesk db upgrade``) that this
script may fill: CASES cases (default 200,000; every fifth an Open311 request) reported
over the last 180 days, inserted as the superuser with the triggers off
(``session_replication_role = replica``; no ledger rows). Then the queries of
``open311/reads.py`` — a list page (the last 90 days, 100 records), a list that matches
nothing (``status=closed``), one request by number — each 15 times per round, two rounds
alternating owner and reader; the medians. The difference is the reader's row policy
(``grants._FROM_OPEN311``) and column privileges: the SQL is the same.

Then the same code paths end to end, as the server calls them (``reads.find_requests``
with each record's first photo, ``reads.updates``), as the owner and as the reader,
alternating: a list page of 100, the updates of the last day and of the last 90 days (at
most 1,000). For them the fill also writes two ledger rows per case (registered,
accepted an hour later) and a registration photo for every case. Run it with another
checkout's code on a database that checkout brought up (``PYTHONPATH=/other/checkout``)
to compare two versions of ``reads`` (branch ``intake7b``: main's read the ledger and
the attachments directly, now through ``seatdesk_open311_updates`` and
``seatdesk_open311_first_photos``).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from seatdesk.server.open311 import reads
from seatdesk.workflow.dbrules import OPEN311_READER

FILL = """
SET LOCAL session_replication_role = replica;
INSERT INTO cases (number, version, state, source, urgency, lon, lat, geom, zone, address,
  description, caller_name, caller_phone, callback_wanted, closure_condition, reported_at,
  suspended_seconds, rework_count, return_count, extension_count, pending_request,
  ledger_head, ledger_seq, updated_at)
SELECT 'B' || g, 1, 'reported', CASE WHEN g % 5 = 0 THEN 'online' ELSE 'patrol' END, 'normal',
  119.48, 31.42, ST_SetSRID(ST_MakePoint(119.48, 31.42), 4326), '', 'addr ' || g, 'desc ' || g,
  'name', '13700000000', false, '',
  now() - (g % 180) * interval '1 day' - (g % 1440) * interval '1 minute',
  0, 0, 0, 0, '', '', 1, now()
FROM generate_series(1, :n) g;
INSERT INTO partner_requests (partner_id, case_id, token, service_code, media_url, created_at)
SELECT 1, id, 'tok' || id, 'E01001', '', now() FROM cases WHERE source = 'online';
INSERT INTO case_ledger (case_id, seq, at, actor_role, seat, action, from_state, to_state,
  reason, payload, prev_hash, hash)
SELECT id, s, reported_at + (s - 1) * interval '1 hour', 'acceptor', '',
  CASE s WHEN 1 THEN 'register' ELSE 'accept' END, CASE s WHEN 1 THEN '' ELSE 'reported' END,
  CASE s WHEN 1 THEN 'reported' ELSE 'accepted' END, '', '{}', '', ''
FROM cases, generate_series(1, 2) s;
INSERT INTO attachments (case_id, ledger_seq, kind, filename, mime_type, size, sha256,
  uploaded_at, content)
SELECT id, 1, 'photo', 'p.jpg', 'image/jpeg', 4, '', reported_at, '\\xffd8ffd9'::bytea
FROM cases;
"""
ROUNDS, REPEAT = 2, 15


def main(url: str, cases: int) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if not conn.execute(text("SELECT count(*) FROM cases")).scalar():
            for statement in FILL.split(";\n"):
                if statement.strip():
                    conn.execute(text(statement), {"n": cases})
    with engine.begin() as conn:
        for table in ("cases", "partner_requests", "case_ledger", "attachments"):
            conn.execute(text(f"ANALYZE {table}"))
        counts = conn.execute(text("SELECT (SELECT count(*) FROM cases),"
                                   " (SELECT count(*) FROM partner_requests)")).one()
    print(f"{counts[0]:,} cases, {counts[1]:,} Open311 requests")
    now = dt.datetime.now(dt.UTC)

    def page(**kw):
        found = reads.RequestFilter(start=now - dt.timedelta(days=90), **kw)
        return (reads._filtered(reads._base(), found)
                .order_by(reads.Case.reported_at.desc(), reads.Case.id.desc()).limit(100))

    number = f"B{(cases // 10) * 5 or 5}"
    queries = {"list, a page of 100": page(), "list status=closed (none)": page(status="closed"),
               "one request": reads._base().where(reads.Case.number.in_([number]))}
    for name, query in queries.items():
        for role in ("", OPEN311_READER) * ROUNDS:
            ms, rows = _median(engine, query, role)
            print(f"{name:28s} {role or 'owner (no RLS)':26s} median {ms:7.2f} ms  rows {rows}")
    tz = dt.UTC
    paths = {
        "code: list page + photos": lambda s: reads.find_requests(
            s, reads.RequestFilter(start=now - dt.timedelta(days=90)), tz),
        "code: updates, last day": lambda s: reads.updates(
            s, now - dt.timedelta(days=1), now, tz),
        "code: updates, 90 days": lambda s: reads.updates(
            s, now - dt.timedelta(days=90), now, tz)}
    for name, path in paths.items():
        for role in ("", OPEN311_READER) * ROUNDS:
            ms, rows = _median(engine, path, role)
            print(f"{name:28s} {role or 'owner (no RLS)':26s} median {ms:7.2f} ms  rows {rows}")
    if hasattr(reads, "_update"):  # this branch: its function (as the reader) against the
        # bare statement main's reads.updates ran (as the owner: the same rows), alternating
        for days in (1, 90):
            start = now - dt.timedelta(days=days)
            for _round in range(ROUNDS):
                for name, role, path in (
                        (f"sql: updates {days} d, bare", "", lambda s: _bare_updates(s, now, days)),
                        (f"sql: updates {days} d, function", OPEN311_READER,
                         lambda s: s.execute(text(
                             "SELECT * FROM seatdesk_open311_updates(:s, :e, NULL, 1000)"),
                             {"s": start, "e": now}).all())):
                    ms, rows = _median(engine, path, role)
                    print(f"{name:28s} {role or 'owner (no RLS)':26s} median {ms:7.2f} ms"
                          f"  rows {rows}")
    engine.dispose()


def _bare_updates(session, now: dt.datetime, days: int) -> list:
    """The updates statement as main's ``reads.updates`` ran it (ORM, no function)."""
    from sqlalchemy import select

    from seatdesk.models import Case, LedgerEntry, PartnerRequest

    return session.execute(
        select(LedgerEntry.seq, LedgerEntry.at, LedgerEntry.action, LedgerEntry.to_state,
               Case.number)
        .join(Case, Case.id == LedgerEntry.case_id)
        .join(PartnerRequest, PartnerRequest.case_id == Case.id)
        .where(LedgerEntry.at >= now - dt.timedelta(days=days), LedgerEntry.at <= now,
               LedgerEntry.from_state != LedgerEntry.to_state)
        .order_by(LedgerEntry.at, LedgerEntry.id).limit(1000)).all()


def _median(engine, query, role: str) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(REPEAT):
        with Session(engine) as session:
            if role:
                session.execute(text("SELECT set_config('role', :r, true)"), {"r": role})
            start = time.perf_counter()
            rows = len(query(session) if callable(query) else session.execute(query).all())
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, rows


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200_000)
