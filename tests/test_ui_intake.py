"""The hotline intake form: completed from the keyboard in a deliberate tab order, the
class picker (code, name, pinyin initials), the location search, validation, the engine's
duplicate candidates with their explanation and the repeat-problem history, merging into
a known case instead of creating a new one, and the map pick."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from seatdesk.models import Case, CaseReporter, Component
from tests.seat_helpers import (
    TIMEOUT,
    city_fixture,  # noqa: F401 (fixture)
    open_seat,
    place,
    press,
    type_text,
    walk_case,
)


def intake(qtbot, db, **options):
    window = open_seat(qtbot, db, "shouli", **options)
    press(qtbot, window.workspace, "Ctrl+N")
    form = window.workspace.intake
    qtbot.waitUntil(lambda: bool(form.class_picker.entries), timeout=TIMEOUT)
    return window, form


def choose_place(qtbot, form, text: str, row: int = 0) -> None:
    line = form.location.search.line
    line.setFocus()
    type_text(qtbot, line, text)
    qtbot.waitUntil(lambda: form.location.search.list.isVisible(), timeout=TIMEOUT)
    for _ in range(row):
        qtbot.keyClick(line, Qt.Key.Key_Down)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_keyboard_only_in_the_deliberate_tab_order(city, qtbot):
    db = city
    window, form = intake(qtbot, db)
    assert QApplication.focusWidget() is form.source
    expected = [form.caller_name, form.caller_phone, form.anonymous, form.callback,
                form.location.search.line, form.location.map_button, form.location.address,
                form.location.component, form.class_picker.line, form.description.text,
                form.description.phrases, form.urgency, form.files.add, form.save_button]
    for widget in expected:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is widget
    # saving too early says what is missing, and nothing is sent
    press(qtbot, form, "Ctrl+S")
    assert form.status.text().startswith("请确定位置")
    # the whole report without the mouse
    form.source.setFocus()
    for _ in range(form.source.count()):  # down the list to 市长热线 (12345, 12319 come first)
        if form.source.currentData() == "mayor_hotline":
            break
        qtbot.keyClick(form.source, Qt.Key.Key_Down)
    assert form.source.currentData() == "mayor_hotline"
    qtbot.keyClick(form.source, Qt.Key.Key_Tab)
    type_text(qtbot, QApplication.focusWidget(), "刘女士")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "138001")
    choose_place(qtbot, form, "濑江新村")
    assert form.location.pick.community == "濑江新村社区"
    qtbot.keyClick(form.location.search.line, Qt.Key.Key_Tab)  # → map button
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # → address
    type_text(qtbot, QApplication.focusWidget(), "濑江新村 3 栋")
    form.class_picker.line.setFocus()
    qtbot.keyClicks(form.class_picker.line, "bllj")  # pinyin initials of 暴露垃圾
    qtbot.keyClick(form.class_picker.line, Qt.Key.Key_Tab)  # Tab takes the first hit, moves on
    assert form.class_picker.current().name.startswith("暴露垃圾")
    assert QApplication.focusWidget() is form.description.text
    type_text(qtbot, form.description.text, "楼下垃圾堆积")
    press(qtbot, form, "Ctrl+S")
    assert form.status.text() == "电话号码格式不正确：只能包含数字、空格和短横线"
    form.caller_phone.setFocus()
    qtbot.keyClicks(form.caller_phone, "38000")
    with qtbot.waitSignal(form.case_registered, timeout=TIMEOUT) as registered:
        press(qtbot, form, "Ctrl+S")
        qtbot.waitUntil(lambda: form.caller_phone.text() == "" or "Ctrl+S" in
                        form.status.text(), timeout=TIMEOUT)
        if form.caller_phone.text():
            press(qtbot, form, "Ctrl+S")  # duplicates shown: save as a new case anyway
    with db.Session() as session:
        case = session.get(Case, registered.args[0])
        assert (case.source, case.caller_phone, case.address) == (
            "mayor_hotline", "13800138000", "濑江新村 3 栋")
    assert form.status.text().startswith("已登记案卷")
    assert form.caller_name.text() == "" and form.location.pick is None  # ready for the next call


@pytest.mark.parametrize("backend", ["sqlite"])
def test_class_picker_and_location_search(city, qtbot):
    db = city
    window, form = intake(qtbot, db)
    picker = form.class_picker
    for query, expected in (("01004", {"雨水箅子", "雨水箅子异常"}), ("箅子", None),
                            ("ysbz", {"雨水箅子", "雨水箅子异常"})):
        picker.line.clear()
        picker.line.setFocus()
        type_text(qtbot, picker.line, query)
        names = {picker.proxy.index(i, 0).data().split(" ", 1)[1]
                 for i in range(picker.visible_count())}
        assert expected is None or names == expected, query
        assert names and all("箅子" in n for n in names)
    qtbot.keyClick(picker.line, Qt.Key.Key_Down)
    qtbot.keyClick(picker.line, Qt.Key.Key_Return)
    assert picker.current() is not None and not picker.list.isVisible()
    # a component code finds the component and preselects it as the case's 部件
    with db.Session() as session:
        code = session.scalar(select(Component.code).order_by(Component.code).offset(5))
    choose_place(qtbot, form, code)
    assert form.location.component_code() == code
    assert form.location.pick.in_grid
    # an anonymous caller needs no phone; anonymity clears the callback wish
    form.anonymous.setChecked(True)
    assert not form.caller_phone.isEnabled()
    draft = form.draft()
    assert draft.to_report().caller_phone == "" and not draft.to_report().callback_wanted


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_duplicate_merge_from_the_intake_form(city, qtbot):
    """A caller reports a problem that is already being handled: the form shows the case
    with the engine's explained score and the grid cell's history; Ctrl+M merges."""
    db = city
    known = walk_case(db, "dispatched", offset=30)
    lon, lat, class_id = place(db, 30)
    window, form = intake(qtbot, db)
    form.caller_phone.setText("13600001111")
    form.caller_name.setText("周先生")
    form.callback.setChecked(True)
    form.location.set_point(lon + 0.00005, lat)
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)
    form.class_picker.set_current(class_id)
    form.class_picker.class_chosen.emit(form.class_picker.current())
    form.description.text.setPlainText("雨水箅子破损")
    qtbot.waitUntil(lambda: form.checked is not None and form.duplicates.rowCount() > 0,
                    timeout=TIMEOUT)
    candidate = form.duplicates.row_value(0)
    assert candidate.case_id == known and candidate.score > 60
    assert "距离" in form.why.text() and "类别" in form.why.text()
    assert any(r[1].id == known for r in form.history._rows)
    assert form.merge_button.isEnabled()
    # Ctrl+S first warns, Ctrl+M merges into the chosen case
    press(qtbot, form, "Ctrl+S")
    assert "Ctrl+M" in form.status.text()
    with qtbot.waitSignal(form.case_registered, timeout=TIMEOUT) as opened:
        press(qtbot, form, "Ctrl+M")
    assert opened.args == [known]
    assert form.status.text().startswith("已登记为") and "来电人已加入" in form.status.text()
    qtbot.waitUntil(lambda: window.workspace.detail.view is not None
                    and window.workspace.detail.view.case_id == known, timeout=TIMEOUT)
    with db.Session() as session:
        callers = session.execute(select(CaseReporter.name, CaseReporter.origin_case_id)
                                  .where(CaseReporter.case_id == known)).all()
        merged = session.scalar(select(Case).where(Case.merged_into_id == known))
        assert merged.state == "merged" and merged.caller_phone == "13600001111"
    assert ("周先生", merged.id) in callers


@pytest.mark.parametrize("backend", ["sqlite"])
def test_map_pick_sets_the_location(city, qtbot):
    db = city
    window, form = intake(qtbot, db, map_enabled=True)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.map.is_ready, timeout=30_000)
    lon, lat, _ = place(db, 12)
    press(qtbot, form, "F9")  # pick on the map
    assert form.location.map_button.isChecked()
    with qtbot.waitSignal(ws.map.pick_resolved, timeout=TIMEOUT):
        ws.map.run_js(f"seatdesk.placePin(L.latLng({lat}, {lon}));")
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)
    assert form.location.lon == pytest.approx(lon) and form.location.pick.in_grid
    assert form.location.address.text()  # filled from the cell until the caller says more
    press(qtbot, form, "F9")
    assert not form.location.map_button.isChecked() and ws.map.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_intake_says_the_limits_of_the_urgency_and_warns_without_one(city, qtbot):
    """The shipped catalogue has a 紧急 limit for every class; a class an administrator
    left without one is flagged at intake, before the shift lead meets it at 立案."""
    from seatdesk.models import CaseClass, FilingCondition, TimeLimit

    db = city
    with db.Session.begin() as session:
        bare = session.scalars(select(CaseClass).where(CaseClass.code == "01005")
                               .order_by(CaseClass.kind)).first()
        conds = select(FilingCondition.id).where(FilingCondition.class_id == bare.id)
        session.query(TimeLimit).filter(TimeLimit.condition_id.in_(conds),
                                        TimeLimit.urgency == "urgent").delete()
        bare_id = bare.id
    _window, form = intake(qtbot, db)
    hint = form.limit_hint
    picker = form.class_picker
    picker._chosen(next(e for e in picker.entries.values() if e.code == "01004"))
    qtbot.waitUntil(lambda: "处置时限" in hint.text(), timeout=TIMEOUT)
    assert hint.text().startswith("本小类“一般”处置时限：") and not hint.missing()
    form.urgency.setCurrentIndex(form.urgency.findData("urgent"))
    assert hint.text().startswith("本小类“紧急”处置时限：") and "小时" in hint.text()
    picker._chosen(picker.entries[bare_id])
    qtbot.waitUntil(lambda: hint.missing(), timeout=TIMEOUT)
    assert "没有“紧急”处置时限" in hint.text() and "无法立案" in hint.text()
    form.urgency.setCurrentIndex(form.urgency.findData("normal"))
    assert not hint.missing() and "一般" in hint.text()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_intake_offers_the_configured_sources(city, qtbot):
    """案件来源 at intake come from the centre's table (issue 10, item 12): in its order,
    with the administrator's names, without disabled sources and without 监督员巡查 (the
    supervisors' own channel)."""
    from seatdesk.models.sources import Source

    db = city
    with db.Session.begin() as session:
        session.get(Source, "hotline_12319").name = "城管热线12319"
        session.get(Source, "mayor_hotline").enabled = False
        session.get(Source, "video").sort_order = 15
    _window, form = intake(qtbot, db)

    def offered() -> list[tuple[str, str]]:
        return [(form.source.itemData(i), form.source.itemText(i))
                for i in range(form.source.count())]

    qtbot.waitUntil(lambda: ("hotline_12319", "城管热线12319") in offered(), timeout=TIMEOUT)
    codes = [code for code, _ in offered()]
    assert codes[:3] == ["video", "hotline_12345", "hotline_12319"]
    assert "mayor_hotline" not in codes and "patrol" not in codes
    assert dict(offered())["hotline_12345"] == "12345政务服务便民热线"


def test_a_save_goes_on_when_the_typing_check_overtakes_its_duplicate_check(city, qtbot):
    """Ctrl+S right after typing: the save's duplicate check and the check the typing starts
    (300 ms after the last key) share one reply slot, where only the newest reply arrives.
    The save goes on with whichever reply is the newest for the report on screen."""
    db = city
    _window, form = intake(qtbot, db)
    form.anonymous.setChecked(True)
    form.location.set_point(119.2, 31.2)  # inside the city, far from every case
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)
    form.description.text.setPlainText("人行道地砖松动")
    with qtbot.waitSignal(form.case_registered, timeout=TIMEOUT):
        form.save()  # Ctrl+S: its check is sent …
        form.run_precheck()  # … and the typing's timer fires before the reply arrives
    assert form.status.text().startswith("已登记案卷")


def _outside_report(qtbot, form, lon: float, lat: float, description: str) -> None:
    form.anonymous.setChecked(True)
    form.description.text.setPlainText(description)
    form.location.set_point(lon, lat)
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)


def _save_until_asked(qtbot, form):
    """Ctrl+S in the form (the focus in it: the shortcut is the form's), then the prompt."""
    form.description.text.setFocus()
    press(qtbot, form.description.text, "Ctrl+S")

    def asked() -> None:
        assert form.outside_prompt is not None and form.outside_prompt.isVisible(), (
            form.status.text())

    qtbot.waitUntil(asked, timeout=TIMEOUT)
    return form.outside_prompt


def test_a_point_outside_the_city_is_said_and_registered_only_after_a_yes(city, qtbot):
    """A point beyond the city's extent (``city_extent``): said in red in the location
    block as soon as it is resolved; Ctrl+S asks, and the default answer (Enter) does
    not register — the report stays in the form; "仍然登记" registers it, without a grid
    cell. With no extent set nothing is said or asked."""
    from seatdesk.data.city_profile import set_extent
    from seatdesk.ui.screenshots import save

    db = city
    window, form = intake(qtbot, db)
    window.resize(1600, 900)
    lon, lat = 119.705, 31.402  # east of 溧阳 (the default extent ends at 119.62)
    _outside_report(qtbot, form, lon, lat, "路灯不亮，来电人称在市界附近")
    warning = form.location.outside
    assert warning.isVisible() and "不在本市范围内" in warning.text()
    assert "119.705000" in warning.text() and "没有所属单元网格" in warning.text()
    assert form.location.resolved.text() == "不在任何单元网格内：请核对位置"
    save(window, "intake_outside_city")

    prompt = _save_until_asked(qtbot, form)
    assert prompt.defaultButton() is prompt.back and prompt.escapeButton() is prompt.back
    assert "不在本市范围内" in prompt.text() and prompt.register.text() == "仍然登记"
    save(prompt, "intake_outside_city_confirm")
    qtbot.keyClick(prompt, Qt.Key.Key_Return)  # the default: back to the form
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=TIMEOUT)
    assert form.status.text().startswith("未登记：位置不在本市范围内")
    assert form.location.lon == lon and form.description.value().startswith("路灯不亮")
    with db.Session() as session:
        assert session.scalar(select(Case.id).where(Case.lon == lon)) is None

    _save_until_asked(qtbot, form)  # asked again; this time yes
    with qtbot.waitSignal(form.case_registered, timeout=TIMEOUT) as registered:
        form.outside_prompt.register.click()
    with db.Session() as session:
        case = session.get(Case, registered.args[0])
        assert (case.lon, case.lat, case.grid_cell_id) == (lon, lat, None)
    assert form.is_blank() and not warning.isVisible()

    with db.Session.begin() as session:  # no extent: the same point is just outside the grid
        set_extent(session, None, None)
    press(qtbot, window.workspace, "Ctrl+N")  # the registered case opened: a new call
    _outside_report(qtbot, form, lon + 0.01, lat, "井盖缺失")
    assert not warning.isVisible()
    cases: list[int] = []
    form.case_registered.connect(cases.append)
    press(qtbot, form, "Ctrl+S")
    qtbot.waitUntil(lambda: bool(cases), timeout=TIMEOUT)
    assert form.outside_prompt is None, form.status.text()
