"""交接班确认 as an append-only table: stored with what was handed over, only shift leads
(and admins) may acknowledge, once per sheet and lead, listed newest first, guarded by a
trigger on PostgreSQL, and the old settings JSON log is moved in by migration 0005."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from seatdesk.evaluation.forecast import BoardRow
from seatdesk.evaluation.handover import (
    Acknowledgement,
    Callback,
    HandoverSheet,
    Suspended,
    acknowledge,
    acknowledgements,
    handover_sheet,
)
from seatdesk.models import HandoverAck, Setting, User, set_setting
from seatdesk.models.db import alembic_config, make_engine, session_factory, upgrade
from tests.dbtemplates import pg_base_url

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 09:30 in 溧阳


def _user(session, username: str, role: str, name: str) -> int:
    user = User(username=username, display_name=name, password_hash="x", role=role)
    session.add(user)
    session.flush()
    return user.id


def _sheet(sheet_id: str = "5f1c0e9a7b21", at: dt.datetime = NOW) -> HandoverSheet:
    def red(number: str) -> BoardRow:
        return BoardRow(1, number, "供水井盖", "处置中", "市政设施管理处", "320481002012001",
                        "yellow", "剩余 25工作分", 1500.0)

    return HandoverSheet(
        sheet_id=sheet_id, generated_at=at, shift_end=at + dt.timedelta(hours=8),
        open_by_stage=(("待受理", 2), ("处置中", 5)),
        going_red=(red("20261102000011"), red("20261102000012")), red_now=1,
        callbacks=(Callback(3, "20261101000007", "138****1234", at),),
        suspended=(Suspended(4, "20261020000003", at - dt.timedelta(days=13), 13.0),))


def test_ack_is_stored_with_its_summary(db):
    with db.Session.begin() as s:
        lead = _user(s, "zhibanzhang", "shift_lead", "值班长甲")
        ack = acknowledge(s, _sheet(), lead, NOW, "  井盖两处待复核  ")
    assert ack == Acknowledgement("5f1c0e9a7b21", lead, "值班长甲", NOW, "井盖两处待复核",
                                  ack.summary)
    with db.Session() as s:
        row = s.scalar(select(HandoverAck))
        stored = acknowledgements(s)
    assert (row.sheet_id, row.acknowledged_by_id, row.note) == ("5f1c0e9a7b21", lead,
                                                                "井盖两处待复核")
    assert (row.generated_at, row.shift_end, row.at) == (NOW, NOW + dt.timedelta(hours=8), NOW)
    summary = {
        "open_by_stage": [["待受理", 2], ["处置中", 5]], "red_now": 1,
        "going_red": 2, "going_red_cases": ["20261102000011", "20261102000012"],
        "callbacks": 1, "suspended": 1, "suspended_cases": ["20261020000003"],
    }
    assert json.loads(row.summary) == summary
    assert row.summary == json.dumps(summary, ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":"))  # canonical form
    assert stored == [ack] and stored[0].summary == summary


def test_a_computed_sheet_is_acknowledged_by_an_admin(db):
    with db.Session.begin() as s:
        admin = _user(s, "admin", "admin", "管理员乙")
        sheet = handover_sheet(s, NOW)
        acknowledge(s, sheet, admin, NOW + dt.timedelta(minutes=5))
    with db.Session() as s:
        (ack,) = acknowledgements(s)
    assert (ack.sheet_id, ack.user_name, ack.note) == (sheet.sheet_id, "管理员乙", "")
    assert ack.summary == {"open_by_stage": [], "red_now": 0, "going_red": 0,
                           "going_red_cases": [], "callbacks": 0, "suspended": 0,
                           "suspended_cases": []}


def test_only_a_shift_lead_or_admin_may_acknowledge(db):
    with db.Session.begin() as s:
        acceptor = _user(s, "shouli", "acceptor", "受理员丙")
    for user_id in (acceptor, acceptor + 99):
        with db.Session() as s:
            with pytest.raises(PermissionError, match="只有值班长可以确认交接班"):
                acknowledge(s, _sheet(), user_id, NOW)
            s.commit()
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(HandoverAck)) == 0


def test_a_lead_acknowledges_a_sheet_once(db):
    with db.Session.begin() as s:
        lead = _user(s, "zhibanzhang", "shift_lead", "值班长甲")
        other = _user(s, "zhibanzhang2", "shift_lead", "值班长丁")
        acknowledge(s, _sheet(), lead, NOW)
    with db.Session() as s, pytest.raises(ValueError, match="该交接单.*已由值班长甲确认"):
        acknowledge(s, _sheet(), lead, NOW + dt.timedelta(minutes=1), "再次确认")
    with db.Session.begin() as s:  # another lead, or another sheet: fine
        acknowledge(s, _sheet(), other, NOW + dt.timedelta(minutes=2))
        acknowledge(s, _sheet("77aa00bb11cc"), lead, NOW + dt.timedelta(minutes=3))
    # the constraint behind the service's check
    with pytest.raises(IntegrityError), db.Session.begin() as s:
        s.add(HandoverAck(sheet_id="5f1c0e9a7b21", acknowledged_by_id=lead, at=NOW))
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(HandoverAck)) == 3


def test_acknowledgements_are_listed_newest_first(db):
    with db.Session.begin() as s:
        lead = _user(s, "zhibanzhang", "shift_lead", "值班长甲")
        for hours, sheet_id in ((8, "b"), (0, "a"), (16, "c")):
            acknowledge(s, _sheet(sheet_id), lead, NOW + dt.timedelta(hours=hours))
    with db.Session() as s:
        assert [a.sheet_id for a in acknowledgements(s)] == ["c", "b", "a"]
        assert [a.sheet_id for a in acknowledgements(s, limit=2)] == ["c", "b"]
        assert acknowledgements(s)[0].at == NOW + dt.timedelta(hours=16)


@pytest.mark.parametrize("backend", ["postgresql"])  # a trigger, like case_ledger's
def test_acknowledgements_are_append_only_on_postgresql(db):
    with db.Session.begin() as s:
        lead = _user(s, "zhibanzhang", "shift_lead", "值班长甲")
        acknowledge(s, _sheet(), lead, NOW, "原始备注")
    for sql in ("UPDATE handover_acks SET note = 'x'", "DELETE FROM handover_acks",
                "TRUNCATE handover_acks"):
        with (pytest.raises(DBAPIError, match="handover_acks is append-only"),
              db.engine.begin() as conn):
            conn.execute(text(sql))
    with db.Session() as s:
        assert [a.note for a in acknowledgements(s)] == ["原始备注"]


# -- migration 0005 ---------------------------------------------------------------------------
@pytest.fixture
def empty_url(backend, tmp_path):
    """A database with nothing in it (not even migrations), dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
        return
    name = f"sdlegacy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(pg_base_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_base_url()).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _legacy_log(lead: int, gone: int) -> list[dict]:
    """The settings JSON written by the old ``acknowledge`` (newest last)."""
    def entry(sheet: str, user: int, hour: int, note: str = "") -> dict:
        return {"sheet_id": sheet, "user_id": user, "user_name": "值班长甲",
                "at": (NOW + dt.timedelta(hours=hour)).isoformat(), "note": note}

    return [entry("aaa111", lead, 0, "夜班无异常"), entry("bbb222", gone, 8),
            entry("ccc333", lead, 16), entry("ccc333", lead, 17, "重复")]


def _old_user(session, username: str, role: str, name: str) -> int:
    """A user row of the 0004 schema (the model has columns added since)."""
    return session.execute(text(
        "INSERT INTO users (username, display_name, password_hash, role, phone, active,"
        " failed_logins, must_change_password, created_at) VALUES (:u, :n, 'x', :r, '', :t,"
        " 0, :f, :c) RETURNING id"),
        {"u": username, "n": name, "r": role, "t": True, "f": False, "c": NOW}).scalar_one()


def test_migration_moves_the_settings_log_into_the_table(empty_url):
    upgrade(empty_url, "0004")
    engine = make_engine(empty_url)
    try:
        with session_factory(engine).begin() as s:
            lead = _old_user(s, "zhibanzhang", "shift_lead", "值班长甲")
            set_setting(s, "handover_log", _legacy_log(lead, gone=lead + 99))
        upgrade(empty_url)
        with session_factory(engine)() as s:
            acks = acknowledgements(s)
            rows = s.scalars(select(HandoverAck).order_by(HandoverAck.id)).all()
            assert s.get(Setting, "handover_log") is None
        assert [(a.sheet_id, a.user_name, a.at, a.note, a.summary) for a in acks] == [
            ("ccc333", "值班长甲", NOW + dt.timedelta(hours=16), "", {}),
            ("aaa111", "值班长甲", NOW, "夜班无异常", {}),
        ]  # the departed user's entry and the repeated (sheet, lead) pair are skipped
        assert [(r.summary, r.generated_at, r.shift_end) for r in rows] == [("{}", None, None)] * 2
        command.downgrade(alembic_config(empty_url), "0004")
        assert not inspect(engine).has_table("handover_acks")
    finally:
        engine.dispose()
