"""The reports dialog's 交接班确认 history (both backends, Chinese UI): the stored
acknowledgements newest first with local time, lead, one-line summary and note (「—」 for a
row moved from the old settings log), and a new acknowledgement on top after the lead
confirms the sheet in the dialog."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from seatdesk.evaluation.forecast import BoardRow
from seatdesk.evaluation.handover import Callback, HandoverSheet, Suspended, acknowledge
from seatdesk.models import HandoverAck, User
from seatdesk.ui.session.handover_history import HandoverHistoryModel, summary_counts
from seatdesk.ui.kpi.report_dialog import ReportDialog
from tests.seat_helpers import application

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # Monday 09:30 in 溧阳
TIMEOUT = 15_000


def _user(session, username: str, role: str, name: str) -> int:
    user = User(username=username, display_name=name, password_hash="x", role=role)
    session.add(user)
    session.flush()
    return user.id


def _sheet(at: dt.datetime) -> HandoverSheet:
    red = BoardRow(1, "20261102000011", "供水井盖", "处置中", "市政设施管理处",
                   "320481002012001", "yellow", "剩余 25工作分", 1500.0)
    return HandoverSheet(
        sheet_id="5f1c0e9a7b21", generated_at=at, shift_end=at + dt.timedelta(hours=8),
        open_by_stage=(("待受理", 2), ("处置中", 5)), going_red=(red, red), red_now=1,
        callbacks=(Callback(3, "20261101000007", "138****1234", at),),
        suspended=(Suspended(4, "20261020000003", at - dt.timedelta(days=13), 13.0),))


@pytest.fixture
def stored(db):
    """Two acknowledgements: one moved from the old log (summary ``{}``), a real one later."""
    with db.Session.begin() as s:
        lead = _user(s, "zhibanzhang", "shift_lead", "值班长甲")
        other = _user(s, "zhibanzhang2", "shift_lead", "值班长乙")
        s.add(HandoverAck(sheet_id="aaa111", acknowledged_by_id=lead,
                          at=NOW - dt.timedelta(hours=16), note="夜班无异常", summary="{}"))
        acknowledge(s, _sheet(NOW - dt.timedelta(hours=8)), other,
                    NOW - dt.timedelta(hours=8), "井盖两处\n待复核")
    return db, lead


def texts(model: HandoverHistoryModel) -> list[list[str]]:
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


@pytest.fixture
def dialog(qtbot, stored):
    application()
    db, lead = stored
    widget = ReportDialog(db.Session, user_id=lead, clock=lambda: NOW)
    qtbot.addWidget(widget)
    yield widget
    widget.done(0)  # waits for the task runner


def test_history_lists_the_acknowledgements_newest_first(qtbot, qtmodeltester, dialog):
    model = dialog.history.history
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=TIMEOUT)
    assert texts(model) == [
        ["11-02 01:30", "值班长乙", "在办 7 · 红灯 1 · 将超期 2 · 待回访 1 · 挂账 1", "井盖两处 待复核"],
        ["11-01 17:30", "值班长甲", "—", "夜班无异常"],
    ]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers == ["确认时间", "确认人", "交接内容", "说明"]
    tip = Qt.ItemDataRole.ToolTipRole
    assert model.index(0, 2).data(tip).splitlines() == [
        "各环节在办：待受理 2、处置中 5", "将超期：20261102000011、20261102000011",
        "挂账：20261020000003"]
    assert model.index(1, 2).data(tip) == "由旧交接班日志迁移，未记录交接内容"
    assert model.index(0, 3).data(tip) == "井盖两处\n待复核"
    assert dialog.windowTitle() == "报表和交接班"
    qtmodeltester.check(model)


def test_acknowledging_puts_the_new_row_on_top(qtbot, dialog):
    model = dialog.history.history
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=TIMEOUT)
    with qtbot.waitSignal(dialog.sheet_view.textChanged, timeout=TIMEOUT):
        dialog.load_sheet()
    qtbot.waitUntil(dialog.ack.isEnabled, timeout=TIMEOUT)
    dialog.note.setText("接班确认，无遗留")
    with qtbot.waitSignal(dialog.acknowledged, timeout=TIMEOUT):
        dialog.acknowledge()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=TIMEOUT)
    assert texts(model)[0] == ["11-02 09:30", "值班长甲",
                               "在办 0 · 红灯 0 · 将超期 0 · 待回访 0 · 挂账 0", "接班确认，无遗留"]
    assert [row[1] for row in texts(model)[1:]] == ["值班长乙", "值班长甲"]
    assert model.row(0).sheet_id == dialog.sheet.sheet_id
    assert dialog.status.text() == "交接班已由 值班长甲 确认"


def test_summary_counts():
    assert summary_counts({}) is None
    assert summary_counts({"open_by_stage": [["待受理", 2], ["处置中", 5]], "red_now": 1,
                           "going_red": 2, "callbacks": 0, "suspended": 3}) == (7, 1, 2, 0, 3)
