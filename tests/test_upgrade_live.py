"""``seatdesk db upgrade`` with nothing to migrate, run while seats and the intake server
work (docs/operations.md, "Upgrades").

Every upgrade ends in ``dbrules.apply`` (``migrations/env.py``). It used to drop and
re-create every trigger and row-level security policy: ACCESS EXCLUSIVE locks on
``case_ledger``, ``cases``, ``users``, ``field_sessions`` … taken one table after
another, so a handset's token check (``field_sessions`` then ``users``) and the upgrade
each held what the other waited for — PostgreSQL killed one of them ("deadlock
detected"). Now a trigger or policy that is already what ``apply`` would make is left
alone: a no-op upgrade waits for no reader and no writer."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from seatdesk.workflow import dbrules
from seatdesk.workflow.dbrules import grants
from tests import workflow_fixtures  # noqa: F401  (registers the "workflow_world" seed)
from tests.dbtemplates import open_database

#: the tables a seat, a wall or the intake server writes in an open transaction
WRITTEN = ("users", "cases", "case_ledger", "field_sessions", "dispatches", "settings",
           "partners", "case_sources")

RULES = """
SELECT 'trigger', t.tgrelid::regclass::text, t.tgname,
       pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
 WHERE NOT t.tgisinternal
UNION ALL
SELECT 'policy', tablename::text, policyname::text,
       concat_ws(' | ', cmd, permissive, roles::text, qual, with_check)
  FROM pg_policies WHERE schemaname = 'public'
UNION ALL
SELECT 'rls', relname::text, '', relrowsecurity::text FROM pg_class
 WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
ORDER BY 1, 2, 3
"""


@pytest.fixture
def pg(template_store):
    url = template_store.clone("postgresql", "reference")
    db = open_database("postgresql", url)
    yield db
    db.engine.dispose()
    template_store.drop("postgresql", url)


def _rules(db) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(RULES))]


def _upgrade(db, lock_timeout: str = "2s") -> None:
    """What ``seatdesk db upgrade`` does at head: ``apply`` in one transaction."""
    with db.engine.connect() as conn:
        conn.execute(text(f"SET lock_timeout = '{lock_timeout}'"))
        dbrules.apply(conn)
        conn.commit()


def test_a_no_op_upgrade_waits_for_no_reader_and_no_writer(pg):
    before = _rules(pg)
    with pg.engine.connect() as reader, pg.engine.connect() as writer:
        # a handset's token check and a seat's reads, mid-transaction: ACCESS SHARE held
        reader.execute(text("SELECT * FROM seatdesk_field_session_by_token('x')"))
        for table in sorted(grants.schema_tables(reader) - grants.FOREIGN):
            reader.execute(text(f'SELECT 1 FROM public."{table}" LIMIT 1')).all()
        # a seat's (or the intake server's) write transaction: ROW EXCLUSIVE held
        writer.execute(text(f"LOCK TABLE {', '.join(WRITTEN)} IN ROW EXCLUSIVE MODE"))
        started = time.monotonic()
        _upgrade(pg)  # before 2026-12-07: LockNotAvailable after 2 s, on case_ledger
        assert time.monotonic() - started < 2
        assert reader.execute(text("SELECT count(*) FROM users")).scalar() >= 0
        reader.rollback()
        writer.rollback()
    assert _rules(pg) == before


def test_an_upgrade_puts_back_a_trigger_or_policy_changed_by_hand(pg):
    before = _rules(pg)
    with pg.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER users_notify ON users"))
        conn.execute(text("DROP TRIGGER settings_config_notify ON settings"))
        # replaced in place (the trigger keeps its identity): found by its definition
        conn.execute(text(
            "CREATE OR REPLACE TRIGGER users_notify_delete AFTER DELETE ON users FOR EACH ROW"
            " WHEN (OLD.id > 0) EXECUTE FUNCTION seatdesk_users_notify()"))
        conn.execute(text("ALTER TRIGGER users_renamed_notify ON users RENAME TO x_renamed"))
        conn.execute(text("ALTER TABLE field_sessions DISABLE TRIGGER field_sessions_config_notify"))
        conn.execute(text(  # on the partitioned ledger: its partitions' clones go with it
            "CREATE OR REPLACE TRIGGER case_ledger_operator BEFORE INSERT ON case_ledger"
            " FOR EACH ROW EXECUTE FUNCTION seatdesk_ledger_operator()"))
        conn.execute(text("DROP TRIGGER cases_need_ledger ON cases"))
        conn.execute(text(  # a constraint trigger: not replaceable in place
            "CREATE CONSTRAINT TRIGGER cases_need_ledger AFTER INSERT ON cases"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            " EXECUTE FUNCTION seatdesk_cases_need_ledger()"))
        conn.execute(text('ALTER POLICY "dispatches_select_1" ON dispatches USING (false)'))
        conn.execute(text('DROP POLICY "cases_insert_3" ON cases'))
        conn.execute(text('CREATE POLICY "settings_extra" ON settings USING (true)'))
        conn.execute(text("ALTER TABLE settings DISABLE ROW LEVEL SECURITY"))
    assert _rules(pg) != before
    _upgrade(pg)
    after = _rules(pg)
    assert [r for r in after if r[2] == "x_renamed"], "not ours: left where it is"
    assert [r for r in after if r[2] != "x_renamed"] == before


def test_a_no_op_upgrade_writes_no_login_role(template_store):
    """``apply`` runs ``seatdesk_sync_login`` for every login whose password must be
    changed (``settle_must_change``). It ran ``ALTER ROLE … LOGIN`` every time: a write of
    the cluster's shared role catalog at every upgrade, per such login, replayed by each
    replica. A role already as it should be is now left alone (its row version is the
    same), and a login that is not is still made right."""
    from tests.dbroles import make_logins

    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    try:
        logins = make_logins(db, ["acceptor2", "dispatcher", "sup1", "wall"])
        with db.engine.begin() as conn:  # a reset each (the trigger takes the groups)
            conn.execute(text("UPDATE users SET must_change_password = true"
                              " WHERE username IN ('acceptor2', 'sup1')"))
            conn.execute(text("UPDATE users SET active = false WHERE username = 'wall'"))
            conn.execute(text(  # (as the account functions do after it)
                "SELECT seatdesk_sync_login(id) FROM users WHERE username = 'wall'"))
        _upgrade(db)
        rows = text("SELECT rolname, xmin::text, rolcanlogin FROM pg_authid"
                    " WHERE rolname = ANY(:r) ORDER BY 1")
        members = text("SELECT m.xmin::text FROM pg_auth_members m"
                       " JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = ANY(:r)"
                       " ORDER BY 1")
        names = {"r": sorted(logins.values())}

        def catalog():
            with db.engine.connect() as conn:
                return (conn.execute(rows, names).all(), conn.execute(members, names).all())

        before = catalog()
        assert {r.rolname: r.rolcanlogin for r in before[0]} == {
            logins[n]: n != "wall" for n in logins}
        _upgrade(db)
        assert catalog() == before
        with db.engine.begin() as conn:  # a login made NOLOGIN by hand is made right
            conn.execute(text(f'ALTER ROLE "{logins["acceptor2"]}" NOLOGIN'))
        _upgrade(db)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"),
                                {"r": logins["acceptor2"]}).scalar() is True
    finally:
        db.engine.dispose()
        template_store.drop("postgresql", url)


def test_handsets_and_seats_read_through_three_upgrades_without_a_deadlock(pg):
    errors: list[str] = []
    done = threading.Event()
    reads = [0]

    def handset() -> None:  # the token check and a seat's read of users, again and again
        with pg.engine.connect() as conn:
            while not done.is_set():
                try:
                    conn.execute(text("SELECT * FROM seatdesk_field_session_by_token('x')"))
                    conn.execute(text("SELECT count(*) FROM users")).scalar()
                    conn.execute(text("SELECT count(*) FROM cases")).scalar()
                    conn.commit()
                    reads[0] += 1
                except Exception as exc:  # noqa: BLE001 - every failure is the finding
                    errors.append(str(exc).splitlines()[0])
                    conn.rollback()

    threads = [threading.Thread(target=handset) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            _upgrade(pg, lock_timeout="5s")
    finally:
        done.set()
        for t in threads:
            t.join()
    assert errors == []
    assert reads[0] > 0
