"""The administration screen's 上线就绪 tab shows what ``seatdesk check`` prints, and checks
again after a change made on another administration page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from seatdesk.models import User
from seatdesk.ui.session.app import make_application
from seatdesk.workflow.auth import LoggedIn
from tests.test_ui_admin import open_admin, settle


def _admin(db) -> LoggedIn:
    with db.Session() as s:
        user = s.scalar(select(User).where(User.username == "yx_admin"))
        return LoggedIn(user.id, user.username, user.display_name, user.role, None, False)


def test_readiness_tab_lists_the_checks_and_follows_changes(make_db, qtbot):
    make_application(language="zh_CN")
    db = make_db("yunxi")
    panel = open_admin(qtbot, db, _admin(db))
    page = panel.readiness
    assert panel.tabText(panel.indexOf(page)) == "上线就绪"
    checks = page.model.records()
    assert len(checks) == 8 and all(c.ok for c in checks)
    panel.setCurrentWidget(page)
    users = panel.users
    row = next(i for i, u in enumerate(users.model.records()) if u.username == "yx_jd_sun")
    users.table.selectRow(row)
    qtbot.mouseClick(users.active_button, Qt.MouseButton.LeftButton)  # 停用 the supervisor
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: not page.model.records()[-1].ok, timeout=30_000)
    assert "未就绪：8项检查中有1项未通过" == page.summary.text()
    assert "YX-B03 东湖街道片" in page.model.index(7, 2).data()
