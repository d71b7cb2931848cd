"""The demo city: grid geometry (full size, in-process), components of every class, the
small demo on both backends (counts, logins, cells, ledger chains, states) and
determinism (same spec → same data)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from seatdesk.data.demo import DemoError, DemoSpec, build_demo, demo_is_loaded
from seatdesk.data.demo.assets import ClassRef, plan_components
from seatdesk.data.demo.geo import COMMUNITIES, SLIVER_FRACTION, geodesic_area_m2, to_metric
from seatdesk.data.demo.grid import build_geo
from seatdesk.data.reference import REFERENCE_DIR
from seatdesk.models import (
    AdminUnit,
    Case,
    CaseClass,
    ClassEdition,
    Component,
    Department,
    Dispatch,
    GridCell,
    LedgerEntry,
    Responsibility,
    SupervisorPosition,
    User,
    get_setting,
)
from seatdesk.models.enums import CaseState
from seatdesk.models.ledger import GENESIS, entry_hash
from seatdesk.workflow.auth import login
from seatdesk.workflow.ledger import TRACKED, replay, verify_ledger

EDITION = "GB/T 47678.5-2026"
NOW = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.timezone.utc)
SMALL = dataclasses.replace(DemoSpec.small(), now=NOW)
STEPS = ("reported_at", "accepted_at", "filed_at", "dispatched_at", "feedback_at", "closed_at")


# -- full-size geometry, in-process (no database) ----------------------------------------


@pytest.fixture(scope="module")
def full_geo():
    return build_geo(DemoSpec().seed, DemoSpec().cells_target)


@pytest.fixture(scope="module")
def edition_components() -> list[ClassRef]:
    with open(REFERENCE_DIR / "classes_gbt47678_5.csv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "component"]
    return [ClassRef(i, r["minor_code"], r["minor_name"], "component")
            for i, r in enumerate(rows, start=1)]


def test_admin_units_and_communities(full_geo):
    levels = Counter(u.level for u in full_geo.units)
    assert levels == {"district": 1, "street": 3, "community": len(COMMUNITIES)}
    by_code = {u.code: u for u in full_geo.units}
    assert by_code["320481"].name == "溧阳市"
    assert {by_code[c].name for c in ("320481001", "320481002", "320481003")} == {
        "昆仑街道", "溧城街道", "古县街道"}
    assert by_code["320481002012"].name == "县前街社区"
    for unit in full_geo.units:
        assert unit.geom.geom_type == "MultiPolygon" and unit.geom.is_valid
        assert len(unit.code) == {"district": 6, "street": 9, "community": 12}[unit.level]
        if unit.parent_code:
            assert unit.code.startswith(unit.parent_code)
    town = geodesic_area_m2(full_geo.town)
    assert geodesic_area_m2(by_code["320481"].geom) == pytest.approx(town, rel=0.005)


def test_full_grid_codes(full_geo):
    cells = full_geo.cells
    assert abs(len(cells) - DemoSpec().cells_target) <= 0.1 * DemoSpec().cells_target
    codes = [c.code for c in cells]
    assert len(set(codes)) == len(codes)
    per_community = defaultdict(list)
    for c in cells:
        assert len(c.code) == 15 and c.code.isdigit()
        assert c.code[:12] == c.community_code
        assert c.name.endswith(f"第{c.code[12:]}网格")
        per_community[c.community_code].append(int(c.code[12:]))
    for seqs in per_community.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))  # 001 … n, no gaps
    assert {c.zone for c in cells} == {"A", "B", "C"}


def test_full_grid_tiles_the_town(full_geo):
    """无缝拼接: no overlaps, no gaps; cells ≈ 10,000 m², none crosses a community."""
    metric = np.array([to_metric(c.geom) for c in full_geo.cells], dtype=object)
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(metric[left[pairs]], metric[right[pairs]]))
    assert overlaps.max() < 1.0  # m²: shared edges only
    union = shapely.union_all(metric)
    town = to_metric(full_geo.town)
    assert union.symmetric_difference(town).area / town.area < 0.005
    areas = np.array([c.area_m2 for c in full_geo.cells])
    assert areas.sum() == pytest.approx(geodesic_area_m2(full_geo.town), rel=0.005)
    assert areas.min() >= SLIVER_FRACTION * full_geo.cell_size_m ** 2 * 0.99
    assert 8_000 < np.median(areas) < 12_000
    communities = {u.code: u.geom for u in full_geo.units if u.level == "community"}
    for cell in full_geo.cells:
        outside = cell.geom.difference(communities[cell.community_code]).area
        assert outside < cell.geom.area * 1e-6  # 属地管理


def test_full_size_components_cover_every_class(full_geo, edition_components):
    plan = plan_components(full_geo, edition_components, 50_000, DemoSpec().seed,
                           dt.date(2026, 11, 1))
    assert len(plan) == 50_000
    present = Counter(int(i) for i in plan.class_index)
    assert set(present) == set(range(len(edition_components)))  # every class of the edition
    top = max(present, key=present.get)
    assert edition_components[top].name in ("行道树", "路灯")
    assert len(set(plan.codes)) == len(plan.codes)
    for code, ci in zip(plan.codes[::997], plan.class_index[::997], strict=True):
        assert len(code) == 17 and code.startswith("320481" + edition_components[ci].code)
    cells = [full_geo.cells[i].geom for i in plan.cell]
    assert shapely.contains(cells, shapely.points(plan.lon, plan.lat)).all()
    assert Counter(plan.status)["intact"] > 0.9 * len(plan)


# -- the small demo on both backends --------------------------------------------------------


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_build_counts_settings_and_refusal(db):
    assert not demo_is_loaded(db.engine)
    summary = build_demo(db.engine, SMALL)
    assert demo_is_loaded(db.engine)
    with db.Session() as s:
        assert summary.admin_units == count(s, AdminUnit) == 1 + 3 + len(COMMUNITIES)
        assert summary.grid_cells == count(s, GridCell)
        assert abs(summary.grid_cells - SMALL.cells_target) <= 0.15 * SMALL.cells_target
        assert summary.components == count(s, Component) == SMALL.components
        assert summary.cases == count(s, Case) == SMALL.cases
        assert summary.ledger_entries == count(s, LedgerEntry)
        assert summary.dispatches == count(s, Dispatch)
        assert summary.users == count(s, User)
        assert summary.departments == count(s, Department)
        assert summary.responsibilities == count(s, Responsibility)
        assert summary.supervisor_positions == count(s, SupervisorPosition) == SMALL.supervisors
        assert get_setting(s, "grid_code_length") == 15
        assert get_setting(s, "class_edition") == EDITION
        assert get_setting(s, "admin_code") == "320481"
        assert count(s, Department, Department.kind == "city_centre") == 1
        district = s.scalar(select(Department).where(Department.kind == "district_centre"))
        assert count(s, Department, Department.parent_id == district.id) >= 2
        # every class of every edition has a city-wide responsible department
        classes = count(s, CaseClass)
        assert count(s, Responsibility, Responsibility.area_id.is_(None)) == classes
        assert count(s, Responsibility, Responsibility.area_id.is_not(None)) > 0
    with pytest.raises(DemoError):
        build_demo(db.engine, SMALL)


def digest(db) -> str:
    h = hashlib.sha256()
    with db.Session() as s:
        for code, geom in s.execute(select(GridCell.code, GridCell.geom).order_by(GridCell.code)):
            h.update(f"{code}{geom.wkt}".encode())
        for row in s.execute(select(Component.code, Component.lon, Component.lat,
                                    Component.status).order_by(Component.code)):
            h.update(repr(tuple(row)).encode())
        for row in s.execute(select(Case.number, Case.state, Case.lon, Case.lat,
                                    Case.ledger_head).order_by(Case.number)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL: see the parallel-path test
def test_same_spec_same_city(make_db):
    first, second = make_db("empty"), make_db("empty")
    build_demo(first.engine, SMALL)
    build_demo(second.engine, SMALL)
    assert digest(first) == digest(second)


def test_demo_users_log_in(make_db):
    db = make_db("demo_small")
    with db.Session() as s:
        roles = dict(s.execute(select(User.username, User.role)).all())
        for username, role in {"shouli": "acceptor", "zhibanzhang": "shift_lead",
                               "paiqian": "dispatcher", "bumen": "department",
                               "jiandu": "supervisor", "admin": "admin", "daping": "wall",
                               "quxpaiqian": "dispatcher"}.items():
            assert roles[username] == role
        assert len({h for (h,) in s.execute(select(User.password_hash))}) == 1  # hashed once
        bumen = login(s, "bumen", "seatdesk-demo")
        dept = s.get(Department, bumen.department_id)
        assert dept.name == "溧阳市城市管理综合行政执法大队"
        qu = login(s, "quxpaiqian", "seatdesk-demo")
        assert s.get(Department, qu.department_id).kind == "district_centre"
        assert login(s, "shouli", "seatdesk-demo").role == "acceptor"
        positions = s.scalars(select(SupervisorPosition)).all()
        sups = {u for (u,) in s.execute(select(User.id).where(User.role == "supervisor"))}
        assert {p.user_id for p in positions} == sups


def test_components_and_cases_lie_in_their_cells(make_db):
    db = make_db("demo_small")
    with db.Session() as s:
        cells = {c.id: c for c in s.scalars(select(GridCell))}
        community_of = {c.id: c.community_id for c in cells.values()}
        for comp in s.scalars(select(Component)):
            assert cells[comp.grid_cell_id].geom.contains(comp.geom)
            assert (comp.lon, comp.lat) == (comp.geom.x, comp.geom.y)
        component_classes = set(s.scalars(
            select(CaseClass.id).join(ClassEdition).where(
                ClassEdition.code == EDITION, CaseClass.kind == "component")))
        assert set(s.scalars(select(Component.class_id).distinct())) == component_classes
        for case in s.scalars(select(Case)):
            assert cells[case.grid_cell_id].geom.covers(case.geom)
            assert case.community_id == community_of[case.grid_cell_id]
            assert case.zone == cells[case.grid_cell_id].zone


def test_cases_timelines_numbers_and_states(make_db):
    db = make_db("demo_small")
    with db.Session() as s:
        cases = s.scalars(select(Case)).all()
        states = Counter(c.state for c in cases)
        assert set(states) == set(CaseState)  # every state shows up
        assert states["closed"] > 0.6 * len(cases)
        sources = Counter(c.source for c in cases)
        assert sources.most_common(1)[0][0] == "patrol"
        per_day = Counter(c.number[:8] for c in cases)
        for c in cases:
            assert len(c.number) == 14 and c.number.isdigit()
            local = c.reported_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
            assert c.number[:8] == local.strftime("%Y%m%d")
            assert 1 <= int(c.number[8:]) <= per_day[c.number[:8]]
            steps = [getattr(c, name) for name in STEPS if getattr(c, name) is not None]
            assert steps == sorted(steps)
            assert c.updated_at <= dt.datetime.now(dt.timezone.utc)
            if c.state == "closed":
                assert c.closure_type in ("normal", "overdue")
                assert (c.closure_type == "overdue") == (c.closed_at > c.deadline_at)
            if c.component_id is not None:
                assert c.kind == "component"


def test_every_ledger_chain_verifies(make_db):
    db = make_db("demo_small")
    with db.Session() as s:
        cases = {c.id: c for c in s.scalars(select(Case))}
        rows = defaultdict(list)
        for row in s.scalars(select(LedgerEntry).order_by(LedgerEntry.case_id, LedgerEntry.seq)):
            rows[row.case_id].append(row)
        assert set(rows) == set(cases)
        for case_id, chain in rows.items():
            case, prev = cases[case_id], GENESIS
            for seq, row in enumerate(chain, start=1):
                assert (row.seq, row.prev_hash) == (seq, prev)
                assert row.hash == entry_hash(
                    prev_hash=row.prev_hash, case_number=case.number, seq=row.seq, at=row.at,
                    actor_id=row.actor_id, actor_role=row.actor_role, seat=row.seat,
                    action=row.action, from_state=row.from_state, to_state=row.to_state,
                    reason=row.reason, payload=row.payload)
                prev = row.hash
            assert (case.ledger_head, case.ledger_seq, case.version) == (prev, len(chain),
                                                                          len(chain))
            assert [r.at for r in chain] == sorted(r.at for r in chain)
            rebuilt = replay(chain)  # a legal path whose payloads rebuild the case row
            assert rebuilt.problems == () and rebuilt.state == case.state
            for name in TRACKED:
                assert rebuilt[name] == getattr(case, name), (case.number, name)
        assert verify_ledger(s) == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_parallel_copy_path_gives_the_same_city(make_db, monkeypatch):
    """Chunks generated in worker processes and COPY-encoded = chunks generated in-process
    (two builds of one spec, so this is also the determinism test on PostgreSQL)."""
    from seatdesk.data import demo
    from seatdesk.data.demo import pipeline as demo_pipeline

    monkeypatch.setattr(demo, "CHUNK", 60)  # several chunks from the small spec
    pooled, inline = make_db("empty"), make_db("empty")
    monkeypatch.setattr(demo_pipeline, "workers", lambda: 2)
    build_demo(pooled.engine, SMALL)
    monkeypatch.setattr(demo_pipeline, "workers", lambda: 1)
    build_demo(inline.engine, SMALL)
    assert digest(pooled) == digest(inline)
    with pooled.Session() as s:
        assert count(s, Case) == SMALL.cases
        assert verify_ledger(s) == []


def test_supervisor_beats_are_the_evaluations_missed_report_areas(make_db):
    """Each demo supervisor's beat (whole communities, no overlaps) is stored as their
    漏报 area, so the supervisors' 漏报率 is computed on the demo city."""
    from seatdesk.data.demo.db import EVALUATION_KEY
    from seatdesk.evaluation.config import SETTING_KEY, load_config
    from seatdesk.evaluation.indicators import Period, evaluate

    assert EVALUATION_KEY == SETTING_KEY
    db = make_db("demo_small")
    with db.Session() as s:
        areas = load_config(s).supervisor_areas
        communities = set(s.scalars(select(AdminUnit.code).distinct()
                                    .join(GridCell, GridCell.community_id == AdminUnit.id)))
        assert len(areas) == DemoSpec.small().supervisors and "jiandu" in areas
        beats = [set(codes) for codes in areas.values()]
        assert all(beats) and sum(map(len, beats)) == len(set().union(*beats))  # disjoint
        assert set().union(*beats) == communities
        last = s.scalar(select(func.max(Case.reported_at)))
        period = Period.between(last - dt.timedelta(days=90), last + dt.timedelta(hours=1))
        rows = evaluate(s, period, "supervisor").rows
    rates = {r.name: r.value("missed_report_rate") for r in rows}
    assert rates and all(rate is not None for rate in rates.values()), rates
    assert 0 < sum(r.value("missed_reports") for r in rows)


def test_the_department_account_gets_the_common_complaints(make_db):
    """The demo's ``bumen`` is in the department the dispatch suggestion picks for the
    demo's frequent complaints: reported in each street, the classes of the generator's
    weights go to bumen's department more than to any other (by weight), and the README
    walkthrough's 非法小广告 goes there wherever it is reported."""
    from seatdesk.data.demo.cases import EVENT_WEIGHTS
    from seatdesk.workflow import services as sd
    from seatdesk.workflow.routing import suggest_department

    db = make_db("demo_small")
    wf = sd.Workflow(db.engine)
    with db.Session() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        shouli = sd.Actor(users["shouli"].id, "acceptor", users["shouli"].department_id, "席位")
        classes = dict(s.execute(select(CaseClass.name, CaseClass.id).join(ClassEdition)
                                 .where(ClassEdition.code == EDITION)).all())
        streets = s.scalars(select(AdminUnit).where(AdminUnit.level == "street")).all()
        spots = [s.scalars(select(GridCell).join(AdminUnit, AdminUnit.id == GridCell.community_id)
                           .where(AdminUnit.parent_id == street.id).limit(1)).one()
                 for street in streets]
    share: Counter = Counter()
    walkthrough = set()
    for cell in spots:
        lon, lat = (cell.min_lon + cell.max_lon) / 2, (cell.min_lat + cell.max_lat) / 2
        for keyword, weight in EVENT_WEIGHTS:
            name = next(n for n in classes if keyword in n)
            change = sd.register(wf, shouli, sd.Report("hotline_12319", lon, lat, "测试地址",
                                                       "测试", classes[name]))
            with db.Session() as s:
                dept = suggest_department(s, change.case_id).department_id
            share[dept] += weight
            if name == "非法小广告":
                walkthrough.add(dept)
    bumen = users["bumen"].department_id
    assert share.most_common(1)[0][0] == bumen, share
    assert walkthrough == {bumen}


def test_demo_accounts_are_listed_for_the_login_dialog_and_the_readme(make_db):
    """The setting the login dialog's hint reads names every account with its department,
    and README's demo table lists each core account with the same department."""
    from pathlib import Path

    db = make_db("demo_small")
    with db.Session() as s:
        accounts = get_setting(s, "demo_accounts")
        names = dict(s.execute(select(User.username, Department.name)
                               .join(Department, Department.id == User.department_id)).all())
    assert {a["username"]: a["department"] for a in accounts} == names
    core = [a for a in accounts if a["core"]]
    assert [a["username"] for a in core][:3] == ["shouli", "zhibanzhang", "paiqian"]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines()
            if line.startswith("| `")}
    for account in core:
        assert account["department"] in rows[account["username"]], account["username"]
    assert "bm_hjws" in readme and "bm_szss" in readme
