"""Sign-in time on a seat deployment: the gate, the operator's own login (SCRAM-SHA-256
against the server's pg_hba), ``seatdesk_signed_in()``; target ≤ 1 s. Also a refused
attempt (the server's ``auth_delay`` adds to it) and the embedded mode's argon2 sign-in.

    python -m bench --database postgresql://postgres@127.0.0.1:55433/postgres --only bench_signin
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

TRIES = 20
PASSWORD = "bench-sign-in-pw"
Report = Callable[[str, float, str, str], None]


def run(report: Report, database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from seatdesk.config import normalise_url
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow import accounts, signin
    from seatdesk.workflow.auth import LoginError
    from seatdesk.workflow.sample import ensure_sample

    base = normalise_url(database_url)
    name = f"sd_bench_{uuid.uuid4().hex[:8]}"
    url = common.recreate(base, name)
    owner = make_engine(url)
    gate = make_engine(make_url(url).set(username="seatdesk_gate", password=None)
                       .render_as_string(hide_password=False))
    try:
        with session_factory(owner).begin() as s:
            ids = ensure_sample(s)
            accounts.create_login(s, ids.users["sample_lead"], PASSWORD, must_change=False)
            accounts.reset_account_password(s, ids.users["sample_acceptor"], PASSWORD)
        times = _timed(lambda: signin.sign_in(gate, "sample_lead", PASSWORD).close())
        report("sign-in through the gate as the operator's login, median", times[0], "ms",
               "<= 1000")
        report("sign-in through the gate, slowest of 20", times[1], "ms", "<= 1000")

        def refused():
            try:
                signin.sign_in(gate, "sample_lead", "not-the-password")
            except LoginError:
                pass

        report("refused sign-in (wrong password, auth_delay on), median", _timed(refused, 5)[0],
               "ms", "")
        with session_factory(owner).begin() as s:  # the failures above are not a lockout here
            s.execute(text("UPDATE users SET failed_logins = 0, locked_until = NULL"))
        times = _timed(lambda: signin.sign_in(owner, "sample_acceptor", PASSWORD).close())
        report("sign-in against the users table (argon2id, owner's connection), median",
               times[0], "ms", "<= 1000")
    finally:
        gate.dispose()
        owner.dispose()
        common.drop(base, name)


def _timed(fn, tries: int = TRIES) -> tuple[float, float]:
    """(median, slowest) in milliseconds."""
    fn()  # warm: imports, the first connection
    spent = []
    for _ in range(tries):
        began = time.perf_counter()
        fn()
        spent.append((time.perf_counter() - began) * 1000)
    return statistics.median(spent), max(spent)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} postgresql://user@host:port/database")
    run(lambda *a: print(*a), sys.argv[1])
