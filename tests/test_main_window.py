"""The main window opens on a database, loads its overview off the GUI thread and shows it."""

from __future__ import annotations

from seatdesk.ui.session.app import make_application
from seatdesk.ui.session.main_window import MainWindow
from seatdesk.ui.screenshots import save
from seatdesk.ui.session.state_counts_model import StateCountsModel


def test_main_window_shows_the_demo_city(make_db, qtbot):
    make_application(language="zh_CN")
    db = make_db("demo_small")
    window = MainWindow(db.Session, f"{db.backend}: test")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.summary.values["grid_cells"].text() not in ("…", "0"), timeout=30_000)
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


def test_main_window_hosts_the_workspace_of_the_signed_in_user(make_db, qtbot):
    """With a signed-in user the window is that role's workspace: menus from the action
    registry, who and which database in the status bar, sign-out."""
    from sqlalchemy import select

    from seatdesk.models import User
    from seatdesk.workflow.auth import LoggedIn

    make_application(language="zh_CN")
    db = make_db("demo_small")
    with db.Session() as s:
        u = s.scalar(select(User).where(User.username == "paiqian"))
        user = LoggedIn(u.id, u.username, u.display_name, u.role, u.department_id, False)
    window = MainWindow(db.Session, f"{db.backend}: test", user, map_enabled=False,
                        live=False, auto_refresh_ms=0)
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    assert window.windowTitle().endswith(f"{u.display_name}（派遣员）")
    assert [a.text() for a in window.menuBar().actions()] == ["坐席(&S)", "视图(&V)", "案卷(&C)"]
    assert window.user_label.text() == f"{u.display_name}（派遣员）"
    assert window.connection_label.text() == "已连接"
    assert window.workspace.intake is None and window.workspace.kpi is None  # not a call-taker
    with qtbot.waitSignal(window.sign_out_requested):
        window.sign_out()
    assert not window.isVisible()


def test_environment_defaults_keep_an_operator_override(monkeypatch):
    from seatdesk.ui.session.app import prepare_environment

    monkeypatch.delenv("QTWEBENGINE_CHROMIUM_FLAGS", raising=False)
    prepare_environment()
    import os

    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == "--disable-gpu"
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--ignore-gpu-blocklist")
    prepare_environment()
    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == "--ignore-gpu-blocklist"
