"""The intake location has one source of truth (issue 10, item 7).

Each contradiction the issue saw is driven as a call-taker would and checked on every
view of the location — search text, address, resolved line, component, the map's pin
(in the real QtWebEngine page) and the duplicate panel:

- after an F9 map pick the search text and address show the picked place;
- after a later search the pin moves to the searched place;
- the duplicate explanation goes when the candidates drop to zero;
- a road-name search offers the road and its addresses before components, and taking a
  component makes it the case's 部件 but not the address (unless chosen from the menu);
- an address the operator typed stays (with a note) when the point moves.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from seatdesk.models import Component, GridCell
from seatdesk.ui.intake.checks import search_places
from tests.seat_helpers import (
    TIMEOUT,
    city_fixture,  # noqa: F401 (fixture)
    place,
    press,
    type_text,
    walk_case,
)
from tests.test_ui_intake import intake

ROAD = "燕山路"


def search(qtbot, form, text: str) -> list:
    """Type into the place search; the hits as the list shows them."""
    line = form.location.search.line
    line.setFocus()
    line.clear()
    type_text(qtbot, line, text)
    qtbot.waitUntil(lambda: form.location.search.list.isVisible(), timeout=TIMEOUT)
    box = form.location.search
    return [box.proxy.index(i, 0).data(Qt.ItemDataRole.UserRole + 1)
            for i in range(box.visible_count())]


def take(qtbot, form, row: int) -> None:
    line = form.location.search.line
    for _ in range(row):
        qtbot.keyClick(line, Qt.Key.Key_Down)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)


def js(qtbot, view, script: str):
    box: list = []
    view.run_js(f"JSON.stringify({script})", box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=30_000)
    return json.loads(box[0])


def pin_at(qtbot, view) -> list | None:
    return js(qtbot, view, "seatdesk.pin ? [seatdesk.pin.getLatLng().lng, "
                           "seatdesk.pin.getLatLng().lat] : null")


def test_a_road_name_finds_the_road_and_its_addresses_before_components(city):
    """Both backends: the search ranks the road, then known addresses, components last."""
    db = city
    with db.Session() as session:
        hits = search_places(session, ROAD)
        by_code = search_places(session, session.scalar(select(Component.code).limit(1))[:12])
    kinds = [h.kind for h in hits]
    assert kinds[0] == "road" and hits[0].label == ROAD
    assert "component" in kinds  # 燕山路供水井盖 … are found, but after everything else
    first_component = kinds.index("component")
    assert all(k == "component" for k in kinds[first_component:])
    assert all(k != "component" for k in kinds[:first_component])
    assert by_code and by_code[0].kind in ("cell", "component")  # a code finds codes first


@pytest.mark.parametrize("backend", ["sqlite"])
def test_taking_a_component_sets_the_part_not_the_address(city, qtbot):
    db = city
    window, form = intake(qtbot, db)
    loc = form.location
    hits = search(qtbot, form, ROAD)
    take(qtbot, form, 0)  # the road
    assert loc.search.line.text() == ROAD
    assert ROAD in form.location.address.text()  # e.g. 溧城街道燕山路附近
    assert loc.pick.road == ROAD and loc.component_code() == ""
    row = next(i for i, h in enumerate(hits) if h.kind == "component")
    cover = hits[row]
    search(qtbot, form, ROAD)
    take(qtbot, form, row)
    qtbot.waitUntil(lambda: loc.pick is not None and loc.lon == cover.lon, timeout=TIMEOUT)
    assert loc.component_code() == cover.component_code  # the case's 部件
    assert loc.component.currentData() == cover.component_code
    assert loc.address.text() != cover.label and ROAD in loc.address.text()  # not the cover
    assert loc.search.line.text() == cover.label
    # unless the operator wants it: the address menu offers the component's name
    choices = {text: own for _label, text, own in loc.address_choices()}
    assert cover.label in choices
    loc.address_menu.aboutToShow.emit()
    action = next(a for a in loc.address_menu.actions() if cover.label in a.text())
    action.trigger()
    assert loc.address.text() == cover.label and loc.location.address_typed


@pytest.mark.parametrize("backend", ["sqlite"])
def test_map_pick_and_search_keep_one_location_everywhere(city, qtbot):
    """F9 pick after a search: search text, address, cell and pin show the pick. A later
    search: everything, the pin too, shows the searched place. A typed address stays."""
    db = city
    window, form = intake(qtbot, db, map_enabled=True)
    ws, loc = window.workspace, form.location
    qtbot.waitUntil(lambda: ws.map.is_ready, timeout=30_000)
    search(qtbot, form, "濑江新村")
    take(qtbot, form, 0)
    first = (loc.lon, loc.lat)
    qtbot.waitUntil(lambda: pin_at(qtbot, ws.map) == pytest.approx(list(first), abs=1e-6),
                    timeout=TIMEOUT)  # a search moves the pin too
    assert "濑江新村" in loc.search.line.text() and loc.pick.community == "濑江新村社区"
    # F9 and a click elsewhere: the search text, address and resolution follow the pick
    lon, lat, _ = place(db, 12)
    press(qtbot, form, "F9")
    with qtbot.waitSignal(ws.map.pick_resolved, timeout=TIMEOUT):
        ws.map.run_js(f"seatdesk.placePin(L.latLng({lat}, {lon}));")
    qtbot.waitUntil(lambda: loc.pick is not None and loc.pick.lon == pytest.approx(lon),
                    timeout=TIMEOUT)
    with db.Session() as session:
        cell = session.scalars(select(GridCell).order_by(GridCell.code).offset(12)).first()
    assert loc.pick.cell_code == cell.code
    assert "濑江新村" not in loc.search.line.text()
    assert loc.search.line.text().startswith("地图选点：")
    assert loc.address.text() == loc.pick.place and "濑江新村" not in loc.address.text()
    assert cell.code in loc.resolved.text()
    press(qtbot, form, "F9")  # picking off: the pin stays where the report is
    assert pin_at(qtbot, ws.map) == pytest.approx([lon, lat], abs=1e-6)
    # the operator types the caller's words; a later search moves the point and the pin,
    # keeps the typed address and says so
    loc.address.setFocus()
    loc.address.selectAll()
    type_text(qtbot, loc.address, "燕山路口银行门前")
    search(qtbot, form, ROAD)
    take(qtbot, form, 0)
    qtbot.waitUntil(lambda: pin_at(qtbot, ws.map) == pytest.approx([loc.lon, loc.lat],
                                                                   abs=1e-6), timeout=TIMEOUT)
    assert loc.search.line.text() == ROAD and loc.pick.road == ROAD
    assert loc.address.text() == "燕山路口银行门前" and loc.note.isVisible()
    assert ROAD in loc.note.text()
    # a new form: no location, no pin
    press(qtbot, form, "Ctrl+Shift+Backspace")
    qtbot.waitUntil(lambda: pin_at(qtbot, ws.map) is None, timeout=TIMEOUT)
    assert loc.search.line.text() == "" and loc.address.text() == ""
    assert ws.map.js_errors == []

def test_a_map_pick_beyond_the_city_warns_at_the_pin_and_in_the_form(city, qtbot):
    """F9 and a click past the city's east edge (溧阳's extent ends at lon 119.62): the
    pin's popup says so in red first, and the form's red line says it too."""
    db = city
    window, form = intake(qtbot, db, map_enabled=True)
    ws, loc = window.workspace, form.location
    qtbot.waitUntil(lambda: ws.map.is_ready, timeout=30_000)
    press(qtbot, form, "F9")
    with qtbot.waitSignal(ws.map.pick_resolved, timeout=TIMEOUT):
        ws.map.run_js("seatdesk.placePin(L.latLng(31.43, 119.66));")
    qtbot.waitUntil(lambda: loc.pick is not None and loc.pick.outside_city, timeout=TIMEOUT)
    # (the page had the pick's description before ``pick_resolved``: the script runs after)
    assert js(qtbot, ws.map, "(document.querySelector('.sd-pick-outside') || {}).textContent"
              " || ''") == "不在本市范围内：请核对位置，多半是点错了"
    assert loc.outside.isVisible() and "不在本市范围内" in loc.outside.text()
    press(qtbot, form, "F9")
    assert ws.map.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_duplicate_explanation_goes_with_its_candidates(city, qtbot):
    db = city
    walk_case(db, "dispatched", offset=30)
    lon, lat, class_id = place(db, 30)
    window, form = intake(qtbot, db)
    form.class_picker.set_current(class_id)
    form.class_picker.class_chosen.emit(form.class_picker.current())
    form.description.text.setPlainText("雨水箅子破损")
    form.location.set_point(lon + 0.00005, lat)
    qtbot.waitUntil(lambda: form.duplicates.rowCount() > 0 and bool(form.why.text()),
                    timeout=TIMEOUT)
    assert form.merge_button.isEnabled()
    # the caller corrects the place: 2 km away, nothing to merge with
    far_lon, far_lat, _ = place(db, 300)
    form.location.set_point(far_lon, far_lat)
    assert form.duplicates.rowCount() == 0 and form.why.text() == ""  # dropped at once
    assert not form.merge_button.isEnabled()
    qtbot.waitUntil(lambda: form.checked is not None, timeout=TIMEOUT)
    assert form.duplicates.rowCount() == 0 and form.why.text() == ""
    assert form.check_title.text() == "疑似重复案卷：0 个"
