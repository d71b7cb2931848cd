"""Two statements in one psycopg pipeline (one round trip) against the same two sent one
after the other (two round trips), in an open transaction as a unit of work sends them
after its BEGIN and role switch: client CPU (``time.process_time``), the backend's CPU
(/proc) and wall time per pair, in 20 interleaved blocks of 250 pairs.

    python bench/pipeline_pair.py postgresql://USER@HOST:PORT/DB

Not part of ``make bench``: it answers whether folding the registration's ledger INSERT
and the duplicate search into one round trip saves CPU (docs/performance.md, "Intake
server", branch ``intake8a``). It needs only a database it may create a temporary table
in; the backend's /proc entry must be readable (the server on this machine).
"""

from __future__ import annotations

import os
import sys
import time

import psycopg

INSERT = "INSERT INTO t (v) VALUES (%(v)s) RETURNING id"
SELECT = "SELECT count(*) FROM t WHERE id > %(x)s"


def _backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(url: str, blocks: int = 20, size: int = 250) -> None:
    conn = psycopg.connect(url)
    conn.execute("CREATE TEMP TABLE t (id serial PRIMARY KEY, v text)")
    conn.commit()
    pid = conn.info.backend_pid

    def one_after_the_other(n: int) -> None:
        for _ in range(n):
            conn.execute("SELECT 1")  # the transaction open already (BEGIN, the role)
            with conn.cursor() as a:
                a.execute(INSERT, {"v": "x"})
                a.fetchone()
            with conn.cursor() as b:
                b.execute(SELECT, {"x": 0})
                b.fetchall()
            conn.commit()

    def pipelined(n: int) -> None:
        for _ in range(n):
            conn.execute("SELECT 1")
            a, b = conn.cursor(), conn.cursor()
            with conn.pipeline():
                a.execute(INSERT, {"v": "x"})
                b.execute(SELECT, {"x": 0})
            a.fetchone()
            b.fetchall()
            a.close()
            b.close()
            conn.commit()

    ways = {"one after the other": one_after_the_other, "pipelined": pipelined}
    totals = {name: [0.0, 0.0, 0.0] for name in ways}
    for run in ways.values():  # warm-up (prepared statements after five executions)
        run(200)
    for block in range(blocks):
        order = list(ways.items())
        for name, run in order if block % 2 == 0 else order[::-1]:
            c0, b0, w0 = time.process_time(), _backend_cpu(pid), time.perf_counter()
            run(size)
            total = totals[name]
            total[0] += time.process_time() - c0
            total[1] += _backend_cpu(pid) - b0
            total[2] += time.perf_counter() - w0
        conn.execute("TRUNCATE t")
        conn.commit()
    pairs = blocks * size
    for name, (client, backend, wall) in totals.items():
        print(f"{name}: client {1000 * client / pairs:.3f} ms, backend"
              f" {1000 * backend / pairs:.3f} ms, wall {1000 * wall / pairs:.3f} ms per pair")
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
