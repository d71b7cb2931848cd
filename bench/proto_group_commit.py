"""Prototype, not used by the server: what "opportunistic group commit" could save per
report — several reports waiting for the database taken into one transaction, each in
a SAVEPOINT with its own role switch (``SELECT set_config('role', …, true)``, as every
unit of work sends it), against one transaction per report as the server does now.

Raw psycopg on one connection, the statements of ``bench_intake``'s bare pattern (the
case INSERT with its point, the first ledger row; the tables' triggers, NOTIFY
included, as they are) plus the role switch, so what differs is the framing only:

- ``batch 1``: BEGIN; role; case; ledger; COMMIT — per report (today's framing);
- ``batch K``: BEGIN; then per report SAVEPOINT; role; case; ledger; RELEASE; then one
  COMMIT for K reports;
- ``batch K piped``: the same, each RELEASE sent in one pipeline with the next report's
  SAVEPOINT and role (the first with BEGIN, the last with COMMIT): one round trip of
  framing per report instead of two.

Printed per report: this process's CPU (the client: psycopg's Python), the backend's
CPU (/proc of ``pg_backend_pid()``), and the wall time. Both framings send BEGIN and the
role in one pipeline and every other statement in its own round trip, as the
registration does. It is an upper bound of the gain: the server's own per-report work
(HTTP, validation, ledger hash, duplicate search, Session) is not in it.

    python bench/proto_group_commit.py URL [N] [--rounds=R]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.bench_intake import prepare  # noqa: E402

_ROLE = "SELECT set_config('role', %s, true)"


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report(conn, defaults: dict, point, number: str, role: str) -> None:
    lon, lat = point[0] + (hash(number) % 1000) * 1e-5, point[1]
    now = dt.datetime.now(dt.UTC)
    row = {**defaults, "number": number, "state": "reported", "source": "patrol", "lon": lon,
           "lat": lat, "reported_at": now, "updated_at": now, "description": "原型：成组提交",
           "ledger_seq": 1, "ledger_head": "0" * 64}
    names = ", ".join(row)
    marks = ", ".join(f"%({k})s" for k in row)
    case_id = conn.execute(
        f"INSERT INTO cases ({names}, geom) VALUES ({marks}, "
        "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)) RETURNING id", row,
        prepare=True).fetchone()[0]
    conn.execute(
        "INSERT INTO case_ledger (case_id, seq, at, actor_id, actor_role, seat, action,"
        " from_state, to_state, reason, payload, prev_hash, hash) VALUES"
        " (%s, 1, %s, NULL, 'supervisor', 'proto', 'register', '', 'reported', '', '{}',"
        " %s, %s)", (case_id, now, "0" * 64, uuid.uuid4().hex * 2), prepare=True)


def run_batches(conn, defaults, point, role: str, count: int, batch: int, tag: str,
                piped: bool = False):
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    conn.commit()
    cpu0, pg0, wall0 = time.process_time(), _backend_cpu(backend), time.perf_counter()
    done = 0
    while done < count:
        if batch == 1:
            with conn.pipeline():
                conn.execute("BEGIN")
                conn.execute(_ROLE, (role,), prepare=True)
            _report(conn, defaults, point, f"{tag}{done:08d}", role)
            conn.execute("COMMIT")
            done += 1
            continue
        if not piped:
            conn.execute("BEGIN")
            for _ in range(min(batch, count - done)):
                with conn.pipeline():
                    conn.execute("SAVEPOINT r")
                    conn.execute(_ROLE, (role,), prepare=True)
                _report(conn, defaults, point, f"{tag}{done:08d}", role)
                conn.execute("RELEASE SAVEPOINT r")
                done += 1
            conn.execute("COMMIT")
            continue
        # each report's RELEASE sent with the next one's SAVEPOINT and role (and with
        # BEGIN, COMMIT at the ends): one round trip of framing per report
        with conn.pipeline():
            conn.execute("BEGIN")
            conn.execute("SAVEPOINT r")
            conn.execute(_ROLE, (role,), prepare=True)
        todo = min(batch, count - done)
        for i in range(todo):
            _report(conn, defaults, point, f"{tag}{done:08d}", role)
            done += 1
            with conn.pipeline():
                conn.execute("RELEASE SAVEPOINT r")
                if i + 1 < todo:
                    conn.execute("SAVEPOINT r")
                    conn.execute(_ROLE, (role,), prepare=True)
                else:
                    conn.execute("COMMIT")
    return ((time.process_time() - cpu0) / count * 1000,
            (_backend_cpu(backend) - pg0) / count * 1000,
            (time.perf_counter() - wall0) / count * 1000)


def main(argv: list[str]) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from seatdesk.config import normalise_url
    from seatdesk.models import Case

    args = [a for a in argv if not a.startswith("--")]
    count = int(args[1]) if len(args) > 1 else 2000
    rounds = next((int(a.split("=", 1)[1]) for a in argv if a.startswith("--rounds=")), 3)
    url = common.recreate(normalise_url(args[0]), f"sd_proto_gc_{uuid.uuid4().hex[:6]}")
    _key, _service, point = prepare(url)
    defaults = {c.name: c.default.arg for c in Case.__table__.columns
                if c.default is not None and c.default.is_scalar}
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        role = conn.execute("SELECT current_user").fetchone()[0]
        run_batches(conn, defaults, point, role, 200, 1, "W")  # warm-up
        for r in range(rounds):
            for batch, piped in ((1, False), (4, False), (16, False), (4, True), (16, True)):
                client, pg, wall = run_batches(conn, defaults, point, role, count, batch,
                                               f"R{r}B{batch:02d}{'P' if piped else ''}",
                                               piped)
                mode = " piped" if piped else "      "
                print(f"round {r} batch {batch:2d}{mode}: client CPU {client:.3f} ms/report, "
                      f"backend CPU {pg:.3f} ms/report, wall {wall:.3f} ms/report",
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
