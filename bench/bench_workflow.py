"""Workflow throughput on PostgreSQL: transitions per second with 8 concurrent writers
(ledger and NOTIFY on), side by side in the same run with bare psycopg patterns:

- ``workflow``: the services as the seats run them — each writer connected as the
  operators' own logins (SCRAM), so the database's checks are on: the ledger's insert
  trigger (actor, transition, chain, hashes), the deferred case/ledger checks, RLS;
- ``workflow_trusted``: the same services connected as the schema owner (no checks);
- the issue's reference pattern: read, versioned update, ledger insert, NOTIFY, each its
  own statement (as the owner);
- the workflow's own statements as bare SQL (its read with the acting user, its combined
  versioned UPDATE + ledger INSERT, the trigger's NOTIFY), once as the owner and once as
  the operators' logins writing legal rows: the difference is the cost of the
  database-side checks alone.

    python bench/bench_workflow.py postgresql://postgres@127.0.0.1:55432/postgres

``run(report, database_url)`` is the entry point of the bench runner: it creates a scratch
database next to the one in the URL (dropped afterwards), loads the sample centre, puts
cases under handling, and lets 8 writer processes cycle them through 申请延期 → 驳回延期
(two real transitions per cycle, each a full service call) for ``SECONDS``; then 8 writers
of each bare pattern do the same through psycopg on their own cases.
Targets: ≥ 1,000 transitions/s with the checks on, and ≥ 0.6 × the bare reference pattern.
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
    _track_functions(url)
    try:
        share = WRITERS * CASES_PER_WRITER
        cases = prepare(url, share * len(POOLS))
        rates = measure(url, {kind: cases[i * share:(i + 1) * share]
                              for i, kind in enumerate(POOLS)}, seconds)
        _report(report, rates)
        _trigger_time(url, report)
        check_ledger(url, report)
    finally:
        drop()


def _trigger_time(url: str, report: Report) -> None:
    """Server time spent in the database checks' functions (``track_functions``): per call
    of the ledger's insert trigger, i.e. per operator transition."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {name: (calls, total) for name, calls, total in conn.execute(text(
            "SELECT funcname, calls, total_time FROM pg_stat_user_functions"
            " WHERE funcname LIKE 'seatdesk_%'"))}
    engine.dispose()
    per = rows.get("seatdesk_ledger_operator")
    if not per or not per[0]:
        return
    spent = sum(total for name, (calls, total) in rows.items() if name in (
        "seatdesk_ledger_operator", "seatdesk_ledger_moves_case", "seatdesk_cases_need_ledger"))
    report("database checks' trigger functions, server time per operator transition",
           spent / per[0] * 1000, "µs", "")


def _report(report: Report, rates: dict[str, float]) -> None:
    wf_rate = rates["workflow"]
    report("workflow transitions/s (8 writers, operators' logins: checks on)", wf_rate, "1/s",
           ">= 1000")
    report("workflow transitions/s (schema owner: no database checks)",
           rates["workflow_trusted"], "1/s", "reference")
    for kind, label in (("bare", "reference pattern, 4 statements"),
                        ("bare_same", "the workflow's own SQL")):
        report(f"bare psycopg transitions/s ({label})", rates[kind], "1/s", "reference")
        report(f"workflow / bare ({label})", wf_rate / rates[kind] if rates[kind] else 0.0,
               "ratio", ">= 0.6")
    checked = rates["bare_same_checked"]
    report("bare psycopg transitions/s (the workflow's own SQL, operators' logins)", checked,
           "1/s", "reference")
    if checked and rates["bare_same"]:
        cost = 1000 / checked - 1000 / rates["bare_same"]
        report("database checks alone (per transition, 8 writers)", cost, "ms", "")


# -- setup ------------------------------------------------------------------------------------
def scratch_database(url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on the same server, with PostGIS, migrated; and how to drop it."""
    from sqlalchemy.engine import make_url

    if not make_url(url).get_backend_name().startswith("postgresql"):
        raise SystemExit("bench_workflow needs a PostgreSQL URL")
    name = f"sd_bench_{uuid.uuid4().hex[:8]}"
    return common.recreate(url, name), lambda: common.drop(url, name)


def _track_functions(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with engine.connect() as conn:
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET track_functions = 'pl'"))
    engine.dispose()


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
    _logins(engine)
    engine.dispose()
    return cases


OPERATOR_PASSWORD = "bench-operator-pw"


def _logins(engine) -> None:
    """The sample users' own database logins (what the seats connect as)."""
    from sqlalchemy import text

    from seatdesk.models.db import session_factory
    from seatdesk.workflow import accounts

    with session_factory(engine).begin() as s:
        for uid in s.execute(text("SELECT id FROM users WHERE username LIKE 'sample_%'"
                                  " AND db_login IS NULL")).scalars():
            accounts.create_login(s, uid, OPERATOR_PASSWORD, must_change=False)


def operator_url(url: str, username: str) -> str:
    """The URL of ``username``'s own login (the database's login prefix and the password)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(url)
    with engine.connect() as conn:
        login = conn.execute(text("SELECT db_login FROM users WHERE username = :u"),
                             {"u": username}).scalar_one()
    engine.dispose()
    return make_url(url).set(username=login, password=OPERATOR_PASSWORD).render_as_string(
        hide_password=False)


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


def workflow_writer(url, cases, windows, as_operators: bool = True) -> None:
    """The services; each actor on its own login's engine (a seat per operator)."""
    from sqlalchemy import text

    from seatdesk.models.db import make_engine
    from seatdesk.workflow import services as sd
    from seatdesk.workflow.sample import USERS

    owner = make_engine(url, pool_size=2)
    with owner.connect() as conn:
        ids = dict(conn.execute(text("SELECT username, id FROM users")).all())
        dept = dict(conn.execute(text("SELECT code, id FROM departments")).all())
        versions = dict(conn.execute(text("SELECT id, version FROM cases")).all())
    water = sd.Actor(ids["sample_water"], "department", dept["SAMPLE-SW"])
    disp = sd.Actor(ids["sample_dispatcher"], "dispatcher", dept[USERS["sample_dispatcher"][2]])
    if as_operators:
        engines = [make_engine(operator_url(url, name), pool_size=2)
                   for name in ("sample_water", "sample_dispatcher")]
        owner.dispose()
    else:
        engines = [owner, owner]
    wf_water, wf_disp = (sd.Workflow(e, cache_seconds=3600) for e in engines)

    def cycle(case_id: int) -> None:
        c = sd.request_extension(wf_water, water, case_id, versions[case_id], value=1,
                                 unit="working_hours", reason="bench")
        c = sd.refuse_extension(wf_disp, disp, case_id, c.version, reason="bench")
        versions[case_id] = c.version

    cycle(cases[0])  # warm caches
    windows.run(cycle, cases)
    for engine in set(engines):
        engine.dispose()


def trusted_workflow_writer(url, cases, windows) -> None:
    workflow_writer(url, cases, windows, as_operators=False)


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


#: the two legal steps the bare patterns cycle through: (role's user, action, to-state)
STEPS = (("sample_water", "department", "request_extension", "extension_requested"),
         ("sample_dispatcher", "dispatcher", "refuse_extension", "dispatched"))


def bare_same_writer(url, cases, windows, as_operators: bool = False) -> None:
    """The workflow's own SQL, compiled by it, run bare: the read of the case with the
    acting user, then the combined versioned UPDATE + ledger INSERT (whose insert trigger
    sends the NOTIFY). As the owner, or as the two operators' own logins: legal rows with
    their own actor, so the database's checks accept them."""
    import psycopg
    from sqlalchemy import create_engine

    from seatdesk.workflow import caserow
    from seatdesk.workflow.notify import libpq_dsn

    driver = caserow._Driver(create_engine(url).dialect)
    read = driver.select_for.sql
    move = caserow._Statement(caserow._move_statement(
        ("ledger_head", "ledger_seq", "state", "updated_at", "version")), driver.dialect).sql
    owner = psycopg.connect(libpq_dsn(url))
    users = dict(owner.execute("SELECT username, id FROM users").fetchall())
    conns = {name: (psycopg.connect(libpq_dsn(operator_url(url, name))) if as_operators
                    else owner) for name, *_ in STEPS}
    at = {name: caserow._NAMES.index(name)
          for name in ("number", "version", "state", "ledger_seq", "ledger_head")}

    def cycle(case_id: int) -> None:
        for name, role, action, to_state in STEPS:
            bare_same_step(conns[name], read, move, at, (users[name], role, action), case_id,
                           to_state)

    cycle(cases[0])
    windows.run(cycle, cases)
    for conn in {*conns.values(), owner}:
        conn.close()


def checked_bare_same_writer(url, cases, windows) -> None:
    bare_same_writer(url, cases, windows, as_operators=True)


def bare_same_step(conn, read: str, move: str, at: dict[str, int], actor: tuple[int, str, str],
                   case_id: int, to_state: str) -> None:
    from seatdesk.models.base import utcnow
    from seatdesk.models.ledger import canonical_payload, entry_hash

    user, role, action = actor
    with conn.transaction():
        row = conn.execute(read, {"uid": user, "did": None, "cid": case_id}).fetchone()
        number, version, state, seq, head = (row[at[name]] for name in (
            "number", "version", "state", "ledger_seq", "ledger_head"))
        now, payload = utcnow(), canonical_payload({"args": {}, "set": {"state": to_state}})
        digest = entry_hash(prev_hash=head, case_number=number, seq=seq + 1, at=now,
                            actor_id=user, actor_role=role, seat="bare", action=action,
                            from_state=state, to_state=to_state, reason="", payload=payload)
        cur = conn.execute(move, {
            "u_state": to_state, "u_version": version + 1, "u_ledger_seq": seq + 1,
            "u_ledger_head": digest, "u_updated_at": now, "_id": case_id, "_seen": version,
            "l_seq": seq + 1, "l_at": now, "l_actor_id": user, "l_actor_role": role,
            "l_seat": "bare", "l_action": action, "l_from_state": state, "l_to_state": to_state,
            "l_reason": "", "l_payload": payload, "l_prev_hash": head, "l_hash": digest})
        assert cur.rowcount == 1


POOLS = {"workflow": workflow_writer, "workflow_trusted": trusted_workflow_writer,
         "bare": bare_writer, "bare_same": bare_same_writer,
         "bare_same_checked": checked_bare_same_writer}


def check_ledger(url: str, report: Report) -> None:
    """Every hash chain still verifies (the reference pattern's rows are no transitions and
    carry only the state, so replay problems are not counted)."""
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow.ledger import verify_ledger

    engine = make_engine(url)
    with session_factory(engine)() as s:
        problems = [p for p in verify_ledger(s) if p.kind in ("seq", "link", "hash", "head")]
    engine.dispose()
    report("ledger problems after the run", float(len(problems)), "rows", "== 0")


def _print(name: str, value: float, unit: str, target: str) -> None:
    print(f"{name:55s} {value:10.2f} {unit:6s} (target {target})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} postgresql://user@host:port/database")
    run(_print, sys.argv[1])
