"""The intake server under load (PostgreSQL, ledger and NOTIFY on):

- sustained reports per second through ``POST /field/v1/reports`` (JSON, no photo) and
  ``POST /open311/v2/requests.json`` (form-encoded), each report a full registration
  (idempotency key, spatial lookup, duplicate search, ledger row, NOTIFY), against a bare
  psycopg insert pattern in the same run (the case row, its ledger row and the NOTIFY the
  ledger trigger sends, one transaction per report, 8 writers); the reports fall anywhere
  in the city (as a real feed does), and once more all within 100 m of one point (the
  worst case for the duplicate search);
- p99 latency of handset reports at 50 reports/s with a 200 KB photo each.

    python bench/bench_intake.py postgresql://postgres@127.0.0.1:55432/postgres

The sustained phases are driven by ``wrk`` (``bench/intake_wrk.lua``; Debian package
``wrk``, which ``make bench`` installs): a C client costs ~0.05 ms of CPU per report,
the Python one it replaced 3-5.5 ms on the same cores. The photo phase (an open loop at
50 reports/s) uses httpx.

Besides the rates it prints the CPU per report of the server (all workers), of
PostgreSQL (the postmaster and its backends) and of the load generator, the rest of the
machine's busy time per report (other sessions), how busy the cores were in each phase
and the load average before and after: on a shared machine those say how far the
figures are the server's; PostgreSQL's CPU is also split by kind of process (the
sessions of the run, NOTIFY listeners, processes that ended during the phase, autovacuum,
the rest) with the sessions opened per 1,000 reports (a new session starts with empty
caches: docs/performance.md, 2026-12-06 07:41), and the busiest worker's share of the
server's CPU (50 % with two workers: wrk's connections spread evenly).
``SEATDESK_BENCH_PYSPY=<directory>`` records each worker with py-spy (``--gil``: Python
CPU) in every phase; ``SEATDESK_BENCH_PERF=<directory>`` records the machine with Linux
``perf`` (PostgreSQL's C functions: ``perf report --comm postgres``).
``SEATDESK_BENCH_LOGINS=K``: the users get their own database logins and the handset
reports come from K supervisors in turn (the server switches role per request, as in
production; row-level security and the ledger's trust triggers on).

``bench/intake_floor.py`` measures the floor under the ratio in one run: a FastAPI server
doing the bare pattern and nothing else, beside ``seatdesk serve`` and the bare pattern.

The server is ``seatdesk serve`` as it starts by default, one worker process
(``SEATDESK_BENCH_WORKERS=N`` to compare; ``SEATDESK_BENCH_DB_CONNECTIONS=N`` sets
``serve --db-connections``), rate limits raised for the run. This machine has two cores
and PostgreSQL and the load generator share them: with one worker the server spent about
a fifth less CPU per report than with two and PostgreSQL about a third less
(docs/performance.md, 2026-12-07 06:04), so until 2026-12-07 the bench's two workers
measured a worse configuration than the default. Targets: ≥ 300 reports/s and
≥ 0.3 × bare; p99 ≤ 150 ms at 50 reports/s with photos.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import math
import multiprocessing as mp
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

SECONDS = 8.0
#: uvicorn worker processes (SEATDESK_BENCH_WORKERS to compare; 1 = ``serve``'s default)
WORKERS = int(os.environ.get("SEATDESK_BENCH_WORKERS", "1"))
CONCURRENCY = 24  # requests in flight from the load generator
#: ``seatdesk serve --db-connections``: each worker's pool and request threads
#: (SEATDESK_BENCH_DB_CONNECTIONS to compare; the server's default otherwise)
DB_CONNECTIONS = int(os.environ.get("SEATDESK_BENCH_DB_CONNECTIONS", "0")) or None
#: SEATDESK_BENCH_LOGINS=K: every user gets their own database login and the handset
#: reports come from K supervisors in turn, so each request's units of work switch the
#: pooled connection to the supervisor's login (SET LOCAL ROLE: row-level security and the
#: ledger's trust triggers on), as on a production server; 0 (default): the server acts on
#: its own connection (the owner: no role switch, triggers and RLS off), as before
LOGINS = int(os.environ.get("SEATDESK_BENCH_LOGINS", "0"))
WRITERS = 8
PHOTO_RATE, PHOTO_SECONDS = 50, 10.0
#: the photo phase's first second, not counted in its p50/p99 (reported on its own): the
#: text phases before it leave the photo path's connections and code cold — its first
#: reports took 50–110 ms once the text reports went through the loop's own connections
#: (docs/performance.md, 2026-12-07 03:50), a start-up cost, not the steady state the
#: goal is about
PHOTO_WARMUP_S = 1.0
PASSWORD = "bench-intake-1"
#: where the reports fall: a real 12345 / patrol feed covers the whole city (≈ 9 × 10 km
#: around the sample point, so a report rarely has an open case within the 50 m duplicate
#: radius); the worst case puts every report within 100 m of one point (a hot spot: each
#: report is scored against every open report within 50 m)
CITY, HOT_SPOT = 0.045, 0.0009
Report = Callable[[str, float, str, str], None]


def run(report: Report, database_url: str, seconds: float = SECONDS) -> None:
    from seatdesk.config import normalise_url

    base = normalise_url(database_url)
    name = f"sd_bench_intake_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    load_before = os.getloadavg()[0]
    try:
        key, service, point = prepare(url)
        names = supervisors(url, max(LOGINS, 1))
        if LOGINS:
            logins(url)
        port = _free_port()
        server = start_server(url, port, WORKERS)
        try:
            results = asyncio.run(measure(f"http://127.0.0.1:{port}", key, service, point,
                                          server.pid, _postmaster(url),
                                          seconds, names, url))
        finally:
            server.terminate()
            server.wait(30)
        bare = bare_rate(url, point, seconds)
        for label in ("field", "open311", "field hot spot"):
            rate = results[label]
            report(f"intake reports/s via /{label} (no photo, {WORKERS} workers, wrk)", rate, "1/s",
                   ">= 300")
            report(f"intake / bare ({label})", rate / bare if bare else 0.0, "ratio", ">= 0.3")
            report(f"server CPU per report ({label}, all workers)", results[f"{label} cpu"],
                   "ms", "")
            report(f"busiest worker's share of the server CPU ({label})",
                   results[f"{label} busiest worker"], "%", "")
            report(f"load generator (wrk) CPU per report ({label})", results[f"{label} client"],
                   "ms", "")
            report(f"PostgreSQL CPU per report ({label}, all its processes)",
                   results[f"{label} pg"], "ms", "")
            report(f"PostgreSQL sessions opened per 1,000 reports ({label})",
                   results[f"{label} sessions"], "count", "")
            for kind in PG_KINDS:
                report(f"  of which {kind} ({label})", results.get(f"{label} pg {kind}", 0.0),
                       "ms", "")
            report(f"other CPU per report ({label}: other sessions on the machine)",
                   results[f"{label} rest"], "ms", "")
            report(f"machine CPU busy during /{label} (both cores, all processes)",
                   results[f"{label} busy"], "%", "")
        report("bare psycopg reports/s (case + ledger + NOTIFY, 8 writers)", bare, "1/s",
               "reference")
        report("slowest photo report in the phase's first second (not counted below)",
               results["photo warm-up max"], "ms", "")
        report("p50 latency, handset report with a 200 KB photo at 50/s", results["p50"], "ms",
               "")
        report("p99 latency, handset report with a 200 KB photo at 50/s", results["p99"], "ms",
               "<= 150")
        report("reports answered with an error", results["errors"], "count", "0")
        report("supervisors with their own logins (SEATDESK_BENCH_LOGINS)", float(LOGINS),
               "count", "")
        report("load average (1 min) before the run", load_before, "", "")
        report("load average (1 min) after the run", os.getloadavg()[0], "", "")
    finally:
        common.drop(base, name)


# -- setup ------------------------------------------------------------------------------------
def prepare(url: str) -> tuple[str, str, tuple[float, float]]:
    """The sample centre, a supervisor with a password, an Open311 partner."""
    from sqlalchemy import update

    from seatdesk.models import User
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.server.open311.services import service_code
    from seatdesk.server.partners import add_partner
    from seatdesk.server.reference import configured_classes
    from seatdesk.workflow.auth import hash_password
    from seatdesk.workflow.sample import ensure_sample

    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as s:
            ids = ensure_sample(s)
            s.execute(update(User).where(User.username == "sample_supervisor")
                      .values(password_hash=hash_password(PASSWORD)))
            key = add_partner(s, "bench", "压测合作方", "open311").api_key
            service = service_code(configured_classes(s)[0])
    finally:
        engine.dispose()
    return key, service, ids.point


def supervisors(url: str, count: int) -> list[str]:
    """``count`` supervisors with the bench's password (the sample's and more like it)."""
    from sqlalchemy import select

    from seatdesk.models import User
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow.auth import hash_password

    names = ["sample_supervisor"] + [f"bench_supervisor_{i}" for i in range(1, count)]
    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as s:
            have = set(s.scalars(select(User.username).where(User.username.in_(names))))
            s.add_all(User(username=n, display_name=f"监督员{n[-2:]}", role="supervisor",
                           password_hash=hash_password(PASSWORD)) for n in names
                      if n not in have)
    finally:
        engine.dispose()
    return names


def logins(url: str) -> None:
    """Every user's own login (``seatdesk db logins``): units of work then switch roles."""
    from sqlalchemy import select

    from seatdesk.models import User
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow import accounts

    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as s:
            for uid in s.scalars(select(User.id).where(User.db_login.is_(None))):
                accounts.create_login(s, uid, PASSWORD, must_change=False)  # (its hash too)
    finally:
        engine.dispose()


def start_server(url: str, port: int, workers: int = 2) -> subprocess.Popen:
    """``seatdesk serve`` with ``workers`` processes, returned once every worker has said
    "Application startup complete" (the parent binds the port first: a connection that
    succeeds earlier may land on the one worker already up and stay with it for the run)."""
    code = ("from seatdesk.server.runner import serve; from seatdesk.server.config import "
            "ServerConfig; serve(%r, host='127.0.0.1', port=%d, workers=%d, config=ServerConfig("
            "field_rate='1000000/minute', partner_rate='1000000/minute', "
            "signin_rate='1000/minute'%s))" % (
                url, port, workers,
                f", db_connections={DB_CONNECTIONS}" if DB_CONNECTIONS else ""))
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the server writes to it until it ends
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=log, env={**os.environ})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        log.seek(0)
        if log.read().count(b"Application startup complete") >= workers:
            return proc
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("seatdesk serve did not start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _around(point: tuple[float, float], spread: float = CITY) -> tuple[float, float]:
    return (point[0] + random.uniform(-spread, spread), point[1] + random.uniform(-spread, spread))


# -- load -------------------------------------------------------------------------------------
async def measure(base: str, key: str, service: str, point, server: int, postmaster: int,
                  seconds: float, names: tuple[str, ...] = ("sample_supervisor",),
                  url: str = "") -> dict:
    import httpx

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        tokens = [(await client.post("/field/v1/session", json={
            "username": name, "password": PASSWORD,
            "device_id": "bench"})).json()["token"] for name in names]
        token = ",".join(tokens)  # wrk takes them in turn
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        errors = [0]
        out = {}
        for label, mode, secret, spread in (("field", "field", token, CITY),
                                            ("open311", "open311", key, CITY),
                                            ("field hot spot", "field", token, HOT_SPOT)):
            cpu, busy, pg = _cpu_seconds(server), _machine(), _cpu_seconds(postmaster)
            per_worker = _worker_cpu(server)
            processes, opened = pg_processes(postmaster), _sessions(url)
            spies = _profile_workers(server, label, seconds) + _perf(postmaster, label, seconds)
            rate, count, bad, client_cpu = _wrk(base, mode, secret, service, point, spread,
                                                seconds)
            for spy in spies:
                spy.wait(seconds + 30)
            errors[0] += bad
            out[label] = rate
            used = [after - per_worker.get(pid, 0.0) for pid, after in _worker_cpu(server).items()]
            out[f"{label} busiest worker"] = 100 * max(used) / max(sum(used), 1e-9)
            out[f"{label} cpu"] = (_cpu_seconds(server) - cpu) * 1000 / max(count, 1)
            out[f"{label} client"] = client_cpu * 1000 / max(count, 1)
            out[f"{label} pg"] = (_cpu_seconds(postmaster) - pg) * 1000 / max(count, 1)
            for kind, seconds_used in pg_by_kind(url, processes, pg_processes(postmaster),
                                                 out[f"{label} pg"] * max(count, 1) / 1000
                                                 ).items():
                out[f"{label} pg {kind}"] = seconds_used * 1000 / max(count, 1)
            out[f"{label} sessions"] = (_sessions(url) - opened) * 1000 / max(count, 1)
            now = _machine()
            out[f"{label} busy"] = _busy(busy, now)
            # everything else the cores did meanwhile, per report: PostgreSQL's backends
            # (and on a shared machine, the other sessions)
            out[f"{label} rest"] = ((now[0] - busy[0]) * 1000 / os.sysconf("SC_CLK_TCK")
                                    / max(count, 1) - out[f"{label} cpu"]
                                    - out[f"{label} client"] - out[f"{label} pg"])
        latencies = await _paced(client, auth, point, errors)
    warm = int(PHOTO_RATE * PHOTO_WARMUP_S)
    first, rest = ([ms for ms in part if not math.isnan(ms)]
                   for part in (latencies[:warm], latencies[warm:]))
    out["photo warm-up max"] = max(first, default=math.nan)
    out["p50"] = statistics.median(rest)
    out["p99"] = statistics.quantiles(rest, n=100)[98]
    out["errors"] = float(errors[0])
    return out


def _postmaster(url: str) -> int:
    """The PostgreSQL server's postmaster process (the parent of a backend; the server
    runs on this machine in every bench set-up), 0 when it cannot be read."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1])
    except OSError:
        return 0
    finally:
        engine.dispose()


#: PostgreSQL's CPU by kind of process (``pg_by_kind``)
PG_KINDS = ("sessions of the run", "NOTIFY listeners", "ended processes + postmaster",
            "autovacuum", "other background")


def _sessions(url: str) -> int:
    """Sessions opened so far on the run's database (``pg_stat_database.sessions``, PG 14+):
    a session opened during a phase is a new backend, whose caches, compiled PL/pgSQL
    and plans start empty (and the count includes this reading's own)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            )).scalar() or 0)
    finally:
        engine.dispose()


def pg_processes(postmaster: int) -> dict[int, float]:
    """CPU seconds so far of each live process of the PostgreSQL server (/proc)."""
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    if not postmaster:
        return out
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    for pid in map(int, children):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def pg_by_kind(url: str, before: dict[int, float], after: dict[int, float],
               total: float) -> dict[str, float]:
    """PostgreSQL's CPU seconds between two ``pg_processes`` readings by kind of process
    (``pg_stat_activity``; ``total``: the whole server's, from ``_cpu_seconds``): the
    sessions that ran the reports, the NOTIFY listeners (a session whose last statement
    was LISTEN), the processes that ended meanwhile (sessions, autovacuum workers) and the
    postmaster itself (the total
    less the live processes), autovacuum, the other background processes."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT pid, backend_type, query FROM pg_stat_activity")).all()
    finally:
        engine.dispose()
    kinds = {}
    for pid, backend, query in rows:
        if backend == "client backend":
            listens = (query or "").lstrip().upper().startswith("LISTEN")
            kinds[pid] = PG_KINDS[1] if listens else PG_KINDS[0]
        else:
            kinds[pid] = PG_KINDS[3] if backend.startswith("autovacuum") else PG_KINDS[4]
    out = dict.fromkeys(PG_KINDS, 0.0)
    for pid, seconds in after.items():
        out[kinds.get(pid, PG_KINDS[4])] += seconds - before.get(pid, 0.0)
    out[PG_KINDS[2]] = max(0.0, total - sum(seconds - before.get(pid, 0.0)
                                            for pid, seconds in after.items()))
    return out


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its child processes so far (the server
    and its workers; the postmaster and its backends): what a report costs them whatever
    else runs on the machine (Linux /proc; a child that has ended counts once its parent
    has reaped it: PostgreSQL's backends of closed connections)."""
    if not pid:
        return 0.0
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for one in (pid, *map(int, children)):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a PostgreSQL backend that just ended (counted below)
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        if one == pid:  # children that have ended and been reaped (closed connections)
            total += (int(fields[13]) + int(fields[14])) / tick
    return total


def _worker_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of each of the server's worker processes (the server itself
    when it has one worker: uvicorn then serves in its own process)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split() or [pid]
    return {int(child): _cpu_seconds(int(child)) - _reaped(int(child)) for child in children}


def _reaped(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _profile_workers(pid: int, label: str, seconds: float) -> list[subprocess.Popen]:
    """With ``SEATDESK_BENCH_PYSPY=<directory>``: py-spy records each server worker during
    the phase (raw stacks of the thread holding the GIL, i.e. Python CPU, not waits:
    ``<directory>/<label>-<pid>.txt``); nothing otherwise."""
    folder = os.environ.get("SEATDESK_BENCH_PYSPY")
    if not folder:
        return []
    Path(folder).mkdir(parents=True, exist_ok=True)
    children = [str(worker) for worker in _worker_cpu(pid)]
    spy = str(Path(sys.executable).with_name("py-spy"))
    return [subprocess.Popen(
        [spy, "record", "-p", child, "-d", str(int(seconds)), "-r", "200", "-f", "raw", "--gil",
         "--nonblocking", "-o", f"{folder}/{label.replace(' ', '-')}-{child}.txt"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for child in children]


def _perf(postmaster: int, label: str, seconds: float) -> list[subprocess.Popen]:
    """With ``SEATDESK_BENCH_PERF=<directory>``: Linux ``perf`` samples the whole machine
    with call graphs during the phase (``<directory>/<label>.data``; ``perf report -i …
    --comm postgres --no-children``: where the database's CPU per report goes, C
    functions included — sessions the phase opens too, which is why not ``-p``);
    nothing otherwise."""
    folder = os.environ.get("SEATDESK_BENCH_PERF")
    if not folder:
        return []
    Path(folder).mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen(
        ["perf", "record", "-F", "499", "-g", "-a", "-o",
         f"{folder}/{label.replace(' ', '-')}.data", "--", "sleep", str(int(seconds))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]


def _machine() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Percent of the machine's CPU time that was busy between two ``_machine`` readings:
    near 100 the run was CPU-bound (the load generator, the server, the database and
    every other session share the cores)."""
    total = after[1] - before[1]
    return 100.0 * (after[0] - before[0]) / total if total else 0.0


def _wrk(base: str, mode: str, secret: str, service: str, point, spread: float,
         seconds: float) -> tuple[float, int, int, float]:
    """The sustained phase through ``wrk`` (one thread, CONCURRENCY connections kept alive,
    ``bench/intake_wrk.lua``: every request a new report with its own client id at a random
    point): (reports/s, count, answers not 201 and socket errors, the generator's CPU
    seconds). wrk is a C client: the Python one (httpx) cost 3-5.5 ms of CPU per report
    on the server's two cores, wrk a small fraction of that (both printed)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("bench_intake needs wrk (Debian: apt-get install wrk; "
                           "`make bench` installs it)")
    script = Path(__file__).with_name("intake_wrk.lua")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        [wrk, "-t1", f"-c{CONCURRENCY}", f"-d{int(seconds)}s", "--timeout", "30s",
         "-s", str(script), base, "--", mode, secret, service, repr(point[0]),
         repr(point[1]), repr(spread), uuid.uuid4().hex[:12]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()  # reaps wrk: its CPU lands in RUSAGE_CHILDREN
    if proc.returncode:
        raise RuntimeError(f"wrk failed: {err.decode(errors='replace')}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    values = dict(line.split() for line in out.decode().splitlines()
                  if line.split()[:1] and line.split()[0] in
                  ("requests", "not201", "socket_errors", "seconds"))
    count, seconds_run = int(values["requests"]), float(values["seconds"])
    bad = int(values["not201"]) + int(values["socket_errors"])
    return count / seconds_run, count, bad, client


async def _paced(client, auth, point, errors) -> list[float]:
    """Open loop: one report with a 200 KB photo every 1/PHOTO_RATE s for PHOTO_WARMUP_S +
    PHOTO_SECONDS; the latency of each in the order sent (NaN: no answer)."""
    import httpx

    photo = _photo(200_000)

    async def one(i: int):
        lon, lat = _around(point)
        started = time.perf_counter()
        try:
            r = await client.post("/field/v1/reports", headers=auth, data={
                "report_id": uuid.uuid4().hex, "lon": str(lon), "lat": str(lat),
                "description": "压测：带照片"}, files=[("photos", ("p.jpg", photo, "image/jpeg"))])
        except httpx.TransportError:  # a connection reset is counted, not fatal to the run
            errors[0] += 1
            return
        latencies[i] = (time.perf_counter() - started) * 1000
        errors[0] += r.status_code != 201

    tasks, begin = [], time.perf_counter()
    count = int(PHOTO_RATE * (PHOTO_WARMUP_S + PHOTO_SECONDS))
    latencies: list[float] = [math.nan] * count
    for i in range(count):
        await asyncio.sleep(max(0.0, begin + i / PHOTO_RATE - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return latencies  # NaN: no answer (counted in errors)


def _photo(size: int) -> bytes:
    from PIL import Image

    side, quality = 300, 95
    while True:
        buf = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
            buf, "JPEG", quality=quality)
        if buf.tell() >= size:
            return buf.getvalue()
        side += 20


# -- the bare pattern -----------------------------------------------------------------------------
def bare_rate(url: str, point, seconds: float) -> float:
    """Reports per second of WRITERS processes inserting a case row, its first ledger row
    (the trigger sends NOTIFY) in one transaction each, through psycopg."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(WRITERS) as pool:
        counts = pool.starmap(_bare_writer, [(url, point, seconds, w) for w in range(WRITERS)])
    return sum(counts) / seconds


def _bare_writer(url: str, point, seconds: float, writer: int) -> int:
    import psycopg

    from seatdesk.workflow.notify import libpq_dsn

    columns = case_defaults()
    done, stop = 0, time.perf_counter() + seconds
    with psycopg.connect(libpq_dsn(url)) as conn:
        while time.perf_counter() < stop:
            _bare_insert(conn, columns, point, f"B{writer:02d}{done:010d}")
            done += 1
    return done


def case_defaults() -> dict:
    """The case columns' scalar defaults (what the bare pattern's INSERT sends for them)."""
    from seatdesk.models import Case

    return {c.name: c.default.arg for c in Case.__table__.columns
            if c.default is not None and c.default.is_scalar}


def bare_reports(url: str, point, count: int, prefix: str,
                 between: Callable[[int], None] | None = None) -> None:
    """``count`` reports by the bare pattern on one connection (numbers ``prefix`` + 10
    digits); ``between(i)`` after the i-th."""
    import psycopg

    from seatdesk.workflow.notify import libpq_dsn

    columns = case_defaults()
    with psycopg.connect(libpq_dsn(url)) as conn:
        for i in range(count):
            _bare_insert(conn, columns, point, f"{prefix}{i:010d}")
            if between is not None:
                between(i)


def proc_cpu(stat: str) -> float:
    """CPU seconds (user + system) so far of the process or thread whose ``/proc`` stat
    file is ``stat``."""
    fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bare_insert(conn, defaults: dict, point, number: str) -> None:
    lon, lat = _around(point)
    now = dt.datetime.now(dt.UTC)
    row = {**defaults, "number": number, "state": "reported", "source": "patrol", "lon": lon,
           "lat": lat, "reported_at": now, "updated_at": now, "description": "压测：裸插入",
           "ledger_seq": 1, "ledger_head": "0" * 64}
    names = ", ".join(row)
    marks = ", ".join(f"%({k})s" for k in row)
    with conn.transaction():
        case_id = conn.execute(
            f"INSERT INTO cases ({names}, geom) VALUES ({marks}, "
            "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)) RETURNING id", row).fetchone()[0]
        conn.execute(
            "INSERT INTO case_ledger (case_id, seq, at, actor_id, actor_role, seat, action,"
            " from_state, to_state, reason, payload, prev_hash, hash) VALUES"
            " (%s, 1, %s, NULL, 'supervisor', 'bare', 'register', '', 'reported', '', '{}',"
            " %s, %s)", (case_id, now, "0" * 64, uuid.uuid4().hex * 2))


if __name__ == "__main__":
    def _print(name, value, unit, target=""):
        print(f"{name:<64} {value:>10.3f} {unit:<6} {target}")

    run(_print, sys.argv[1])
