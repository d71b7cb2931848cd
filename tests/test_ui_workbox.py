"""The work-box panel driven from the keyboard: boxes with counts, server-side sort, search,
paging by fetchMore, Enter opens a case, refresh keeps the selection; the models pass
qtmodeltester. Screenshots of every box of the demo city (Chinese UI)."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select, update

from seatdesk.models import Case, User
from seatdesk.models.queues import HANDLING_STATES, CaseFilter, boxes_for, fetch_page
from seatdesk.ui.session.app import make_application
from seatdesk.ui.workbox.box_list_model import BoxListModel
from seatdesk.ui.workbox.case_lights import LightContext, lights_for
from seatdesk.ui.workbox.case_table_model import ADDRESS, LIGHT, LIGHT_ROLE, NUMBER, PHONE, CaseTableModel
from seatdesk.ui.screenshots import save
from seatdesk.ui.workbox.panel import WorkBoxPanel
from seatdesk.workflow.auth import LoggedIn
from tests.casedata import NOW, STATE_PLAN, read_back

TIMEOUT = 15_000  # as tests/seat_helpers.py's: a loaded 2-core CI machine


@pytest.fixture
def world(make_db):
    make_application(language="zh_CN")
    db = make_db("casedata")
    with db.Session() as session:
        seeded = read_back(session)
    return db, seeded


def open_panel(qtbot, db, viewer, **kw) -> WorkBoxPanel:
    panel = WorkBoxPanel(db.Session, viewer, auto_refresh_ms=0, **kw)
    qtbot.addWidget(panel)
    panel.resize(1600, 720)
    panel.show()
    wait_loaded(qtbot, panel)
    return panel


def wait_loaded(qtbot, panel: WorkBoxPanel) -> None:
    def done():
        return panel.tasks.is_idle() and panel.status.text().startswith("已显示")

    qtbot.waitUntil(done, timeout=TIMEOUT)
    QApplication.processEvents()


def load_all(qtbot, panel: WorkBoxPanel) -> None:
    while panel.model.has_more:
        panel.model.fetchMore()
        wait_loaded(qtbot, panel)


def shown_numbers(panel: WorkBoxPanel) -> list[str]:
    return [r.number for r in panel.model.rows()]


def test_case_table_model_passes_modeltester(world, qtmodeltester):
    db, s = world
    with db.Session() as session:
        rows = fetch_page(session, "all", viewer=s.users["shift_lead"]).rows
        context = LightContext.from_session(session)
    model = CaseTableModel()
    lights = lights_for(rows, context, NOW)
    model.reset_rows(rows[:10], lights[:10], has_more=True)
    qtmodeltester.check(model)
    model.append_rows(rows[10:], lights[10:], has_more=False)
    qtmodeltester.check(model)
    # a refresh: rows gone, rows new, rows moved, one row changed — applied as a diff
    changed = dataclasses.replace(rows[3], address="改过的地址")
    fresh = [rows[5], rows[0], rows[1], changed, *rows[6:12], rows[2]]
    fresh_lights = lights_for(fresh, context, NOW)
    model.refresh_rows(fresh, fresh_lights, has_more=False)
    qtmodeltester.check(model)
    assert [r.id for r in model.rows()] == [r.id for r in fresh]
    assert model.index(model.row_of(changed.id), ADDRESS).data() == "改过的地址"
    signalled = []
    model.dataChanged.connect(lambda a, b, _roles: signalled.append((a.column(), b.column())))
    model.set_lights(lights_for(model.rows(), context, NOW))  # same instant: nothing to repaint
    assert signalled == []
    model.set_lights(lights_for(model.rows(), context, NOW.replace(year=2030)))
    assert signalled and set(signalled) == {(LIGHT, LIGHT)}  # narrow: the light column only
    qtmodeltester.check(model)
    assert model.headerData(NUMBER, Qt.Orientation.Horizontal) == "案卷编号"


def test_box_list_model_passes_modeltester(qtmodeltester, qtbot):
    make_application(language="zh_CN")
    model = BoxListModel()
    model.set_boxes(boxes_for("shift_lead"))
    qtmodeltester.check(model)
    model.set_counts({"pending_accept": 3, "all": 10_001})
    qtmodeltester.check(model)
    assert model.index(0).data() == "待受理  3"
    assert model.index(model.row_of("all")).data() == "全部案件/搜索  10000+"


def test_boxes_counts_and_keyboard(world, qtbot):
    db, s = world
    panel = open_panel(qtbot, db, s.users["shift_lead"])
    qtbot.waitUntil(lambda: panel.boxes.count("all") == len(STATE_PLAN), timeout=TIMEOUT)
    assert panel.box.key == "pending_accept"
    assert shown_numbers(panel) == list(s.numbers[:3])
    assert panel.status.text() == "已显示 3 条，共 3 条案卷"
    panel.box_view.setFocus()
    qtbot.keyClick(panel.box_view, Qt.Key.Key_Down)  # 待核实
    wait_loaded(qtbot, panel)
    assert panel.box.key == "pending_verification"
    assert shown_numbers(panel) == [s.numbers[3]]
    panel.select_box("in_handling")
    wait_loaded(qtbot, panel)
    handling = panel.model.rows()
    assert [r.deadline_at for r in handling] == sorted(r.deadline_at for r in handling)
    assert panel.model.index(0, LIGHT).data(LIGHT_ROLE) in ("green", "yellow", "red")
    assert panel.model.index(0, LIGHT).data().startswith(("剩余", "超期"))
    # arrows move, Enter opens the case under the cursor
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    with qtbot.waitSignal(panel.case_activated) as opened:
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert opened.args == [handling[1].id]
    with qtbot.waitSignal(panel.case_activated) as opened:
        rect = panel.table.visualRect(panel.model.index(0, NUMBER))
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [handling[0].id]


def test_search_sort_and_paging_go_to_the_server(world, qtbot):
    db, s = world
    panel = open_panel(qtbot, db, s.users["shift_lead"])
    panel.loader.page_size = 5
    panel.resize(1400, 300)  # room for a few rows: the view fetches pages to fill it, no more
    panel.select_box("all")
    wait_loaded(qtbot, panel)
    loaded = panel.model.rowCount()
    assert loaded in (5, 10) and panel.model.has_more
    assert panel.status.text() == f"已显示 {loaded} 条，共 {len(STATE_PLAN)} 条案卷"
    panel.table.scrollToBottom()  # the view asks for more (fetchMore) as it reaches the end
    qtbot.waitUntil(lambda: panel.model.rowCount() > loaded, timeout=TIMEOUT)
    load_all(qtbot, panel)
    assert shown_numbers(panel) == sorted(s.numbers, reverse=True)
    # header click: ascending by case number, sorted by the database
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(NUMBER) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    wait_loaded(qtbot, panel)
    assert panel.loader.query.sort[0] == "number"
    first = shown_numbers(panel)
    assert first == sorted(first) and first[0] == s.numbers[0]
    # Ctrl+F, type, Enter: the search runs on the server
    qtbot.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is panel.search.fields["text"]
    panel.search.fields["text"].insert("燕山路")  # what an input method commits (QTest types ASCII)
    qtbot.keyClick(panel.search.fields["text"], Qt.Key.Key_Return)
    wait_loaded(qtbot, panel)
    load_all(qtbot, panel)
    expected = {s.numbers[i] for i, p in enumerate(STATE_PLAN) if "燕山路" in p[4]}
    assert set(shown_numbers(panel)) == expected
    assert panel.filters == CaseFilter(text="燕山路")
    qtbot.keyClicks(panel.search.fields["class_code"], "bllj")  # pinyin initials of 暴露垃圾
    qtbot.keyClick(panel.search.fields["class_code"], Qt.Key.Key_Return)
    wait_loaded(qtbot, panel)
    assert panel.filters.class_code == "10002" and shown_numbers(panel) == []
    qtbot.keyClick(panel.search.fields["text"], Qt.Key.Key_Escape)  # Esc clears every field
    wait_loaded(qtbot, panel)
    assert panel.filters.is_empty() and panel.model.rowCount() in (5, 10)


def test_refresh_keeps_selection_and_applies_changes(world, qtbot):
    db, s = world
    panel = open_panel(qtbot, db, s.users["shift_lead"])
    panel.select_box("all")
    wait_loaded(qtbot, panel)
    target = s.case_ids[10]
    assert panel.select_case(target)
    scroll = panel.table.verticalScrollBar().value()
    with db.Session.begin() as session:  # another seat: edits one case, closes another
        session.execute(update(Case).where(Case.id == s.case_ids[12]).values(address="新地址1号"))
        session.execute(update(Case).where(Case.id == s.case_ids[17]).values(state="closed"))
    with qtbot.waitSignal(panel.model.dataChanged, timeout=TIMEOUT):
        qtbot.keyClick(panel.table, Qt.Key.Key_F5)
    wait_loaded(qtbot, panel)
    assert panel.current_case_id() == target
    assert panel.selected_case_ids() == [target]
    assert panel.table.verticalScrollBar().value() == scroll
    row = panel.model.row_of(s.case_ids[12])
    assert panel.model.index(row, ADDRESS).data() == "新地址1号"
    panel.select_box("pending_accept")
    wait_loaded(qtbot, panel)
    with db.Session.begin() as session:
        session.execute(update(Case).where(Case.id == s.case_ids[1]).values(state="accepted"))
    panel.select_case(s.case_ids[2])
    panel.refresh()
    wait_loaded(qtbot, panel)
    assert shown_numbers(panel) == [s.numbers[0], s.numbers[2]]  # the accepted one left
    assert panel.current_case_id() == s.case_ids[2]
    qtbot.waitUntil(lambda: panel.boxes.count("pending_accept") == 2, timeout=TIMEOUT)


def test_roles_see_their_boxes_masked_phones_and_own_cases(world, qtbot):
    db, s = world
    panel = open_panel(qtbot, db, s.users["dispatcher"])
    assert [panel.boxes.box(i).key for i in range(panel.boxes.rowCount())] == [
        b.key for b in boxes_for("dispatcher")]
    assert not panel.search.fields["caller_phone"].isEnabled()
    panel.select_box("all")
    wait_loaded(qtbot, panel)
    phones = {r.number: panel.model.index(i, PHONE).data()
              for i, r in enumerate(panel.model.rows())}
    assert phones[s.numbers[0]] == "138****5678"
    dept = open_panel(qtbot, db, s.users["department"])
    assert dept.box.key == "my_department"
    assert set(shown_numbers(dept)) == {s.numbers[i] for i in (6, 8, 9)}
    wall = open_panel(qtbot, db, s.users["wall"])
    assert wall.table.isColumnHidden(PHONE)


def demo_viewer(db, **where) -> LoggedIn:
    with db.Session() as session:
        user = session.scalars(select(User).filter_by(**where).order_by(User.id)).first()
        return LoggedIn(user.id, user.username, user.display_name, user.role, user.department_id,
                        False)


def busiest(db, column, states) -> int:
    """The department (or supervisor) holding most open cases in ``states``."""
    with db.Session() as session:
        return session.execute(select(column, func.count()).where(Case.state.in_(states),
                                                                  column.is_not(None))
                               .group_by(column).order_by(func.count().desc())).first()[0]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_screenshots_of_every_work_box(make_db, qtbot):
    make_application(language="zh_CN")
    db = make_db("demo_small")
    department = busiest(db, Case.department_id, sorted(HANDLING_STATES))
    supervisor = busiest(db, Case.task_user_id, ["pending_verification", "pending_check"])
    viewers = [demo_viewer(db, username="zhibanzhang"), demo_viewer(db, id=supervisor),
               demo_viewer(db, role="department", department_id=department)]
    done = set()
    for viewer in viewers:
        panel = open_panel(qtbot, db, viewer)
        for box in boxes_for(viewer.role):
            if box.key in done:
                continue
            panel.select_box(box.key)
            wait_loaded(qtbot, panel)
            qtbot.waitUntil(lambda: panel.boxes.count(box.key) is not None, timeout=TIMEOUT)
            if box.key in ("my_tasks", "my_department"):
                assert panel.model.rowCount() > 0  # a screenshot worth looking at
            save(panel, f"workbox_{box.key}")
            done.add(box.key)
        panel.shutdown()
    assert done == {b.key for v in viewers for b in boxes_for(v.role)}


def test_search_bar_dates_are_local_days(qtbot):
    import datetime as dt

    from PySide6.QtCore import QDate

    from seatdesk.ui.workbox.search_bar import SearchBar

    make_application(language="zh_CN")
    bar = SearchBar()
    qtbot.addWidget(bar)
    assert bar.filters() == CaseFilter()
    bar.date_from.setDate(QDate(2025, 6, 3))
    bar.date_to.setDate(QDate(2025, 6, 3))
    bar.source.setCurrentIndex(bar.source.findData("hotline_12319"))
    utc = dt.timezone.utc
    with qtbot.waitSignal(bar.search_requested) as searched:
        qtbot.keyClick(bar.fields["number"], Qt.Key.Key_Return)
    f = searched.args[0]
    assert f.reported_from == dt.datetime(2025, 6, 2, 16, 0, tzinfo=utc)  # 00:00 in Liyang
    assert f.reported_to == dt.datetime(2025, 6, 3, 16, 0, tzinfo=utc)  # the whole day
    assert f.source == "hotline_12319"
    bar.set_phone_allowed(False)
    assert not bar.fields["caller_phone"].isEnabled()
