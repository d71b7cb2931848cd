"""Making a history table's month while seats work (PostgreSQL 15; docs/scale.md, "Making
the months ahead under live seats").

``CREATE TABLE … PARTITION OF`` asked for an ACCESS EXCLUSIVE lock on ``case_ledger``:
queued behind one open transaction that had read the ledger (or a workflow action not yet
committed), it made every later read and write of the ledger wait behind it, for as long
as that transaction lasted. ``ledger_partitions.ensure`` now makes the month a table of its
own and attaches it (SHARE UPDATE EXCLUSIVE on the parent); the default partition's ACCESS
EXCLUSIVE lock, which the attach still takes, is asked for in short tries that give way.
The locks are read from ``pg_locks``; waits are bounded by ``lock_timeout``, never timed."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import event, text

from seatdesk.cli import main
from seatdesk.models import ledger_partitions as lp
from seatdesk.workflow import dbrules
from seatdesk.workflow import services as sd
from tests import workflow_fixtures as wfx
from tests.dbroles import make_logins, operator_workflow
from tests.dbtemplates import open_database

pytestmark = pytest.mark.postgres

#: the locks of the session that is making a partition, while it waits for one
WAITING = """
SELECT a.pid FROM pg_stat_activity a
 WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
   AND (a.query LIKE 'CREATE TABLE public.case_ledger_%PARTITION OF%'
        OR a.query LIKE 'ALTER TABLE public.case_ledger ATTACH PARTITION%')"""
LOCKS = """
SELECT c.relname, l.mode, l.granted FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = :p AND l.locktype = 'relation' AND c.relname IN ('case_ledger',
       'case_ledger_default')
 ORDER BY 1, 2"""


@pytest.fixture
def world(template_store):
    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    yield db
    db.engine.dispose()
    template_store.drop("postgresql", url)


def _month(after: int) -> dt.date:
    first = dt.datetime.now(dt.UTC).date().replace(day=1)
    for _ in range(after):
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return first


def _reading_seat(db):
    """A seat's open transaction that has read a case's ledger: ACCESS SHARE on the ledger
    and every partition, the default one included (a case's rows may lie in any month)."""
    conn = db.engine.connect()
    conn.execute(text("SELECT count(*) FROM case_ledger WHERE case_id = 1")).scalar()
    held = conn.execute(text(
        "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND granted"
        " AND mode = 'AccessShareLock' AND relation = 'case_ledger_default'::regclass"
    )).scalar()
    assert held == 1
    return conn


def _waiter(db) -> tuple[int, list[tuple]]:
    """The partition maker's pid and locks once it waits for a lock."""
    with db.engine.connect() as conn:
        while True:  # (until the job asks for its lock; bounded by the test's own timeout)
            pid = conn.execute(text(WAITING)).scalar()
            if pid is not None:
                locks = [tuple(r) for r in conn.execute(text(LOCKS), {"p": pid})]
                if any(not granted for *_, granted in locks):
                    return pid, locks
            conn.rollback()
            time.sleep(0.02)


def _acting_seat(db):
    """An acceptor's own login (its workflow engine) that gives up a lock after 5 s."""
    login = make_logins(db, ["acceptor"])["acceptor"]
    wf = operator_workflow(db, login)

    @event.listens_for(wf.engine, "connect")
    def _patience(dbapi_conn, _record) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET lock_timeout = '5s'")
        dbapi_conn.commit()

    with db.engine.connect() as conn:
        uid = conn.execute(text("SELECT id FROM users WHERE username = 'acceptor'")).scalar()
    return wf, sd.Actor(uid, "acceptor", None, "坐席 01")


def test_the_daily_job_waits_behind_a_reader_without_queueing_the_seats(world, monkeypatch,
                                                                       capsys):
    """Before: the job's ACCESS EXCLUSIVE request on ``case_ledger`` waited for the reading
    seat, and every other seat's read of the ledger, and the acceptor's registration,
    waited behind it (here: refused after their 5 s ``lock_timeout``). Now the parent is
    only SHARE UPDATE EXCLUSIVE; the default partition's lock is asked for in tries of
    ``LOCK_TIMEOUT_MS``, so the other seats get through between and behind them."""
    monkeypatch.setattr(lp, "PAUSE", 0.05, raising=False)
    monkeypatch.setattr(lp, "TRIES", 10_000, raising=False)  # until the reader is done
    db = world
    wf, me = _acting_seat(db)
    month = f"case_ledger_{_month(lp.AHEAD + 1):%Y_%m}"
    reader = _reading_seat(db)
    result: list[int] = []
    job = threading.Thread(target=lambda: result.append(main(
        ["--database", db.url, "ledger", "partitions", "--ahead", str(lp.AHEAD + 1)])))
    job.start()
    try:
        _pid, locks = _waiter(db)
        on_parent = {mode for name, mode, _ in locks if name == "case_ledger"}
        assert "AccessExclusiveLock" not in on_parent, locks
        assert ("case_ledger_default", "AccessExclusiveLock", False) in locks, locks
        with db.engine.connect() as seat:  # another seat's read of a case
            seat.execute(text("SET lock_timeout = '5s'"))
            seat.execute(text("SELECT count(*) FROM case_ledger WHERE case_id = 1")).scalar()
            seat.rollback()
        made = sd.register(wf, me, sd.Report(source="patrol", lon=wfx.P1[0], lat=wfx.P1[1],
                                             description="井盖缺失"))
        with db.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT tableoid::regclass::text FROM case_ledger WHERE case_id = :c"),
                {"c": made.case_id}).scalar() == f"case_ledger_{dt.datetime.now(dt.UTC):%Y_%m}"
    finally:
        reader.rollback()
        reader.close()
        job.join()
        wf.engine.dispose()
    assert result == [0]
    assert month in capsys.readouterr().out
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": month}).scalar()


def _drop_last_month(db) -> str:
    """The furthest month ahead taken away (empty), so that the next run makes it again."""
    name = f"case_ledger_{_month(lp.AHEAD):%Y_%m}"
    with db.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE case_ledger DETACH PARTITION {name}"))
        conn.execute(text(f"DROP TABLE {name}"))
    return name


def test_a_month_whose_lock_stays_busy_is_left_to_the_next_run(world, monkeypatch, capsys):
    """The daily job and ``db upgrade``'s rules give way after their tries (before: the
    job waited as long as the reader, the upgrade failed on its ``lock_timeout``); the job
    says which month it left and exits 1, the next run makes it."""
    monkeypatch.setattr(lp, "PAUSE", 0.0, raising=False)
    monkeypatch.setattr(lp, "TRIES", 2, raising=False)
    db = world
    name = _drop_last_month(db)
    reader = _reading_seat(db)
    try:
        with db.engine.connect() as conn:  # what `seatdesk db upgrade` runs at head
            conn.execute(text("SET lock_timeout = '3s'"))
            dbrules.apply(conn)
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "3s"  # put back
            conn.commit()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is None
        # the daily job, which would otherwise wait for the reader (3 s here)
        status = main(["--database", f"{db.url}?options=-c%20lock_timeout%3D3s",
                       "ledger", "partitions"])
    finally:
        reader.rollback()
        reader.close()
    out, err = capsys.readouterr()
    assert status == 1 and name in err and "明天的定时任务会再试" in err
    assert name not in out
    assert main(["--database", db.url, "ledger", "partitions"]) == 0  # the next run
    assert name in capsys.readouterr().out


CATALOG = {
    "table": """
SELECT c.relkind, c.relowner::regrole::text, c.relacl::text, c.relpersistence,
       c.reloptions::text, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
       c.relam, c.reltablespace, c.relispartition, pg_get_expr(c.relpartbound, c.oid),
       i.inhparent::regclass::text, obj_description(c.oid, 'pg_class'),
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
       (SELECT count(*) FROM pg_statistic_ext s WHERE s.stxrelid = c.oid),
       (SELECT count(*) FROM pg_rewrite r WHERE r.ev_class = c.oid)
  FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
 WHERE c.oid = to_regclass(:n)""",
    "columns": """
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.attislocal, a.attinhcount, a.attidentity, a.attgenerated, a.attstorage,
       a.attcompression, a.attstattarget, a.attcollation, a.attacl::text,
       pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = to_regclass(:n) AND NOT a.attisdropped
 ORDER BY a.attnum""",
    "constraints": """
SELECT k.conname, k.contype, pg_get_constraintdef(k.oid), k.conislocal, k.coninhcount,
       k.connoinherit, k.convalidated, k.condeferrable, k.condeferred,
       p.conname AS parent, k.conindid::regclass::text, k.confrelid::regclass::text
  FROM pg_constraint k LEFT JOIN pg_constraint p ON p.oid = k.conparentid
 WHERE k.conrelid = to_regclass(:n)
 ORDER BY 1""",
    "indexes": """
SELECT c.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary,
       x.indimmediate, x.indisvalid, x.indisready, i.inhparent::regclass::text,
       c.relowner::regrole::text
  FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
  LEFT JOIN pg_inherits i ON i.inhrelid = x.indexrelid
 WHERE x.indrelid = to_regclass(:n)
 ORDER BY 1""",
    "triggers": r"""--  (the foreign keys' internal triggers are named by their oid)
SELECT regexp_replace(t.tgname, '_\d+$', '_N'),
       regexp_replace(pg_get_triggerdef(t.oid), '"RI_ConstraintTrigger_(.)_\d+"', '"RI_ConstraintTrigger_\1_N"'),
       t.tgenabled, t.tgisinternal, regexp_replace(p.tgname, '_\d+$', '_N') AS parent,
       k.conname, t.tgconstrrelid::regclass::text
  FROM pg_trigger t LEFT JOIN pg_trigger p ON p.oid = t.tgparentid
  LEFT JOIN pg_constraint k ON k.oid = t.tgconstraint
 WHERE t.tgrelid = to_regclass(:n)
 ORDER BY 1, 2""",
    "grants": """
SELECT g.grantee, g.privilege_type FROM information_schema.role_table_grants g
 WHERE g.table_schema = 'public' AND g.table_name = :n
 ORDER BY 1, 2""",
}


def _catalog(db, name: str) -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        found = {part: [tuple(r) for r in conn.execute(text(sql), {"n": name})]
                 for part, sql in CATALOG.items()}
    assert found["table"] and found["columns"] and found["indexes"], name
    return found


@pytest.mark.parametrize("table", sorted(lp.HISTORY))
def test_a_month_made_by_attaching_is_what_partition_of_made(world, table):
    """The same month made the old way (``PARTITION OF``), taken away, then made by
    ``ensure``: columns, defaults, constraints, keys and indexes, triggers, owner, grants
    (none) and bound are the same in the catalog; so is the default partition."""
    db = world
    first, after = _month(lp.AHEAD + 1), _month(lp.AHEAD + 2)
    name, default = f"{table}_{first:%Y_%m}", f"{table}_default"

    def take_away() -> None:
        with db.engine.begin() as conn:
            for part in (name, default):
                conn.execute(text(f"ALTER TABLE public.{table} DETACH PARTITION public.{part}"))
                conn.execute(text(f"DROP TABLE public.{part}"))

    with db.engine.begin() as conn:  # the template's default, made by the code under test
        conn.execute(text(
            f"CREATE TABLE public.{name} PARTITION OF public.{table} FOR VALUES FROM"
            f" ('{first.isoformat()} 00:00+00') TO ('{after.isoformat()} 00:00+00')"))
    take_away()
    with db.engine.begin() as conn:  # what the old code ran
        conn.execute(text(
            f"CREATE TABLE public.{name} PARTITION OF public.{table} FOR VALUES FROM"
            f" ('{first.isoformat()} 00:00+00') TO ('{after.isoformat()} 00:00+00')"))
        conn.execute(text(f"CREATE TABLE public.{default} PARTITION OF public.{table} DEFAULT"))
    old = _catalog(db, name), _catalog(db, default)
    take_away()
    busy: list[str] = []
    with db.engine.begin() as conn:
        made = lp.ensure(conn, ahead=lp.AHEAD + 1, table=table, busy=busy)
    assert made == [name, default] and busy == []
    assert (_catalog(db, name), _catalog(db, default)) == old
