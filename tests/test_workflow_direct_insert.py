"""``workflow.direct.insert_row``: the registration's case and ledger INSERTs sent on the
session's psycopg connection (PostgreSQL) give the rows SQLAlchemy's ``Connection.execute``
gives for the same values — the same Python-side defaults for the columns left out, the
same bind processing (UTC times, geometry, booleans), the same RETURNING id — and raise
database errors as SQLAlchemy does (``IntegrityError`` with ``.orig``; a lost connection
flagged ``connection_invalidated``, which ``Workflow.write`` retries on). On SQLite it is
``Connection.execute`` itself."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from seatdesk.models import Case, LedgerEntry
from seatdesk.workflow import direct
from tests.workflow_fixtures import P1, open_world

POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
AT = dt.datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=dt.UTC)


def _case_values(number: str, **more) -> dict:
    return {"number": number, "state": "reported", "source": "patrol", "urgency": "urgent",
            "lon": P1[0], "lat": P1[1], "geom": shapely.Point(P1[0], P1[1]),
            "description": "井盖破损", "reported_at": AT, "callback_wanted": True, **more}


def _row(session, table, row_id: int) -> dict:
    row = session.execute(select(table).where(table.c.id == row_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in ("id", "number", "case_id")}


def test_the_rows_are_those_sqlalchemy_writes_for_the_same_values(make_db):
    world = open_world(make_db("workflow_world"))
    cases, ledger = Case.__table__, LedgerEntry.__table__
    with world.db.Session() as s:
        ours = direct.insert_row(s, insert(cases), _case_values("T-1"))
        theirs = s.connection().execute(insert(cases), _case_values("T-2")
                                        ).inserted_primary_key[0]
        assert isinstance(ours, int) and ours != theirs
        mine, sqlalchemy = _row(s, cases, ours), _row(s, cases, theirs)
        # defaults filled (version 1, zone ''…), times and the point as written
        assert mine["version"] == 1 and mine["zone"] == "" and mine["callback_wanted"] is True
        assert mine["reported_at"] == AT and mine["updated_at"] is not None
        assert shapely.equals(mine["geom"], shapely.Point(P1[0], P1[1]))
        mine.pop("updated_at"), sqlalchemy.pop("updated_at")  # utcnow() per row
        assert mine == sqlalchemy
        entry = {"case_id": ours, "seq": 1, "at": AT, "actor_id": None, "actor_role": "system",
                 "seat": "", "action": "register", "from_state": "", "to_state": "reported",
                 "reason": "", "payload": "{}", "prev_hash": "", "hash": "x" * 64}
        first = direct.insert_row(s, insert(ledger), entry)
        second = s.connection().execute(insert(ledger), {**entry, "case_id": theirs}
                                        ).inserted_primary_key[0]
        assert _row(s, ledger, first) == _row(s, ledger, second)
        s.rollback()


@POSTGRES_ONLY  # psycopg is used on PostgreSQL only (SQLite: Connection.execute)
def test_a_duplicate_is_sqlalchemys_integrity_error(make_db):
    world = open_world(make_db("workflow_world"))
    with world.db.Session() as s:
        direct.insert_row(s, insert(Case.__table__), _case_values("T-9"))
        with pytest.raises(IntegrityError) as caught:
            direct.insert_row(s, insert(Case.__table__), _case_values("T-9"))
        assert caught.value.orig.sqlstate == "23505" and "number" in str(caught.value.orig)
        assert not caught.value.connection_invalidated
        s.rollback()


@POSTGRES_ONLY  # psycopg is used on PostgreSQL only (SQLite: Connection.execute)
def test_a_lost_connection_is_flagged_as_sqlalchemy_flags_it(make_db):
    world = open_world(make_db("workflow_world"))
    with world.db.Session() as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        with world.db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            other.commit()
        with pytest.raises(DBAPIError) as caught:
            direct.insert_row(s, insert(Case.__table__), _case_values("T-10"))
        assert caught.value.connection_invalidated  # Workflow.write runs the unit again
        s.rollback()
    with world.db.Session() as s:  # the pool hands out a working connection again
        assert s.scalar(text("SELECT 1")) == 1
