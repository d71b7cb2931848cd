"""The intake server's registration in one statement (``registration._register_direct``,
``seatdesk_register_rows``, migration 0025) writes what the unit of work writes.

Two databases cloned from the same world, the same reports registered in the same order
at the same clock times — one the unit of work's way (a seat's), one in one statement (the
intake server's, ``Workflow.one_statement``): every case column, every ledger column
(payload bytes and hash included) and every answer (changed fields, the duplicate
candidates with their explained scores) are equal. Then what the one statement must not
give anybody: a supervisor's login calling it with a ledger row that is not theirs is
refused by the ledger's trigger, a role that does not register cannot call it; and the
paths around it (a key sent again, racing twins, a number a trusted writer took)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from seatdesk.models import Case, LedgerEntry
from seatdesk.workflow import registration
from seatdesk.workflow import services as sd
from seatdesk.workflow.dbrules import GROUPS, registration_sql
from seatdesk.workflow.ledger_verify import verify_ledger
from tests.dbroles import as_login, make_logins, refused
from tests.dbtemplates import open_database
from tests.workflow_fixtures import P1, P2, open_world, racing_twins_make_one_case


@pytest.fixture
def two(template_store):
    """Two PostgreSQL worlds from one template: (unit of work, one statement)."""
    worlds, urls = [], []
    for one in (False, True):
        url = template_store.clone("postgresql", "workflow_world")
        w = open_world(open_database("postgresql", url))
        w.wf.one_statement = one
        worlds.append(w)
        urls.append(url)
    yield worlds
    for w, url in zip(worlds, urls, strict=True):
        w.db.engine.dispose()
        template_store.drop("postgresql", url)


def _reports(w) -> list[tuple[str, sd.Report]]:
    return [
        ("sup1", sd.Report("patrol", *P1, description=" 井盖破损 ", intake_key="field:1:a")),
        ("sup1", sd.Report("patrol", P1[0] + 0.0001, P1[1], description="井盖破损，有积水",
                           class_id=w.cls["井盖"], intake_key="field:1:b")),
        ("sup2", sd.Report("patrol", P1[0] + 0.0002, P1[1], address="人民路 8 号",
                           description="垃圾满溢\n两天未清", class_id=w.cls["垃圾"],
                           urgency="urgent")),  # no key
        ("acceptor", sd.Report("online", *P2, description="路面\u3000不洁",
                               class_id=w.cls["道路"])),
        ("sup1", sd.Report("patrol", 60.0, 10.0, description="网格外",
                           intake_key="field:1:c")),  # outside every cell
        ("acceptor", sd.Report("hotline_12345", P2[0], P2[1] + 0.0001, description="路面不洁",
                               caller_name="王先生", caller_phone="13800000000",
                               callback_wanted=True)),  # a caller: a CaseReporter row
    ]


#: the last report's partner request (``partner_requests``' columns but ``case_id``)
def _request(w) -> dict:
    from seatdesk.models import Partner

    with w.db.Session.begin() as s:
        partner = Partner(code="fms", name="合作方", kind="open311", key_hash="h",
                          source="online", user_id=w.users["acceptor"])
        s.add(partner)
        s.flush()
        partner_id = partner.id
    return {"partner_id": partner_id, "token": "t0k3n", "external_id": "fms-1",
            "service_code": "0101", "media_url": ""}


def _rows(w) -> tuple[list[dict], ...]:
    with w.db.engine.connect() as conn:
        cases = [dict(r) for r in conn.execute(
            text("SELECT *, ST_AsEWKT(geom) AS point FROM cases ORDER BY id")).mappings()]
        others = tuple([dict(r) for r in conn.execute(
            text(f"SELECT * FROM {table} ORDER BY id")).mappings()]
            for table in ("case_ledger", "case_reporters", "partner_requests"))
    for case in cases:
        case.pop("geom")  # (EWKB bytes: compared as ``point``)
    for request in others[2]:
        request.pop("created_at")  # (the column's default: the wall clock)
    return cases, *others


def test_the_one_statement_writes_and_answers_what_the_unit_of_work_does(two):
    answers = []
    for w in two:
        mine = []
        reports = _reports(w)
        for i, (name, report) in enumerate(reports):
            w.clock.advance(minutes=3)
            request = _request(w) if i == len(reports) - 1 else None
            mine.append(sd.register(w.wf, w.a(name), report, request_row=request))
        answers.append(mine)
    unit, one = answers
    assert [a.duplicates for a in one] == [a.duplicates for a in unit]
    assert one == unit
    assert sum(len(a.duplicates) for a in one) >= 2  # the search found and scored some
    assert one[4].changed_fields == unit[4].changed_fields  # no cell: no cell columns
    assert "grid_cell_id" in one[0].changed_fields and "grid_cell_id" not in one[4].changed_fields
    written = _rows(two[1])
    assert written == _rows(two[0])
    assert [len(rows) for rows in written] == [6, 6, 1, 1]
    for w in two:
        with w.db.Session() as s:
            assert verify_ledger(s) == []


def test_the_one_statement_runs_as_the_acting_login_under_the_ledgers_trigger(two):
    """A supervisor's report through their own login (``acting_as``, as the intake server
    acts for a user with a login): the trigger checks the row and recomputes its hashes
    (an operator's session), and they are the ones Python computed."""
    w = two[1]
    w.clock.set(dt.datetime.now(dt.UTC))  # (the trigger holds an operator's row to its clock)
    logins = make_logins(w.db)
    wf = w.wf.acting_as(logins["sup1"])
    first = sd.register(wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖破损",
                                                    intake_key="field:1:x"))
    again = sd.register(wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖破损",
                                                    intake_key="field:1:x"))
    near = sd.register(wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖破损"))
    assert again.replayed and again.case_id == first.case_id
    assert [d.case_id for d in near.duplicates] == [first.case_id]
    # the statement ran as sup1's login, not as the server's own connection (a trusted
    # writer, whose rows keep the actor they state): a row in sup2's name is refused
    with pytest.raises(DBAPIError, match="must name its own user"):
        sd.register(wf, w.a("sup2"), sd.Report("patrol", *P1, description="冒名"))
    with w.db.Session() as s:
        assert verify_ledger(s) == []
        actors = set(s.scalars(select(LedgerEntry.actor_id)))
    assert actors == {w.users["sup1"]}


_CALL = ("SELECT * FROM public.seatdesk_register_rows(:r, CAST(:c AS jsonb),"
         " CAST(:e AS jsonb), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")


def _call_params(case: dict, entry: dict, role: str | None = None) -> dict:
    return {"r": role, "c": registration._json(case), "e": registration._json(entry)}


def test_the_function_gives_a_login_nothing_its_inserts_would_not(two):
    """The function is the caller's INSERTs: a supervisor's login that hands it a ledger row
    in another user's name is refused as its INSERT would be (the trigger), and a group
    that does not register (the wall) may not call it at all."""
    w = two[1]
    logins = make_logins(w.db)
    sd.register(w.wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖破损"))
    with w.db.engine.connect() as conn:
        case = dict(conn.execute(text(
            "SELECT * FROM cases ORDER BY id LIMIT 1")).mappings().one())
        entry = dict(conn.execute(text(
            "SELECT * FROM case_ledger ORDER BY id LIMIT 1")).mappings().one())
    case = {k: v for k, v in case.items() if k in registration_sql.case_columns()}
    case.update(number="20991231000001", geom="SRID=4326;POINT(119.4805 31.4255)",
                ledger_head="")
    entry = {k: v for k, v in entry.items() if k in registration_sql.ledger_columns()}
    entry["at"] = dt.datetime.now(dt.UTC)  # (within the trigger's clock tolerance)
    forged = {**entry, "actor_id": w.users["sup2"]}
    with as_login(w.db, logins["sup1"]) as conn:
        error = refused(conn, _CALL, _call_params(case, forged))
    assert error is not None and "must name its own user" in error, error
    with as_login(w.db, logins["wall"]) as conn:
        error = refused(conn, _CALL, _call_params(case, entry))
    assert error is not None and "permission denied for function" in error, error
    # the role it switches to must be one the connected login may become, as for SET ROLE:
    # sup1's login, connected with its own password as psql would, cannot act as sup2's
    from sqlalchemy.engine import make_url

    from seatdesk.models.db import make_engine
    from tests.dbroles import PASSWORD

    engine = make_engine(make_url(w.db.url).set(username=logins["sup1"], password=PASSWORD)
                         .render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            error = refused(conn, _CALL, _call_params(
                case, {**entry, "actor_id": w.users["sup2"]}, role=logins["sup2"]))
    finally:
        engine.dispose()
    assert error is not None and "permission denied to set role" in error, error
    with w.db.engine.connect() as conn:
        assert not conn.execute(text(
            "SELECT has_function_privilege(:r, :f, 'EXECUTE')"),
            {"r": GROUPS["wall"], "f": f"public.{registration_sql.SIGNATURE}"}).scalar()
        assert conn.execute(text(
            "SELECT has_function_privilege(:r, :f, 'EXECUTE')"),
            {"r": GROUPS["supervisor"], "f": f"public.{registration_sql.SIGNATURE}"}).scalar()
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 1


def test_racing_twins_in_one_statement_make_one_case(two):
    racing_twins_make_one_case(two[1], sd.Report("patrol", *P1, description="井盖缺失",
                                                 intake_key="twin"))


def test_a_number_a_trusted_writer_took_is_passed_over(two, monkeypatch):
    """The day's counter said N, but a trusted writer (an import, ``seatdesk demo``)
    holds N: the one statement is refused by the unique number and the registration
    goes on the usual way with the next number (``NumberTaken``)."""
    w = two[1]
    first = sd.register(w.wf, w.a("sup1"), sd.Report("patrol", *P1, description="一"))
    taken = f"{first.number[:8]}{int(first.number[8:]) + 1:06d}"
    with w.db.Session.begin() as s:
        row = s.get(Case, first.case_id)
        clone = Case(**{c.key: getattr(row, c.key) for c in Case.__table__.columns
                        if c.key not in ("id", "intake_key")})
        clone.number = taken
        s.add(clone)
    calls = []
    direct = registration._register_direct
    monkeypatch.setattr(registration, "_register_direct",
                        lambda *a, **k: calls.append(1) or direct(*a, **k))
    second = sd.register(w.wf, w.a("sup1"), sd.Report("patrol", *P2, description="二",
                                                       intake_key="k2"))
    assert calls == [1]
    assert second.number > taken and not second.replayed
    with w.db.Session() as s:
        assert s.get(Case, second.case_id).intake_key == "k2"


def test_reports_with_rows_of_their_own_keep_the_unit_of_work(two, monkeypatch):
    """Attachments and an integration's ``on_registered`` rows are written in the unit of
    work (``_in_one_statement``)."""
    w = two[1]
    monkeypatch.setattr(registration, "_register_direct", None)  # would fail if called
    photo = sd.AttachmentIn(kind="photo", filename="a.jpg", mime_type="image/jpeg",
                            content=b"\xff\xd8\xff\xe0" + b"0" * 64)
    base = sd.Report("hotline_12345", *P1, description="噪声")
    assert not sd.register(w.wf, w.a("acceptor"),
                           dataclasses.replace(base, attachments=(photo,))).replayed
    seen = []
    sd.register(w.wf, w.a("acceptor"), base, on_registered=lambda s, c: seen.append(c.case_id))
    assert len(seen) == 1


def test_the_intake_server_registers_in_one_statement_and_a_seat_does_not(two):
    from seatdesk.server.app import create_app

    w = two[0]
    assert not w.wf.one_statement  # a seat's workflow (``Workflow``'s default)
    create_app(w.wf, background=False)
    assert w.wf.one_statement


def test_one_connection_is_enough(template_store):
    """The server's pool has as many connections as threads (``runner.pool_options``): a
    registration that held a read's connection (a cache miss: here every time, no
    listener keeps the caches) while its write waited for another would hang a busy
    server. With a pool of one the one statement goes through, duplicates and all."""
    from seatdesk.models.db import make_engine

    url = template_store.clone("postgresql", "workflow_world")
    engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        w = open_world(open_database("postgresql", url))
        w.db.engine.dispose()
        wf = sd.Workflow(engine, clock=w.clock, cache_seconds=0)
        wf.one_statement = True
        first = sd.register(wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖破损",
                                                        class_id=w.cls["井盖"]))
        second = sd.register(wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖破损",
                                                         class_id=w.cls["井盖"]))
        assert [d.case_id for d in second.duplicates] == [first.case_id]
    finally:
        engine.dispose()
        template_store.drop("postgresql", url)
