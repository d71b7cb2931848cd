"""A statement acting as a role, two ways: psycopg's pipeline (BEGIN, ``set_config('role',
…)``, the statement, COMMIT in one round trip — how the registration's first statement was
sent until migration 0025) against one autocommit execute of a function that takes the
role itself (how ``Workflow.run_statement`` sends the registration's statements since):
the client's CPU (``time.process_time``), the backend's (/proc) and wall time per call,
in interleaved blocks, from 1 and from 4 threads (the server's request threads share one
interpreter).

    python bench/one_statement.py postgresql://USER@HOST:PORT/DB [BLOCKS] [SIZE]

Not part of ``make bench``: it answers why the registration's statements are each one
execute (docs/performance.md, "Intake server", 2026-12-07). It creates a role and a
function of its own (dropped at the end): the user in the URL must be allowed to (the
test servers' ``postgres``); the backends' /proc entries must be readable (a server on
this machine).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid

import psycopg

FUNCTION = """
CREATE FUNCTION pg_temp.sd_probe(p_role text, p_n integer) RETURNS TABLE (n integer, who text)
LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_role IS NOT NULL THEN
        PERFORM set_config('role', p_role, true);
    END IF;
    RETURN QUERY SELECT p_n, current_user::text;
END
$fn$
"""


def _backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pipelined(conn: psycopg.Connection, role: str, n: int) -> None:
    for i in range(n):
        with conn.pipeline():
            conn.execute("SELECT set_config('role', %s, true)", (role,), prepare=True)
            cur = conn.execute("SELECT %s::int, current_user::text", (i,), prepare=True)
            conn.commit()
        assert cur.fetchall() == [(i, role)]


def _one(conn: psycopg.Connection, role: str, n: int) -> None:
    for i in range(n):
        cur = conn.execute("SELECT * FROM pg_temp.sd_probe(%s, %s)", (role, i), prepare=True)
        assert cur.fetchall() == [(i, role)]


def main(url: str, blocks: int = 6, size: int = 1000) -> None:
    role = f"sd_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}"')
    try:
        for threads in (1, 4):
            totals = {"pipelined": [0.0, 0.0, 0.0, 0], "one": [0.0, 0.0, 0.0, 0]}
            for block in range(blocks):
                order = ("pipelined", "one") if block % 2 == 0 else ("one", "pipelined")
                for way in order:
                    conns = [psycopg.connect(url, autocommit=(way == "one"))
                             for _ in range(threads)]
                    for conn in conns:
                        conn.execute(FUNCTION)
                        if way == "pipelined":
                            conn.commit()
                    pids = [c.info.backend_pid for c in conns]
                    run = _pipelined if way == "pipelined" else _one
                    b0, c0, t0 = sum(map(_backend_cpu, pids)), time.process_time(), \
                        time.perf_counter()
                    workers = [threading.Thread(target=run, args=(c, role, size))
                               for c in conns]
                    for w in workers:
                        w.start()
                    for w in workers:
                        w.join()
                    t = totals[way]
                    t[0] += time.process_time() - c0
                    t[1] += sum(map(_backend_cpu, pids)) - b0
                    t[2] += time.perf_counter() - t0
                    t[3] += size * threads
                    for conn in conns:
                        conn.close()
            for way, (client, backend, wall, calls) in totals.items():
                print(f"threads={threads} {way:9}: client CPU {1e6 * client / calls:6.1f} us,"
                      f" backend CPU {1e6 * backend / calls:6.1f} us,"
                      f" wall {1e6 * wall / calls * threads:6.1f} us per call ({calls} calls)")
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP ROLE "{role}"')


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:]))
