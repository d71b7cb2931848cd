"""Prototype, not product: would a handset registration done as ONE database call reach
0.3 × the bare pattern? (issue #14; docs/performance.md, 2026-12-06 19:00 section)

Today a handset report through ``seatdesk serve`` costs PostgreSQL six round trips:
``_first_statement`` (BEGIN, the replay check + the day's number + the grid cell, COMMIT:
one pipelined round trip), then the registration's transaction (BEGIN, the case INSERT,
the ledger row INSERT, the duplicate search, COMMIT: five). Here ``proto_register``, a
PL/pgSQL function this bench creates in its scratch database (no migration, nothing in
``seatdesk/`` changes), does the same statements server-side for one report: the replay
check (``seatdesk_intake_replay``), the day's number (``seatdesk_next_case_serial``), the
cell with its community/street/district, the case INSERT with the same columns, the
ledger row INSERT, the duplicate search (``seatdesk_case_candidates``, the call seatdesk
sends), and returns the case's id and number and the candidates' rows. The ledger hash
is a sha256 computed in SQL over a payload built in SQL with the same fields as
``actions.record``'s (about the same size): it stands in for Python's hash and is not
byte-identical. Run as the tables' owner (the bench server's connection, as
``bench_intake``'s seatdesk: no per-user login), the real triggers on.

Servers (2 uvicorn workers each, ``bench/intake_floor.py``'s setup and wrk load):

- ``http``, ``bare``: ``intake_floor``'s floor (no database; the bare pattern);
- ``onecall``: the same FastAPI endpoint, one ``SELECT * FROM proto_register(...)`` on a
  pooled autocommit psycopg connection: one round trip, one transaction — the day's
  counter row stays locked from ``seatdesk_next_case_serial`` to that COMMIT, i.e.
  through both INSERTs, their triggers and the duplicate search;
- ``onelate``: the same call, the duplicate search moved before the number, so the
  counter row is locked for the two INSERTs, their triggers and COMMIT only;
- ``twocall``: the counter first in its own autocommit statement (the replay check and
  ``seatdesk_next_case_serial``, locked for that statement only, as seatdesk splits it),
  then ``proto_register`` with the serial given: two round trips;
- ``seatdesk``: ``seatdesk serve`` itself;

then the bare pattern (8 processes, no HTTP). What the endpoint does in Python besides:
the pydantic model, the day prefix and the step deadline from the working calendar
(``prefix_in``, ``WorkCalendar.add``: 30 working minutes, the sample's limit for
待受理), the duplicate search's degree box (``degree_box``). What it omits of seatdesk's
work: the token check, the rate limit, the access log, the acting role, the Python
scoring of duplicate candidates (the rows are returned unscored), the retries on a
concurrent twin or a taken number (an error here is a 500, counted as not 201).

    python bench/proto_one_call.py URL [MODE ...]   (default: http bare onecall onelate twocall
                                                     seatdesk; the bare pattern last)
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import os
import queue
import sys
import threading
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_intake, common, intake_floor
from bench.intake_floor import CONNECTIONS, ENV, Report

SEAT = "城管通/bench"

#: the prototype: one report's registration in one call (created by ``run``, not a
#: migration). ``p_serial`` given: the day's number was taken before (``twocall``);
#: ``p_late``: the duplicate search before the number, so the counter row is locked for
#: the two INSERTs (and their triggers) only, not the search too (``onelate``).
FUNCTION = r"""
CREATE OR REPLACE FUNCTION proto_register(
    p_key text, p_day text, p_lon float8, p_lat float8, p_description text,
    p_reporter integer, p_seat text, p_now timestamptz, p_step_deadline timestamptz,
    p_radius float8, p_min_lon float8, p_min_lat float8, p_max_lon float8, p_max_lat float8,
    p_states text[], p_serial integer, p_late boolean,
    OUT o_id integer, OUT o_number text, OUT o_replayed boolean, OUT o_duplicates jsonb)
LANGUAGE plpgsql AS $fn$
DECLARE
    found record;
    cell record;
    payload text;
    digest text;
    zero text := repeat('0', 64);
BEGIN
    -- the replay check of the report's key (the function _first_statement calls)
    SELECT r.id, r.number INTO found FROM public.seatdesk_intake_replay(p_key) r;
    IF found.id IS NOT NULL THEN
        o_id := found.id; o_number := found.number; o_replayed := true;
        o_duplicates := '[]';
        RETURN;
    END IF;
    o_replayed := false;
    -- the day's number: the counter row is locked from here to COMMIT
    IF NOT p_late THEN
        o_number := p_day || lpad(COALESCE(
            p_serial, public.seatdesk_next_case_serial(p_day))::text, 6, '0');
    END IF;
    -- the grid cell and its place units (spatial_postgis.cell_at_query's joins)
    SELECT g.id, g.zone,
           CASE 'community' WHEN a0.level THEN a0.id WHEN a1.level THEN a1.id
                            WHEN a2.level THEN a2.id END AS community_id,
           CASE 'street' WHEN a0.level THEN a0.id WHEN a1.level THEN a1.id
                         WHEN a2.level THEN a2.id END AS street_id,
           CASE 'district' WHEN a0.level THEN a0.id WHEN a1.level THEN a1.id
                           WHEN a2.level THEN a2.id END AS district_id
      INTO cell
      FROM grid_cells g
      LEFT JOIN admin_units a0 ON a0.id = g.community_id
      LEFT JOIN admin_units a1 ON a1.id = a0.parent_id
      LEFT JOIN admin_units a2 ON a2.id = a1.parent_id
     WHERE ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326))
     ORDER BY g.code COLLATE "C" LIMIT 1;
    IF p_late THEN  -- the duplicate search first, the number last: locked for the INSERTs
      SELECT COALESCE(jsonb_agg(jsonb_build_array(c.id, c.number, c.state, c.class_id,
               c.component_id, c.reported_at, c.closed_at, c.description, c.address,
               c.distance_m) ORDER BY c.ordinality), '[]')
      INTO o_duplicates
      FROM public.seatdesk_case_candidates(p_lon, p_lat, p_radius, p_min_lon, p_min_lat,
                                           p_max_lon, p_max_lat, p_states)
           WITH ORDINALITY AS c
     WHERE c.id IS DISTINCT FROM o_id;
        o_number := p_day || lpad(COALESCE(
            p_serial, public.seatdesk_next_case_serial(p_day))::text, 6, '0');
    END IF;
    -- the ledger row's payload (actions.record's fields) and a sha256 standing in for
    -- the hash Python computes (same work in kind and size, not byte-identical)
    payload := jsonb_build_object(
        'args', jsonb_build_object('attachments', '[]'::jsonb, 'component_code', NULL,
                                   'source', 'patrol'),
        'set', jsonb_build_object(
            'address', '', 'callback_wanted', false, 'caller_name', '', 'caller_phone', '',
            'closure_condition', '', 'description', p_description,
            'extension_count', 0, 'intake_key', p_key, 'lat', p_lat, 'lon', p_lon,
            'merged_count', 0, 'number', o_number, 'pending_request', '',
            'reported_at', p_now, 'reporter_id', p_reporter, 'return_count', 0,
            'rework_count', 0, 'source', 'patrol', 'state', 'reported',
            'step_deadline_at', p_step_deadline, 'step_started_at', p_now,
            'suspended_seconds', 0, 'updated_at', p_now, 'urgency', 'normal',
            'verification', '', 'zone', COALESCE(cell.zone, ''),
            'grid_cell_id', cell.id, 'community_id', cell.community_id,
            'street_id', cell.street_id, 'district_id', cell.district_id))::text;
    digest := encode(sha256(convert_to(concat_ws('|', zero, o_number, 1, p_now, p_reporter,
        'supervisor', p_seat, 'register', '', 'reported', '', payload), 'UTF8')), 'hex');
    -- the case row: the columns seatdesk's INSERT sends (and the cell's when it has one)
    INSERT INTO cases (number, version, state, source, urgency, lon, lat, geom, zone,
        address, description, reporter_id, caller_name, caller_phone, callback_wanted,
        closure_condition, reported_at, verification, step_started_at, step_deadline_at,
        suspended_seconds, rework_count, return_count, extension_count, merged_count,
        pending_request, ledger_head, ledger_seq, ledger_since, updated_at, intake_key,
        grid_cell_id, community_id, street_id, district_id)
    VALUES (o_number, 1, 'reported', 'patrol', 'normal', p_lon, p_lat,
        ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326), COALESCE(cell.zone, ''), '',
        p_description, p_reporter, '', '', false, '', p_now, '', p_now, p_step_deadline,
        0, 0, 0, 0, 0, '', digest, 1, p_now, p_now, p_key,
        cell.id, cell.community_id, cell.street_id, cell.district_id)
    RETURNING id INTO o_id;
    -- its first ledger row (the triggers: callbacks' outbox, NOTIFY seatdesk_cases)
    INSERT INTO case_ledger (case_id, seq, at, actor_id, actor_role, seat, action,
        from_state, to_state, reason, payload, prev_hash, hash)
    VALUES (o_id, 1, p_now, p_reporter, 'supervisor', p_seat, 'register', '', 'reported',
        '', payload, zero, digest);
    -- the duplicate search: the call seatdesk sends (duplicates._candidate_rows), its rows
    IF NOT p_late THEN
      SELECT COALESCE(jsonb_agg(jsonb_build_array(c.id, c.number, c.state, c.class_id,
               c.component_id, c.reported_at, c.closed_at, c.description, c.address,
               c.distance_m) ORDER BY c.ordinality), '[]')
      INTO o_duplicates
      FROM public.seatdesk_case_candidates(p_lon, p_lat, p_radius, p_min_lon, p_min_lat,
                                           p_max_lon, p_max_lat, p_states)
           WITH ORDINALITY AS c
     WHERE c.id IS DISTINCT FROM o_id;
    END IF;
END
$fn$
"""
CALL = ("SELECT o_id, o_number, o_replayed, o_duplicates FROM proto_register("
        + ", ".join(["%s"] * 17) + ")")
#: ``twocall``'s first statement: the replay check, and the day's number for a new key
FIRST = ("SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM public.seatdesk_intake_replay(%s))"
         " THEN public.seatdesk_next_case_serial(%s) END")


def build():
    """The prototype's app for uvicorn's factory (``ENV`` as ``intake_floor``'s)."""
    import anyio.to_thread
    from fastapi import FastAPI

    from seatdesk.models.spatial import degree_box
    from seatdesk.workflow.duplicates import CANDIDATE_STATES
    from seatdesk.workflow.numbering import prefix_in

    setting = json.loads(os.environ[ENV])
    mode = setting["mode"]
    pool: queue.Queue = queue.Queue()
    facts: dict = {}
    states = [str(s) for s in CANDIDATE_STATES]

    async def lifespan(app):
        from sqlalchemy import select

        from seatdesk.models import User
        from seatdesk.models.db import make_engine, session_factory
        from seatdesk.workflow.context import WorkflowSettings
        from seatdesk.workflow.worktime import WorkCalendar

        anyio.to_thread.current_default_thread_limiter().total_tokens = CONNECTIONS
        engine = make_engine(setting["url"])
        try:
            with session_factory(engine)() as s:
                facts["calendar"] = WorkCalendar.from_session(s)
                facts["radius"] = float(WorkflowSettings.load(s).duplicate_radius_m)
                facts["reporter"] = s.scalar(
                    select(User.id).where(User.username == "sample_supervisor"))
        finally:
            engine.dispose()
        with intake_floor.pooled(setting["url"], pool, autocommit=True):
            yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/field/v1/reports", status_code=201)
    def report(body: Report) -> dict:
        cal, reporter = facts["calendar"], facts["reporter"]
        now = dt.datetime.now(dt.UTC)
        lon, lat = float(body.lon), float(body.lat)
        key, day = f"field:{reporter}:{body.report_id}", prefix_in(cal, now)
        box = degree_box(lon, lat, facts["radius"])
        conn = pool.get()
        try:
            serial = None
            if mode == "twocall":  # the counter's own statement: its lock ends with it
                serial = conn.execute(FIRST, (key, day), prepare=True).fetchone()[0]
            row = conn.execute(CALL, (
                key, day, lon, lat, body.description.strip(), reporter, SEAT, now,
                cal.add(now, 30, "working_minutes"), facts["radius"], box.min_lon,
                box.min_lat, box.max_lon, box.max_lat, states, serial, mode == "onelate"),
                prepare=True).fetchone()
        finally:
            pool.put(conn)
        return {"case_id": row[0], "number": row[1], "state": "reported", "version": 1,
                "replayed": row[2], "photos": 0, "duplicates": row[3]}

    return app


MODES = ("http", "bare", "onecall", "onelate", "twocall", "seatdesk")
WHAT = {"http": "HTTP + FastAPI + thread hop, no database",
        "bare": "the same + the bare pattern on a pooled connection",
        "onecall": "the same + proto_register, one round trip",
        "onelate": "the same + proto_register, the number taken last",
        "twocall": "the same + the counter's statement, then proto_register",
        "seatdesk": "seatdesk serve, the handset report"}


def run(report, database_url: str, modes=MODES,
        seconds: float = bench_intake.SECONDS) -> None:
    from sqlalchemy import text

    from seatdesk.config import normalise_url

    base = normalise_url(database_url)
    name = f"sd_bench_onecall_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    load_before = os.getloadavg()
    try:
        _key, _service, point = bench_intake.prepare(url)
        with common._engine(url, isolation_level="AUTOCOMMIT") as engine, \
                engine.connect() as conn:
            conn.execute(text(FUNCTION))
        postmaster = bench_intake._postmaster(url)
        out = {}
        for mode in modes:
            port = bench_intake._free_port()
            if mode == "seatdesk":
                server = bench_intake.start_server(url, port, bench_intake.WORKERS)
            else:
                factory = ("bench.intake_floor:build" if mode in ("http", "bare")
                           else "bench.proto_one_call:build")
                server = intake_floor.start_floor(url, mode, point, port, factory)
            server.base = f"http://127.0.0.1:{port}"
            try:
                token = (asyncio.run(intake_floor._token(server.base))
                         if mode == "seatdesk" else "floor")
                with _LockWaits(url) as waits:
                    out[mode] = intake_floor.phase(server, postmaster, token, point, seconds)
                out[mode]["waits"] = waits.mean()
            finally:
                server.terminate()
                server.wait(30)
        bare = bench_intake.bare_rate(url, point, seconds)
        floor = out.get("bare", {}).get("rate", 0.0)
        for mode, got in out.items():
            report(f"{mode}: reports/s ({WHAT[mode]})", got["rate"], "1/s", "")
            report(f"{mode}: ÷ the bare pattern", got["rate"] / bare if bare else 0.0,
                   "ratio", "" if mode in ("http", "bare") else ">= 0.3")
            if floor and mode not in ("http", "bare"):
                report(f"{mode}: ÷ FastAPI + bare", got["rate"] / floor, "ratio", "")
            report(f"{mode}: server CPU per report (all workers)", got["server"], "ms", "")
            report(f"{mode}: PostgreSQL CPU per report", got["pg"], "ms", "")
            report(f"{mode}: answers not 201", float(got["bad"]), "count", "0")
            report(f"{mode}: backends waiting on a lock (mean of samples)", got["waits"][0],
                   "count", "")
            report(f"{mode}: backends active (mean of samples)", got["waits"][1], "count",
                   got["waits"][2])
        report("bare pattern reports/s (8 writer processes, no HTTP)", bare, "1/s",
               "reference")
        report("load average (1 min) before the run", load_before[0], "", "")
        report("load average (1 min) after the run", os.getloadavg()[0], "", "")
    finally:
        common.drop(base, name)


class _LockWaits:
    """Samples ``pg_stat_activity`` every 50 ms while a phase runs: how many of the
    database's backends wait on a heavyweight lock (the day's counter row: a tuple or
    transactionid lock; an ``object`` lock with its catalog: ``pg_database`` is the lock
    a notifying transaction takes at COMMIT), and how many are active. Its own queries cost PostgreSQL
    about 20 small statements a second (in the phase's PostgreSQL CPU)."""

    SQL = ("SELECT count(*) FILTER (WHERE a.wait_event_type = 'Lock'),"
           " count(*) FILTER (WHERE a.state = 'active'),"
           " string_agg(a.wait_event || COALESCE('/' || l.classid::regclass::text, ''), ',')"
           " FILTER (WHERE a.wait_event_type = 'Lock')"
           " FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted"
           " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()")

    def __init__(self, url: str):
        self.url, self.samples = url, []
        self.stop = threading.Event()

    def __enter__(self):
        import psycopg
        from sqlalchemy.engine import make_url

        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while not self.stop.wait(0.05):
            self.samples.append(self.conn.execute(self.SQL).fetchone())

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.conn.close()

    def mean(self) -> tuple[float, float, str]:
        """Mean backends waiting on a lock, mean active, and the locks waited for."""
        n = max(len(self.samples), 1)
        kinds = collections.Counter(k for s in self.samples if s[2] for k in s[2].split(","))
        return (sum(s[0] for s in self.samples) / n, sum(s[1] for s in self.samples) / n,
                " ".join(f"{k}:{v / n:.2f}" for k, v in kinds.most_common(3)))


if __name__ == "__main__":
    def _print(name, value, unit, target=""):
        print(f"{name:<70} {value:>10.3f} {unit:<6} {target}", flush=True)

    run(_print, sys.argv[1], tuple(sys.argv[2:]) or MODES)
