"""The seat's shell on a real shift (issue 10, item 13): a case number finds the case in
whatever box it is, the palette finds a case by its last digits, the highlighted row is
always the case shown, overdue cases come first, the 案卷 menu holds what the role can do,
validation messages go once the input is fixed, the 结案 dialog names whose photos it shows.
Both backends where data is involved."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from PySide6.QtCore import QLocale, Qt, QTranslator
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QLineEdit, QPushButton, QWidget
from sqlalchemy import select, update

from seatdesk.map.labels import remaining_words
from seatdesk.models import Case
from seatdesk.ui.clock_text import remaining
from seatdesk.ui.i18n import install_translator
from seatdesk.ui.screenshots import save
from seatdesk.ui.session.workspace import MAP_MIN
from seatdesk.ui.workbox.case_table_model import ADDRESS, LIGHT, SOURCE, STATE
from seatdesk.ui.workbox.columns import ADDRESS_ROOMY
from seatdesk.workflow.lights import remaining_text
from seatdesk.workflow.states import roles_for
from tests.seat_helpers import (
    TIMEOUT,
    application,
    city_fixture,  # noqa: F401 (fixture)
    open_case,
    open_seat,
    press,
    type_text,
    wait_idle,
    walk_case,
)


def number_of(db, case_id: int) -> str:
    with db.Session() as session:
        return session.scalar(select(Case.number).where(Case.id == case_id))


def shown_ids(ws) -> list[int]:
    model = ws.workbox.model
    return [model.case_row(r).id for r in range(model.rowCount())]


def highlighted(ws) -> list[int]:
    return ws.workbox.selected_case_ids()


def test_a_case_number_finds_the_case_in_any_box(city, qtbot):
    dispatched = walk_case(city, "dispatched")
    window = open_seat(qtbot, city, "zhibanzhang")
    ws = window.workspace
    ws.workbox.select_box("ready_to_close")
    wait_idle(qtbot, window)
    assert dispatched not in shown_ids(ws)
    field = ws.workbox.search.fields["number"]
    field.setFocus()
    qtbot.keyClicks(field, number_of(city, dispatched))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown_ids(ws) == [dispatched], timeout=TIMEOUT)
    assert ws.workbox.box.key == "all"
    assert "全部案件" in ws.workbox.status.text()  # says where it looked


def test_the_palette_finds_a_case_by_its_last_digits(city, qtbot):
    case_id = walk_case(city, "filed")
    number = number_of(city, case_id)
    window = open_seat(qtbot, city, "paiqian")
    palette = window.workspace._do_palette()
    qtbot.keyClicks(palette.query, number[-4:])  # the last digits, as read out on the phone
    qtbot.waitUntil(lambda: any(e.kind == "case" and e.key == case_id for e in palette.cases),
                    timeout=TIMEOUT)
    with qtbot.waitSignal(palette.case_chosen, timeout=TIMEOUT):
        row = next(i for i in range(palette.model.rowCount())
                   if palette.model.entry(i).key == case_id)
        palette.choose(row)
    qtbot.waitUntil(lambda: window.workspace.detail.case_id == case_id, timeout=TIMEOUT)


def test_the_highlighted_row_is_always_the_case_shown(city, qtbot):
    filed = walk_case(city, "filed")
    window = open_seat(qtbot, city, "paiqian")
    ws = window.workspace
    ws.workbox.select_box("pending_dispatch")
    wait_idle(qtbot, window)
    open_case(qtbot, window, filed)
    assert highlighted(ws) == [filed]
    from tests.seat_helpers import act

    act(qtbot, window, "dispatch", expect_state="dispatched")
    # the case left 待派遣: no other row may look like the case shown
    qtbot.waitUntil(lambda: filed not in shown_ids(ws) and ws.seat.tasks.is_idle(),
                    timeout=TIMEOUT)
    assert ws.detail.case_id == filed
    assert highlighted(ws) in ([], [filed])
    # a case opened from elsewhere (the palette, the map, a saved report) and not in the box
    other = shown_ids(ws)[0] if shown_ids(ws) else None
    if other is not None:
        ws.workbox.select_case(other)
    ws.open_case(filed)
    qtbot.waitUntil(lambda: ws.detail.view is not None and ws.detail.view.case_id == filed,
                    timeout=TIMEOUT)
    assert highlighted(ws) == []


def test_overdue_cases_come_first(city, qtbot):
    ids = [walk_case(city, "feedback", offset=40 + i, phone=f"1370000{i:04d}")
           for i in range(4)]
    now = dt.datetime.now(dt.UTC)
    due = {ids[0]: now + dt.timedelta(hours=30), ids[1]: now - dt.timedelta(hours=5),
           ids[2]: now + dt.timedelta(hours=2), ids[3]: now - dt.timedelta(days=2)}
    with city.Session.begin() as session:
        for case_id, at in due.items():
            session.execute(update(Case).where(Case.id == case_id).values(step_deadline_at=at))
    window = open_seat(qtbot, city, "zhibanzhang")
    ws = window.workspace
    ws.workbox.select_box("pending_check")
    wait_idle(qtbot, window)
    mine = [i for i in shown_ids(ws) if i in due]
    assert mine == sorted(due, key=due.get)  # most overdue first, then the nearest deadline
    lights = [ws.workbox.model.light(r).light.value for r in range(2)]
    assert lights == ["red", "red"]


@pytest.mark.parametrize("username", ["shouli", "zhibanzhang", "paiqian", "bumen", "jiandu",
                                      "admin", "daping"])
@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_case_menu_holds_what_the_role_can_do(city, qtbot, username):
    window = open_seat(qtbot, city, username)
    role = window.user.role
    everything = [n for n, s in window.workspace.registry.specs.items() if s.workflow]
    expected = [n for n in everything if role in roles_for(n)]
    menus = window.menuBar().actions()
    if not expected:  # 管理员 and 大屏 act on no case: no 案卷 menu at all
        assert [a.text() for a in menus] == ["坐席(&S)", "视图(&V)"]
        return
    menu = menus[2].menu()
    names = [a.objectName().removeprefix("qaction_") for a in menu.actions()]
    assert names == expected


def test_a_fixed_input_takes_its_red_message_away(city, qtbot):
    case_id = walk_case(city, "dispatched")
    window = open_seat(qtbot, city, "bumen")
    open_case(qtbot, window, case_id)
    ws = window.workspace
    with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
        ws.detail.start_action("request_return")
    dialog = opened.args[0]
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "理由" in dialog.error.text()
    type_text(qtbot, dialog.reason.text, "不属于本部门")
    qtbot.waitUntil(lambda: dialog.error.text() == "", timeout=TIMEOUT)
    dialog.reject()


def test_a_fixed_intake_field_takes_its_red_message_away(city, qtbot):
    from tests.test_ui_intake import choose_place

    window = open_seat(qtbot, city, "shouli")
    ws = window.workspace
    press(qtbot, ws, "Ctrl+N")
    form = ws.intake
    type_text(qtbot, form.description.text, "路灯不亮")
    qtbot.keyClicks(form.caller_phone, "13912345678")
    press(qtbot, form, "Ctrl+S")
    assert "位置" in form.status.text()  # no location yet
    choose_place(qtbot, form, "燕山路")
    qtbot.waitUntil(lambda: form.status.text() == "", timeout=TIMEOUT)


def test_the_closing_dialog_names_whose_photos_it_shows(city, qtbot):
    case_id = walk_case(city, "ready_to_close")
    window = open_seat(qtbot, city, "zhibanzhang")
    open_case(qtbot, window, case_id)
    ws = window.workspace
    with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
        ws.detail.start_action("close")
    dialog = opened.args[0]
    labels = [dialog.form.labelForField(w).text() for w in (dialog.handling_photos,
                                                             dialog.check_photos)]
    assert labels == ["处置照片（专业部门）", "核查照片（监督员）"]
    assert [a.filename for a in dialog.handling_model.items()] == ["after.png"]
    assert dialog.check_model.items() == ()  # the supervisor sent no photo in this walk
    dialog.reject()


CJK = re.compile(r"[\u4e00-\u9fff]")


def whole_columns(table) -> list[int]:
    """Logical columns fully inside the table's viewport, in the order shown."""
    header, width = table.horizontalHeader(), table.viewport().width()
    shown = sorted(range(header.count()), key=header.visualIndex)
    return [c for c in shown if not table.isColumnHidden(c)
            and 0 <= table.columnViewportPosition(c)
            and table.columnViewportPosition(c) + table.columnWidth(c) <= width]


def unreadable_fields(bar) -> list[str]:
    """Visible search fields narrower than their placeholder or value (shown as “案…”)."""
    bad = []
    for edit in bar.findChildren(QLineEdit):
        if not edit.isVisible() or isinstance(edit.parent(), (QComboBox, QDateEdit)):
            continue
        text = edit.text() or edit.placeholderText()
        need = edit.fontMetrics().horizontalAdvance(text) + 12
        room = edit.contentsRect().width() - (24 if edit.isClearButtonEnabled() else 0)
        if room < need:
            bad.append(f"{edit.objectName()}: {room} < {need} for {text!r}")
    return bad


#: the map's controls as the page lays them out: selector → [left, top, right, bottom] or None
CONTROL_RECTS = """(function () {
  var out = {map: document.querySelector('.leaflet-container').getBoundingClientRect()};
  ['.leaflet-control-layers', '.leaflet-control-zoom', '.sd-legend',
   '.leaflet-control-scale', '.leaflet-control-attribution'].forEach(function (sel) {
    var el = document.querySelector(sel);
    out[sel] = el ? el.getBoundingClientRect() : null;
  });
  Object.keys(out).forEach(function (k) {
    var r = out[k];
    out[k] = r && [r.left, r.top, r.right, r.bottom];
  });
  out.folded = !document.querySelector('.leaflet-control-layers')
    .classList.contains('leaflet-control-layers-expanded');
  return out;
})()"""


def map_controls(qtbot, view) -> dict:
    box: list = []
    view.run_js(f"JSON.stringify({CONTROL_RECTS})", box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=30_000)
    return json.loads(box[0])


def overlapping(rects: dict) -> list[tuple[str, str]]:
    names = [k for k, r in rects.items() if k.startswith(".") and r]
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
            if rects[a][0] < rects[b][2] and rects[b][0] < rects[a][2]
            and rects[a][1] < rects[b][3] and rects[b][1] < rects[a][3]]


def assert_map_controls_fit(qtbot, view) -> dict:
    """No two controls of the map overlap; together they leave most of the map free."""
    qtbot.waitUntil(lambda: map_controls(qtbot, view)["map"][2] >= view.width() - 2,
                    timeout=10_000)  # the page has its new width
    rects = map_controls(qtbot, view)
    assert overlapping(rects) == [], rects
    left, top, right, bottom = rects["map"]
    covered = sum((r[2] - r[0]) * (r[3] - r[1]) for k, r in rects.items()
                  if k.startswith(".") and r)
    assert covered < 0.15 * (right - left) * (bottom - top), rects
    return rects


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_1280x720_screen_keeps_filters_and_eight_columns_readable(city, qtbot, language):
    walk_case(city, "dispatched")
    app = application()
    installed = app.findChildren(QTranslator)
    if language == "en":
        for translator in installed:
            app.removeTranslator(translator)
        install_translator(app, "en")
    try:
        window = open_seat(qtbot, city, "zhibanzhang", map_enabled=True)
        window.resize(1280, 720)
        ws = window.workspace
        qtbot.waitUntil(lambda: ws.map.is_ready, timeout=60_000)
        ws.workbox.select_box("in_handling")
        wait_idle(qtbot, window)
        open_case(qtbot, window, ws.workbox.model.case_row(0).id)
        qtbot.wait(200)  # the layouts settle on the new size
        assert ws.map.width() >= MAP_MIN - 10  # the pages leave the map its room
        assert not ws.workbox.box_view.horizontalScrollBar().isVisible()  # whole box titles
        table = ws.workbox.table
        whole = whole_columns(table)
        assert len(whole) >= 8, [table.model().headerData(c, Qt.Orientation.Horizontal)
                                 for c in whole]
        for column in whole:  # each whole column is as wide as its header needs
            title = table.model().headerData(column, Qt.Orientation.Horizontal)
            assert table.columnWidth(column) >= table.horizontalHeader().fontMetrics() \
                .horizontalAdvance(title), title
        assert unreadable_fields(ws.workbox.search) == []
        ws.workbox.search.more.click()  # the folded filters are readable too
        qtbot.wait(100)
        assert unreadable_fields(ws.workbox.search) == []
        ws.workbox.search.more.click()
        # the map beside the pages: its layer list folds into the layers button rather than
        # cover the zoom buttons and half the map; the legend stays a small button
        rects = assert_map_controls_fit(qtbot, ws.map)
        assert rects["folded"], rects
        if language == "zh_CN":
            qtbot.wait(300)
            save(window, "main_window_1280x720")
            # the layers button unfolds the list over the map on request
            ws.map.run_js("document.querySelector('.leaflet-control-layers-toggle').click();")
            qtbot.waitUntil(lambda: not map_controls(qtbot, ws.map)["folded"], timeout=30_000)
            qtbot.wait(300)
            save(window, "main_window_1280x720_layers")
        else:
            qtbot.wait(300)
            save(window, "main_window_1280x720_en")
            texts = [(type(w).__name__, w.objectName(), t) for w, t in shell_texts(window)]
            assert [t for t in texts if CJK.search(t[2])] == []
        window.signing_out = True
        window.close()
    finally:
        if language == "en":
            for translator in installed:
                app.installTranslator(translator)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_wide_screen_shows_every_column(city, qtbot):
    """With room for all of them no column scrolls away behind a wide address."""
    window = open_seat(qtbot, city, "zhibanzhang")
    window.resize(1600, 900)
    ws = window.workspace
    ws.workbox.select_box("all")
    wait_idle(qtbot, window)
    qtbot.wait(200)
    table = ws.workbox.table
    shown = [c for c in range(table.model().columnCount()) if not table.isColumnHidden(c)]
    assert sorted(whole_columns(table)) == shown
    assert table.columnWidth(ADDRESS) >= ADDRESS_ROOMY


def test_the_table_and_the_map_write_a_remaining_time_alike(qtbot):
    """The core's Chinese text, said again in the UI language, is what the map's markers
    show for the same clock (English here; Chinese is the core's text unchanged)."""
    app = application()
    installed, locale = app.findChildren(QTranslator), QLocale()
    for translator in installed:
        app.removeTranslator(translator)
    install_translator(app, "en")
    try:
        words = remaining_words(lambda t: app.translate("MapPage", t))
        for seconds in (0, 59, 61, 3600, 3660, 8 * 3600, 11 * 3600 + 120, 2 * 86400 + 100):
            for overdue in (False, True):
                for working in (False, True):
                    core = remaining_text(seconds, overdue, working)
                    assert remaining(core) == remaining_text(seconds, overdue, working,
                                                             words=words), core
        assert remaining("剩余 2工作时15分") == "2 wh 15 min left"
    finally:
        QLocale.setDefault(locale)
        for translator in installed:
            app.installTranslator(translator)
    assert remaining("剩余 2工作时15分") == "剩余 2工作时15分"


def shell_texts(window) -> list[tuple[QWidget, str]]:
    """What the shell itself says (menus, tabs, boxes, headers, lights, states, sources,
    labels and buttons) — not the data it shows (addresses, names, class names)."""
    ws = window.workspace
    found = [(a, a.text()) for menu in window.menuBar().actions() for a in
             [menu, *menu.menu().actions()]]
    found += [(ws.pages, ws.pages.tabText(i)) for i in range(ws.pages.count())]
    boxes = ws.workbox.boxes
    found += [(ws.workbox.box_view, boxes.index(r).data()) for r in range(boxes.rowCount())]
    model = ws.workbox.model
    found += [(ws.workbox.table, model.headerData(c, Qt.Orientation.Horizontal))
              for c in range(model.columnCount())]
    for r in range(model.rowCount()):
        for column in (LIGHT, STATE, SOURCE):
            found.append((ws.workbox.table, model.index(r, column).data()))
            tip = model.index(r, column).data(Qt.ItemDataRole.ToolTipRole)
            found.append((ws.workbox.table, tip))
    for widget in ws.findChildren(QWidget):
        if not widget.isVisible() or widget.objectName().startswith("field_") or \
                widget.objectName() in ("detailTitle", "caseFieldValue"):
            continue
        if isinstance(widget, QPushButton) or (isinstance(widget, QLabel) and widget.buddy()):
            found.append((widget, widget.text()))
        if isinstance(widget, QLineEdit) and not widget.text():
            found.append((widget, widget.placeholderText()))
    form = ws.detail.fields.form  # the detail's field names (their values are data)
    found += [(form.labelForField(v), form.labelForField(v).text())
              for v in ws.detail.fields.values.values()]
    found += [(ws.detail.light, ws.detail.light.text()), (ws.detail.title, ws.detail.title.text())]
    found += [(b, b.text()) for b in ws.detail.buttons.values()]
    return [(w, t) for w, t in found if t]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_english_leaves_no_chinese_in_the_shell(city, qtbot):
    """SEATDESK_LANG=en: every role's menus, boxes, table, lights, detail and buttons speak
    English (the data — names, addresses, class names — stays as it is stored)."""
    case_id = walk_case(city, "dispatched")
    app = application()
    installed = app.findChildren(QTranslator)
    for translator in installed:
        app.removeTranslator(translator)
    install_translator(app, "en")
    problems = []
    try:
        for username in ("shouli", "zhibanzhang", "paiqian", "bumen", "jiandu", "admin",
                         "daping"):
            window = open_seat(qtbot, city, username)
            open_case(qtbot, window, case_id)
            problems += [(username, *t) for t in
                         [(type(w).__name__, w.objectName(), text)
                          for w, text in shell_texts(window)] if CJK.search(t[2])]
            window.signing_out = True
            window.close()
    finally:
        for translator in installed:
            app.installTranslator(translator)
    assert problems == []
