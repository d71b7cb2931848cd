"""Live KPI panels and the reports dialog on the hand-built cases (tests/evaluation_cases.py):
figures shown, plot items updated in place, refresh off the GUI thread, whole axes and
the right days on the trend plots, exports. On the screenshot demo (SQLite) the panels,
page 1 of the PDF report and the shift-handover tab (sheet and acknowledgements) are saved to
docs/screenshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetrics
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.evaluation.live import DepartmentRate, needing_attention
from seatdesk.evaluation.handover import acknowledge, acknowledgements, handover_sheet
from seatdesk.models import HandoverAck, User
from seatdesk.models.db import session_factory
from seatdesk.ui.session.app import make_application
from seatdesk.ui.kpi.panels import KpiPanels
from seatdesk.ui.kpi.report_dialog import ReportDialog, export_report
from seatdesk.ui.screenshots import save, screenshot_dir
from tests.seat_helpers import application
from tests.evaluation_cases import SCREEN_NOW, TZ, built_fixture, local, screens_fixture

built = built_fixture()
screens = screens_fixture()
NOW = local(16, "09:30")  # Monday after the busy week


@pytest.fixture
def panels(qtbot, built):
    widget = KpiPanels(session_factory(built.engine), clock=lambda: NOW, refresh_ms=60_000)
    qtbot.addWidget(widget)
    yield widget
    widget.stop()


def test_panels_show_the_live_figures(qtbot, panels):
    with qtbot.waitSignal(panels.refreshed, timeout=30_000):
        panels.refresh()
    k = panels.last
    assert k.lights == {"green": 3, "yellow": 0, "red": 1}  # C9 is overdue
    stages = {label: n for _, label, n in k.open_by_stage}
    assert (stages["处置中"], stages["挂账"], stages["待受理"]) == (2, 1, 1)
    assert k.departments.min_due == 5  # the default of kpi_department_min_due
    assert [(d.name, d.rate, d.due) for d in k.departments.shown] == [("环境卫生管理处", 40.0, 5)]
    assert [(d.name, d.rate, d.due) for d in k.departments.fewer] == [("市政设施管理处", 75.0, 4)]
    assert list(panels.lights.bars.opts["height"]) == [3, 0, 1]
    assert k.trend_days[-1] == dt.date(2025, 6, 16)
    assert sum(k.trend_reported) == 11 and sum(k.trend_closed) == 7


def test_the_summary_line_shows_the_callback_satisfaction(qtbot, panels):
    """回访满意率 (issue 10, item 12) on the live panel: satisfied of reached, 无法联系 left
    out; a clear word while nobody has been reached."""
    application()  # Chinese
    with qtbot.waitSignal(panels.refreshed, timeout=30_000):
        panels.refresh()
    assert panels.summary.text().endswith(" · 回访满意率（近30天）：尚无接通的回访")
    panels.show_kpis(dataclasses.replace(panels.last, callbacks={
        "satisfied": 1, "basically_satisfied": 1, "dissatisfied": 1, "unreachable": 4}))
    assert panels.summary.text().endswith(" · 回访满意率（近30天）66.7%（2/3）")


def test_department_chart_puts_the_worst_first_and_never_overlaps(qtbot, panels):
    """Thirty departments in a small window: worst on top, each label with its count of
    cases due, rows at least a text line apart (so labels never overlap) — the chart
    scrolls instead of squeezing; the few-case departments are counted under it."""
    rates = tuple(DepartmentRate(f"溧阳市部门{i:02d}管理处", 10 + i, 10 + i - i % 7)
                  for i in range(30))
    depts = needing_attention(rates + (DepartmentRate("溧阳市民政局", 1, 0),), 5)
    application()  # Chinese
    panels.resize(900, 560)
    panels.show()
    qtbot.waitExposed(panels)
    chart = panels.departments
    chart.show_departments(depts)
    assert chart.rows[0].name == "溧阳市部门06管理处"  # 10 of 16 on time: the lowest rate
    assert all(a.rate <= b.rate for a, b in zip(chart.rows, chart.rows[1:], strict=False))
    ticks = chart.plot.getAxis("left")._tickLevels[0]
    assert ticks[0][1] == "部门06管理处（16）" and len(ticks) == 30
    view = chart.plot.getViewBox()

    def rows_apart() -> None:
        ys = [view.mapViewToDevice(QPointF(0, y)).y() for y, _ in ticks]
        text = QFontMetrics(chart.font()).height()
        assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= text

    qtbot.waitUntil(rows_apart, timeout=30_000)
    assert chart.scroll.verticalScrollBar().maximum() > 0  # 30 rows do not fit: it scrolls
    assert chart.note.text() == "另有 1 个部门应处置案件少于 5 件，未列出"
    assert "溧阳市民政局: 0/1" in chart.note.toolTip()
    assert chart.bars.opts["width"][0] == pytest.approx(62.5)


def test_plot_items_are_updated_in_place(qtbot, panels):
    items = (panels.by_hour.bars, panels.trend30.reported, panels.trend7.closures)
    for _ in range(3):
        with qtbot.waitSignal(panels.refreshed, timeout=30_000):
            panels.changed()  # the what-changed signal, coalesced
    assert (panels.by_hour.bars, panels.trend30.reported, panels.trend7.closures) == items
    assert len(panels.by_hour.plotItem.items) == 1
    assert len(panels.trend30.plotItem.items) == 2
    x, y = panels.trend30.reported.getData()
    assert len(x) == 30 and y.sum() == 11


def test_reports_dialog_exports_and_acknowledges(qtbot, built, tmp_path):
    sessions = session_factory(built.engine)
    dialog = ReportDialog(sessions, user_id=built.world.ids["lead"], clock=lambda: NOW)
    qtbot.addWidget(dialog)
    dialog.year.setValue(2025)
    dialog.month.setValue(6)
    for suffix in ("xlsx", "pdf"):
        with qtbot.waitSignal(dialog.exported, timeout=30_000) as signal:
            dialog.export(tmp_path / f"june.{suffix}")
        assert signal.args[0].endswith(suffix)
    book = load_workbook(tmp_path / "june.xlsx")
    sheet = book["专业部门"]
    header = [c.value for c in sheet[2]]
    first = [c.value for c in sheet[3]]
    assert first[1] == "市政设施管理处"
    assert first[header.index("按期处置率(%)")] == 75.0
    assert "说明" in book.sheetnames
    assert (tmp_path / "june.pdf").read_bytes()[:5] == b"%PDF-"
    with qtbot.waitSignal(dialog.sheet_view.textChanged, timeout=30_000):
        dialog.load_sheet()
    assert dialog.sheet is not None and dialog.sheet.red_now == 1
    assert "张三" not in dialog.sheet_view.toPlainText()
    with qtbot.waitSignal(dialog.acknowledged, timeout=30_000):
        dialog.acknowledge()
    with Session(built.engine) as session:
        (ack,) = acknowledgements(session)
    assert (ack.user_name, ack.sheet_id) == ("值班长甲", dialog.sheet.sheet_id)
    dialog.done(0)


def plots(panels: KpiPanels):
    return (panels.by_hour, panels.by_source, panels.by_stage, panels.lights,
            panels.departments.plot, panels.trend7, panels.trend30)


def assert_whole_plot_shown(plot) -> None:
    """Plot item, title, both axes and a usable plot area lie inside the widget."""
    shown = QRectF(plot.viewport().rect())
    item = plot.getPlotItem()
    assert shown.contains(item.sceneBoundingRect()), (item.titleLabel.text, shown)
    if item.titleLabel.isVisible():  # the department chart's title sits above its scroll area
        assert shown.contains(item.titleLabel.item.sceneBoundingRect())
    for name in ("bottom", "left"):
        axis = item.getAxis(name)
        placed = item.mapRectToScene(axis.geometry())
        assert axis.isVisible() and shown.contains(placed), (name, placed, shown)
    area = item.getViewBox().sceneBoundingRect()
    assert shown.contains(area) and area.height() > 80 and area.width() > 150


@pytest.mark.parametrize("size", [(1600, 900), (900, 560)])
def test_trend_plots_show_whole_axes_and_the_right_days(qtbot, panels, size):
    panels.resize(*size)
    panels.show()
    qtbot.waitExposed(panels)
    with qtbot.waitSignal(panels.refreshed, timeout=30_000):
        panels.refresh()

    def every_plot_whole() -> None:  # pyqtgraph lays out on later events: let it settle
        for plot in plots(panels):
            assert_whole_plot_shown(plot)

    qtbot.waitUntil(every_plot_whole, timeout=30_000)
    for plot, days in ((panels.trend7, 7), (panels.trend30, 30)):
        (x0, x1), _ = plot.getViewBox().viewRange()
        assert (x0, x1) == pytest.approx((-0.5, days - 0.5))
        x, _ = plot.reported.getData()
        assert list(x) == list(range(days))
        labels = [label for tick, label in plot.getAxis("bottom")._tickLevels[0]]
        assert labels[-1] == "6/16" and labels[0] == ("6/10" if days == 7 else "5/19")


def test_kpi_panels_screenshot(qtbot, screens):
    make_application(language="zh_CN")
    panels = KpiPanels(screens.Session, clock=lambda: SCREEN_NOW, refresh_ms=600_000)
    qtbot.addWidget(panels)
    panels.resize(1600, 900)
    panels.show()
    qtbot.waitExposed(panels)
    with qtbot.waitSignal(panels.refreshed, timeout=20_000):
        panels.refresh()
    assert panels.last.reports_today > 0 and sum(panels.last.trend_reported) > 500
    for plot in plots(panels):
        assert_whole_plot_shown(plot)
    panels.grab()  # a first paint sizes the axes to their new labels
    qtbot.wait(50)
    save(panels, "kpi_panels")
    panels.stop()


def test_report_page_screenshot(screens, tmp_path):
    """Page 1 of the May report as PDF, rendered by poppler's pdftoppm at 60 dpi."""
    pdf = export_report(screens.Session, 2026, 5, tmp_path / "report.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(tmp_path / "page")], check=True)
    page = tmp_path / "page.png"
    assert page.stat().st_size > 20_000
    shutil.copyfile(page, screenshot_dir() / "report_evaluation.png")


def _screen_acks(screens) -> int:
    """Three earlier shift changes of the screenshot demo, one moved from the old log;
    returns the shift lead's id."""
    def at(day: int, hhmm: str) -> dt.datetime:
        hour, minute = map(int, hhmm.split(":"))
        return dt.datetime(2026, 6, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)

    with screens.Session.begin() as s:
        ids = dict(s.execute(select(User.username, User.id)
                             .where(User.username.in_(("zhibanzhang", "admin")))).all())
        s.add(HandoverAck(sheet_id="legacy0616", acknowledged_by_id=ids["zhibanzhang"],
                          at=at(16, "00:10"), note="夜班无异常", summary="{}"))
        for day, hhmm, who, note in ((16, "16:00", "admin", "两处井盖缺失待复核，已电话催办"),
                                     (17, "08:00", "zhibanzhang", "接班，积水点已派发")):
            sheet = handover_sheet(s, at(day, hhmm))
            acknowledge(s, sheet, ids[who], at(day, hhmm) + dt.timedelta(minutes=4), note)
    return ids["zhibanzhang"]


def test_handover_dialog_screenshot(qtbot, screens):
    """The handover tab at the dialog's usual size: the sheet, then the history."""
    make_application(language="zh_CN")
    dialog = ReportDialog(screens.Session, user_id=_screen_acks(screens),
                          clock=lambda: SCREEN_NOW)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.sheet_view.textChanged, timeout=20_000):
        dialog.load_sheet()
    view, model = dialog.history, dialog.history.history
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=30_000)
    assert [(model.index(r, 0).data(), model.index(r, 3).data()) for r in range(3)] == [
        ("06-17 08:04", "接班，积水点已派发"), ("06-16 16:04", "两处井盖缺失待复核，已电话催办"),
        ("06-16 00:10", "夜班无异常")]
    assert model.index(0, 2).data().startswith("在办 ") and model.index(2, 2).data() == "—"

    def rows_whole() -> None:  # the header sizes its columns on a later layout pass
        for column in range(3):
            assert view.columnWidth(column) >= view.sizeHintForColumn(column)
            for row in range(3):
                assert view.viewport().rect().contains(view.visualRect(model.index(row, column)))

    qtbot.waitUntil(rows_whole, timeout=30_000)
    assert dialog.sheet_view.height() > 2 * view.height()  # the sheet stays the main element
    save(dialog, "handover_dialog")
    dialog.done(0)
