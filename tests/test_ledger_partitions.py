"""The case ledger partitioned by month on PostgreSQL (migration 0013, docs/scale.md): a
populated database converts in place and back keeping every row and chain, the trust
rules hold on the partitioned table, months are made ahead; SQLite keeps a plain table."""

from __future__ import annotations

import datetime as dt
import types
import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from seatdesk.cli import main
from seatdesk.data.demo import DemoSpec, build_demo
from seatdesk.models import ledger_partitions
from seatdesk.models.db import alembic_config, make_engine, session_factory, upgrade
from seatdesk.workflow import services as sd
from seatdesk.workflow.ledger_verify import verify_ledger
from tests.dbroles import make_logins, operator_workflow

ROWS = "SELECT id, case_id, seq, at, hash, prev_hash FROM case_ledger ORDER BY id"


@pytest.fixture
def populated(template_store, tmp_path):
    """A demo city with its case history at the revision before the partitions (built at
    the head, whose models the demo writes, then taken down to 0012)."""
    url = template_store._new_empty("postgresql", f"sdpart_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    engine = make_engine(url)
    build_demo(engine, DemoSpec.small())
    command.downgrade(alembic_config(url), "0012")
    yield types.SimpleNamespace(url=url, engine=engine, Session=session_factory(engine))
    engine.dispose()


def _rows(db) -> list:
    with db.engine.connect() as conn:
        return conn.execute(text(ROWS)).all()


def _intact(db) -> None:
    with db.Session() as session:
        assert verify_ledger(session) == []


def _kind(db) -> str:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'case_ledger'"
                                 )).scalar_one()


def _operator_moves_a_case(db) -> int:
    """An acceptor's own login registers a report and sends it for verification."""
    logins = make_logins(db, ["shouli"])
    with db.engine.connect() as conn:
        uid, dept = conn.execute(text(
            "SELECT id, department_id FROM users WHERE username = 'shouli'")).one()
        lon, lat = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p"
            " FROM grid_cells ORDER BY id LIMIT 1) s")).one()
    wf = operator_workflow(db, logins["shouli"])
    me = sd.Actor(uid, "acceptor", dept, "坐席 01")
    try:
        made = sd.register(wf, me, sd.Report(source="hotline_12319", lon=lon, lat=lat,
                                             description="井盖缺失", caller_phone="13800001234"))
        sd.send_verification(wf, me, made.case_id, made.version)
    finally:
        wf.engine.dispose()
    return made.case_id


@pytest.mark.postgres
def test_a_populated_ledger_converts_in_place_and_back(populated):
    db = populated
    before = _rows(db)
    assert len(before) > 1000 and _kind(db) == "r"
    upgrade(db.url)
    assert _kind(db) == "p"
    assert _rows(db) == before  # every row, its time, hash and link
    _intact(db)
    with db.engine.connect() as conn:
        spread = conn.execute(text(
            "SELECT count(DISTINCT tableoid), count(*) FILTER (WHERE tableoid ="
            " 'case_ledger_default'::regclass) FROM case_ledger")).one()
    assert spread[0] >= 3 and spread[1] == 0  # the demo's three months, none in default
    _since_is_the_first_row(db)  # migration 0014's backfill

    case_id = _operator_moves_a_case(db)
    month = f"case_ledger_{dt.datetime.now(dt.UTC):%Y_%m}"
    with db.engine.connect() as conn:
        homes = conn.execute(text("SELECT tableoid::regclass::text FROM case_ledger"
                                  " WHERE case_id = :c"), {"c": case_id}).scalars().all()
    assert homes == [month, month]
    _intact(db)

    command.downgrade(alembic_config(db.url), "0012")
    assert _kind(db) == "r"
    after = _rows(db)
    assert after[:len(before)] == before and len(after) == len(before) + 2
    _intact(db)
    with db.engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM pg_constraint WHERE conname ="
            " 'fk_callback_outbox_ledger_id_case_ledger'")).scalar() == 1
    with db.engine.connect() as conn:  # the operators' grants are back on the plain table
        assert conn.execute(text(
            "SELECT has_table_privilege(db_login, 'case_ledger', 'INSERT') FROM users"
            " WHERE username = 'shouli'")).scalar() is True
    upgrade(db.url)
    assert _kind(db) == "p" and len(_rows(db)) == len(before) + 2
    _intact(db)
    _since_is_the_first_row(db)
    _operator_moves_a_case(db)
    _since_is_the_first_row(db)


def _since_is_the_first_row(db) -> None:
    """Every case's ``ledger_since`` is its first ledger row's time (migration 0014)."""
    with db.engine.connect() as conn:
        wrong = conn.execute(text(
            "SELECT count(*) FROM cases c LEFT JOIN (SELECT case_id, min(at) AS at"
            " FROM case_ledger GROUP BY case_id) f ON f.case_id = c.id"
            " WHERE c.ledger_since IS DISTINCT FROM f.at")).scalar()
    assert wrong == 0


@pytest.mark.postgres
def test_the_partitioned_ledger_stays_append_only_and_closed_to_operators(populated):
    db = populated
    upgrade(db.url)
    logins = make_logins(db, ["shouli"])
    month = f"case_ledger_{dt.datetime.now(dt.UTC):%Y_%m}"
    for sql in ("UPDATE case_ledger SET reason = 'x'", "DELETE FROM case_ledger",
                f"UPDATE {month} SET reason = 'x'"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))  # even the owner
    for sql in (f"SELECT count(*) FROM {month}", "UPDATE case_ledger SET reason = 'x'"):
        with pytest.raises(DBAPIError, match="permission denied"), db.engine.begin() as conn:
            conn.execute(text(f'SET LOCAL ROLE "{logins["shouli"]}"'))
            conn.execute(text(sql))


@pytest.mark.postgres
def test_months_are_made_ahead_by_upgrade_and_by_the_command(populated, capsys):
    db = populated
    upgrade(db.url)
    now = dt.datetime.now(dt.UTC)
    ahead = [f"case_ledger_{m:%Y_%m}" for m in ledger_partitions.months(
        now.date(), (now + dt.timedelta(days=31 * 3)).date())]
    with db.engine.connect() as conn:
        names = set(conn.execute(text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'case_ledger'::regclass")).scalars())
    assert set(ahead) <= names and "case_ledger_default" in names
    assert main(["--database", db.url, "ledger", "partitions", "--ahead", "5"]) == 0
    out = capsys.readouterr().out
    later = (now.date().replace(day=1) + dt.timedelta(days=31 * 5)).replace(day=1)
    assert f"case_ledger_{later:%Y_%m}" in out
    assert main(["--database", db.url, "ledger", "partitions", "--ahead", "5"]) == 0
    assert "新建分区 0 个" in capsys.readouterr().out


def test_sqlite_keeps_a_plain_ledger(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'plain.sqlite3'}"
    upgrade(url)
    assert main(["--database", url, "ledger", "partitions"]) == 0
    assert "未分区" in capsys.readouterr().out


@pytest.mark.postgres
def test_a_month_already_in_the_default_partition_is_left_there(populated):
    db = populated
    upgrade(db.url)
    stray = (dt.datetime.now(dt.UTC).replace(day=15) + dt.timedelta(days=31 * 8))
    month = f"case_ledger_{stray:%Y_%m}"
    with db.engine.begin() as conn:  # the owner writes a row dated months ahead
        conn.execute(text(
            "INSERT INTO case_ledger (case_id, seq, at, actor_role, seat, action, from_state,"
            " to_state, reason, payload, prev_hash, hash) SELECT id, 999, :at, 'acceptor', '',"
            " 'note', state, state, '', '{}', '', '' FROM cases ORDER BY id LIMIT 1"),
            {"at": stray})
    with db.engine.begin() as conn:
        made = ledger_partitions.ensure(conn, ahead=10)
    assert month not in made and len(made) >= 6  # the others are made, that one is not
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT tableoid::regclass::text FROM case_ledger"
                                 " WHERE seq = 999")).scalar_one() == "case_ledger_default"


POSITIONS = "SELECT id, user_id, at, lon, lat FROM supervisor_positions ORDER BY id"
ATTACHMENTS = "SELECT id, case_id, uploaded_at, sha256, content FROM attachments ORDER BY id"


def _history(db) -> tuple[list, list]:
    with db.engine.connect() as conn:
        return conn.execute(text(POSITIONS)).all(), conn.execute(text(ATTACHMENTS)).all()


def _kinds(db) -> dict[str, str]:
    with db.engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT relname, relkind FROM pg_class WHERE relname IN"
            " ('supervisor_positions', 'attachments')")).all())


@pytest.mark.postgres
def test_positions_and_attachments_convert_in_place_and_back(populated):
    """Migration 0015: the positions and the attachments (with their bytes) partitioned by
    month in place, every row kept, months made ahead, a supervisor's new position lands
    in this month; the downgrade makes them plain tables again."""
    db = populated
    now = dt.datetime.now(dt.UTC)
    with db.engine.begin() as conn:  # history in three months, as the owner writes it
        uid = conn.execute(text("SELECT id FROM users WHERE username = 'jiandu'")).scalar_one()
        case_id = conn.execute(text("SELECT min(id) FROM cases")).scalar_one()
        for months_ago in (0, 1, 2):
            at = now - dt.timedelta(days=31 * months_ago)
            conn.execute(text(
                "INSERT INTO supervisor_positions (user_id, at, lon, lat, geom) VALUES"
                " (:u, :at, 119.48, 31.42, ST_SetSRID(ST_MakePoint(119.48, 31.42), 4326))"),
                {"u": uid, "at": at})
            conn.execute(text(
                "INSERT INTO attachments (case_id, kind, filename, mime_type, size, sha256,"
                " uploaded_by_id, uploaded_at, content) VALUES (:c, 'photo', 'p.jpg',"
                " 'image/jpeg', 3, :h, :u, :at, :b)"),
                {"c": case_id, "h": f"{months_ago}" * 64, "u": uid, "at": at,
                 "b": bytes([months_ago, 1, 2])})
    before = _history(db)
    assert len(before[0]) >= 3 and len(before[1]) >= 3
    upgrade(db.url)
    assert _kinds(db) == {"supervisor_positions": "p", "attachments": "p"}
    assert _history(db) == before
    with db.engine.connect() as conn:
        for table, key in (("supervisor_positions", "at"), ("attachments", "uploaded_at")):
            spread = conn.execute(text(
                f"SELECT count(DISTINCT tableoid), count(*) FILTER (WHERE tableoid ="
                f" '{table}_default'::regclass) FROM {table}")).one()
            assert spread[0] >= 3 and spread[1] == 0, table
            ahead = (now.date().replace(day=1) + dt.timedelta(days=31 * 3)).replace(day=1)
            assert conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"),
                                {"n": f"{table}_{ahead:%Y_%m}"}).scalar(), table
    logins = make_logins(db, ["jiandu"])
    with db.engine.begin() as conn:  # a supervisor's own login, through the parent's grants
        conn.execute(text(f'SET LOCAL ROLE "{logins["jiandu"]}"'))
        conn.execute(text(
            "INSERT INTO supervisor_positions (user_id, at, lon, lat, geom) VALUES"
            " (:u, now(), 119.48, 31.42, ST_SetSRID(ST_MakePoint(119.48, 31.42), 4326))"),
            {"u": uid})
    with db.engine.connect() as conn:
        home = conn.execute(text("SELECT tableoid::regclass::text FROM supervisor_positions"
                                 " ORDER BY id DESC LIMIT 1")).scalar_one()
    assert home == f"supervisor_positions_{now:%Y_%m}"

    command.downgrade(alembic_config(db.url), "0013")
    assert _kinds(db) == {"supervisor_positions": "r", "attachments": "r"}
    after = _history(db)
    assert after[1] == before[1] and after[0][:len(before[0])] == before[0]
    assert len(after[0]) == len(before[0]) + 1
    upgrade(db.url)
    assert _kinds(db) == {"supervisor_positions": "p", "attachments": "p"}
    assert _history(db) == after
