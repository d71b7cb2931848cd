"""A presented handset token's session and user: the owner-run
``seatdesk_field_session_by_token`` (branch ``intake9c``, migration 0022) against the join
of ``field_sessions`` and ``users`` by token hash it replaces, in the same run.

    PYTHONPATH=. python bench/field_token.py postgresql+psycopg://postgres@HOST:PORT/DB

DB: an empty database brought to the current schema (``seatdesk db upgrade``) that this
script may fill: 20 supervisors with 5 handset sessions each (100 tokens, 20 of them
revoked) and the intake login ``intake_bench_ft`` (password ``bench-ft-1``; dropped at
the end). Then, 5 rounds of 2,000 checks each, the tokens in turn on one session: the
former join as the owner (the intake login may no longer read ``token_hash``), the
function as the owner and as the intake login, and ``auth.field_grant`` (what the server
calls when its cache holds no grant: a token's first request, a request after a
revocation's or a user change's NOTIFY, or while the listener is down) as the intake
login; µs per check.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from seatdesk.models import User
from seatdesk.models.db import make_engine
from seatdesk.server.auth import (
    _FIELD_SESSION,
    Unauthorized,
    digest,
    field_grant,
    open_session,
)
from seatdesk.workflow.dbrules import apply, run_sql

LOGIN, PASSWORD, N, ROUNDS = "intake_bench_ft", "bench-ft-1", 2000, 5


def _timed(engine, tokens: list[str], fn) -> float:
    with Session(engine) as s:
        for t in tokens:
            fn(s, t)
        start = time.perf_counter()
        for i in range(N):
            fn(s, tokens[i % len(tokens)])
        return (time.perf_counter() - start) / N * 1e6


def _join(s, t):
    return s.execute(_FIELD_SESSION, {"token_hash": digest(t)}).first()


def _function(s, t):
    return s.execute(text("SELECT * FROM seatdesk_field_session_by_token(:h)"),
                     {"h": digest(t)}).first()


def _grant(s, t):
    try:
        return field_grant(s, digest(t))
    except Unauthorized:  # (a revoked token: refused, as the server would)
        return None


def main(url: str) -> None:
    owner = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    tokens = []
    with Session(owner) as s, s.begin():
        for i in range(20):
            user = User(username=f"ft{i}", display_name=f"监督员{i}", password_hash="x",
                        role="supervisor")
            s.add(user)
            s.flush()
            for j in range(5):
                tokens.append(open_session(s, user.id, f"phone-{i}-{j}", now,
                                           dt.timedelta(hours=12))[0])
        s.flush()
        s.execute(text("UPDATE field_sessions SET revoked_at = now() WHERE id % 5 = 0"))
    with owner.begin() as conn:
        run_sql(conn, f"CREATE ROLE \"{LOGIN}\" LOGIN NOINHERIT PASSWORD '{PASSWORD}'")
        conn.execute(text("SELECT seatdesk_set_intake_login(:n)"), {"n": LOGIN})
        apply(conn)
    intake = make_engine(make_url(url).set(username=LOGIN, password=PASSWORD)
                         .render_as_string(hide_password=False))
    try:
        with Session(intake) as s:
            assert sum(_grant(s, t) is not None for t in tokens) == 80
        for r in range(ROUNDS):
            got = {"join (owner)": _timed(owner, tokens, _join),
                   "function (owner)": _timed(owner, tokens, _function),
                   "function (intake)": _timed(intake, tokens, _function),
                   "field_grant (intake)": _timed(intake, tokens, _grant)}
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
