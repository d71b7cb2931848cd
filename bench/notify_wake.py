"""What a report's NOTIFY costs each listening session of the database (PostgreSQL):
the backend CPU per report of a session listening on ``seatdesk_cases``, of one listening
on an unrelated channel, and of one not listening, while one connection registers ``N``
reports with ``bench_intake``'s bare pattern (the ledger trigger sends the NOTIFY). Each
backend's CPU is read from ``/proc`` (the server runs on this machine).

    python bench/notify_wake.py postgresql://postgres@127.0.0.1:55432/postgres [N]
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_intake, common


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(report, database_url: str, count: int = 5000) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from seatdesk.config import normalise_url
    from seatdesk.models import Case
    from seatdesk.workflow.notify import CHANNEL

    base = normalise_url(database_url)
    name = f"sd_bench_wake_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    sessions = {}
    try:
        _key, _service, point = bench_intake.prepare(url)
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        for label, channel in ((f"listening on {CHANNEL}", CHANNEL),
                               ("listening on an unrelated channel", "bench_unrelated"),
                               ("not listening", None)):
            conn = psycopg.connect(dsn, autocommit=True)
            if channel:
                conn.execute(f'LISTEN "{channel}"')
            sessions[label] = conn
        pids = {label: conn.execute("SELECT pg_backend_pid()").fetchone()[0]
                for label, conn in sessions.items()}
        before = {label: backend_cpu(pid) for label, pid in pids.items()}
        columns = {c.name: c.default.arg for c in Case.__table__.columns
                   if c.default is not None and c.default.is_scalar}
        listener = sessions[f"listening on {CHANNEL}"]
        with psycopg.connect(dsn) as conn:
            for i in range(count):
                bench_intake._bare_insert(conn, columns, point, f"WAKE{i:010d}")
                if i % 500 == 0:  # the listening client keeps reading, as a seat does
                    list(listener.notifies(timeout=0.001))
        time.sleep(1)
        list(listener.notifies(timeout=0.2))
        for label, pid in pids.items():
            report(f"backend CPU per report, a session {label}",
                   (backend_cpu(pid) - before[label]) * 1e6 / count, "µs", "")
    finally:
        for conn in sessions.values():
            conn.close()
        common.drop(base, name)


if __name__ == "__main__":
    def _print(name, value, unit, target=""):
        print(f"{name:<64} {value:>10.1f} {unit:<6} {target}")

    run(_print, sys.argv[1], *(int(a) for a in sys.argv[2:3]))
