"""``bench/bench_scale.py`` kept from rotting: its generation and every measurement run on a
tiny generated city (2,000 cases, 2,000 components) on the suite's PostgreSQL server — the
KPI and evaluation reads on the suite's streaming replica when ``make test`` started one —
and what they return is checked for sense: the work box's page through ``fetch_page`` is
the page its bare SQL gives, in order; the sample's ledgers verify; the simulated seats and
walls carried cases through the workflow. No timing is asserted (figures are the bench's,
docs/performance.md)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import bench_scale, common
from seatdesk.models.db import make_engine, session_factory
from seatdesk.models.replica import ReadRouter

from tests.exclusive import exclusive, replica_resource  # noqa: E402

pytestmark = pytest.mark.postgres
NAME = f"seatdesk_scale_test_{os.getpid()}"


@pytest.fixture(scope="module")
def scale_db():
    from tests.dbtemplates import pg_base_url

    base = pg_base_url()
    url, seconds = bench_scale.prepare(base, 2000, 2000, 60, fresh=True, log=lambda m: None,
                                       name=NAME)
    read_url = None
    engine = make_engine(url)
    # the replica tests pause and stop the replica: this module reads it in between
    with exclusive(replica_resource()):
        if os.environ.get("SEATDESK_TEST_READ_DATABASE_URL"):
            from tests.replica_server import replica_url, wait_for_replay

            wait_for_replay(url)
            read_url = replica_url(url)
        yield url, read_url, seconds, engine
    engine.dispose()
    common.drop(base, NAME)


def test_generation_makes_the_cases_and_their_ledger(scale_db):
    url, _, seconds, engine = scale_db
    assert {"create + migrate to head", "cases: ledger rows", "cases: case rows"} <= set(seconds)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM cases")) == 2000
        assert conn.scalar(text("SELECT count(*) FROM components")) == 2000
        assert conn.scalar(text("SELECT count(*) FROM grid_cells")) == 40_625
        # nothing in the default partition: the months were made before the rows
        assert conn.scalar(text("SELECT count(*) FROM case_ledger_default")) == 0
        assert conn.scalar(text("SELECT count(*) FROM cases WHERE ledger_since IS NULL")) == 0
    assert bench_scale.case_count(url) == 2000
    sizes = bench_scale.table_sizes(url)
    assert sizes["case_ledger"] > sizes["cases"] > 0 and sizes["components"] > 0
    # a second prepare finds the database and reuses it
    again, spent = bench_scale.prepare(make_url(url).set(database="postgres").render_as_string(
        hide_password=False), 2000, 2000, 60, log=lambda m: None, name=NAME)
    assert again == url and spent == {}


def test_pages_are_the_bare_sql_pages_in_order(scale_db):
    _, _, _, engine = scale_db
    sessions = session_factory(engine)
    res = bench_scale.Results(log=lambda m: None)
    with sessions() as session:
        who = bench_scale.people(session)
    pages = {p["label"]: p for p in bench_scale.measure_pages(
        sessions, who.viewers["shift_lead"], runs=1, res=res)}
    newest = pages["全部案件, newest first"]
    assert newest["rows"] == bench_scale.PAGE
    assert newest["ids"] == newest["bare_ids"]
    with engine.connect() as conn:
        want = conn.scalars(text("SELECT id FROM cases ORDER BY reported_at DESC, id DESC"
                                 " LIMIT 50")).all()
    assert newest["ids"] == want
    for label in ("全部案件 by number", "全部案件 by deadline", "全部案件 by address"):
        assert pages[label]["rows"] == bench_scale.PAGE, label
        assert pages[label]["ids"] == pages[label]["bare_ids"], label
    for label in ("text 垃圾, newest first", "text 井盖, by deadline", "text 路灯不亮"):
        assert pages[label]["rows"] > 0, label
        assert pages[label]["ids"] == pages[label]["bare_ids"], label
    # the walked sorts reach the same page as the one sorted statement
    for label in ("全部案件 by class (walked)", "全部案件 by department (walked)"):
        assert pages[label]["ids"] == pages[label]["bare_ids"], label
    prefix = next(p for label, p in pages.items() if label.startswith("number prefix"))
    assert prefix["rows"] >= 1 and prefix["ids"] == prefix["bare_ids"]
    assert len(res.rows) == len(pages) and all(r["app_ms"] > 0 for r in res.rows)
    assert "| work box |" in res.markdown()


def test_viewport_ledger_kpis_and_evaluation(scale_db):
    from bench.scale_world import bounds

    _, read_url, _, engine = scale_db
    sessions = session_factory(engine)
    reads = ReadRouter.for_url(sessions, read_url)
    try:
        view = bench_scale.measure_viewport(sessions, bounds(), runs=3)
        assert view["app_ms"] > 0 and view["bare_ms"] > 0
        ledger = bench_scale.measure_ledger(sessions, samples=5)
        assert ledger["problems"] == 0 and ledger["rows"] >= 5 * 4
        kpis = bench_scale.measure_kpis(reads, runs=1)
        assert kpis["on"] == ("replica" if read_url else "primary")
        assert kpis["open"] > 0 and kpis["app_ms"] > 0
        evaluation = bench_scale.measure_evaluation(reads, runs=1)
        assert evaluation["fact_rows"] > 0 and evaluation["objects"] > 0
    finally:
        reads.dispose()


def test_seats_and_walls_carry_cases_and_refresh(scale_db):
    url, read_url, _, _ = scale_db
    sim = bench_scale.Sim(url, read_url, seats=3, walls=1, minutes=0.15, think_s=0.2,
                          wall_every_s=1.0)
    result = sim.run(log=lambda m: None)
    assert result["errors"] == {}
    kinds = result["kinds"]
    assert kinds["seat: work box page"]["n"] > 0
    assert kinds["workflow: 登记 register"]["n"] > 0
    assert kinds["wall: refresh (read URL)"]["n"] > 0
    assert result["ops"] == sum(k["n"] for k in kinds.values())
    if read_url:
        assert result["replicas"] >= 1
    assert "| operation |" in bench_scale.sim_markdown(result, 3, 1, 0.15)
    # the seats registered cases of their own: the database is still reused, not made again
    assert bench_scale.case_count(url) > 2000
    again, spent = bench_scale.prepare(make_url(url).set(database="postgres").render_as_string(
        hide_password=False), 2000, 2000, 60, log=lambda m: None, name=NAME)
    assert again == url and spent == {}


def test_closed_public_reports_are_called_back(scale_db):
    """The generator's 回访: a callback row after 结案 for a plausible share of the closed
    cases, each for a caller who asked for it, a second try after 无法联系, the callers' 回访
    state the projection of their last row, the chains intact, and the live KPI tally and
    the 待回访 box read them."""
    from seatdesk.evaluation.live import live_kpis
    from seatdesk.models.queues import box_counts
    from seatdesk.workflow.ledger_verify import verify_ledger
    from seatdesk.workflow.worktime import WorkCalendar

    _, _, _, engine = scale_db
    with engine.connect() as conn:
        closed = conn.scalar(text("SELECT count(*) FROM cases WHERE state = 'closed'"))
        rows = conn.execute(text(
            "SELECT l.case_id, l.seq, l.at, l.payload::jsonb -> 'args', c.ledger_seq, c.state,"
            " c.updated_at, r.id, r.callback_wanted, r.callback_outcome, r.callback_attempts,"
            " r.callback_due, r.satisfied, r.called_back_at,"
            " (SELECT max(seq) FROM case_ledger x WHERE x.case_id = l.case_id"
            "  AND x.action = 'close')"
            " FROM case_ledger l JOIN cases c ON c.id = l.case_id"
            " JOIN case_reporters r ON r.case_id = l.case_id"
            " WHERE l.action = 'callback' ORDER BY l.case_id, l.seq")).all()
        # every public report has its caller, patrol reports none
        assert conn.scalar(text(
            "SELECT count(*) FROM cases c LEFT JOIN case_reporters r ON r.case_id = c.id"
            " WHERE (c.source = 'patrol') = (r.id IS NOT NULL)")) == 0
        due = conn.scalar(text("SELECT count(DISTINCT case_id) FROM case_reporters"
                               " WHERE callback_due"))
        waiting = conn.scalar(text(  # closed, asked for 回访, not called yet
            "SELECT count(*) FROM cases c JOIN case_reporters r ON r.case_id = c.id"
            " WHERE c.state = 'closed' AND r.callback_wanted AND r.callback_outcome = ''"))
    by_case: dict[int, list] = {}
    for row in rows:
        by_case.setdefault(row[0], []).append(row)
    assert 0.15 * closed <= len(by_case) <= 0.35 * closed, (len(by_case), closed)
    outcomes: dict[str, int] = {}
    for calls in by_case.values():
        for attempt, (_, seq, _, args, *_rest, close_seq) in enumerate(calls, 1):
            assert seq == close_seq + attempt and args["attempt"] == attempt
            assert args["reopened"] is False and args["reporter_id"] == calls[0][7]
            outcomes[args["outcome"]] = outcomes.get(args["outcome"], 0) + 1
        if len(calls) == 2:  # tried again only after 无法联系
            assert calls[0][3]["outcome"] == "unreachable" != calls[1][3]["outcome"]
        (_, seq, at, args, last, state, updated, _, wanted, outcome, attempts, is_due,
         satisfied, called_at, _) = calls[-1]
        assert seq == last and state == "closed" and updated == at and wanted
        assert (outcome, attempts, called_at) == (args["outcome"], len(calls), at)
        assert is_due == (outcome == "unreachable")
        assert satisfied is (None if outcome == "unreachable" else True)
    assert set(outcomes) <= {"satisfied", "basically_satisfied", "unreachable"}
    assert outcomes.get("satisfied", 0) > outcomes.get("unreachable", 0) > 0
    assert any(len(calls) == 2 for calls in by_case.values())
    assert due == waiting + sum(1 for calls in by_case.values()
                                if calls[-1][3]["outcome"] == "unreachable")
    sessions = session_factory(engine)
    with sessions() as session:
        assert verify_ledger(session, list(by_case)) == []
        who = bench_scale.people(session)
        assert box_counts(session, who.viewers["acceptor"])["pending_callback"] == due
        now = session.scalar(text("SELECT max(at) FROM case_ledger"))
        tally = live_kpis(session, WorkCalendar.from_session(session), now).callbacks
        want = dict(session.execute(text(
            "SELECT payload::jsonb #>> '{args,outcome}', count(*) FROM case_ledger"
            " WHERE action = 'callback' AND at >= :since GROUP BY 1"),
            {"since": now - dt.timedelta(days=30)}).all())
    assert tally == want and sum(want.values()) > 0
