"""The deterministic demo city: 溧阳市 phase-one old town (Qt-free).

``build_demo(engine, DemoSpec())`` loads the reference data, then writes, in one
transaction, the admin units (``demo_geo``), the 万米 grid (``demo_grid``) and the roads, the
organisation, responsibility matrix and accounts (``demo_org``), the components placed
along the streets (``demo_roads``, ``demo_assets``) and, if asked, a bulk case history
whose ledger chains verify (``demo_cases`` → ``demo_life`` → ``demo_batch`` →
``demo_pipeline``). The same spec (seed, sizes, ``now``) gives the same data. Big tables
go through COPY on PostgreSQL (generated in worker processes when the caller is
single-threaded) and batched executemany on SQLite.

Demo accounts (password ``seatdesk-demo``): shouli 受理员, zhibanzhang 值班长, paiqian 派遣员,
bumen 专业部门 (城市管理综合行政执法大队, the department of the most frequent complaints),
jiandu 监督员, admin 管理员, daping 大屏, quxpaiqian 区级派遣员 (昆仑街道二级平台), jiandu02…
more 监督员, bm_<code> one account per other department. The list is stored under the
setting ``demo_accounts`` (``org.demo_accounts``): its presence marks a demo database, and
the login dialog shows it as a hint.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from seatdesk.models import Case, CaseReporter, Department, Dispatch, GridCell, LedgerEntry
from seatdesk.models.db import write_transaction
from seatdesk.models.settings import set_setting
from seatdesk.workflow.context import WorkflowSettings
from seatdesk.workflow.worktime import WorkCalendar

from seatdesk.data.demo import db as demo_db
from seatdesk.data.demo import load as demo_load
from seatdesk.data.demo.assets import plan_components
from seatdesk.data.demo.batch import CaseGenerator
from seatdesk.data.demo.cases import arrivals, case_numbers, forced_holds
from seatdesk.data.demo.geo import DISTRICT_CODE
from seatdesk.data.demo.grid import beats, build_geo
from seatdesk.data.demo.org import CITY_CENTRE, demo_accounts
from seatdesk.data.demo.pipeline import write_cases
from seatdesk.data.demo.roads import PointSampler
from seatdesk.data.demo.world import build_world, supervisor_usernames
from seatdesk.data.reference import load_reference

EDITION = "GB/T 47678.5-2026"
SETTINGS = {"grid_code_length": 15, "class_edition": EDITION, "admin_code": DISTRICT_CODE}
CHUNK = 10_000
Progress = Callable[[str, int, int], None]


class DemoError(Exception):
    """The demo cannot be built here; ``str()`` is the message for the user."""


@dataclass(frozen=True)
class DemoSpec:
    seed: int = 20120501
    cells_target: int = 3800  # ~10,000 m² cells over the 38.4 km² old town
    components: int = 50_000
    cases: int = 6000  # ~65 a day over the 90 days: a realistic county-level old town
    days: int = 90
    supervisors: int = 12
    now: dt.datetime | None = None  # end of the case history; None = now, to the hour

    def __post_init__(self) -> None:
        for name in ("cells_target", "days", "supervisors"):
            if getattr(self, name) < 1:
                raise ValueError(f"演示城市参数 {name} 必须至少为 1")
        for name in ("components", "cases"):
            if getattr(self, name) < 0:
                raise ValueError(f"演示城市参数 {name} 不能为负数")

    @classmethod
    def small(cls) -> DemoSpec:
        """Coarse cells (≈300 m) over the whole town, ~500 components, 200 cases."""
        return cls(cells_target=400, components=500, cases=200, supervisors=4)

    def resolved_now(self) -> dt.datetime:
        if self.now is not None:
            if self.now.tzinfo is None:
                raise ValueError("DemoSpec.now must be an aware datetime")
            return self.now.astimezone(dt.timezone.utc)
        return dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class DemoSummary:
    admin_units: int
    grid_cells: int
    roads: int
    departments: int
    responsibilities: int
    users: int
    supervisor_positions: int
    components: int
    cases: int
    ledger_entries: int
    dispatches: int
    reporters: int
    seconds: tuple[tuple[str, float], ...] = ()


def demo_is_loaded(engine: Engine) -> bool:
    """True when the demo city centre and a grid exist (``seatdesk demo --if-empty``)."""
    with Session(engine) as session:
        has_centre = session.scalar(select(func.count()).select_from(Department)
                                    .where(Department.code == CITY_CENTRE))
        has_cells = session.scalar(select(func.count()).select_from(GridCell))
    return bool(has_centre) and bool(has_cells)


def build_demo(engine: Engine, spec: DemoSpec, progress: Progress | None = None) -> DemoSummary:
    """Generate and load the demo city in one transaction. ``progress(phase, done, total)``."""
    report = progress or (lambda _phase, _done, _total: None)
    now = spec.resolved_now()
    timer = _Timer()
    with write_transaction(engine) as session:
        _refuse_if_loaded(session)
        with timer("reference"):
            report("参考数据", 0, 1)
            load_reference(session)
            for key, value in SETTINGS.items():
                set_setting(session, key, value)
            session.flush()
        counts = _build(session, spec, now, timer, report)
    return DemoSummary(**counts, seconds=tuple(timer.seconds))


def _refuse_if_loaded(session: Session) -> None:
    if session.scalar(select(func.count()).select_from(GridCell)) or session.scalar(
            select(func.count()).select_from(Department).where(Department.code == CITY_CENTRE)):
        raise DemoError("数据库中已有网格或演示组织数据，不能再次生成演示城市")


def _build(session: Session, spec: DemoSpec, now: dt.datetime, timer: _Timer,
           report: Progress) -> dict[str, int]:
    with timer("geometry"):
        report("网格", 0, 1)
        geo = build_geo(spec.seed, spec.cells_target)
        ids = demo_db.insert_geo(session, geo)
        n_roads = demo_db.insert_roads(session)
    with timer("organisation"):
        report("组织与用户", 0, 1)
        depts = demo_db.insert_departments(session, ids.units)
        n_resp = demo_db.insert_responsibilities(session, depts, ids.units)
        users = demo_db.insert_users(session, depts, spec.supervisors)
        set_setting(session, "demo_accounts", demo_accounts(spec.supervisors))
        sups = supervisor_usernames(spec.supervisors)
        beat_of_cell = beats(geo, len(sups))
        n_pos = demo_db.insert_positions(session, geo, beat_of_cell, [users[u] for u in sups],
                                         now, spec.seed)
        demo_db.store_supervisor_areas(session, geo, beat_of_cell, sups)
    with timer("components"):
        report("部件", 0, spec.components)
        classes = demo_db.component_classes(session, EDITION)
        comps = plan_components(geo, classes, spec.components, spec.seed, now.date())
        comp_ids = demo_db.insert_components(session, comps, classes, ids.cells, depts)
    counts = {"admin_units": len(geo.units), "grid_cells": len(geo.cells), "roads": n_roads,
              "departments": len(depts), "responsibilities": n_resp, "users": len(users),
              "supervisor_positions": n_pos, "components": len(comps)}
    case_counts = {"cases": 0, "ledger_entries": 0, "dispatches": 0, "reporters": 0}
    if spec.cases > 0:
        with timer("cases"):
            world = build_world(session, EDITION, geo, ids, depts, users, beat_of_cell, sups,
                                comps, classes, comp_ids)
            case_counts = _cases(session, spec, now, geo, world, report)
    return counts | case_counts


def _cases(session: Session, spec: DemoSpec, now: dt.datetime, geo, world,
           report: Progress) -> dict[str, int]:
    conn = session.connection()
    ts = arrivals(spec.seed, spec.cases, spec.days, now)
    gen = CaseGenerator(world, PointSampler(geo), WorkCalendar.from_session(session),
                        WorkflowSettings.load(session), spec.seed, now,
                        demo_load.next_id(conn, Case.__table__), ts, case_numbers(ts),
                        forced_holds(ts, now))
    report("案卷", 0, spec.cases)
    tables = [Case.__table__, LedgerEntry.__table__, Dispatch.__table__, CaseReporter.__table__]
    with demo_load.indexes_deferred(conn, tables, spec.cases):
        totals = write_cases(conn, gen, CHUNK, lambda done: report("案卷", done, spec.cases))
    demo_load.fix_sequence(conn, Case.__table__)
    return totals


class _Timer:
    """Seconds spent per build phase (reported in ``DemoSummary.seconds``)."""

    def __init__(self):
        self.seconds: list[tuple[str, float]] = []

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds.append((phase, round(time.perf_counter() - start, 3)))
