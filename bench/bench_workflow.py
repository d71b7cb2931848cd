"""Workflow throughput on PostgreSQL: transitions per second with 8 concurrent writers
(ledger and NOTIFY on), side by side in the same run with two bare psycopg patterns:

- the issue's reference pattern: read, versioned update, ledger insert, NOTIFY, each its
  own statement;
- the workflow's own statements as bare SQL: its read (case + acting user), its combined
  versioned UPDATE + ledger INSERT, and the NOTIFY sent by the ledger's insert trigger.

    python bench/bench_workflow.py postgresql://postgres@127.0.0.1:55432/postgres

``run(report, database_url)`` is the entry point of the bench runner: it creates a scratch
database next to the one in the URL (dropped afterwards), loads the sample centre, puts
cases under handling, and lets 8 writer processes cycle them through 申请延期 → 驳回延期
(two real transitions per cycle, each a full service call) for ``SECONDS``; then 8 writers
of each bare pattern do the same through psycopg on their own cases.
Targets: ≥ 1,000 transitions/s, and ≥ 1/3 of the bare figure (reported against both).
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

WRITERS = 8
CASES_PER_WRITER = 8
SECONDS = 6.0  # per pattern, split into ROUNDS windows taken in turns
ROUNDS = 3
Report = Callable[[str, float, str, str], None]


def run(report: Report, database_url: str, seconds: float = SECONDS) -> None:
    from seatdesk.config import normalise_url

    url, drop = scratch_database(normalise_url(database_url))
    try:
        share = WRITERS * CASES_PER_WRITER
        cases = prepare(url, share * len(POOLS))
        rates = measure(url, {kind: cases[i * share:(i + 1) * share]
                              for i, kind in enumerate(POOLS)}, seconds)
        wf_rate = rates["workflow"]
        report("workflow transitions/s (8 writers, ledger + NOTIFY)", wf_rate, "1/s", ">= 1000")
        for kind, label in (("bare", "reference pattern, 4 statements"),
                            ("bare_same", "the workflow's own SQL")):
            report(f"bare psycopg transitions/s ({label})", rates[kind], "1/s", "reference")
            report(f"workflow / bare ({label})", wf_rate / rates[kind] if rates[kind] else 0.0,
                   "ratio", ">= 0.33")
        check_ledger(url, report)
    finally:
        drop()


# -- setup ------------------------------------------------------------------------------------
def scratch_database(url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on the same server, with PostGIS, migrated; and how to drop it."""
    from sqlalchemy.engine import make_url

    if not make_url(url).get_backend_name().startswith("postgresql"):
        raise SystemExit("bench_workflow needs a PostgreSQL URL")
    name = f"sd_bench_{uuid.uuid4().hex[:8]}"
    return common.recreate(url, name), lambda: common.drop(url, name)


def prepare(url: str, count: int) -> list[int]:
    """``count`` cases dispatched to the sample water company and signed for."""
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow import services as sd
    from seatdesk.workflow.sample import ensure_sample

    engine = make_engine(url)
    with session_factory(engine).begin() as s:
        ids = ensure_sample(s)
    wf = sd.Workflow(engine)
    actor = {n: sd.Actor(ids.users[f"sample_{n}"], r, ids.departments.get(d)) for n, r, d in (
        ("acceptor", "acceptor", None), ("lead", "shift_lead", None),
        ("dispatcher", "dispatcher", "SAMPLE-CC"), ("water", "department", "SAMPLE-SW"))}
    cases = []
    for _ in range(count):
        c = sd.register(wf, actor["acceptor"], sd.Report("patrol", *ids.point,
                                                         class_id=ids.class_id))
        c = sd.accept(wf, actor["acceptor"], c.case_id, c.version)
        c = sd.file(wf, actor["lead"], c.case_id, c.version, condition_id=ids.condition_id)
        c = sd.dispatch(wf, actor["dispatcher"], c.case_id, c.version,
                        department_id=ids.departments["SAMPLE-SW"])
        c = sd.sign(wf, actor["water"], c.case_id, c.version)  # 延期 comes after 签收
        cases.append(c.case_id)
    engine.dispose()
    return cases


# -- measuring --------------------------------------------------------------------------------
def measure(url: str, cases: dict[str, list[int]], seconds: float,
            rounds: int = ROUNDS) -> dict[str, float]:
    """Transitions per second of the workflow and of each bare pattern, WRITERS processes
    each. The pools stay up and take turns in ``rounds`` short windows, so a change in
    machine load hits them alike."""
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    window = seconds / rounds
    go = {kind: [ctx.Event() for _ in range(rounds)] for kind in POOLS}
    procs = [ctx.Process(target=_guarded, args=(kind, POOLS[kind], url, cases[kind][i::WRITERS],
                                                 window, go[kind], results))
             for kind in POOLS for i in range(WRITERS)]
    for p in procs:
        p.start()
    try:
        _raise_failures([results.get(timeout=300) for _ in procs])  # all warmed up
        done = _take_turns(go, results, window + 300)
    finally:
        for events in go.values():
            for event in events:
                event.set()
        for p in procs:
            p.join(30)
    return {kind: n / t for kind, (n, t) in done.items()}


def _take_turns(go: dict, results, timeout: float) -> dict[str, list]:
    """Open each pool's window in turn, round by round; [transitions, seconds] per pool."""
    done = {kind: [0, 0.0] for kind in go}
    for r in range(len(next(iter(go.values())))):
        for kind, events in go.items():
            events[r].set()
            got = [results.get(timeout=timeout) for _ in range(WRITERS)]
            _raise_failures(got)
            done[kind][0] += sum(n for _, n, _ in got)
            done[kind][1] += max(t for _, _, t in got)
    return done


def _guarded(kind, target, url, cases, window, go, results) -> None:
    """Run a writer; a failure is reported to the parent instead of hanging it."""
    try:
        target(url, cases, Windows(kind, window, go, results))
    except BaseException as exc:  # noqa: BLE001 - reported, then the parent raises
        import traceback

        results.put(("error", "".join(traceback.format_exception(exc))))


class Windows:
    """A writer's timing: report ready, then run one window per round when told to."""

    def __init__(self, kind, window, go, results):
        self.kind, self.window, self.go, self.results = kind, window, go, results

    def run(self, cycle, cases: list[int], per_cycle: int = 2) -> None:
        self.results.put(("ready",))
        i = 0
        for event in self.go:
            event.wait()
            began, done = time.perf_counter(), 0
            while time.perf_counter() - began < self.window:
                cycle(cases[i % len(cases)])
                done, i = done + per_cycle, i + 1
            self.results.put((self.kind, done, time.perf_counter() - began))


def _raise_failures(messages: list) -> None:
    for message in messages:
        if message[0] == "error":
            raise RuntimeError(f"a bench writer failed:\n{message[1]}")


def workflow_writer(url, cases, windows) -> None:
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import services as sd
    from seatdesk.workflow.sample import USERS

    engine = make_engine(url, pool_size=2)
    wf = sd.Workflow(engine, cache_seconds=3600)
    with engine.connect() as conn:
        from sqlalchemy import text

        ids = dict(conn.execute(text("SELECT username, id FROM users")).all())
        dept = dict(conn.execute(text("SELECT code, id FROM departments")).all())
        versions = dict(conn.execute(text("SELECT id, version FROM cases")).all())
    water = sd.Actor(ids["sample_water"], "department", dept["SAMPLE-SW"])
    disp = sd.Actor(ids["sample_dispatcher"], "dispatcher", dept[USERS["sample_dispatcher"][2]])

    def cycle(case_id: int) -> None:
        c = sd.request_extension(wf, water, case_id, versions[case_id], value=1,
                                 unit="working_hours", reason="bench")
        c = sd.refuse_extension(wf, disp, case_id, c.version, reason="bench")
        versions[case_id] = c.version

    cycle(cases[0])  # warm caches
    windows.run(cycle, cases)
    engine.dispose()


def bare_writer(url, cases, windows) -> None:
    import psycopg

    from seatdesk.workflow.notify import libpq_dsn

    conn = psycopg.connect(libpq_dsn(url))

    def cycle(case_id: int) -> None:
        bare_step(conn, case_id, "extension_requested")
        bare_step(conn, case_id, "dispatched")

    cycle(cases[0])
    windows.run(cycle, cases)
    conn.close()


def bare_step(conn, case_id: int, to_state: str) -> None:
    """The bare pattern: read, versioned update, ledger insert (hash-chained), NOTIFY."""
    import json

    from seatdesk.models.base import utcnow
    from seatdesk.models.ledger import canonical_payload, entry_hash

    with conn.transaction():
        number, version, state, seq, head = conn.execute(
            "SELECT number, version, state, ledger_seq, ledger_head FROM cases WHERE id = %s",
            (case_id,)).fetchone()
        at, payload = utcnow(), canonical_payload({"args": {}, "set": {"state": to_state}})
        digest = entry_hash(prev_hash=head, case_number=number, seq=seq + 1, at=at,
                            actor_id=None, actor_role="department", seat="bare", action="bare",
                            from_state=state, to_state=to_state, reason="", payload=payload)
        cur = conn.execute(
            "UPDATE cases SET state = %s, version = %s, ledger_seq = %s, ledger_head = %s,"
            " updated_at = %s WHERE id = %s AND version = %s",
            (to_state, version + 1, seq + 1, digest, at, case_id, version))
        assert cur.rowcount == 1
        conn.execute(
            "INSERT INTO case_ledger (case_id, seq, at, actor_role, seat, action, from_state,"
            " to_state, reason, payload, prev_hash, hash) VALUES"
            " (%s, %s, %s, 'department', 'bare', 'bare', %s, %s, '', %s, %s, %s)",
            (case_id, seq + 1, at, state, to_state, payload, head, digest))
        conn.execute("SELECT pg_notify('seatdesk_cases', %s)",
                     (json.dumps({"id": case_id, "v": version + 1, "s": to_state}),))


def bare_same_writer(url, cases, windows) -> None:
    """The workflow's own SQL, compiled by it, run bare: the read of the case with the
    acting user, then the combined versioned UPDATE + ledger INSERT (whose insert trigger
    sends the NOTIFY)."""
    import psycopg
    from sqlalchemy import create_engine

    from seatdesk.workflow import caserow
    from seatdesk.workflow.notify import libpq_dsn

    driver = caserow._Driver(create_engine(url).dialect)
    read = driver.select_for.sql
    move = caserow._Statement(caserow._move_statement(
        ("ledger_head", "ledger_seq", "state", "updated_at", "version")), driver.dialect).sql
    conn = psycopg.connect(libpq_dsn(url))
    with conn.cursor() as cur:
        user = cur.execute("SELECT id FROM users WHERE username = 'sample_water'").fetchone()[0]

    at = {name: caserow._NAMES.index(name)
          for name in ("number", "version", "state", "ledger_seq", "ledger_head")}

    def cycle(case_id: int) -> None:
        bare_same_step(conn, read, move, at, user, case_id, "extension_requested")
        bare_same_step(conn, read, move, at, user, case_id, "dispatched")

    cycle(cases[0])
    windows.run(cycle, cases)
    conn.close()


def bare_same_step(conn, read: str, move: str, at: dict[str, int], user: int, case_id: int,
                   to_state: str) -> None:
    from seatdesk.models.base import utcnow
    from seatdesk.models.ledger import canonical_payload, entry_hash

    with conn.transaction():
        row = conn.execute(read, {"uid": user, "did": None, "cid": case_id}).fetchone()
        number, version, state, seq, head = (row[at[name]] for name in (
            "number", "version", "state", "ledger_seq", "ledger_head"))
        now, payload = utcnow(), canonical_payload({"args": {}, "set": {"state": to_state}})
        digest = entry_hash(prev_hash=head, case_number=number, seq=seq + 1, at=now,
                            actor_id=None, actor_role="department", seat="bare", action="bare",
                            from_state=state, to_state=to_state, reason="", payload=payload)
        cur = conn.execute(move, {
            "u_state": to_state, "u_version": version + 1, "u_ledger_seq": seq + 1,
            "u_ledger_head": digest, "u_updated_at": now, "_id": case_id, "_seen": version,
            "l_seq": seq + 1, "l_at": now, "l_actor_id": None, "l_actor_role": "department",
            "l_seat": "bare", "l_action": "bare", "l_from_state": state, "l_to_state": to_state,
            "l_reason": "", "l_payload": payload, "l_prev_hash": head, "l_hash": digest})
        assert cur.rowcount == 1


POOLS = {"workflow": workflow_writer, "bare": bare_writer, "bare_same": bare_same_writer}


def check_ledger(url: str, report: Report) -> None:
    """Every workflow chain still verifies (bare rows use no actor and are checked too)."""
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow.ledger import verify_ledger

    engine = make_engine(url)
    with session_factory(engine)() as s:
        problems = [p for p in verify_ledger(s) if p.kind != "replay"]
    engine.dispose()
    report("ledger problems after the run", float(len(problems)), "rows", "== 0")


def _print(name: str, value: float, unit: str, target: str) -> None:
    print(f"{name:55s} {value:10.2f} {unit:6s} (target {target})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} postgresql://user@host:port/database")
    run(_print, sys.argv[1])
