"""The main window opens on a database, loads its overview off the GUI thread and shows it."""

from __future__ import annotations

from seatdesk.ui.app import make_application
from seatdesk.ui.main_window import MainWindow
from seatdesk.ui.screenshots import save
from seatdesk.ui.state_counts_model import StateCountsModel


def test_main_window_shows_the_demo_city(make_db, qtbot):
    make_application(language="zh_CN")
    db = make_db("demo_small")
    window = MainWindow(db.Session, f"{db.backend}: test")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.summary.values["grid_cells"].text() not in ("…", "0"), timeout=10_000)
    with db.Session() as s:
        from sqlalchemy import func, select

        from seatdesk.models import GridCell

        cells = s.scalar(select(func.count()).select_from(GridCell))
    assert window.summary.values["grid_cells"].text() == f"{cells:,}"
    assert window.windowTitle().startswith("seatdesk — 数字化城市管理")  # Chinese by default
    assert window.centre_label.text() == "溧阳市数字化城市管理监督指挥中心"
    assert window.counts_model.rowCount() > 10
    if db.backend == "sqlite":
        save(window, "main_window")
    window.close()


def test_state_counts_model_passes_modeltester(qtmodeltester, qtbot):
    model = StateCountsModel()
    model.set_rows((("reported", "待受理", 3), ("closed", "结案", 10)))
    qtmodeltester.check(model)
    model.set_rows((("reported", "待受理", 4), ("closed", "结案", 10)))
    assert model.index(0, 2).data() == "4"
    qtmodeltester.check(model)
