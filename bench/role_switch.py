"""What ``SET LOCAL ROLE`` costs a unit of work (``Workflow.acting_as``), in isolation:
the client's CPU and wall time per unit and the backend's CPU per unit (/proc), for
units of work that run one statement, with the role switch as ``Workflow._set_role``
sends it now (with BEGIN, one round trip), as it was sent until 2026-12-06 (through
``Session.execute``, after psycopg's own BEGIN: two round trips) and without one.

    python bench/role_switch.py URL [N]

The role switched to is the connected role itself (allowed to any role), so any
database serves; the rules and row-level security the switch brings about in a real
server are not part of this figure (``bench/intake_cpu.py --logins`` has them).
Not part of ``make bench``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> None:
    from sqlalchemy import text

    from seatdesk.config import normalise_url
    from seatdesk.models.db import make_engine
    from seatdesk.workflow.context import Workflow

    count = int(argv[1]) if len(argv) > 1 else 3000
    engine = make_engine(normalise_url(argv[0]), pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        me = conn.execute(text("SELECT current_user")).scalar_one()
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    wf = Workflow(engine).acting_as(me)
    now = Workflow._set_role

    def before(self, session) -> None:  # as sent until 2026-12-06
        session.execute(text("SELECT set_config('role', :r, true)"), {"r": self.db_role})

    def unit() -> None:
        with wf.transaction() as session:
            session.connection().exec_driver_sql("SELECT 1")

    try:
        for _round in range(2):
            for name, switch in (("before", before), ("now", now),
                                 ("no switch", lambda self, session: None)):
                Workflow._set_role = switch
                for _ in range(200):
                    unit()
                pg, cpu, wall = _backend_cpu(backend), time.process_time(), time.perf_counter()
                for _ in range(count):
                    unit()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                pg = _backend_cpu(backend) - pg
                print(f"{name:>9}: client CPU {1000 * cpu / count:.3f} ms/unit, backend CPU "
                      f"{1000 * pg / count:.3f} ms/unit, wall {1000 * wall / count:.3f} ms/unit",
                      flush=True)
    finally:
        Workflow._set_role = now
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
