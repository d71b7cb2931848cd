"""A presented api_key's partner: the owner-run ``seatdesk_partner_by_key`` (branch
``intake8c``, migration 0021) against the join of ``partners`` and ``users`` by key hash
it replaces, in the same run.

    PYTHONPATH=. python bench/partner_key.py postgresql+psycopg://postgres@HOST:PORT/DB

DB: an empty database brought to the current schema (``seatdesk db upgrade``) that this
script may fill: 20 partners (``seatdesk partner add``'s code) and the intake login
``intake_bench_pk`` (password ``bench-pk-1``; dropped at the end). Then, 5 rounds of
2,000 checks each, the keys in turn on one session: the former join as the owner (the
intake login may no longer read ``key_hash``), the function as the owner and as the intake
login, and ``auth.partner_principal`` (what the server calls when its cache holds no
principal: a cold key, or the NOTIFY listener down) as the intake login; µs per check.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from seatdesk.models import Partner
from seatdesk.models.db import make_engine
from seatdesk.server import partners
from seatdesk.server.auth import _PARTNER_ROW, digest, partner_principal
from seatdesk.workflow.dbrules import apply, run_sql

LOGIN, PASSWORD, N, ROUNDS = "intake_bench_pk", "bench-pk-1", 2000, 5


def _timed(engine, keys: list[str], fn) -> float:
    with Session(engine) as s:
        for k in keys:
            fn(s, k)
        start = time.perf_counter()
        for i in range(N):
            fn(s, keys[i % len(keys)])
        return (time.perf_counter() - start) / N * 1e6


def _join(s, k):
    return s.execute(_PARTNER_ROW.where(Partner.key_hash == digest(k))).first()


def _function(s, k):
    return s.execute(text("SELECT * FROM seatdesk_partner_by_key(:h)"), {"h": digest(k)}).first()


def _principal(s, k):
    return partner_principal(s, k, "hotline12345")


def main(url: str) -> None:
    owner = make_engine(url)
    with Session(owner) as s, s.begin():
        keys = [partners.add_partner(s, f"pk{i}", f"P{i}", "hotline12345",
                                     callback_url="http://127.0.0.1/x").api_key
                for i in range(20)]
    with owner.begin() as conn:
        run_sql(conn, f"CREATE ROLE \"{LOGIN}\" LOGIN NOINHERIT PASSWORD '{PASSWORD}'")
        conn.execute(text("SELECT seatdesk_set_intake_login(:n)"), {"n": LOGIN})
        apply(conn)
    intake = make_engine(make_url(url).set(username=LOGIN, password=PASSWORD)
                         .render_as_string(hide_password=False))
    try:
        with Session(intake) as s:
            assert _principal(s, keys[0]).name == "pk0"
        for r in range(ROUNDS):
            got = {"join (owner)": _timed(owner, keys, _join),
                   "function (owner)": _timed(owner, keys, _function),
                   "function (intake)": _timed(intake, keys, _function),
                   "partner_principal (intake)": _timed(intake, keys, _principal)}
            print(r, "  ".join(f"{k} {v:.0f} µs" for k, v in got.items()), flush=True)
    finally:
        intake.dispose()
        with owner.begin() as conn:
            conn.execute(text("SELECT seatdesk_set_intake_login('')"))
            apply(conn)
            run_sql(conn, f'DROP OWNED BY "{LOGIN}"')
        with owner.begin() as conn:
            run_sql(conn, f'DROP ROLE "{LOGIN}"')
        owner.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
