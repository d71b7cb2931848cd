"""What a report's NOTIFY costs each listening session of the database (PostgreSQL):
the backend CPU per report of a session listening on ``seatdesk_cases``, of one listening
on an unrelated channel, and of one not listening, while one connection registers ``N``
reports with ``bench_intake``'s bare pattern (the ledger trigger sends the NOTIFY). Each
backend's CPU is read from ``/proc`` (the server runs on this machine).

    python bench/notify_wake.py postgresql://postgres@127.0.0.1:55432/postgres [N]
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_intake, common


def run(report, database_url: str, count: int = 5000) -> None:
    import psycopg

    from seatdesk.config import normalise_url
    from seatdesk.workflow.notify import CHANNEL, libpq_dsn

    base = normalise_url(database_url)
    name = f"sd_bench_wake_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    sessions = {}
    try:
        _key, _service, point = bench_intake.prepare(url)
        dsn = libpq_dsn(url)
        for label, channel in ((f"listening on {CHANNEL}", CHANNEL),
                               ("listening on an unrelated channel", "bench_unrelated"),
                               ("not listening", None)):
            conn = psycopg.connect(dsn, autocommit=True)
            if channel:
                conn.execute(f'LISTEN "{channel}"')
            sessions[label] = conn
        pids = {label: conn.execute("SELECT pg_backend_pid()").fetchone()[0]
                for label, conn in sessions.items()}
        before = {label: bench_intake.proc_cpu(f"/proc/{pid}/stat") for label, pid in pids.items()}
        listener = sessions[f"listening on {CHANNEL}"]

        def keep_reading(i: int) -> None:  # the listening client reads, as a seat does
            if i % 500 == 0:
                list(listener.notifies(timeout=0.001))

        bench_intake.bare_reports(url, point, count, "WAKE", keep_reading)
        time.sleep(1)
        list(listener.notifies(timeout=0.2))
        for label, pid in pids.items():
            report(f"backend CPU per report, a session {label}",
                   (bench_intake.proc_cpu(f"/proc/{pid}/stat") - before[label]) * 1e6 / count, "µs", "")
    finally:
        for conn in sessions.values():
            conn.close()
        common.drop(base, name)


if __name__ == "__main__":
    def _print(name, value, unit, target=""):
        print(f"{name:<64} {value:>10.1f} {unit:<6} {target}")

    run(_print, sys.argv[1], *(int(a) for a in sys.argv[2:3]))
