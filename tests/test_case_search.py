"""Text search of the work boxes through the gram index (migration 0012) on both backends:
two-character Chinese words, single characters, mixed Latin and digits, the index kept
right when a case's text changes, the index actually used, and the term cut the same way
by Python (SQLite's FTS5 query) and by PostgreSQL's ``seatdesk_search_grams``."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point
from sqlalchemy import event, select, text, update

from seatdesk.models import Case
from seatdesk.models.case_search import search_grams
from seatdesk.models.queues import CaseFilter, fetch_page
from tests.casedata import NOW, read_back


@pytest.fixture
def world(make_db):
    db = make_db("casedata")
    with db.Session.begin() as session:
        seeded = read_back(session)
        first = session.get(Case, seeded.case_ids[0])
        extra = [("Route 66 ABC路口", "G15沈海高速K12+300"), ("路 灯 坏了", "人民路"),
                 ("占道经营（早市）", "县前街"), ("", "大营巷 7 号")]
        for i, (description, address) in enumerate(extra):
            session.add(Case(number=f"2099{i:06d}", state="reported", source="patrol",
                             kind="event", class_id=first.class_id, lon=119.475, lat=31.415,
                             geom=Point(119.475, 31.415), grid_cell_id=first.grid_cell_id,
                             address=address, description=description,
                             reported_at=NOW + dt.timedelta(minutes=i),
                             updated_at=NOW + dt.timedelta(minutes=i)))
    return db, seeded


def found(db, seeded, **filters) -> set[str]:
    with db.Session() as session:
        page = fetch_page(session, "all", CaseFilter(**filters), limit=200,
                          viewer=seeded.users["shift_lead"])
        ids = [row.id for row in page.rows]
        texts = session.execute(select(Case.description, Case.address).where(Case.id.in_(ids)))
        return {description or address for description, address in texts}


def descriptions(db, seeded, **filters) -> set[str]:
    return found(db, seeded, **filters)


def test_two_character_chinese_words(world):
    db, s = world
    assert descriptions(db, s, text="垃圾") == {"垃圾", "垃圾满溢", "暴露垃圾", "暴露垃圾_堆积"}
    assert descriptions(db, s, text="井盖") == {"井盖", "井盖下沉", "井盖破损", "井盖松动",
                                                "井盖缺失 100%"}
    assert descriptions(db, s, text="占道") == {"占道经营", "占道经营（早市）"}
    assert descriptions(db, s, text="路灯") == {"路灯不亮"}  # not "路 灯 坏了"
    assert descriptions(db, s, text="下水") == set()


def test_single_characters_and_separated_ones(world):
    db, s = world
    assert descriptions(db, s, text="灯") == {"路 灯 坏了", "路灯不亮"}
    assert descriptions(db, s, text="路 灯") == {"路 灯 坏了"}  # exact: the space counts
    assert "大营巷 7 号" in found(db, s, text="7")
    assert descriptions(db, s, text="溢") == {"垃圾满溢"}


def test_latin_digits_and_mixed_terms(world):
    db, s = world
    assert descriptions(db, s, text="route 66") == {"Route 66 ABC路口"}  # any case
    assert descriptions(db, s, text="abc路") == {"Route 66 ABC路口"}
    assert descriptions(db, s, text="k12+3") == {"Route 66 ABC路口"}  # in the address
    assert descriptions(db, s, text="G15") == {"Route 66 ABC路口"}
    assert descriptions(db, s, text="100%") == {"井盖缺失 100%"}  # wildcards stay literal
    assert descriptions(db, s, text="垃圾_") == {"暴露垃圾_堆积"}
    assert descriptions(db, s, text="（早") == {"占道经营（早市）"}  # punctuation only


def test_address_filter_and_text_together(world):
    db, s = world
    assert descriptions(db, s, address="燕山") == {"井盖破损", "路灯不亮", "井盖缺失 100%",
                                                   "井盖松动", "井盖"}
    assert descriptions(db, s, text="井盖", address="燕山路10") == {"井盖"}
    assert descriptions(db, s, address="井盖") == set()  # description words are not addresses


def test_changed_text_is_found_by_its_new_words_only(world):
    db, s = world
    with db.Session.begin() as session:
        session.execute(update(Case).where(Case.description == "路灯不亮")
                        .values(description="下水道堵塞"))
    assert descriptions(db, s, text="下水") == {"下水道堵塞"}
    assert descriptions(db, s, text="路灯") == set()
    with db.Session.begin() as session:
        session.execute(text("DELETE FROM cases WHERE description = '下水道堵塞'"))
    assert descriptions(db, s, text="下水") == set()


def test_the_search_goes_through_the_gram_index(world):
    db, s = world
    statement, params = _page_statement(db, s, CaseFilter(text="垃圾"))
    with db.engine.connect() as conn:
        if db.backend == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params))
            assert "ix_cases_search_grams" in plan
        else:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))
            assert "VIRTUAL TABLE INDEX" in plan and "case_grams" in plan


def _page_statement(db, s, filters: CaseFilter):
    """The SQL and parameters ``fetch_page`` sends for the first page of 全部案件."""
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.Session() as session:
            fetch_page(session, "all", filters, viewer=s.users["shift_lead"])
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return next((q, p) for q, p in seen if "LIMIT" in q and "ORDER BY" in q)


ALPHABET = list("垃圾井盖路灯占道 aB1%_（\n")


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.text(alphabet=st.sampled_from(ALPHABET), min_size=1, max_size=8))
def test_python_and_postgresql_cut_a_term_alike(db, term):
    with db.engine.connect() as conn:
        cut = conn.scalar(text("SELECT seatdesk_search_grams(:t)"), {"t": term.strip()})
    assert sorted(cut) == sorted(search_grams(term.strip()))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(alphabet=st.sampled_from(ALPHABET), min_size=1, max_size=20),
       data=st.data())
def test_any_piece_of_a_case_text_finds_the_case(world, body, data):
    db, s = world
    start = data.draw(st.integers(0, len(body) - 1))
    term = body[start:start + data.draw(st.integers(1, len(body) - start))].strip()
    if not term or "\n" in term:
        return  # a blank term is no filter; a search box holds one line (textrules)
    with db.Session.begin() as session:
        session.execute(update(Case).where(Case.id == s.case_ids[0])
                        .values(description=body, address=""))
    assert body in found(db, s, text=term)


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_term_in_more_cases_than_counted_walks_the_sort_order(world):
    """垃圾 in 10,050 more cases: past COUNT_CAP the page comes from walking the sort's index
    or the class/department key by key (the gram index left out); it is the same page a
    plain sort of all matches gives."""
    from seatdesk.models.queues import COUNT_CAP

    db, s = world
    _many_cases(db, COUNT_CAP + 50, "W", "closed", "'暴露垃圾' || g")
    for sort in (("reported_at", False), ("address", True), ("number", False),
                 ("class", True), ("department", False)):
        with db.Session() as session:
            page = fetch_page(session, "all", CaseFilter(text="垃圾"), sort, 0, 100,
                              s.users["shift_lead"])
        assert (page.total, page.total_exact) == (COUNT_CAP, False)
        column = {"reported_at": "c.reported_at", "address": "c.address", "number": "c.number",
                  "class": "k.code", "department": "d.name"}[sort[0]]
        order = "ASC NULLS LAST, c.id ASC" if sort[1] else "DESC NULLS FIRST, c.id DESC"
        with db.engine.connect() as conn:
            expected = conn.execute(text(
                f"SELECT c.id FROM cases c LEFT JOIN case_classes k ON k.id = c.class_id "
                f"LEFT JOIN departments d ON d.id = c.department_id "
                f"WHERE c.description LIKE '%垃圾%' OR c.address LIKE '%垃圾%' "
                f"ORDER BY {column} {order} LIMIT 100")).scalars().all()
        assert [r.id for r in page.rows] == expected


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_common_term_is_counted_by_a_plain_scan_and_pages_by_deadline(world):
    """井盖 in 11,000 more cases, 路灯 in 1,000: the planner's estimate sends the common term's
    capped count to a plain scan (the gram index would gather every match first) and keeps
    the gram index for the selective one; either way the count is the count and the page
    by deadline (NULLs last, most of the earliest deadlines on other cases) is the page a
    plain sort of every match gives."""
    from seatdesk.models.queues import COUNT_CAP, _capped_count, _common_text, get_box

    db, s = world
    _many_cases(db, 12000, "J", "dispatched",
                "CASE WHEN g % 12 = 0 THEN '路灯不亮' || g ELSE '井盖破损' || g END",
                "CASE WHEN g % 7 = 0 THEN NULL"
                " WHEN g % 12 = 0 THEN c.reported_at - interval '30 days' + g * interval '1 s'"
                " ELSE c.reported_at + (g % 997) * interval '1 hour' END")
    lead = s.users["shift_lead"]
    for term, common in (("井盖", True), ("路灯", False), ("下水", False)):
        with db.Session() as session:
            f = CaseFilter(text=term).checked()
            assert _common_text(session, f) is common, term
            counts = {_capped_count(session, get_box("all"), f, lead, "postgresql", indexed)
                      for indexed in (True, False)}
            page = fetch_page(session, "all", CaseFilter(text=term), ("deadline", True), 0, 50,
                              lead)
        with db.engine.connect() as conn:
            match = f"c.description LIKE '%{term}%' OR c.address LIKE '%{term}%'"
            total = conn.execute(text(f"SELECT count(*) FROM cases c WHERE {match}")).scalar()
            expected = conn.execute(text(
                f"SELECT c.id FROM cases c WHERE {match}"
                " ORDER BY c.deadline_at ASC NULLS LAST, c.id ASC LIMIT 50")).scalars().all()
        assert counts == {min(total, COUNT_CAP + 1)}, term
        assert (page.total, page.total_exact) == (min(total, COUNT_CAP), total <= COUNT_CAP)
        assert [r.id for r in page.rows] == expected, term
        assert (total > COUNT_CAP) is common


def _many_cases(db, n: int, prefix: str, state: str, description: str,
                deadline: str = "NULL") -> None:
    """``n`` more cases copied from the first (PostgreSQL), numbered ``prefix`` || g, with
    ``description`` and ``deadline`` SQL expressions of g (c: the first case); analysed."""
    with db.engine.begin() as conn:
        conn.execute(text(f"""
            INSERT INTO cases (number, version, state, source, kind, class_id, urgency, lon, lat,
                geom, grid_cell_id, zone, address, description, caller_name, caller_phone,
                callback_wanted, closure_condition, reported_at, deadline_at,
                suspended_seconds, rework_count, return_count, extension_count,
                pending_request, ledger_head, ledger_seq, updated_at, verification,
                merged_count)
            SELECT :prefix || g, 1, :state, 'patrol', 'event', c.class_id, 'normal', c.lon,
                c.lat, c.geom, c.grid_cell_id, '', '人民路' || g || '号', {description}, '', '',
                false, '', c.reported_at - g * interval '1 minute', {deadline},
                0, 0, 0, 0, '', '', 0, c.updated_at, '', 0
            FROM generate_series(1, :n) AS g, (SELECT * FROM cases ORDER BY id LIMIT 1) AS c
        """), {"n": n, "prefix": prefix, "state": state})
        conn.execute(text("ANALYZE cases"))
