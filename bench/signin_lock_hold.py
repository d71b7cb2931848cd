"""How long one users-table sign-in (``signin.sign_in`` with the owner's connection: the
embedded SQLite seat, a DBA's tool) keeps a transaction open and the user's row (SQLite:
the database's write lock) held — the figure behind moving the argon2 hash out of the
write transaction. Timed by the engine's own events, per sign-in:

- ``tx``: the longest transaction of the sign-in, BEGIN to COMMIT/ROLLBACK;
- ``lock``: from the first statement that writes (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
  first UPDATE of ``users``) to its COMMIT — how long another writer of the row waits.

Three cases: the right password, the right password whose stored hash has out-of-date
argon2 parameters (rehashed at sign-in), a wrong password. Whatever ``seatdesk`` is on
PYTHONPATH is measured, so the same script times an older checkout:

    PYTHONPATH=<tree> python bench/signin_lock_hold.py sqlite|postgresql://…/postgres [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

PASSWORD = "bench-sign-in-pw"


def main(target: str, tries: int) -> None:
    from argon2 import PasswordHasher
    from sqlalchemy import event, text

    from seatdesk.models.db import make_engine, session_factory, upgrade
    from seatdesk.workflow import accounts, signin
    from seatdesk.workflow.auth import LoginError
    from seatdesk.workflow.sample import ensure_sample

    drop = None
    if target == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='sd-signin-')}/bench.sqlite3"
        upgrade(url)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from bench import common

        name = f"sd_signin_{uuid.uuid4().hex[:8]}"
        url = common.recreate(target, name)
        drop = (common.drop, target, name)
    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as s:
            ids = ensure_sample(s)
            accounts.reset_account_password(s, ids.users["sample_acceptor"], PASSWORD)
        spans: dict = {}
        marks: list[tuple[str, float]] = []

        @event.listens_for(engine, "begin")
        def _begin(conn):
            spans[id(conn)] = {"begin": time.perf_counter(), "write": None}

        @event.listens_for(engine, "before_cursor_execute")
        def _execute(conn, _cursor, statement, *_args):
            span = spans.get(id(conn))
            writes = statement.lstrip().upper().startswith(("UPDATE USERS", "BEGIN IMMEDIATE"))
            if span is not None and span["write"] is None and writes:
                span["write"] = time.perf_counter()

        def _end(conn):
            span = spans.pop(id(conn), None)
            if span is not None:
                now = time.perf_counter()
                marks.append(("tx", now - span["begin"]))
                if span["write"] is not None:
                    marks.append(("lock", now - span["write"]))

        event.listen(engine, "commit", _end)
        event.listen(engine, "rollback", _end)
        if engine.dialect.name == "sqlite":  # BEGIN IMMEDIATE is the write lock itself
            @event.listens_for(engine, "begin")
            def _immediate(conn):
                if conn.get_execution_options().get("sqlite_write"):
                    spans[id(conn)]["write"] = spans[id(conn)]["begin"]

        old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        outdated = old.hash(PASSWORD)

        def prepare(case: str) -> None:
            with engine.begin() as conn:
                conn.execute(text("UPDATE users SET failed_logins = 0, locked_until = NULL"
                                  + (", password_hash = :h" if case == "rehash" else "")
                                  + " WHERE username = 'sample_acceptor'"), {"h": outdated})

        def attempt(case: str) -> None:
            try:
                signin.sign_in(engine, "sample_acceptor",
                               "wrong-password" if case == "wrong" else PASSWORD).close()
            except LoginError:
                assert case == "wrong"

        for case in ("right", "rehash", "wrong"):
            prepare(case)
            attempt(case)  # warm
            tx, lock, total = [], [], []
            for _ in range(tries):
                prepare(case)
                marks.clear()
                began = time.perf_counter()
                attempt(case)
                total.append(time.perf_counter() - began)
                tx.append(max((v for k, v in marks if k == "tx"), default=0.0))
                lock.append(max((v for k, v in marks if k == "lock"), default=0.0))
            print(f"{engine.dialect.name:10} {case:6} sign-in {_ms(total)}  "
                  f"longest tx {_ms(tx)}  row/write lock {_ms(lock)}", flush=True)
    finally:
        engine.dispose()
        if drop is not None:
            drop[0](drop[1], drop[2])


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:6.1f} ms (max {max(values) * 1000:6.1f})"


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(f"usage: {sys.argv[0]} sqlite|postgresql://… [tries]")
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 20)
