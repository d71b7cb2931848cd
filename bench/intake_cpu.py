"""CPU per intake registration without HTTP: the server's own functions (token check,
``intake.register``; partner key, ``open311.create``) called from one thread, with the
process's CPU time (``time.process_time``) per report — a steadier figure than the
HTTP benchmark's on a loaded machine, for before/after comparisons of the workflow.

    python bench/intake_cpu.py URL [N] [--live] [--profile] [--logins] [--supervisors=K]
                               [--pgstat] [--hot]

``--hot`` puts every report within 100 m of one point (``bench_intake``'s hot spot: the
duplicate search finds and scores the open reports around it, more with every report).
``--live`` starts the reference cache's NOTIFY listener (as ``seatdesk serve`` does);
``--profile`` prints a cProfile (CPU time) of each path. Not part of ``make bench``.

PostgreSQL's side of each path: the CPU of the server's processes (the postmaster and
its backends, /proc) per report is always printed. ``--logins`` gives every user its own
login (``seatdesk db logins``), so each unit of work runs ``SET LOCAL ROLE`` to the
acting user's login with row-level security and the ledger's triggers on, as a
production server connected as its intake login does (without it, the server's own
connection acts, as in ``bench_intake``); ``--supervisors=K`` spreads the handset
reports over K supervisors (K tokens, K logins). ``--pgstat`` needs a server started
with ``shared_preload_libraries=pg_stat_statements``, ``pg_stat_statements.track_planning
= on``, ``pg_stat_statements.track = all`` and ``track_functions = all``: it resets the
statistics after the warm-up and prints per report the statements' planning and
execution time, how often each was planned, and the functions' (triggers') time.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import os
import pstats
import random
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.bench_intake import (  # noqa: E402
    CITY,
    HOT_SPOT,
    PASSWORD,
    _cpu_seconds,
    _postmaster,
    logins,
    pg_processes,
    prepare,
    supervisors,
)


def main(argv: list[str]) -> None:
    from sqlalchemy.orm import Session

    from seatdesk.config import normalise_url
    from seatdesk.models.db import make_engine
    from seatdesk.server import intake
    from seatdesk.server.auth import checked, digest, field_grant, partner_principal, sign_in
    from seatdesk.server.identity import DatabaseIdentity
    from seatdesk.server.open311.create import NewRequest, create
    from seatdesk.workflow import services as sd

    args = [a for a in argv if not a.startswith("--")]
    count = int(args[1]) if len(args) > 1 else 300
    base = normalise_url(args[0])
    name = f"sd_intake_cpu_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    try:
        key, service, point = prepare(url)
        names = supervisors(url, _option(argv, "--supervisors", 1))
        if "--logins" in argv:
            logins(url)
        engine = make_engine(url)
        wf = sd.Workflow(engine)
        wf.one_statement = True  # as the server's (app.create_app)
        postmaster = _postmaster(url)
        identity = DatabaseIdentity(wf)
        if "--live" in argv:
            wf.lookups.listen(url)
            wf.lookups.wait_live(30)
        tokens = []
        for username in names:
            with Session(engine) as s:
                tokens.append(sign_in(s, username, PASSWORD, "cpu", dt.datetime.now(dt.UTC),
                                      dt.timedelta(hours=1))[0])
                s.commit()
        turn = iter(range(10 ** 9))
        spread = HOT_SPOT if "--hot" in argv else CITY
        random.seed(7)  # the same points for every tree compared

        def around() -> tuple[float, float]:
            return (point[0] + random.uniform(-spread, spread),
                    point[1] + random.uniform(-spread, spread))

        def grant(token):
            with Session(engine) as s:
                return field_grant(s, digest(token))

        def field() -> None:  # the token as the server's field_user keeps it
            token = tokens[next(turn) % len(tokens)]
            me = checked(wf.lookups.get(("field", digest(token)), lambda: grant(token)),
                         dt.datetime.now(dt.UTC))
            lon, lat = around()
            intake.register(identity, me, sd.Report(source="patrol", lon=lon, lat=lat,
                                                     description="压测：井盖破损"),
                            intake.intake_key("field", str(me.user_id), uuid.uuid4().hex))

        def partner():
            with Session(engine) as s:
                return partner_principal(s, key, "open311")

        def open311() -> None:  # the partner key as the server's check_partner keeps it
            who = wf.lookups.get(("partner", digest(key), "open311"), partner)
            lon, lat = around()
            create(identity, who, NewRequest(service_code=service, lat=str(lat), long=str(lon),
                                             description="压测：垃圾满溢"), ())

        for label, run in (("field", field), ("open311", open311)):
            for _ in range(30):
                run()  # warm up: compiled statements, pools, prepared statements
            profile = cProfile.Profile(time.process_time) if "--profile" in argv else None
            if "--pgstat" in argv:
                _pgstat_reset(url)
            pg, processes = _cpu_seconds(postmaster), pg_processes(postmaster)
            cpu, wall = time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            for _ in range(count):
                run()
            if profile:
                profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            pg = _cpu_seconds(postmaster) - pg
            print(f"{label}: CPU {1000 * cpu / count:.2f} ms/report, "
                  f"wall {1000 * wall / count:.2f} ms/report, "
                  f"PostgreSQL CPU {1000 * pg / count:.2f} ms/report", flush=True)
            _print_processes(url, processes, pg_processes(postmaster), count)
            if "--pgstat" in argv:
                _pgstat_print(url, count)
            if profile:
                stats = pstats.Stats(profile)
                stats.sort_stats("cumulative").print_stats(50)
                stats.sort_stats("tottime").print_stats(25)  # the functions' own time
        wf.lookups.stop()
        engine.dispose()
    finally:
        common.drop(base, name)


def _option(argv: list[str], name: str, default: int) -> int:
    return next((int(a.split("=", 1)[1]) for a in argv if a.startswith(name + "=")), default)


def _print_processes(url: str, before: dict[int, float], after: dict[int, float],
                     count: int) -> None:
    """PostgreSQL's CPU per report by kind of process (pg_stat_activity): the sessions
    that ran the registrations, the NOTIFY listener, the background processes."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            kinds = {pid: (kind if kind != "client backend" else
                           "listener" if (query or "").lstrip().upper().startswith("LISTEN")
                           else f"client ({db or '-'})")
                     for pid, kind, query, db in conn.execute(text(
                         "SELECT pid, backend_type, query, datname FROM pg_stat_activity"))}
    finally:
        engine.dispose()
    groups: dict[str, float] = {}
    for pid, seconds in after.items():
        kind = kinds.get(pid, "ended or other")
        groups[kind] = groups.get(kind, 0.0) + seconds - before.get(pid, 0.0)
    print("  PostgreSQL CPU by process: " + "; ".join(
        f"{k} {1000 * v / count:.2f} ms" for k, v in sorted(groups.items(), key=lambda i: -i[1])
        if v > 0))


def _pgstat_reset(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            conn.execute(text("SELECT pg_stat_statements_reset(), pg_stat_reset()"))
    finally:
        engine.dispose()


def _pgstat_print(url: str, count: int) -> None:
    """pg_stat_statements and pg_stat_user_functions of this database since the reset,
    per report: planning and execution (ms), plans and calls."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(  # summed over the users (an entry per role)
                "SELECT sum(s.plans) AS plans, sum(s.total_plan_time) AS total_plan_time,"
                " sum(s.calls) AS calls, sum(s.total_exec_time) AS total_exec_time,"
                " s.toplevel, regexp_replace(left(s.query, 90), '\\s+', ' ', 'g') AS q"
                " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
                " WHERE d.datname = current_database() GROUP BY s.toplevel, s.queryid, q"
                " ORDER BY sum(s.total_plan_time + s.total_exec_time) DESC")).all()
            functions = conn.execute(text(
                "SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions"
                " ORDER BY total_time DESC")).all()
    finally:
        engine.dispose()
    top = [r for r in rows if r.toplevel]
    plan = sum(r.total_plan_time for r in top) / count
    run = sum(r.total_exec_time for r in top) / count
    print(f"  top-level statements: plan {plan:.3f} ms/report, exec {run:.3f} ms/report, "
          f"{sum(r.plans for r in top) / count:.1f} plans and "
          f"{sum(r.calls for r in top) / count:.1f} calls/report")
    print("  plan ms  exec ms  plans  calls (per report) top  statement")
    for r in rows[:25]:
        print(f"  {r.total_plan_time / count:7.3f} {r.total_exec_time / count:8.3f} "
              f"{r.plans / count:6.2f} {r.calls / count:6.2f} {'T' if r.toplevel else '-':>4}"
              f"  {r[5]}")
    for f in functions:
        print(f"  function {f.funcname}: {f.calls / count:.2f} calls, "
              f"total {f.total_time / count:.3f} ms, self {f.self_time / count:.3f} ms"
              " per report")


if __name__ == "__main__":
    main(sys.argv[1:])
