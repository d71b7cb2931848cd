"""Map benchmark: the Liyang grid (~3,800 cells), 100,000 components, 10,000 open cases.

Builds the demo city (cells, components, supervisors) into a fresh database on the
PostgreSQL/PostGIS server of ``database_url`` and adds 10,000 open cases spread over every
open state, then measures:

- time until the map is usable in the seat: ``MapView.load()`` → page up, grid drawn and
  every open case marker added (QtWebEngine offscreen, software rendering), median of 3;
- time from a case change (the what-changed broadcast, ``apply_changes``) to its marker
  changing in the page, without a reload: median and max of 20 changes;
- time to fetch the components of a typical viewport (1280 × 800 px at zoom 17, about
  1.3 km × 0.8 km) from PostGIS through the spatial index: median and p95 of 40 viewports;
- time to resolve a map pick (cell, community, street, components within 50 m, the nearest
  road, a known address within 30 m: ``resolve_pick``) and to answer the intake's place
  search for a road name (``search_places``): median and p95 of 40 each, with a third of
  the open cases carrying an address on a demo road.

Run with ``make bench`` (or ``python -m bench --database URL --only bench_map``).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from shapely.geometry import Point
from sqlalchemy import func, insert, select, text, update

from bench import common
from seatdesk.models import Case, Component, GridCell
from seatdesk.models.db import make_engine, session_factory

DB_NAME = "seatdesk_bench_map"
OPEN_CASES = 10_000
VIEWPORT_DEG = (1280 * 360 / (256 * 2**17), 800 * 360 / (256 * 2**17) * np.cos(np.radians(31.42)))
Report = Callable[..., None]

#: (state, share) of the open cases; handling states run the 处置 clock, the others a step clock
STATES = (
    ("reported", 0.08),
    ("pending_verification", 0.04),
    ("accepted", 0.06),
    ("filed", 0.06),
    ("at_district", 0.02),
    ("dispatched", 0.55),
    ("extension_requested", 0.02),
    ("suspended", 0.03),
    ("feedback", 0.08),
    ("pending_check", 0.03),
    ("ready_to_close", 0.03),
)
HANDLING = {"dispatched", "extension_requested", "suspended"}


def run(report: Report, database_url: str, components: int = 100_000) -> None:
    url = _fresh_database(database_url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        _build(engine, components)
        with engine.connect() as conn:
            cells = conn.scalar(select(func.count()).select_from(GridCell))
            comps = conn.scalar(select(func.count()).select_from(Component))
        report(
            f"map: build {cells:,} cells, {comps:,} components, {OPEN_CASES:,} open cases",
            time.perf_counter() - started,
            "s",
        )
        _viewport_fetch(report, engine)
        _pick_and_search(report, engine)
        _seat(report, engine)
    finally:
        engine.dispose()
        _drop_database(database_url)


# -- dataset ---------------------------------------------------------------------------------


def _fresh_database(database_url: str) -> str:
    return common.recreate(database_url, DB_NAME)


def _drop_database(database_url: str) -> None:
    common.drop(database_url, DB_NAME)


def _build(engine, components: int) -> None:
    from seatdesk.data.demo import DemoSpec, build_demo

    build_demo(engine, DemoSpec(components=components, cases=0))
    _open_cases(engine, OPEN_CASES, dt.datetime.now(dt.timezone.utc))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _open_cases(engine, n: int, now: dt.datetime, seed: int = 5) -> None:
    """``n`` open cases at random points of random grid cells, over every open state."""
    rng = np.random.default_rng(seed)
    with engine.connect() as conn:
        cells = conn.execute(
            select(
                GridCell.id, GridCell.min_lon, GridCell.min_lat, GridCell.max_lon, GridCell.max_lat
            )
        ).all()
    states = rng.choice([s for s, _ in STATES], size=n, p=[p for _, p in STATES])
    picks = rng.integers(0, len(cells), size=n)
    rows = [_case_row(i, cells[picks[i]], str(states[i]), rng, now) for i in range(n)]
    with engine.begin() as conn:
        conn.execute(insert(Case.__table__), rows)


def _case_row(i: int, cell, state: str, rng, now: dt.datetime) -> dict:
    cid, x0, y0, x1, y1 = cell
    lon, lat = float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))
    row = {
        "number": f"BM{i:010d}",
        "state": state,
        "source": "patrol",
        "lon": lon,
        "lat": lat,
        "geom": Point(lon, lat),
        "grid_cell_id": cid,
        "version": 1,
        "urgency": "normal",
        "limit_value": 8,
        "limit_unit": "natural_hours",
        "reported_at": now - dt.timedelta(days=1),
        "updated_at": now,
        "dispatched_at": None,
        "deadline_at": None,
        "suspended_at": None,
        "step_started_at": None,
        "step_deadline_at": None,
    }
    if state in HANDLING:
        row["dispatched_at"] = now - dt.timedelta(hours=float(rng.uniform(0, 10)))
        row["deadline_at"] = row["dispatched_at"] + dt.timedelta(hours=8)
        if state == "suspended":
            row["suspended_at"] = now - dt.timedelta(minutes=30)
    else:
        row["step_started_at"] = now - dt.timedelta(minutes=float(rng.uniform(0, 40)))
        row["step_deadline_at"] = row["step_started_at"] + dt.timedelta(minutes=30)
    return row


# -- PostGIS viewport fetch --------------------------------------------------------------------


def _viewport_fetch(report: Report, engine) -> None:
    from seatdesk.map.points import components_in_view

    rng = np.random.default_rng(17)
    width, height = VIEWPORT_DEG
    times, sizes = [], []
    with session_factory(engine)() as session:
        components_in_view(
            session, (119.48, 31.42, 119.48 + width, 31.42 + height), 3000
        )  # warm up
        for _ in range(40):
            west, south = (
                rng.uniform(119.462, 119.508 - width),
                rng.uniform(31.390, 31.450 - height),
            )
            started = time.perf_counter()
            view = components_in_view(session, (west, south, west + width, south + height), 3000)
            times.append(time.perf_counter() - started)
            sizes.append(len(view.points))
    report(
        f"map: viewport components from PostGIS, median ({statistics.median(sizes):.0f} per view)",
        statistics.median(times) * 1000,
        "ms",
        "≤ 50 ms",
    )
    report(
        "map: viewport components from PostGIS, p95",
        float(np.percentile(times, 95)) * 1000,
        "ms",
        "≤ 50 ms",
    )


# -- the intake's location: map pick and place search ------------------------------------------


def _pick_and_search(report: Report, engine) -> None:
    from seatdesk.map.pick import resolve_pick
    from seatdesk.models import Road
    from seatdesk.ui.intake.checks import search_places

    with engine.begin() as conn:  # a third of the cases on a demo road, as callers name them
        names = conn.scalars(select(Road.name).distinct().order_by(Road.name)).all()
        conn.execute(text("UPDATE cases SET address = (CAST(:names AS text[]))"
                          "[1 + id % CAST(:n AS int)] || (id % 200) || '号' WHERE id % 3 = 0"),
                     {"names": list(names), "n": len(names)})
    rng = np.random.default_rng(23)
    with session_factory(engine)() as session:
        resolve_pick(session, 119.48, 31.42)  # warm up: the spatial index, the first query
        picks = _timed(lambda: resolve_pick(session, rng.uniform(119.462, 119.508),
                                            rng.uniform(31.390, 31.450)), 40)
        queries = [names[i % len(names)][: 2 + i % 2] for i in range(40)]
        found = []
        searches = _timed(lambda: found.append(len(search_places(session, queries.pop()))), 40)
    for what, times in ((f"map pick resolved (cell, components, road; {len(names)} roads)", picks),
                        (f"place search, a road name (median {statistics.median(found):.0f} hits)",
                         searches)):
        report(f"map: {what}, median", statistics.median(times) * 1000, "ms")
        report(f"map: {what}, p95", float(np.percentile(times, 95)) * 1000, "ms")


def _timed(call: Callable[[], object], n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


# -- the seat: QtWebEngine offscreen, software rendering ---------------------------------------


def _seat(report: Report, engine) -> None:
    app, runner = _qt()
    from seatdesk.map.view import MapView

    sessions = session_factory(engine)
    usable, view = [], None
    for _ in range(3):
        if view is not None:
            _dispose(app, view)
        view = MapView(runner)
        view.resize(1280, 800)
        view.show()
        started = time.perf_counter()
        view.load(sessions)
        _wait(app, view.ready, 60_000)
        usable.append(time.perf_counter() - started)
    page, live, marks = view.last_load, view.last_live, view.timings
    report(
        "map: usable in the seat (load → page up, cases drawn), median of 3",
        statistics.median(usable),
        "s",
        "≤ 3 s",
    )
    report("map:   page job: grid and areas read", page.seconds_query, "s")
    report("map:   page job: folium render + write", page.seconds_render, "s")
    report(
        "map:   live job (parallel): 10,000 open cases with lights, supervisors", live.seconds, "s"
    )
    report(
        "map:   page loaded and bridge up (after load())", marks["page_ready"] - marks["load"], "s"
    )
    report(
        "map:   all case markers clustered (after load())",
        marks["cases_drawn"] - marks["load"],
        "s",
    )
    size = page.page.stat().st_size + (page.page.parent / "map-data.js").stat().st_size
    report("map:   page + geometry script size", size / 1e6, "MB")
    _changes(report, app, view, sessions)
    _dispose(app, view)
    runner.wait(10_000)


def _changes(report: Report, app, view, sessions) -> None:
    with sessions() as session:
        ids = session.scalars(
            select(Case.id).where(Case.state == "dispatched").order_by(Case.id).limit(20)
        ).all()
    times = []
    for case_id in ids:
        with sessions.begin() as session:  # the change: overdue now (the light turns red)
            session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(deadline_at=func.now() - text("interval '1 minute'"))
            )
        started = time.perf_counter()
        view.apply_changes([{"case_id": case_id}])
        _wait(app, view.markers_changed, 10_000)
        times.append(time.perf_counter() - started)
    report(
        "map: case change → marker recoloured, median of 20 (no reload)",
        statistics.median(times) * 1000,
        "ms",
        "≤ 300 ms",
    )
    report("map: case change → marker recoloured, max", max(times) * 1000, "ms", "≤ 300 ms")


def _qt():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")  # software rendering
    from seatdesk.ui.session.app import prepare_environment

    prepare_environment()
    import PySide6.QtWebEngineWidgets  # noqa: F401  (before the QApplication)
    from PySide6.QtWidgets import QApplication

    from seatdesk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(["bench"])
    return app, TaskRunner()


def _wait(app, signal, timeout_ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop, timer, fired = QEventLoop(), QTimer(singleShot=True), []

    def done(*_args) -> None:
        fired.append(1)
        loop.quit()

    signal.connect(done)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    loop.exec()
    timer.stop()
    signal.disconnect(done)
    if not fired:
        raise TimeoutError(f"the map did not answer within {timeout_ms} ms")


def _dispose(app, view) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
