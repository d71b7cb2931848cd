"""CPU per transition of bench_workflow's patterns: the writers' own CPU and the database
server's, which a shared machine's load changes far less than the rates
(docs/performance.md, "the checked path made cheaper"). The server must run on this
machine (its processes are read from /proc).

    python bench/workflow_cpu.py postgresql://postgres@127.0.0.1:55432/postgres \\
        workflow,workflow_trusted,bare_same_checked,bare_same,bare 600

8 writers per pattern, N transitions each, the patterns one after another on a scratch
database (dropped afterwards); one line per pattern: client and server µs per transition.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_workflow as bw  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def postmaster(url: str) -> int:
    """The server's main process: the parent of one of its backends."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    engine.dispose()
    return _stat(str(backend))[0]


def _stat(pid: str) -> tuple[int, float]:
    """(parent pid, user + system CPU seconds) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def server_cpu(master: int) -> dict[str, float]:
    """CPU seconds of the server's processes, by pid."""
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent, cpu = _stat(pid)
        except (OSError, IndexError, ValueError):
            continue
        if int(pid) == master or parent == master:
            out[pid] = cpu
    return out


def spent(before: dict[str, float], after: dict[str, float]) -> float:
    """CPU used between two readings (a process that ended meanwhile is not counted)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class Counted:
    """bench_workflow's ``Windows``, run for a number of transitions, reporting CPU."""

    def __init__(self, n, results, go, done):
        self.n, self.results, self.go, self.done = n, results, go, done

    def run(self, cycle, cases, per_cycle: int = 2) -> None:
        self.results.put("ready")
        self.go.wait()
        before, began = os.times(), time.perf_counter()
        for i in range(self.n // per_cycle):
            cycle(cases[i % len(cases)])
        after = os.times()
        self.results.put((after.user - before.user + after.system - before.system,
                          time.perf_counter() - began))
        self.done.wait()  # the server's processes stay until the parent has read them


def _writer(kind, url, cases, n, results, go, done) -> None:
    bw.POOLS[kind](url, cases, Counted(n, results, go, done))


def main(url: str, kinds: list[str], n: int) -> None:
    from seatdesk.config import normalise_url

    url, drop = bw.scratch_database(normalise_url(url))
    try:
        master = postmaster(url)
        share = bw.WRITERS * bw.CASES_PER_WRITER
        cases = bw.prepare(url, share * len(kinds))
        ctx = mp.get_context("spawn")
        for k, kind in enumerate(kinds):
            mine = cases[k * share:(k + 1) * share]
            results, go, done = ctx.Queue(), ctx.Event(), ctx.Event()
            procs = [ctx.Process(target=_writer, args=(kind, url, mine[i::bw.WRITERS], n,
                                                       results, go, done))
                     for i in range(bw.WRITERS)]
            for p in procs:
                p.start()
            for _ in procs:
                results.get(timeout=300)
            s0, began = server_cpu(master), time.perf_counter()
            go.set()
            got = [results.get(timeout=600) for _ in procs]
            wall, s1 = time.perf_counter() - began, server_cpu(master)
            done.set()
            for p in procs:
                p.join()
            total = n * bw.WRITERS
            client, server = sum(c for c, _ in got) / total, spent(s0, s1) / total
            print(f"{kind:18s} client {client * 1e6:6.0f} µs  server {server * 1e6:6.0f} µs"
                  f"  total {(client + server) * 1e6:6.0f} µs/transition;"
                  f" rate {total / wall:5.0f}/s, load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        drop()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(f"usage: {sys.argv[0]} URL PATTERN[,PATTERN…] TRANSITIONS")
    main(sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]))
