"""The wall display on the hand-built cases: board, forecast, ranking, tiles, map; views
cycle; no caller data; flat object count over many refreshes; a database outage shows a
banner and the window recovers by itself (PostgreSQL: connections cut and refused). On the
screenshot demo (SQLite) the three views are saved at 1920×1080 to docs/screenshots."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from seatdesk.models import Setting, set_setting
from seatdesk.models.db import make_engine, session_factory
from seatdesk.ui.session.app import make_application
from seatdesk.ui.screenshots import save
from seatdesk.ui.wall.display import WallWindow
from tests.dbtemplates import pg_base_url
from tests.seat_helpers import application
from tests.evaluation_cases import SCREEN_NOW, built_fixture, local, screens_fixture

built = built_fixture()
screens = screens_fixture()
NOW = local(16, "09:30")


def model_text(model) -> str:
    return "\n".join(str(model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole))
                     for r in range(model.rowCount()) for c in range(model.columnCount()))


@pytest.fixture
def wall(qtbot, built):
    application()  # Chinese
    window = WallWindow(session_factory(built.engine), clock=lambda: NOW, refresh_ms=60_000,
                        cycle_ms=60_000)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=15_000)
    yield window
    window.stop()


def test_wall_shows_board_forecast_ranking_and_map(wall, built):
    snap = wall.snapshot
    (red,) = snap.board
    assert (built.name_of(red.case_id), red.light) == ("C9", "red")
    assert red.department == "环境卫生管理处"
    assert red.remaining == "超期 35工作分"  # due 16 June 08:55, now 09:30
    assert wall.board_model.rows[0][0] == red.number
    assert [(f.department, f.red_now) for f in snap.forecast] == [("环境卫生管理处", 1)]
    # only departments with enough cases due to judge (default 5): 市政 has 4
    assert wall.ranking_model.rows == [("环境卫生管理处", "40.0", 3, 5)]
    assert wall.ranking_note.text() == "另有 1 个部门应处置案件少于 5 件，不参加排名"
    assert wall.tiles["red"].value.text() == "1"
    assert wall.tiles["open"].value.text() == "4"
    assert snap.open_by_cell == {built.world.ids["A"]: 1, built.world.ids["B"]: 3}
    assert snap.red_by_cell == {built.world.ids["B"]: 1}
    assert len(wall.cell_map.paths) == 2


def test_ranking_puts_the_worst_first_and_follows_the_threshold(qtbot, wall, built):
    """With the threshold at 1 every department is listed, lowest on-time rate first."""
    with Session(built.engine) as session, session.begin():
        set_setting(session, "kpi_department_min_due", 1)
    try:
        with qtbot.waitSignal(wall.refreshed, timeout=30_000):
            wall.refresh()
        assert wall.ranking_model.rows == [("环境卫生管理处", "40.0", 3, 5),
                                           ("市政设施管理处", "75.0", 1, 4)]
        assert wall.ranking_note.text() == ""
    finally:
        with Session(built.engine) as session, session.begin():
            session.delete(session.get(Setting, "kpi_department_min_due"))


def test_no_caller_data_on_the_wall(wall):
    shown = "".join(model_text(m) for m in (wall.board_model, wall.forecast_model,
                                            wall.ranking_model))
    for secret in ("张三", "13812345678"):
        assert secret not in shown
        assert secret not in repr(wall.snapshot)


def test_views_cycle_by_themselves(qtbot, built):
    window = WallWindow(session_factory(built.engine), clock=lambda: NOW, cycle_ms=50)
    qtbot.addWidget(window)
    seen = set()
    qtbot.waitUntil(lambda: seen.add(window.views.currentIndex()) or len(seen) == 3,
                    timeout=5_000)
    window.stop()


def test_refreshes_keep_the_object_count_flat(qtbot, wall):
    clock = [NOW]
    wall.clock = lambda: clock[0]
    counts = []
    for i in range(12):
        clock[0] = NOW + dt.timedelta(hours=2 * i)  # a simulated day of refreshes
        with qtbot.waitSignal(wall.refreshed, timeout=30_000):
            wall.refresh()
        wall.next_view()
        counts.append(len(wall.findChildren(object)))
    assert len(set(counts[1:])) == 1, counts


@pytest.mark.parametrize("backend", ["postgresql"])
def test_wall_survives_a_database_outage(qtbot, make_db):
    db = make_db("empty")
    name = make_url(db.url).database
    engine = make_engine(db.url)
    window = WallWindow(session_factory(engine), clock=lambda: NOW, refresh_ms=200,
                        retry_ms=200)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=15_000)
    admin = create_engine(make_url(pg_base_url()).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        with qtbot.waitSignal(window.failed, timeout=30_000):
            pass
        assert window.banner.isVisibleTo(window)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        qtbot.waitUntil(lambda: not window.banner.isVisibleTo(window), timeout=15_000)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        window.stop()
        engine.dispose()


def test_wall_screenshots(qtbot, screens):
    make_application(language="zh_CN")
    window = WallWindow(screens.Session, clock=lambda: SCREEN_NOW, refresh_ms=600_000,
                        cycle_ms=600_000)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=20_000)
    snap = window.snapshot
    assert snap.board and snap.board[0].light == "red" and sum(snap.open_by_cell.values()) > 20
    assert len(window.cell_map.paths) > 300
    assert not any(row[3].startswith("溧阳市") for row in window.board_model.rows)  # shortened
    qtbot.wait(50)  # let the header take the clock's new text
    for index, name in enumerate(("wall_board", "wall_ranking", "wall_map")):
        window.views.setCurrentIndex(index)
        assert window.grab().size().toTuple() == (1920, 1080)
        save(window, name)
    window.stop()
