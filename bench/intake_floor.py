"""The floor under ``bench_intake``'s ratio: what a FastAPI server on uvicorn costs per
report before any of seatdesk's own work, measured beside seatdesk's handset path and the
bare pattern in one run.

Three servers, each with 2 uvicorn workers (httptools, uvloop, access log off, as
``seatdesk serve`` runs), driven by the same ``wrk`` script, connections and duration as
``bench_intake``'s field phase (``bench/intake_wrk.lua``, field mode: a JSON handset
report, every request a new report id at a random point):

- ``http``: ``POST /field/v1/reports`` validated by a pydantic model and answered 201
  from a request thread (FastAPI's sync endpoint: the thread hop seatdesk's routes take),
  no database: HTTP + FastAPI + the hop alone;
- ``bare``: the same endpoint, and in it the bare pattern of ``bench_intake`` (the case
  row with its point, its first ledger row whose trigger sends NOTIFY, one transaction)
  on one of the worker's 4 pooled psycopg connections (``serve --db-connections``'
  default), as the owner (no role switch);
- ``seatdesk``: ``seatdesk serve`` itself (``bench_intake``'s field phase: the whole
  registration with its rules, ledger, spatial lookup, duplicate search and NOTIFY);

then the bare pattern of 8 writer processes without HTTP (``bench_intake``'s reference).
For each: reports/s, the server's CPU per report (all workers), PostgreSQL's, and the
ratio to the bare pattern's rate. If ``bare`` through FastAPI already stays under
0.3 × the bare pattern, no FastAPI server doing that work can reach it on these cores.

    python bench/intake_floor.py postgresql://postgres@127.0.0.1:55432/postgres
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import BaseModel, Field

from bench import bench_intake, common

ENV = "SEATDESK_BENCH_FLOOR"
#: each worker's pooled connections and request threads (serve --db-connections' default)
CONNECTIONS = 4


# -- the floor servers (built in each uvicorn worker) ---------------------------------------------
class Report(BaseModel):
    """The handset report's JSON fields (no photo)."""

    report_id: str = Field(max_length=64)
    lon: float
    lat: float
    description: str = Field(default="", max_length=2000)


def build():
    """The floor app for uvicorn's factory: ``ENV`` gives the mode, database and point."""
    import anyio.to_thread
    from fastapi import FastAPI

    setting = json.loads(os.environ[ENV])
    mode, point = setting["mode"], tuple(setting["point"])

    pool: queue.Queue = queue.Queue()
    numbers = itertools.count()
    prefix = f"F{os.getpid() % 10**6:06d}"
    columns: dict = {}

    async def lifespan(app):
        anyio.to_thread.current_default_thread_limiter().total_tokens = CONNECTIONS
        if mode != "bare":
            yield
            return
        from seatdesk.models import Case

        columns.update({c.name: c.default.arg for c in Case.__table__.columns
                        if c.default is not None and c.default.is_scalar})
        with pooled(setting["url"], pool):
            yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/field/v1/reports", status_code=201)
    def report(body: Report) -> dict:
        if mode == "http":
            return {"report_id": body.report_id, "case_number": "", "state": "reported"}
        conn = pool.get()
        try:
            number = f"{prefix}{next(numbers):010d}"
            bench_intake._bare_insert(conn, columns, point, number)
        finally:
            pool.put(conn)
        return {"report_id": body.report_id, "case_number": number, "state": "reported"}

    return app


@contextlib.contextmanager
def pooled(url: str, pool: queue.Queue, autocommit: bool = False) -> Iterator[None]:
    """``CONNECTIONS`` psycopg connections to ``url`` in ``pool`` while the block runs (a
    worker's pool, as ``serve --db-connections`` keeps one), closed after it."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    for _ in range(CONNECTIONS):
        pool.put(psycopg.connect(dsn, autocommit=autocommit))
    try:
        yield
    finally:
        while not pool.empty():
            pool.get().close()


def start_floor(url: str, mode: str, point, port: int,
                factory: str = "bench.intake_floor:build") -> subprocess.Popen:
    """uvicorn with ``bench_intake.WORKERS`` workers serving ``factory`` (``build``, or
    another bench's app built from the same ``ENV`` setting); returned once every worker
    has started."""
    code = (f"import uvicorn; uvicorn.run({factory!r}, factory=True, "
            f"host='127.0.0.1', port={port}, workers={bench_intake.WORKERS}, "
            "access_log=False, server_header=False, log_level='info')")
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the server writes to it until it ends
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, ENV: json.dumps({"mode": mode, "url": url, "point": list(point)}),
           "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=log, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        log.seek(0)
        if log.read().count(b"Application startup complete") >= bench_intake.WORKERS:
            return proc
        time.sleep(0.2)
    proc.terminate()
    log.seek(0)
    raise RuntimeError(f"the floor server did not start: {log.read()[-2000:]!r}")


def phase(server: subprocess.Popen, postmaster: int, token: str, point,
          seconds: float) -> dict:
    """One sustained field phase through wrk: rate, server and PostgreSQL CPU per report."""
    cpu, pg = bench_intake._cpu_seconds(server.pid), bench_intake._cpu_seconds(postmaster)
    rate, count, bad, client = bench_intake._wrk(
        server.base, "field", token, "", point, bench_intake.CITY, seconds)
    count = max(count, 1)
    return {"rate": rate, "bad": bad,
            "server": (bench_intake._cpu_seconds(server.pid) - cpu) * 1000 / count,
            "pg": (bench_intake._cpu_seconds(postmaster) - pg) * 1000 / count,
            "client": client * 1000 / count}


def run(report, database_url: str, seconds: float = bench_intake.SECONDS) -> None:
    from seatdesk.config import normalise_url

    base = normalise_url(database_url)
    name = f"sd_bench_floor_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    load_before = os.getloadavg()[0]
    try:
        _key, _service, point = bench_intake.prepare(url)
        postmaster = bench_intake._postmaster(url)
        out = {}
        for mode in ("http", "bare", "seatdesk"):
            port = bench_intake._free_port()
            if mode == "seatdesk":
                server = bench_intake.start_server(url, port, bench_intake.WORKERS)
            else:
                server = start_floor(url, mode, point, port)
            server.base = f"http://127.0.0.1:{port}"
            try:
                token = asyncio.run(_token(server.base)) if mode == "seatdesk" else "floor"
                out[mode] = phase(server, postmaster, token, point, seconds)
            finally:
                server.terminate()
                server.wait(30)
        bare = bench_intake.bare_rate(url, point, seconds)
        what = {"http": "HTTP + FastAPI + thread hop, no database",
                "bare": "the same + the bare pattern on a pooled connection",
                "seatdesk": "seatdesk serve, the handset report"}
        for mode, got in out.items():
            report(f"{mode}: reports/s ({what[mode]})", got["rate"], "1/s", "")
            report(f"{mode}: ÷ the bare pattern", got["rate"] / bare if bare else 0.0,
                   "ratio", ">= 0.3" if mode == "seatdesk" else "")
            report(f"{mode}: server CPU per report (all workers)", got["server"], "ms", "")
            report(f"{mode}: PostgreSQL CPU per report", got["pg"], "ms", "")
            report(f"{mode}: wrk CPU per report", got["client"], "ms", "")
            report(f"{mode}: answers not 201", float(got["bad"]), "count", "0")
        report("bare pattern reports/s (8 writer processes, no HTTP)", bare, "1/s",
               "reference")
        report("load average (1 min) before the run", load_before, "", "")
        report("load average (1 min) after the run", os.getloadavg()[0], "", "")
    finally:
        common.drop(base, name)


async def _token(base: str) -> str:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        answer = await client.post("/field/v1/session", json={
            "username": "sample_supervisor", "password": bench_intake.PASSWORD,
            "device_id": "bench"})
        return answer.json()["token"]


if __name__ == "__main__":
    def _print(name, value, unit, target=""):
        print(f"{name:<70} {value:>10.3f} {unit:<6} {target}")

    run(_print, sys.argv[1])
