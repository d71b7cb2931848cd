"""Benchmark at a metropolis' size: the issue-15 goals on a primary and a streaming replica.

``python -m bench.bench_scale`` (docs/performance.md, section bench_scale):

1. servers: starts a throwaway primary (``scripts/pg-test-server start``, port 56310) or
   uses ``--database URL``; the streaming replica (``start-replica``: ``pg_basebackup -R``
   with a replication slot, port 56311) is made *after* the generation (copying the files
   is faster than replaying the generation's WAL), or ``--read-database URL`` is used;
2. data: the database ``seatdesk_scale_<cases>`` migrated to head, the lattice city of
   ``bench/scale_world.py`` (40,625 cells, ``--components`` components, default
   12,000,000) and ``--cases`` cases (default 10,000,000) reported over ``--days`` days with
   their hash-chained ledger (``bench/scale_cases.py``), all by set-based SQL; each step's
   time and each server's size are printed. A database of that name holding the cases is
   reused (``--reuse``, the default; ``--fresh`` builds it again);
3. goals, each timed through the application's own code and beside the bare SQL it needs,
   in the same run, alternating so that load slows both alike:

   - first work-box page ≤ 200 ms: ``queues.fetch_page`` (count, walk, row building) over
     several boxes, sorts and filters — 垃圾, 井盖, a case-number prefix, a grid prefix;
     bare: one ``SELECT id … WHERE … ORDER BY … LIMIT`` with the same conditions;
   - viewport components ≤ 50 ms: ``map.points.components_in_view`` at zoom 17 over
     random views of the lattice; bare: ``geom && envelope LIMIT``;
   - KPI refresh ≤ 300 ms on the replica: ``evaluation.live.live_kpis`` (cold: trend cache
     cleared; warm: its 29 past days cached, today live) through
     ``models.replica.ReadRouter`` (the read_database_url path); bare: its statements and
     the open-clock query; the wall's whole ``wall_snapshot`` too;
   - monthly evaluation ≤ 30 s on the replica: ``indicators.evaluate_all`` for the last
     full month; bare: the facts statement alone (``history.facts_statement``);
   - one case's ledger verified ≤ 50 ms: ``workflow.ledger_verify.verify_ledger``; bare:
     the case's row and its ledger rows fetched;

4. ``--seats`` (50) simulated seats and ``--walls`` (10) walls for ``--minutes`` (10):
   seats read their work boxes (first pages, sorts, filters, counts, a case's detail) and
   carry cases through 登记 → 派核实 → 核实 → 受理 → 立案 → 派遣 with the Qt-free workflow services on the
   primary; walls refresh ``wall_snapshot`` on the replica every ``--wall-every`` s.
   Reported: operations per second, latency percentiles per kind, errors, the primary's
   CPU (``/proc`` of the postmaster and its children) and the replica's lag
   (``pg_stat_replication``), with the load average.

A markdown table of every figure is printed at the end and written to
``bench/results/scale.json``. Not part of ``make bench`` by default: ``python -m bench
--only bench_scale --cases N`` runs it against the bench server (``run()`` below).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench import common

ROOT = Path(__file__).resolve().parents[1]
PAGE = 50
#: a seat's map at zoom 17 (1280 × 800 px) at the lattice's latitude
VIEWPORT_DEG = (1280 * 360 / (256 * 2**17),
                800 * 360 / (256 * 2**17) * float(np.cos(np.radians(31.28))))


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# -- figures -----------------------------------------------------------------------------
@dataclass
class Results:
    rows: list[dict] = field(default_factory=list)
    log: Callable[[str], None] = print

    def add(self, goal: str, what: str, app_ms: float | None, bare_ms: float | None,
            target: str = "", note: str = "") -> None:
        row = {"goal": goal, "what": what, "app_ms": app_ms, "bare_ms": bare_ms,
               "target": target, "note": note, "load": load()}
        self.rows.append(row)
        self.log(f"  {goal:<12} {what:<44} app {_f(app_ms):>9} ms  bare {_f(bare_ms):>9} ms"
                 f"  {target} {note}  (load {row['load']})")

    def markdown(self) -> str:
        out = ["| goal | measured | app (ms) | bare SQL (ms) | app/bare | target | note | load |",
               "|---|---|---:|---:|---:|---|---|---|"]
        for r in self.rows:
            ratio = (f"{r['app_ms'] / r['bare_ms']:.1f}×" if r["app_ms"] and r["bare_ms"]
                     else "")
            out.append(f"| {r['goal']} | {r['what']} | {_f(r['app_ms'])} | {_f(r['bare_ms'])} "
                       f"| {ratio} | {r['target']} | {r['note']} | {r['load']} |")
        return "\n".join(out)


def _f(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def paired(app: Callable[[], object], bare: Callable[[], object], runs: int
           ) -> tuple[list[float], list[float], object, object]:
    """``app`` and ``bare`` alternately ``runs`` times each, after one warm-up of each."""
    a_out, b_out = app(), bare()
    a, b = [], []
    for _ in range(runs):
        ms, a_out = timed(app)
        a.append(ms)
        ms, b_out = timed(bare)
        b.append(ms)
    return a, b, a_out, b_out


# -- servers -----------------------------------------------------------------------------
def _pg(*args: str) -> str:
    out = subprocess.run([str(ROOT / "scripts" / "pg-test-server"), *args], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def start_primary(data_dir: str, port: int) -> str:
    """The throwaway primary in ``data_dir`` (started, or its URL when it runs already)."""
    return _running(data_dir) or _pg("start", data_dir, str(port))


def _running(data_dir: str) -> str | None:
    pid = Path(_pg("where", data_dir) or data_dir, "postmaster.pid")
    if not pid.exists():
        return None
    port = pid.read_text().splitlines()[3].strip()
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/seatdesk_test"


def start_replica(data_dir: str, port: int, primary_dir: str) -> str:
    return _running(data_dir) or _pg("start-replica", data_dir, str(port), primary_dir)


def table_sizes(url: str) -> dict[str, float]:
    """GB of the big tables of the bench database (a partitioned table with its
    partitions), indexes and TOAST included."""
    from seatdesk.models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t: float(conn.scalar(text(
                "SELECT coalesce((SELECT sum(pg_total_relation_size(relid))"
                " FROM pg_partition_tree(:t)), pg_total_relation_size(:t))"),
                {"t": t})) / 1e9 for t in ("cases", "case_ledger", "components")}
    finally:
        engine.dispose()


def server_size(url: str) -> dict[str, float]:
    """GB of every database on the server, and of its data directory (with WAL)."""
    from seatdesk.models.db import make_engine

    engine = make_engine(common.database_url(url, "postgres"))
    try:
        with engine.connect() as conn:
            dbs = {n: s / 1e9 for n, s in conn.execute(text(
                "SELECT datname, pg_database_size(datname) FROM pg_database"
                " WHERE NOT datistemplate"))}
            data_dir = conn.scalar(text("SHOW data_directory"))
    finally:
        engine.dispose()
    du = subprocess.run(["du", "-sb", data_dir], capture_output=True, text=True)
    total = int(du.stdout.split()[0]) / 1e9 if du.returncode == 0 else float("nan")
    return {"data_dir_gb": total, **{f"db {n} GB": v for n, v in dbs.items()}}


# -- the data ------------------------------------------------------------------------------
def db_name(cases: int) -> str:
    return f"seatdesk_scale_{cases}"


def case_count(url: str) -> int:
    from seatdesk.models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM cases")) or 0
    except Exception:  # a database left half-made by an interrupted run
        return -1
    finally:
        engine.dispose()


def prepare(base_url: str, cases: int, components: int, days: int, fresh: bool = False,
            log=print, name: str | None = None) -> tuple[str, dict[str, float]]:
    """The database of ``cases`` generated cases (made, or reused when it holds at least
    them); its URL and the seconds of each generation step (empty when reused)."""
    from bench import scale_cases, scale_world
    from seatdesk.models import ledger_partitions
    from seatdesk.models.db import make_engine

    name = name or db_name(cases)
    url = common.database_url(base_url, name)
    # at least: the simulated seats register cases of their own, and a database they ran
    # on is still the generated one (an interrupted generation holds fewer)
    held = case_count(url) if not fresh and common.exists(base_url, name) else -1
    if held >= cases:
        log(f"reusing {name} ({held:,} cases)")
        return url, {}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    common.recreate(base_url, name)
    seconds["create + migrate to head"] = time.perf_counter() - started
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    try:
        spent = scale_world.build(engine, components, progress=log)
        seconds |= {f"world: {k}": v for k, v in spent.items()}
        with engine.begin() as conn:  # the months of the generated ledger, before its rows
            ledger_partitions.ensure(conn, since=now - dt.timedelta(days=days + 1), now=now)
        spent = scale_cases.fill(engine, cases, days, now, progress=log)
        seconds |= {"cases: ledger rows": spent["ledger"], "cases: case rows": spent["cases"]}
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) cases"))
            conn.execute(text("VACUUM (ANALYZE) case_ledger"))
            conn.execute(text("ANALYZE"))
        seconds["vacuum analyze"] = time.perf_counter() - started
    finally:
        engine.dispose()
    for step, s in seconds.items():
        log(f"  {step}: {s:.0f} s")
    return url, seconds


# -- who acts ----------------------------------------------------------------------------
@dataclass(frozen=True)
class People:
    viewers: dict  # role → LoggedIn
    actors: dict  # role → sd.Actor
    class_id: int
    condition_id: int
    department_id: int
    cells: list  # (min_lon, min_lat, max_lon, max_lat) of some cells


def people(session: Session) -> People:
    from seatdesk.models import GridCell, User
    from seatdesk.workflow import services as sd
    from seatdesk.workflow.auth import LoggedIn

    viewers, actors = {}, {}
    for role in ("acceptor", "shift_lead", "dispatcher", "department", "supervisor"):
        u = session.scalars(select(User).where(User.role == role, User.active.is_(True))
                            .order_by(User.id)).first()
        viewers[role] = LoggedIn(u.id, u.username, u.display_name, u.role, u.department_id,
                                 False)
        actors[role] = sd.Actor(u.id, u.role, u.department_id, "bench_scale")
    # a class with a filing condition and a responsible department (scale_cases' choice)
    row = session.execute(text("""
        SELECT c.id, f.id, r.department_id
        FROM case_classes c JOIN class_editions e ON e.id = c.edition_id
        JOIN filing_conditions f ON f.class_id = c.id AND f.active
        JOIN responsibilities r ON r.class_id = c.id AND r.area_id IS NULL
        WHERE c.kind = 'event'
          AND e.code = (SELECT value::json #>> '{}' FROM settings WHERE key = 'class_edition')
        ORDER BY c.id, f.sort_order, f.id LIMIT 1""")).one()
    cells = [tuple(r) for r in session.execute(
        select(GridCell.min_lon, GridCell.min_lat, GridCell.max_lon, GridCell.max_lat)
        .order_by(GridCell.id).limit(2000))]
    return People(viewers, actors, row[0], row[1], row[2], cells)


# -- goal 1: the work box's first page ---------------------------------------------------
def page_cases(session: Session) -> list[tuple[str, str, object, tuple[str, bool] | None]]:
    """(label, box, filter, sort) of the pages timed: a prefix of a recent case number and
    a community's grid code are read from the data."""
    from seatdesk.models import Case, GridCell
    from seatdesk.models.queues import CaseFilter

    count = session.scalar(select(func.count()).select_from(Case)) or 0
    number = session.scalar(select(Case.number).order_by(Case.id)
                            .offset(count // 2).limit(1)) or "2026"
    grid = session.scalar(select(GridCell.code).order_by(GridCell.id).limit(1)) or "3101"
    prefix = number[:-2]  # a hundred case numbers (the generator numbers them in a row)
    return [
        ("全部案件, newest first", "all", None, None),
        ("全部案件 by number", "all", None, ("number", True)),
        ("全部案件 by deadline", "all", None, ("deadline", True)),
        ("全部案件 by address", "all", None, ("address", False)),
        ("全部案件 by class (walked)", "all", None, ("class", True)),
        ("全部案件 by department (walked)", "all", None, ("department", True)),
        ("待受理 (step deadline)", "pending_accept", None, None),
        ("处置中 (deadline)", "in_handling", None, None),
        ("text 垃圾, newest first", "all", CaseFilter(text="垃圾"), None),
        ("text 井盖, by deadline", "all", CaseFilter(text="井盖"), ("deadline", True)),
        ("text 路灯不亮", "all", CaseFilter(text="路灯不亮"), None),
        (f"number prefix {prefix}", "all", CaseFilter(number=prefix), None),
        (f"grid prefix {grid[:12]}", "all", CaseFilter(grid_code=grid[:12]), None),
        ("处置中 + text 占道", "in_handling", CaseFilter(text="占道"), None),
    ]


def bare_page(session: Session, box: str, filters, sort, viewer, limit: int = PAGE):
    """The one statement a page needs: the case ids with the page's conditions and order
    (the app's condition builders, without count, walk or row building)."""
    from seatdesk.models import Case
    from seatdesk.models.queue_rows import JoinedClass, JoinedDept, JoinedGrid
    from seatdesk.models.queues import CaseFilter, _filtered, _order, _scope, get_box

    b = get_box(box)
    sort = sort or b.sort
    query = select(Case.id)
    joined = {"class": (JoinedClass, Case.class_id), "department": (JoinedDept, Case.department_id),
              "grid": (JoinedGrid, Case.grid_cell_id)}.get(sort[0])
    if joined:  # only the join the sort needs
        query = query.outerjoin(joined[0], joined[0].id == joined[1])
    query = _filtered(_scope(session, query, b, viewer), filters or CaseFilter(),
                      viewer, session.get_bind().dialect.name)
    return session.execute(_order(query, sort).limit(limit)).scalars().all()


def measure_pages(sessions, viewer, runs: int = 5, res: Results | None = None) -> list[dict]:
    """Every page of ``page_cases``: median and worst of ``runs``, app beside bare."""
    from seatdesk.models.queues import fetch_page

    out = []
    with sessions() as session:
        cases = page_cases(session)
    for label, box, filters, sort in cases:
        def app(box=box, filters=filters, sort=sort):
            with sessions() as s:
                return fetch_page(s, box, filters, sort, limit=PAGE, viewer=viewer)

        def bare(box=box, filters=filters, sort=sort):
            with sessions() as s:
                return bare_page(s, box, filters, sort, viewer)

        a, b, page, ids = paired(app, bare, runs)
        row = {"label": label, "app_ms": statistics.median(a), "app_worst": max(a),
               "bare_ms": statistics.median(b), "rows": len(page.rows),
               "ids": [r.id for r in page.rows], "bare_ids": list(ids), "total": page.total}
        out.append(row)
        if res is not None:
            res.add("work box", f"{label} ({row['rows']} rows)", row["app_ms"], row["bare_ms"],
                    "≤ 200 ms", f"median of {runs}, worst {row['app_worst']:.0f} ms")
    return out


# -- goal 2: viewport components ----------------------------------------------------------
def measure_viewport(sessions, bounds: tuple[float, float, float, float], runs: int = 30,
                     limit: int = 3000, res: Results | None = None, seed: int = 17) -> dict:
    from seatdesk.map.points import components_in_view

    rng = random.Random(seed)
    w, h = VIEWPORT_DEG
    west, south, east, north = bounds
    app_t, bare_t, sizes = [], [], []
    bare_sql = text("SELECT id, code, lon, lat FROM components WHERE geom &&"
                    " ST_MakeEnvelope(:w, :s, :e, :n, 4326) LIMIT :lim")
    with sessions() as session:
        components_in_view(session, (west, south, west + w, south + h), limit)  # warm up
        for _ in range(runs):
            x = rng.uniform(west, max(west, east - w))
            y = rng.uniform(south, max(south, north - h))
            box = (x, y, min(east, x + w), min(north, y + h))
            ms, view = timed(lambda box=box: components_in_view(session, box, limit))
            app_t.append(ms)
            sizes.append(len(view.points))
            ms, _ = timed(lambda box=box: session.execute(bare_sql, dict(
                zip(("w", "s", "e", "n"), box, strict=True), lim=limit + 1)).all())
            bare_t.append(ms)
    row = {"app_ms": statistics.median(app_t), "app_p95": float(np.percentile(app_t, 95)),
           "bare_ms": statistics.median(bare_t), "points": statistics.median(sizes)}
    if res is not None:
        res.add("map", f"viewport components, zoom 17 ({row['points']:.0f} per view)",
                row["app_ms"], row["bare_ms"], "≤ 50 ms",
                f"median of {runs}, p95 {row['app_p95']:.0f} ms")
    return row


# -- goal 3: KPI refresh and the wall on the replica ---------------------------------------
def measure_kpis(read_sessions, runs: int = 7, res: Results | None = None,
                 now: dt.datetime | None = None) -> dict:
    """``read_sessions``: a ``ReadRouter`` (the read_database_url path) or a sessionmaker.

    The refresh twice: cold (the trend cache cleared before each run: the full 30-day
    statements, as a panel's first refresh) and warm (the trend's past days cached, today's
    counts live: every later refresh within ``TREND_CACHE_SECONDS``), each beside the bare
    SQL of the full statements."""
    from seatdesk.evaluation.clocks import clock_query
    from seatdesk.evaluation.live import TREND_CACHE, live_kpis, statements
    from seatdesk.evaluation.wall_data import wall_snapshot
    from seatdesk.models.settings import get_setting
    from seatdesk.workflow.worktime import WorkCalendar

    now = now or dt.datetime.now(dt.UTC)
    with read_sessions() as session:
        cal = WorkCalendar.from_session(session)
        tz = str(get_setting(session, "time_zone"))
        where = session.execute(text("SELECT pg_is_in_recovery()")).scalar()
        queries = [*statements(session.get_bind().dialect.name, now, tz).values(),
                   clock_query()]

    def app():
        with read_sessions() as s:
            return live_kpis(s, cal, now)

    def cold():
        TREND_CACHE.clear()
        return app()

    def bare():
        with read_sessions() as s:
            return [s.execute(q).all() for q in queries]

    def wall():
        with read_sessions() as s:
            return wall_snapshot(s, now, cal)

    c, cb, _, _ = paired(cold, bare, runs)
    a, b, kpis, _ = paired(app, bare, runs)  # warm: the cache filled by the warm-up
    w, _, snap, _ = paired(wall, bare, max(3, runs // 2))
    on = "replica" if where else "primary"
    row = {"app_ms": statistics.median(a), "app_worst": max(a), "bare_ms": statistics.median(b),
           "cold_ms": statistics.median(c), "cold_worst": max(c),
           "cold_bare_ms": statistics.median(cb),
           "wall_ms": statistics.median(w), "wall_worst": max(w), "on": on,
           "open": sum(n for _, _, n in kpis.open_by_stage), "board": len(snap.board)}
    if res is not None:
        res.add("KPI", f"live KPI panel refresh on the {on}, cold (first refresh)",
                row["cold_ms"], row["cold_bare_ms"], "",
                f"median of {runs}, worst {row['cold_worst']:.0f} ms; trend cache cleared")
        res.add("KPI", f"live KPI panel refresh on the {on}, warm (every later one)",
                row["app_ms"], row["bare_ms"], "≤ 300 ms",
                f"median of {runs}, worst {row['app_worst']:.0f} ms; "
                f"{row['open']:,} open cases")
        res.add("KPI", f"wall refresh (wall_snapshot) on the {on}, warm", row["wall_ms"],
                row["bare_ms"], "", f"median of {len(w)}, worst {row['wall_worst']:.0f} ms")
    return row


# -- goal 4: the monthly evaluation --------------------------------------------------------
def last_full_month(now: dt.datetime) -> tuple[int, int]:
    first = now.astimezone(dt.UTC).date().replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def measure_evaluation(read_sessions, runs: int = 2, res: Results | None = None,
                       month: tuple[int, int] | None = None) -> dict:
    from seatdesk.evaluation.history import facts_statement, public_codes
    from seatdesk.evaluation.indicators import Period, evaluate_all

    year, mon = month or last_full_month(dt.datetime.now(dt.UTC))
    period = Period.month(year, mon)
    objects = [0]

    def app():
        with read_sessions() as s:
            results = evaluate_all(s, period)
        objects[0] = sum(len(ev.rows) for ev in results.values())
        return results

    def bare():
        with read_sessions() as s:
            s.execute(text("SET LOCAL work_mem = '64MB'"))
            s.execute(text("SET LOCAL jit = off"))
            stmt = facts_statement(s.get_bind().dialect.name, public_codes(s))
            return s.execute(stmt, {"start": period.start, "end": period.end}).all()

    a_t, b_t = [], []
    for _ in range(runs):  # no warm-up: a month is read once; first and later runs shown
        ms, _ = timed(app)
        a_t.append(ms)
        ms, rows = timed(bare)
        b_t.append(ms)
    row = {"app_ms": statistics.median(a_t), "first_ms": a_t[0], "bare_ms": statistics.median(b_t),
           "fact_rows": len(rows), "objects": objects[0], "period": period.label}
    if res is not None:
        res.add("evaluation", f"monthly evaluation {period.label}, all levels "
                f"({row['objects']} objects, {row['fact_rows']:,} ledger facts)",
                row["app_ms"], row["bare_ms"], "≤ 30,000 ms",
                f"median of {runs}, first {a_t[0]:,.0f} ms")
    return row


# -- goal 5: one case's ledger verified -----------------------------------------------------
def measure_ledger(sessions, samples: int = 20, res: Results | None = None, seed: int = 5
                   ) -> dict:
    from seatdesk.models import Case
    from seatdesk.workflow.ledger_verify import verify_ledger

    rng = random.Random(seed)
    with sessions() as session:
        lo, hi = session.execute(select(func.min(Case.id), func.max(Case.id))).one()
    ids = [rng.randint(lo, hi) for _ in range(samples)]
    app_t, bare_t, problems, rows = [], [], 0, 0
    for case_id in ids:
        def app(case_id=case_id):
            with sessions() as s:
                return verify_ledger(s, [case_id])

        def bare(case_id=case_id):
            with sessions() as s:
                s.execute(text("SELECT * FROM cases WHERE id = :i"), {"i": case_id}).all()
                return s.execute(text("SELECT * FROM case_ledger WHERE case_id = :i"
                                      " ORDER BY seq"), {"i": case_id}).all()

        a, b, found, got = paired(app, bare, 1)
        app_t += a
        bare_t += b
        problems += len(found)
        rows += len(got)
    row = {"app_ms": statistics.median(app_t), "app_worst": max(app_t),
           "bare_ms": statistics.median(bare_t), "problems": problems, "cases": len(ids),
           "rows": rows}
    if res is not None:
        res.add("ledger", f"one case's ledger verified ({rows / len(ids):.1f} rows a case)",
                row["app_ms"], row["bare_ms"], "≤ 50 ms",
                f"median of {len(ids)} cases, worst {row['app_worst']:.0f} ms, "
                f"{problems} problems")
    return row


# -- the primary's CPU and the replica's lag ------------------------------------------------
def postgres_pids(url: str) -> int | None:
    """The postmaster's pid (the server runs on this machine: its data directory's pid)."""
    from seatdesk.models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            data_dir = conn.scalar(text("SHOW data_directory"))
        return int(Path(data_dir, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    finally:
        engine.dispose()


def cpu_seconds(postmaster: int | None) -> float:
    """CPU seconds of the postmaster, its reaped children and its living children."""
    if postmaster is None:
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        elif ppid == postmaster:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


LAG_SQL = text("""SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0),
                         coalesce(max(extract(epoch FROM replay_lag)), 0), count(*)
                  FROM pg_stat_replication""")


# -- the simulated centre -------------------------------------------------------------------
class Sim:
    """Seats and walls as threads of this process (one process: its own CPU shows in the
    load average, not in the primary's CPU)."""

    def __init__(self, url: str, read_url: str | None, seats: int, walls: int, minutes: float,
                 think_s: float = 3.0, wall_every_s: float = 10.0, seed: int = 11):
        from seatdesk.models.db import make_engine, session_factory
        from seatdesk.models.replica import ReadRouter
        from seatdesk.workflow import services as sd

        self.engine = make_engine(url, pool_size=seats + 5, max_overflow=10)
        self.sessions = session_factory(self.engine)
        self.reads = ReadRouter.for_url(self.sessions, read_url)
        self.wf = sd.Workflow(self.engine)
        self.url, self.seats, self.walls = url, seats, walls
        self.seconds, self.think_s, self.wall_every_s = minutes * 60, think_s, wall_every_s
        self.seed = seed
        self.lock = threading.Lock()
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.stop = threading.Event()
        with self.sessions() as session:
            self.who = people(session)

    def record(self, kind: str, ms: float) -> None:
        with self.lock:
            self.lat[kind].append(ms)

    def failed(self, kind: str, exc: BaseException) -> None:
        with self.lock:
            self.errors[f"{kind}: {type(exc).__name__}"] += 1

    def _do(self, kind: str, fn: Callable[[], object]):
        try:
            ms, out = timed(fn)
        except Exception as exc:  # counted, the seat goes on (a person retries)
            self.failed(kind, exc)
            return None
        self.record(kind, ms)
        return out

    # a seat: a role's boxes read, and its own cases carried forward
    def seat(self, i: int) -> None:
        from seatdesk.models.queues import CaseFilter, box_counts, boxes_for, fetch_page
        from seatdesk.workflow import services as sd
        from seatdesk.workflow.queries import case_detail

        rng = random.Random(self.seed * 1000 + i)
        role = ("acceptor", "shift_lead", "dispatcher")[i % 3]
        viewer, actor = self.who.viewers[role], self.who.actors[role]
        boxes = [b.key for b in boxes_for(role)]
        texts = ("垃圾", "井盖", "路灯", "占道", "噪音", "积水")
        sorts = (None, None, None, ("number", True), ("deadline", True), ("address", False))
        acts = self.who.actors
        mine: list = []  # [case_id, version, next step]
        seat = f"坐席{i + 1:02d}"
        last_ids: list[int] = []
        time.sleep(rng.uniform(0, self.think_s))
        while not self.stop.is_set():
            u = rng.random()
            if u < 0.55:
                box = rng.choice(boxes)
                sort = rng.choice(sorts) if box == "all" else None

                def page(box=box, sort=sort):
                    with self.sessions() as s:
                        return fetch_page(s, box, None, sort, limit=PAGE, viewer=viewer)
                p = self._do("seat: work box page", page)
                if p is not None and p.rows:
                    last_ids = [r.id for r in p.rows]
            elif u < 0.65:
                f = CaseFilter(text=rng.choice(texts))

                def search(f=f):
                    with self.sessions() as s:
                        return fetch_page(s, "all", f, None, limit=PAGE, viewer=viewer)
                self._do("seat: text search page", search)
            elif u < 0.72:
                def counts():
                    with self.sessions() as s:
                        return box_counts(s, viewer)
                self._do("seat: box counts", counts)
            elif u < 0.82 and last_ids:
                cid = rng.choice(last_ids)

                def detail(cid=cid):
                    with self.sessions() as s:
                        return case_detail(s, actor, cid)
                self._do("seat: case detail", detail)
            else:
                self._step(rng, mine, acts, seat, sd)
            time.sleep(rng.expovariate(1 / self.think_s))

    def _step(self, rng, mine: list, acts: dict, seat: str, sd) -> None:
        """One workflow action on the seat's own case, in turn: 登记 (a 12319 call),
        派核实, 核实 (as the supervisor's handset would), 受理, 立案, 派遣."""
        from dataclasses import replace

        who = self.who
        if not mine:
            x0, y0, x1, y1 = rng.choice(who.cells)
            report = sd.Report(source="hotline_12319", lon=rng.uniform(x0, x1),
                               lat=rng.uniform(y0, y1), description="市民反映路边垃圾满溢",
                               class_id=who.class_id,
                               caller_phone=f"139{rng.randrange(10**8):08d}")
            c = self._do("workflow: 登记 register", lambda: sd.register(
                self.wf, replace(acts["acceptor"], seat=seat), report))
            if c is not None:
                mine[:] = [c.case_id, c.version, "send"]
            return
        case_id, version, step = mine
        calls = {
            "send": ("workflow: 派核实 send_verification", "acceptor", "verify",
                     lambda a: sd.send_verification(self.wf, a, case_id, version,
                                                    supervisor_id=acts["supervisor"].user_id)),
            "verify": ("workflow: 核实 verify", "supervisor", "accept",
                       lambda a: sd.verify(self.wf, a, case_id, version, confirmed=True)),
            "accept": ("workflow: 受理 accept", "acceptor", "file",
                       lambda a: sd.accept(self.wf, a, case_id, version)),
            "file": ("workflow: 立案 file", "shift_lead", "dispatch",
                     lambda a: sd.file(self.wf, a, case_id, version,
                                       condition_id=who.condition_id)),
            "dispatch": ("workflow: 派遣 dispatch", "dispatcher", None,
                         lambda a: sd.dispatch(self.wf, a, case_id, version,
                                               department_id=who.department_id)),
        }
        kind, role, nxt, call = calls[step]
        c = self._do(kind, lambda: call(replace(acts[role], seat=seat)))
        if c is None or nxt is None:
            mine.clear()
        else:
            mine[:] = [case_id, c.version, nxt]

    def wall(self, i: int) -> None:
        from seatdesk.evaluation.wall_data import wall_snapshot
        from seatdesk.workflow.worktime import WorkCalendar

        with self.reads() as session:
            cal = WorkCalendar.from_session(session)
        time.sleep(random.Random(i).uniform(0, self.wall_every_s))
        while not self.stop.is_set():
            def refresh():
                with self.reads() as s:
                    return wall_snapshot(s, dt.datetime.now(dt.UTC), cal)
            self._do("wall: refresh (read URL)", refresh)
            self.stop.wait(self.wall_every_s)

    def run(self, log=print) -> dict:
        postmaster = postgres_pids(self.url)
        threads = [threading.Thread(target=self.seat, args=(i,), daemon=True)
                   for i in range(self.seats)]
        threads += [threading.Thread(target=self.wall, args=(i,), daemon=True)
                    for i in range(self.walls)]
        lags, loads = [], []
        cpu0, t0 = cpu_seconds(postmaster), time.perf_counter()
        for t in threads:
            t.start()
        deadline = t0 + self.seconds
        while time.perf_counter() < deadline:
            time.sleep(min(5.0, max(0.0, deadline - time.perf_counter())))
            try:
                with self.engine.connect() as conn:
                    lags.append(tuple(float(x) for x in conn.execute(LAG_SQL).one()))
            except Exception as exc:
                self.failed("lag probe", exc)
            loads.append(os.getloadavg())
            with self.lock:
                done = sum(len(v) for v in self.lat.values())
            log(f"   {time.perf_counter() - t0:5.0f} s: {done:,} operations, "
                f"lag {lags[-1][0] / 1e3 if lags else float('nan'):,.0f} kB, load {load()}")
        self.stop.set()
        for t in threads:
            t.join(timeout=120)
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds(postmaster) - cpu0
        self.reads.dispose()
        self.engine.dispose()
        kinds = {}
        for kind, ms in sorted(self.lat.items()):
            a = np.array(ms)
            kinds[kind] = {"n": len(ms), "per_s": len(ms) / elapsed,
                           "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
                           "p99": float(np.percentile(a, 99)), "max": float(a.max())}
        lag_b = [x[0] for x in lags] or [0.0]
        lag_s = [float(x[1]) for x in lags] or [0.0]
        return {"seconds": elapsed, "ops": sum(k["n"] for k in kinds.values()),
                "kinds": kinds, "errors": dict(self.errors),
                "cpu_core_pct": 100 * cpu / elapsed, "cpu_machine_pct":
                100 * cpu / elapsed / (os.cpu_count() or 1),
                "lag_bytes_max": max(lag_b), "lag_bytes_median": statistics.median(lag_b),
                "lag_s_max": max(lag_s), "lag_s_median": statistics.median(lag_s),
                "replicas": max((x[2] for x in lags), default=0),
                "load_min": min(x[0] for x in loads) if loads else None,
                "load_max": max(x[0] for x in loads) if loads else None}


def sim_markdown(r: dict, seats: int, walls: int, minutes: float) -> str:
    out = [f"{seats} seats + {walls} walls for {r['seconds'] / 60:.1f} min: "
           f"{r['ops']:,} operations, {r['ops'] / r['seconds']:.1f}/s; primary's postgres CPU "
           f"{r['cpu_core_pct']:.0f} % of one core ({r['cpu_machine_pct']:.0f} % of the "
           f"machine); replica lag median {r['lag_bytes_median'] / 1e3:,.0f} kB / "
           f"{r['lag_s_median']:.2f} s, worst {r['lag_bytes_max'] / 1e3:,.0f} kB / "
           f"{r['lag_s_max']:.2f} s ({r['replicas']} replica streaming); 1-min load "
           f"{r['load_min']:.1f}–{r['load_max']:.1f}", "",
           "| operation | n | per s | p50 ms | p95 ms | p99 ms | max ms |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for kind, k in r["kinds"].items():
        out.append(f"| {kind} | {k['n']:,} | {k['per_s']:.2f} | {k['p50']:.0f} | {k['p95']:.0f}"
                   f" | {k['p99']:.0f} | {k['max']:.0f} |")
    if r["errors"]:
        out.append("")
        out.append("errors: " + ", ".join(f"{k} × {v}" for k, v in r["errors"].items()))
    return "\n".join(out)


# -- the whole run -------------------------------------------------------------------------
def goals(url: str, read_url: str | None, res: Results, runs: int = 5,
          eval_runs: int = 2) -> dict:
    """Every single-figure goal on the database at ``url`` (reads at ``read_url``)."""
    from bench.scale_world import bounds
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.models.replica import ReadRouter

    engine = make_engine(url)
    sessions = session_factory(engine)
    reads = ReadRouter.for_url(sessions, read_url)
    try:
        with sessions() as session:
            who = people(session)
        out = {"pages": measure_pages(sessions, who.viewers["shift_lead"], runs, res),
               "viewport": measure_viewport(sessions, bounds(), res=res),
               "kpis": measure_kpis(reads, res=res),
               "evaluation": measure_evaluation(reads, eval_runs, res=res),
               "ledger": measure_ledger(sessions, res=res)}
    finally:
        reads.dispose()
        engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bench_scale", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=10_000_000)
    p.add_argument("--components", type=int, default=12_000_000)
    p.add_argument("--days", type=int, default=365, help="the cases' reporting span")
    p.add_argument("--seats", type=int, default=50)
    p.add_argument("--walls", type=int, default=10)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--think", type=float, default=3.0, help="a seat's mean pause (s)")
    p.add_argument("--wall-every", type=float, default=10.0, help="a wall's refresh period (s)")
    p.add_argument("--runs", type=int, default=5, help="timings per page")
    p.add_argument("--eval-runs", type=int, default=2, help="monthly evaluations timed")
    p.add_argument("--database", help="a primary's URL (default: start one in --primary-dir)")
    p.add_argument("--read-database", help="its replica's URL (default: start one)")
    p.add_argument("--primary-dir", default=".pgscale")
    p.add_argument("--replica-dir", default=".pgscale-replica")
    p.add_argument("--port", type=int, default=56310)
    p.add_argument("--replica-port", type=int, default=56311)
    p.add_argument("--name", help="database name (default seatdesk_scale_<cases>)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--reuse", action="store_true", default=True,
                   help="reuse a database that holds the cases (default)")
    g.add_argument("--fresh", action="store_true", help="generate the database again")
    p.add_argument("--generate-only", action="store_true")
    p.add_argument("--no-sim", action="store_true", help="skip the seats and walls")
    a = p.parse_args(argv)
    from seatdesk.config import normalise_url

    print(f"bench_scale: {a.cases:,} cases, {a.components:,} components; load {load()}",
          flush=True)
    base = normalise_url(a.database) if a.database else start_primary(a.primary_dir, a.port)
    log = lambda m: print(m, flush=True)  # noqa: E731
    url, gen = prepare(base, a.cases, a.components, a.days, a.fresh, log, a.name)
    name = a.name or db_name(a.cases)
    read_base = a.read_database
    if read_base is None and not a.database:
        started = time.perf_counter()
        read_base = start_replica(a.replica_dir, a.replica_port, a.primary_dir)
        gen["replica: pg_basebackup + start"] = time.perf_counter() - started
        log(f"replica {read_base} ({gen['replica: pg_basebackup + start']:.0f} s)")
    read_url = common.database_url(normalise_url(read_base), name) if read_base else None
    sizes = {"primary": server_size(base)}
    if read_base:
        sizes["replica"] = server_size(normalise_url(read_base))
    sizes["tables"] = table_sizes(url)
    log(f"sizes (GB): {json.dumps(sizes, indent=1)}")
    report = {"cases": a.cases, "components": a.components, "generation_s": gen,
              "sizes": sizes, "load_start": load(),
              "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if not a.generate_only:
        if read_url:
            _wait_replica(url, read_url, log)
        res = Results(log=log)
        log(f"== goals (load {load()})")
        goals(url, read_url, res, a.runs, a.eval_runs)
        report["goals"] = res.rows
        sim_md = ""
        if not a.no_sim:
            log(f"== {a.seats} seats + {a.walls} walls for {a.minutes} min (load {load()})")
            sim = Sim(url, read_url, a.seats, a.walls, a.minutes, a.think, a.wall_every).run(log)
            report["sim"] = sim
            sim_md = sim_markdown(sim, a.seats, a.walls, a.minutes)
        report["load_end"] = load()
        print("\n## bench_scale results\n")
        print(f"{a.cases:,} cases, {a.components:,} components; load at start "
              f"{report['load_start']}, at end {report['load_end']}\n")
        print(res.markdown())
        if sim_md:
            print("\n" + sim_md)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(json.dumps(report, ensure_ascii=False, indent=1,
                                               default=str))
    return 0


def _wait_replica(url: str, read_url: str, log, timeout: float = 900) -> None:
    """Until the replica has replayed what the primary has written (after a fresh copy)."""
    from seatdesk.models.db import make_engine

    primary, replica = make_engine(url), make_engine(read_url)
    started = time.perf_counter()
    try:
        with primary.connect() as conn:
            target = conn.scalar(text("SELECT pg_current_wal_insert_lsn()::text"))
        while time.perf_counter() - started < timeout:
            with replica.connect() as conn:
                if conn.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:l AS pg_lsn)"),
                               {"l": target}):
                    log(f"replica caught up ({time.perf_counter() - started:.0f} s)")
                    return
            time.sleep(2)
        log("replica did not catch up: figures on it are read while it replays")
    finally:
        primary.dispose()
        replica.dispose()


def run(report, database_url: str, cases: int = 100_000, components: int = 1_000_000) -> None:
    """For ``python -m bench --only bench_scale`` (not in its default list): the goals on
    the bench server, reads on the primary (no replica there)."""
    url, _ = prepare(database_url, cases, components, 365)
    res = Results(log=lambda m: None)
    goals(url, None, res)
    for r in res.rows:
        report(f"scale: {r['goal']}: {r['what']}", r["app_ms"], "ms", r["target"])
        report(f"scale: {r['goal']}: {r['what']} — bare SQL", r["bare_ms"], "ms", "")


if __name__ == "__main__":
    raise SystemExit(main())
