"""Work-box read model (Qt-free) on both backends: boxes, paging, sorting, every filter,
phone masking by role, department and task visibility, and the box counts."""

from __future__ import annotations

import datetime as dt

import pytest

from seatdesk.models.queues import (
    COUNT_CAP,
    SORT_COLUMNS,
    CaseFilter,
    QueueError,
    box_counts,
    boxes_for,
    fetch_page,
    fetch_rows,
    mask_phone,
)
from tests.casedata import NOW, STATE_PLAN, read_back


@pytest.fixture
def world(make_db):
    db = make_db("casedata")
    with db.Session() as session:
        seeded = read_back(session)
    return db, seeded


def page(db, viewer, box="all", **kw):
    with db.Session() as session:
        return fetch_page(session, box, viewer=viewer, **kw)


def numbers(p) -> list[str]:
    return [r.number for r in p.rows]


def test_boxes_by_role():
    keys = lambda role: [b.key for b in boxes_for(role)]  # noqa: E731
    assert keys("department") == ["my_department", "all"]
    assert keys("wall") == ["all"]
    assert keys("supervisor") == ["my_tasks", "all"]
    assert keys("acceptor")[:2] == ["pending_accept", "pending_verification"]
    assert {"approve_extension", "approve_return", "approve_suspension"} <= set(keys("dispatcher"))
    assert "approve_void" in keys("shift_lead") and "approve_void" not in keys("dispatcher")
    assert [b.label for b in boxes_for("shift_lead")][:3] == ["待受理", "待核实", "待立案"]


def test_box_contents_and_default_sort(world):
    db, s = world
    acceptor = s.users["acceptor"]
    p = page(db, acceptor, "pending_accept")
    assert numbers(p) == [s.numbers[0], s.numbers[1], s.numbers[2]]  # oldest first
    assert p.total == 3 and p.total_exact
    row = p.rows[0]
    labels = (row.state_label, row.source_label, row.class_name)
    assert labels == ("待受理", "12319热线", "供水井盖")
    assert row.grid_code == s.grid_codes[0] and row.caller_phone == "13812345678"
    assert row.clock is not None and row.clock[2] == "working_minutes"  # step clock (受理)
    handling = page(db, s.users["dispatcher"], "in_handling")
    assert {r.department_name for r in handling.rows} == {"市政设施管理处", "环境卫生管理处"}
    assert all(r.clock and r.clock[2] == "working_hours" for r in handling.rows)
    closed = [r for r in page(db, acceptor).rows if r.state == "closed"]
    assert closed and all(r.clock is None for r in closed)


def test_paging_covers_every_row_once(world):
    db, s = world
    lead = s.users["shift_lead"]
    full = page(db, lead, limit=100)
    assert full.total == len(STATE_PLAN)
    pages = [page(db, lead, offset=o, limit=5) for o in range(0, len(STATE_PLAN), 5)]
    assert [n for p in pages for n in numbers(p)] == numbers(full)
    assert all(p.total == len(STATE_PLAN) and p.total_exact for p in pages)
    assert numbers(full) == sorted(s.numbers, reverse=True)  # 全部案件: newest first
    assert page(db, lead, offset=100).rows == ()


@pytest.mark.parametrize("key", sorted(SORT_COLUMNS))
def test_server_side_sort_both_directions(world, key):
    db, s = world
    lead = s.users["shift_lead"]
    attr = {"class": "class_code", "grid": "grid_code", "department": "department_name",
            "deadline": "deadline_at", "step_deadline": "step_deadline_at",
            "phone": "caller_phone"}.get(key, key)
    def value(row):  # a case without department shows "" (NULL in the database)
        v = getattr(row, attr)
        return None if key == "department" and v == "" else v

    for ascending in (True, False):
        rows = page(db, lead, sort=(key, ascending)).rows
        present = [value(r) for r in rows if value(r) is not None]
        assert present == sorted(present, reverse=not ascending), (key, ascending)
        nulls = [value(r) is None for r in rows]
        # NULLs last ascending, first descending, on both backends
        assert nulls == sorted(nulls, reverse=not ascending)
        ties = {}
        for r in rows:
            ties.setdefault(value(r), []).append(r.id)
        assert all(ids == sorted(ids, reverse=not ascending) for ids in ties.values())


def test_each_filter(world):
    db, s = world
    lead = s.users["shift_lead"]

    def found(**kw) -> set[int]:
        return {r.number for r in page(db, lead, filters=CaseFilter(**kw)).rows}

    n = s.numbers
    assert found(number=n[4]) == {n[4]}
    assert found(number="202500001") == {n[i] for i in range(9, 18)}  # prefix
    assert found(text="燕山路1") == {n[0], n[4], n[13], n[15]}  # address …
    assert found(text="路灯") == {n[2]}  # … or description
    assert found(text="100%") == {n[4]}  # wildcards are literal
    assert found(text="垃圾_") == {n[5]}
    assert found(address="北门路") == {n[3], n[16]}
    assert found(caller_phone="13812345678") == {n[0]}  # whole number
    assert found(caller_phone="5678") == {n[0]}  # part of a number
    assert found(grid_code=s.grid_codes[1]) == {n[i] for i, p in enumerate(STATE_PLAN) if p[6] == 1}
    assert found(grid_code=s.grid_codes[0][:12]) == {n[i] for i, p in enumerate(STATE_PLAN)
                                                     if p[6] == 0}  # community prefix
    with_part = {n[i] for i, p in enumerate(STATE_PLAN) if p[7] == "01001" and i % 2 == 0}
    assert found(component_code=s.component_code) == with_part
    assert found(class_code="10002") == {n[i] for i, p in enumerate(STATE_PLAN) if p[7] == "10002"}
    assert found(class_code="01") == {n[i] for i, p in enumerate(STATE_PLAN) if p[7] == "01001"}
    assert found(source="mayor_hotline") == {n[3]}
    since = NOW - dt.timedelta(hours=3, minutes=30)
    assert found(reported_from=since) == {n[15], n[16], n[17]}
    assert found(reported_from=since, reported_to=NOW - dt.timedelta(hours=1)) == {n[15], n[16]}
    assert found(text="燕山路", class_code="01001", source="patrol") == {
        n[4], n[6], n[9], n[11], n[13], n[15]}
    assert CaseFilter().is_empty() and not CaseFilter(text="x").is_empty()


def test_phone_masking_by_role(world):
    db, s = world
    phones = lambda role: {r.number: r.caller_phone for r in page(db, s.users[role]).rows}  # noqa
    first = s.numbers[0]
    for role in ("acceptor", "shift_lead", "admin"):
        assert phones(role)[first] == "13812345678"
    for role in ("dispatcher", "supervisor"):
        assert phones(role)[first] == "138****5678"
        assert phones(role)[s.numbers[12]] == "051******4321"
    assert set(phones("wall").values()) == {""}
    with pytest.raises(QueueError, match="无权按来电号码查询"):
        page(db, s.users["dispatcher"], filters=CaseFilter(caller_phone="13812345678"))
    assert mask_phone("1234", "dispatcher") == "****" and mask_phone("", "acceptor") == ""


def test_department_and_task_visibility(world):
    db, s = world
    dept, dept2 = s.users["department"], s.users["department2"]
    own = [i for i, p in enumerate(STATE_PLAN) if p[2] == 0]
    assert set(numbers(page(db, dept))) == {s.numbers[i] for i in own}
    mine = page(db, dept, "my_department")
    assert set(numbers(mine)) == {s.numbers[i] for i in (6, 8, 9)}
    assert [r.deadline_at for r in mine.rows] == sorted(r.deadline_at for r in mine.rows)
    assert set(numbers(page(db, dept2, "my_department"))) == {s.numbers[7], s.numbers[10]}
    assert set(numbers(page(db, s.users["supervisor"], "my_tasks"))) == {s.numbers[3],
                                                                         s.numbers[12]}
    with db.Session() as session:
        rows = fetch_rows(session, s.case_ids, dept)
    assert set(rows) == {s.case_ids[i] for i in own}
    with pytest.raises(QueueError, match="无权查看"):
        page(db, dept, "pending_accept")


def test_box_counts_match_the_pages(world):
    db, s = world
    for role in ("shift_lead", "dispatcher", "department", "supervisor", "wall"):
        viewer = s.users[role]
        with db.Session() as session:
            counts = box_counts(session, viewer)
        assert set(counts) == {b.key for b in boxes_for(viewer.role)}
        for key, count in counts.items():
            assert count == page(db, viewer, key).total, (role, key)
    with db.Session() as session:
        lead = box_counts(session, s.users["shift_lead"])
    assert lead["pending_accept"] == 3 and lead["all"] == len(STATE_PLAN) < COUNT_CAP
    assert lead["pending_check"] == 2 and lead["approve_void"] == 1


def test_visibility_is_the_workflow_rule(world):
    """A district dispatcher (二级平台) sees what its centre or its departments hold —
    the same cases ``workflow.queries.visible_cases_filter`` lets it act on."""
    from sqlalchemy import select, update

    from seatdesk.models import Case, Department
    from seatdesk.workflow.auth import LoggedIn
    from seatdesk.workflow.queries import visible_cases_filter
    from seatdesk.workflow.values import Actor

    db, s = world
    with db.Session.begin() as session:
        district = Department(code="Q01", name="昆仑街道二级平台", kind="district_centre")
        session.add(district)
        session.flush()
        session.execute(update(Department).where(Department.id == s.departments[1])
                        .values(parent_id=district.id))
        session.execute(update(Case).where(Case.id == s.case_ids[5]).values(centre_id=district.id))
        district_id = district.id
    viewers = [*s.users.values(), LoggedIn(0, "q", "区派遣员", "dispatcher", district_id, False)]
    for viewer in viewers:
        with db.Session() as session:
            ours = {r.id for r in fetch_page(session, "all", viewer=viewer, limit=100).rows}
            theirs = set(session.scalars(select(Case.id).where(
                visible_cases_filter(Actor.from_login(viewer)))))
        assert ours == theirs, viewer.username
    district_rows = {s.case_ids[5]} | {s.case_ids[i] for i, p in enumerate(STATE_PLAN) if p[2] == 1}
    assert ours == district_rows


def test_running_clock_of_each_kind_of_case():
    import datetime as dt

    from seatdesk.models.queues import running_clock

    t0, t1, t2 = (dt.datetime(2025, 6, 4, h, tzinfo=dt.timezone.utc) for h in (1, 2, 3))
    units = {"accept": "working_minutes"}
    assert running_clock("dispatched", "normal", t0, t2, "working_days", None, t0, t2, units) == (
        t0, t2, "working_days", None, 0)
    assert running_clock("dispatched", "normal", t0, t2, "working_days", None, t0, t2, units,
                         7200)[4] == 7200  # time already suspended: not counted as used
    assert running_clock("suspended", "normal", t0, t2, "working_hours", t1, t0, t2, units)[3] == t1
    assert running_clock("reported", "normal", None, None, None, None, t0, t1, units)[2] == (
        "working_minutes")
    assert running_clock("reported", "urgent", None, None, None, None, t0, t1, units)[2] == (
        "natural_minutes")  # 紧急: continuous time
    closed = running_clock("closed", "normal", t0, t2, "working_hours", None, None, None, units)
    assert closed is None


@pytest.mark.parametrize("key", ["class", "department"])
def test_walked_sort_pages_equal_the_plain_sort(world, key):
    """Class and department sorts of 全部案件 walk the dimension table key by key on
    PostgreSQL (no sort of every case); the pages are exactly those of the plain query,
    at every offset, both directions, NULL group included (checked on both backends)."""
    from sqlalchemy import select

    from seatdesk.models import Case
    from seatdesk.models.queue_rows import row_query
    from seatdesk.models.queues import _order, _scope, _walked, get_box

    db, s = world
    box = get_box("all")
    with db.Session() as session:
        for viewer in (s.users["shift_lead"], s.users["department"]):
            query = _scope(session, row_query(), box, viewer)
            ids = _scope(session, select(Case.id), box, viewer)
            total = len(session.execute(query).all())
            for ascending in (True, False):
                sort = (key, ascending)
                whole = [r[0] for r in session.execute(_order(query, sort))]
                assert [r[0] for r in _walked(session, query, ids, sort, 0, total + 5)] == whole
                for offset in range(0, total + 3, 3):
                    walked = _walked(session, query, ids, sort, offset, 4)
                    assert [r[0] for r in walked] == whole[offset:offset + 4], (sort, offset)
