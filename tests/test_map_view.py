"""The map in QtWebEngine, offscreen: offline loading, the bridge, pick mode, live updates.

Every request the page makes goes through an interceptor that blocks and records anything
that is not a bundled resource, the rendered page itself or the configured tile URL
(tile requests are blocked too: no network in tests). Screenshots of each layer are
written to docs/screenshots/map_*.png from the demo city.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QTranslator
from PySide6.QtTest import QTest
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInterceptor
from shapely.geometry import Point

from seatdesk.map.page import WEB_ROOT
from seatdesk.map.settings import MapSettings, save_map_settings
from seatdesk.map.view import MapView
from seatdesk.map.window import MapWindow
from seatdesk.models import Case, utcnow
from seatdesk.ui.session.app import make_application
from seatdesk.ui.screenshots import save
from seatdesk.ui.tasks import TaskRunner
from tests.test_map_page import cell_centre, cell_code, fill_small_city

TILES = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"  # loopback; blocked by the interceptor anyway
TILE_PREFIX = "http://127.0.0.1:9/tiles/"
READY_MS = 20_000


def application():
    """The Chinese UI (the default language)."""
    return make_application(language="zh_CN")


class RequestLog(QWebEngineUrlRequestInterceptor):
    """Records every request; blocks and lists the ones that leave the application."""

    def __init__(self, local_roots: list[Path], tile_prefix: str | None = None):
        super().__init__()
        self.roots = [str(r.resolve()) for r in local_roots]
        self.tile_prefix = tile_prefix
        self.seen: list[str] = []
        self.tiles: list[str] = []
        self.external: list[str] = []

    def interceptRequest(self, info) -> None:  # noqa: N802
        url = info.requestUrl()
        text = url.toString()
        self.seen.append(text)
        if url.isLocalFile() and any(url.toLocalFile().startswith(r) for r in self.roots):
            return
        if url.scheme() == "data":
            return
        if self.tile_prefix and text.startswith(self.tile_prefix):
            self.tiles.append(text)
        else:
            self.external.append(text)
        info.block(True)


@pytest.fixture
def widgets(qtbot):
    """Widgets deleted at teardown with their web pages before the profiles go (Qt warns
    "Release of profile requested but WebEnginePage still not deleted" otherwise)."""
    made: list = []
    yield made
    for widget in made:
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def runner(qtbot, widgets):
    tasks = TaskRunner()
    yield tasks
    tasks.wait(10_000)


def open_map(
    qtbot, runner, widgets, sessions, tile_prefix: str | None = TILE_PREFIX, size=(1000, 700)
):
    application()
    view = MapView(runner)
    widgets.append(view)
    log = RequestLog([WEB_ROOT, view._dir], tile_prefix)
    view.profile.setUrlRequestInterceptor(log)
    view.resize(*size)
    view.show()
    with qtbot.waitSignal(view.ready, timeout=READY_MS):
        view.load(sessions)
    return view, log


def js(qtbot, view, script: str, timeout: int = 30_000):
    """The value of a JavaScript expression (through JSON)."""
    box: list = []
    view.run_js(f"JSON.stringify({script})", box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    return json.loads(box[0])


def js_until(qtbot, view, script: str, expected, timeout: int = 30_000) -> None:
    seen: list = []

    def check() -> bool:
        seen.append(js(qtbot, view, script))
        return seen[-1] == expected

    qtbot.waitUntil(check, timeout=timeout)


SETTLED = (  # no zoom or pan under way, no marker cluster animating its markers into place
    "!seatdesk.map._animatingZoom && !seatdesk.map._panAnim?._inProgress && "
    "!seatdesk.caseLayer._inZoomAnimation && !seatdesk.compLayer._inZoomAnimation"
)


def click(qtbot, view, x: float, y: float, between=None) -> None:
    """A real left click on the page at container point (x, y); ``between()`` runs while the
    button is down."""
    target, pos = view.web.focusProxy(), QPoint(round(x), round(y))
    QTest.mouseMove(target, pos)
    QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    qtbot.wait(30)
    if between is not None:
        between()
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


@pytest.fixture
def small_city(make_db):
    db = make_db("empty")
    with db.Session.begin() as s:
        ids = fill_small_city(s, now=utcnow())
        save_map_settings(s, MapSettings(tile_url=TILES, tile_attribution="测试底图"))
    return db, ids


@pytest.mark.parametrize("backend", ["sqlite"])
def test_page_loads_offline_and_a_clicked_case_reaches_python(qtbot, runner, widgets, small_city):
    db, ids = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    assert view.page_path is not None and view.page_path.is_file()
    assert any(u.endswith("/leaflet/leaflet.js") for u in log.seen)
    assert any(u.endswith("/qwebchannel/qwebchannel.js") for u in log.seen)
    assert log.tiles, "the configured tile URL is the one outside address the page may use"
    assert js(qtbot, view, "Object.keys(seatdesk.caseMarkers).length") == 5  # open cases
    light = js(qtbot, view, f"seatdesk.caseMarkers[{ids['red']}].row[3]")
    assert light == "red"
    with qtbot.waitSignal(view.case_clicked, timeout=30_000) as clicked:
        view.run_js(f"seatdesk.caseMarkers[{ids['yellow']}].fire('click')")
    assert clicked.args == [ids["yellow"]]
    with qtbot.waitSignal(view.case_shown, timeout=30_000) as shown:
        view.show_case(ids["green"])  # selecting it in a queue pans and highlights
    assert shown.args == [ids["green"]]
    assert js(  # the configured case zoom (16), not a 50 m close-up
        qtbot, view, "seatdesk.map.getZoom() === 16 && seatdesk.highlightLayer.getLayers().length"
    )
    with qtbot.waitSignal(view.case_shown, timeout=30_000) as shown:
        view.show_case(ids["closed"])  # not on the map: looked up, shown by its location
    assert shown.args == [ids["closed"]]
    centre = js(qtbot, view, "[seatdesk.map.getCenter().lng, seatdesk.map.getCenter().lat]")
    assert centre == pytest.approx(cell_centre(3, 1), abs=3e-5)  # within a pixel at zoom 16
    assert log.external == [] and view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_pick_mode_resolves_the_clicked_point_and_the_dragged_pin(
    qtbot, runner, widgets, small_city
):
    db, _ = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    view.set_pick_mode(True)
    lon, lat = cell_centre(2, 1)
    lon, lat = lon + 0.001, lat + 0.001  # inside the cell, off the markers at its centre
    size = [view.web.width(), view.web.height()]
    js_until(qtbot, view, "[window.innerWidth, window.innerHeight]", size)  # laid out
    view.run_js("seatdesk.map.invalidateSize(false);"
                f"seatdesk.map.setView([{lat}, {lon}], 17, {{animate: false}});")
    js_until(qtbot, view, "(function(c){return Math.abs(c.lat - %r) < 5e-5 && "  # settled:
             "Math.abs(c.lng - %r) < 5e-5;})(seatdesk.map.getCenter()) && %s"  # no marker flying
             % (lat, lon, SETTLED), True)  # across the aimed point into its place
    x, y = js(
        qtbot,
        view,
        f"(function(p){{return [p.x, p.y];}})(seatdesk.map.latLngToContainerPoint([{lat}, {lon}]))",
    )
    target, pos = view.web.focusProxy(), QPoint(round(x), round(y))
    with qtbot.waitSignal(view.pick_resolved, timeout=30_000) as resolved:  # a real mouse click
        QTest.mouseMove(target, pos)
        QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        qtbot.wait(30)
        QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    result = resolved.args[0]
    assert result.cell_code == cell_code(2, 1)
    assert (result.community, result.street) == ("甘露寺社区", "溧城街道")
    # a real click lands within a pixel of the aimed point (the 30-50 m once seen under load
    # was the map panning to a pressed cluster on its way out after the zoom: docs/map.md)
    assert (result.lon, result.lat) == pytest.approx((lon, lat), abs=3e-5)  # ~3 m, 3 px
    js_until(
        qtbot,
        view,
        "!!document.querySelector('.sd-pick') && "
        "document.querySelector('.sd-pick').textContent.includes"
        f"('{cell_code(2, 1)}')",
        True,
    )
    # dragging the pin corrects the location; the new point resolves again
    lon2, lat2 = cell_centre(0, 0)
    with qtbot.waitSignal(view.pick_resolved, timeout=30_000) as resolved:
        view.run_js(f"seatdesk.pin.setLatLng([{lat2}, {lon2}]); seatdesk.pin.fire('dragend')")
    moved = resolved.args[0]
    assert moved.cell_code == cell_code(0, 0)
    assert [c.class_name for c in moved.components] == ["上水井盖", "路灯"]
    view.set_pick_mode(False)
    js_until(qtbot, view, "seatdesk.pin === null", True)
    assert log.external == [] and view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_case_changes_update_markers_without_reloading(qtbot, runner, widgets, small_city):
    db, ids = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    view.run_js("window.__same_page = true;")
    now = utcnow()
    with db.Session.begin() as s:
        s.get(Case, ids["green"]).deadline_at = now - dt.timedelta(minutes=5)  # → red
        s.get(Case, ids["yellow"]).state = "closed"  # → removed
        lon, lat = cell_centre(1, 1)
        new = Case(
            number="202506049999",
            state="reported",
            source="patrol",
            lon=lon,
            lat=lat,
            geom=Point(lon, lat),
        )
        s.add(new)
        s.flush()
        new_id = new.id
    with qtbot.waitSignal(view.markers_changed, timeout=30_000) as changed:
        view.apply_changes([{"case_id": ids["green"]}, {"case_id": ids["yellow"]}, new_id])
    assert sorted(changed.args[0]) == sorted([ids["green"], ids["yellow"], new_id])
    script = (
        f"[seatdesk.caseMarkers[{ids['green']}].row[3], !!seatdesk.caseMarkers[{ids['yellow']}],"
        f" !!seatdesk.caseMarkers[{new_id}], window.__same_page === true]"
    )
    js_until(qtbot, view, script, ["red", False, True, True])
    assert "sd-light-red" in js(
        qtbot, view, f"seatdesk.caseMarkers[{ids['green']}].options.icon.options.className"
    )
    assert log.external == [] and view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_reloading_the_cases_redraws_the_layer_from_the_database(qtbot, runner, widgets,
                                                                 small_city):
    """After a reconnection or a flood of notices (too many ids to name: the seat's
    "everything changed") the map re-reads every open case on the same page."""
    db, ids = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    view.run_js("window.__same_page = true;")
    with db.Session.begin() as s:
        s.get(Case, ids["yellow"]).state = "closed"  # → gone
        s.get(Case, ids["green"]).deadline_at = utcnow() - dt.timedelta(minutes=5)  # → red
    view.reload_cases()
    script = (f"[!!seatdesk.caseMarkers[{ids['yellow']}],"
              f" seatdesk.caseMarkers[{ids['green']}].row[3], window.__same_page === true]")
    js_until(qtbot, view, script, [False, "red", True])
    assert ids["yellow"] not in view._positions and ids["green"] in view._positions
    assert log.external == [] and view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_components_load_for_the_visible_area(qtbot, runner, widgets, small_city):
    db, _ = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    lon, lat = cell_centre(0, 0)
    view.run_js(
        f"seatdesk.map.setView([{lat}, {lon}], 18, {{animate: false}});"
        "seatdesk.map.addLayer(seatdesk.groups.components);"
    )
    js_until(qtbot, view, "seatdesk.compLayer.getLayers().length", 2)  # only the two in view
    view.run_js("seatdesk.map.setView(seatdesk.map.getCenter(), 12, {animate: false});")
    js_until(qtbot, view, "seatdesk.compLayer.getLayers().length", 0)  # too far out: a hint instead
    assert "15" in js(qtbot, view, "seatdesk.hint")
    assert log.external == [] and view.js_errors == []


RING_OFFSET = """(function (id) {
  var m = seatdesk.caseMarkers[id];
  var ring = document.querySelector('.sd-ring').getBoundingClientRect();
  var icon = m._icon.getBoundingClientRect();
  var p = seatdesk.map.latLngToContainerPoint(m.getLatLng());
  var box = seatdesk.map.getContainer().getBoundingClientRect();
  return [ring.left + ring.width / 2 - (icon.left + icon.width / 2),
          ring.top + ring.height / 2 - (icon.top + icon.height / 2),
          icon.left + icon.width / 2 - box.left - p.x, icon.top + icon.height / 2 - box.top - p.y];
})(%d)"""


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_opened_case_keeps_its_streets_and_the_ring_sits_on_its_marker(
    qtbot, runner, widgets, small_city
):
    """Two cases 8 m apart cluster at the case zoom; showing one takes it out of the cluster
    at its own place, and the ring stays centred on it through the pulse animation (the
    animation once replaced Leaflet's positioning transform and dragged the ring away)."""
    db, ids = small_city
    with db.Session.begin() as s:
        lon, lat = cell_centre(1, 1)
        pair = [Case(number=f"2025060499{n}", state="reported", source="patrol",
                     lon=lon + n * 0.00008, lat=lat, geom=Point(lon + n * 0.00008, lat))
                for n in (1, 2)]
        s.add_all(pair)
        s.flush()
        first = pair[0].id
    view, log = open_map(qtbot, runner, widgets, db.Session)
    view.run_js(f"seatdesk.map.setView([{lat}, {lon}], 16, {{animate: false}});")
    js_until(qtbot, view, f"!seatdesk.caseMarkers[{first}]._icon", True)  # inside a cluster
    with qtbot.waitSignal(view.case_shown, timeout=30_000):
        view.show_case(first)
    assert js(qtbot, view, "seatdesk.map.getZoom()") == 16
    centre = js(qtbot, view, "[seatdesk.map.getCenter().lng, seatdesk.map.getCenter().lat]")
    assert centre == pytest.approx([lon + 0.00008, lat], abs=3e-5)  # within a pixel
    # streets in view: at least one of the small city's roads crosses the visible area
    assert js(qtbot, view, "seatdesk.map.getBounds().getNorth() - seatdesk.map.getBounds()"
                           ".getSouth()") > 0.006  # ≥ 650 m across
    for _ in range(6):  # sampled through the 1.2 s pulse
        dx, dy, mx, my = js(qtbot, view, RING_OFFSET % first)
        assert abs(dx) <= 1 and abs(dy) <= 1, (dx, dy)  # ring centred on the marker
        assert abs(mx) <= 1 and abs(my) <= 1, (mx, my)  # marker on its own point
        qtbot.wait(200)
    # the next case takes its place; the first goes back to the cluster layer
    with qtbot.waitSignal(view.case_shown, timeout=30_000):
        view.show_case(pair[1].id)
    js_until(qtbot, view, f"[seatdesk.focused.row[0], seatdesk.caseLayer.hasLayer("
                          f"seatdesk.caseMarkers[{first}])]", [pair[1].id, True])
    dx, dy, _, _ = js(qtbot, view, RING_OFFSET % pair[1].id)
    assert abs(dx) <= 1 and abs(dy) <= 1
    assert log.external == [] and view.js_errors == []


#: the legend's box without its hint line: the hint ("zoom in for components" …) comes and
#: goes with the zoom and the layers' data, folded or not, and arrives when that data does
#: (a /root clone's run under load: the hint came after the "layers do not grow it" check
#: and the folded box measured 155 × 46 instead of 51 × 26)
LEGEND_BOX = ("(function () { var d = document.querySelector('.sd-legend'),"
              " h = d.querySelector('.sd-hint'), shown = h.style.display;"
              " h.style.display = 'none'; var r = d.getBoundingClientRect();"
              " h.style.display = shown; return [r.width, r.height]; })()")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_legend_is_small_folded_and_never_grows_across_the_map(qtbot, runner, widgets, small_city):
    db, _ = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    folded = js(qtbot, view, LEGEND_BOX)
    assert folded[0] < 120 and folded[1] < 40, folded  # one small button
    view.run_js("seatdesk.map.addLayer(seatdesk.groups.components);"
                "seatdesk.map.addLayer(seatdesk.groups.choropleth);")
    assert js(qtbot, view, LEGEND_BOX) == folded  # layers do not grow it
    view.run_js("document.querySelector('.sd-legend-toggle').click();")
    js_until(qtbot, view, "seatdesk.legendOpen", True)
    width, height = js(qtbot, view, LEGEND_BOX)
    map_height = js(qtbot, view, "seatdesk.map.getSize().y")
    assert width <= 280 and height <= 0.45 * map_height, (width, height, map_height)
    text = js(qtbot, view, "document.querySelector('.sd-legend').textContent")
    assert "道路" in text and "网格在办案件数" in text and "红灯" in text
    view.run_js("document.querySelector('.sd-legend-toggle').click();")
    js_until(qtbot, view, "seatdesk.legendOpen", False)
    assert js(qtbot, view, LEGEND_BOX) == folded
    view.set_pick_mode(True)  # a hint shows even when folded
    js_until(qtbot, view, "document.querySelector('.sd-legend .sd-hint').textContent.length > 0",
             True)
    assert log.external == [] and view.js_errors == []


LAYERS_FOLDED = ("!document.querySelector('.leaflet-control-layers')"
                 ".classList.contains('leaflet-control-layers-expanded')")
RECT = "(function (r) {{ return [r.left, r.top, r.right, r.bottom]; }})" \
       "(document.querySelector('{}').getBoundingClientRect())"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_narrow_map_folds_its_layer_list_off_the_zoom_buttons(
    qtbot, runner, widgets, small_city, language, request
):
    """The seat's map at 1280×720 is 240–560 px wide: the unfolded layer list covered the
    zoom buttons (English) and half the map. Narrow, it is Leaflet's layers button, which a
    click unfolds and a click on the map folds; wide, the list stays unfolded."""
    application()
    if language == "en":  # after application(): each call installs the Chinese again
        request.getfixturevalue("english")
    db, _ = small_city
    view = MapView(runner)
    widgets.append(view)
    log = RequestLog([WEB_ROOT, view._dir], TILE_PREFIX)
    view.profile.setUrlRequestInterceptor(log)
    view.resize(260, 600)
    view.show()
    with qtbot.waitSignal(view.ready, timeout=READY_MS):
        view.load(db.Session)
    js_until(qtbot, view, "window.innerWidth", view.web.width())
    js_until(qtbot, view, LAYERS_FOLDED, True)
    layers = js(qtbot, view, RECT.format(".leaflet-control-layers"))
    zoom = js(qtbot, view, RECT.format(".leaflet-control-zoom"))
    assert layers[0] >= zoom[2] and layers[2] - layers[0] <= 50, (layers, zoom)  # a button
    title = js(qtbot, view, "document.querySelector('.leaflet-control-layers-toggle').title")
    assert title == ("Map layers" if language == "en" else "图层")
    view.run_js("document.querySelector('.leaflet-control-layers-toggle').click();")
    js_until(qtbot, view, LAYERS_FOLDED, False)  # unfolded on request, over the map
    view.run_js("seatdesk.map.fire('click', {latlng: seatdesk.map.getCenter()});")
    js_until(qtbot, view, LAYERS_FOLDED, True)  # and folded by a click on the map
    view.resize(1000, 600)
    js_until(qtbot, view, LAYERS_FOLDED, False, timeout=30_000)  # room enough: unfolded
    layers = js(qtbot, view, RECT.format(".leaflet-control-layers"))
    zoom = js(qtbot, view, RECT.format(".leaflet-control-zoom"))
    assert layers[0] > zoom[2], (layers, zoom)
    assert log.external == [] and view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_without_a_basemap_roads_are_named_and_the_pin_follows_the_intake(
    qtbot, runner, widgets, make_db
):
    """No tiles: road lines with their names from zoom 15 (hidden when zoomed out); a
    location chosen elsewhere moves the pin (and pans to it); leaving pick mode can keep
    it; the pick popup names the nearest road and a known address."""
    db = make_db("empty")
    with db.Session.begin() as s:
        fill_small_city(s, now=utcnow())
    view, log = open_map(qtbot, runner, widgets, db.Session, tile_prefix=None)
    assert log.tiles == []
    lon, lat = cell_centre(2, 1)
    view.set_pin(lon, lat)
    js_until(qtbot, view, "!!seatdesk.pin", True)
    pin = js(qtbot, view, "[seatdesk.pin.getLatLng().lng, seatdesk.pin.getLatLng().lat]")
    assert pin == pytest.approx([lon, lat], abs=1e-6)
    assert js(qtbot, view, "seatdesk.map.getZoom()") >= 16
    labels = ("Array.from(document.querySelectorAll('.sd-road-label span'))"
              ".filter(function (e) { return e.offsetParent !== null; })"
              ".map(function (e) { return e.textContent; })")
    assert "甘露寺路" in js(qtbot, view, labels)
    view.run_js("seatdesk.map.setZoom(13, {animate: false});")
    js_until(qtbot, view, labels, [])
    view.set_pick_mode(True)
    assert js(qtbot, view, "seatdesk.pin.dragging.enabled()")
    with qtbot.waitSignal(view.pick_resolved, timeout=30_000) as resolved:
        view.run_js(f"seatdesk.placePin(L.latLng({lat}, {lon + 0.0001}));")
    assert resolved.args[0].road == "甘露寺路"
    js_until(qtbot, view, "!!document.querySelector('.sd-pick') && document.querySelector("
                          "'.sd-pick').textContent.includes('甘露寺路')", True)
    assert "测试路5号" in js(qtbot, view, "document.querySelector('.sd-pick').textContent")
    view.set_pick_mode(False, keep_pin=True)
    js_until(qtbot, view, "!!seatdesk.pin && !seatdesk.pin.dragging.enabled()", True)
    view.set_pin(None, None)
    js_until(qtbot, view, "seatdesk.pin === null", True)
    assert log.external == [] and view.js_errors == []


@pytest.fixture
def english(qtbot):
    """The UI without its translators (English, as SEATDESK_LANG=en), restored after."""
    app = application()
    removed = app.findChildren(QTranslator)
    for translator in removed:
        app.removeTranslator(translator)
    yield app
    for translator in removed:
        app.installTranslator(translator)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_map_speaks_english(qtbot, runner, widgets, small_city, english):
    db, ids = small_city
    view = MapView(runner, state_labels={"dispatched": "In handling"})
    widgets.append(view)
    view.resize(900, 600)
    view.show()
    with qtbot.waitSignal(view.ready, timeout=READY_MS):
        view.load(db.Session)
    view.run_js("seatdesk.setLegendOpen(true);")
    text = js(qtbot, view, "document.querySelector('.sd-legend').textContent")
    for word in ("Legend", "Red", "No clock running", "In handling", "Roads", "Supervisors"):
        assert word in text, word
    assert not re.search(r"[\u4e00-\u9fff]", text), text  # no Chinese left in the legend
    row = js(qtbot, view, f"seatdesk.caseMarkers[{ids['green']}].row")
    assert row[6] == "In handling" and re.fullmatch(r"\d+ h( \d+ min)? left", row[7]), row
    glyph = js(qtbot, view, f"seatdesk.caseMarkers[{ids['green']}].options.icon.options.html")
    assert glyph == "H"
    assert view.js_errors == []


# -- screenshots (Chinese UI, demo city) ---------------------------------------------------------

HOVER_CELL = (  # the grid's hover tooltip on a cell near the centre
    "window.cell = seatdesk.cellIndex[Object.keys(seatdesk.cellIndex).sort()[200]];"
    "cell.fire('mouseover', {latlng: cell.getCenter()}, true);"
)
HOVER_CASE = (  # a case marker's tooltip: number, stage, light, remaining time, class, address
    "var shown = Object.values(seatdesk.caseMarkers).filter(function (m) { return m._icon; });"
    "if (shown.length) { shown[0].fire('mouseover'); }"
)
SHOW_RED_CASE = (  # a red case opened as from a work box: case zoom, ring, its tooltip
    "var red = Object.values(seatdesk.caseMarkers).filter(function (m) {"
    " return m.row[3] === 'red'; })[0];"
    "seatdesk.receive({cmd: 'show_case', id: red.row[0]}); red.fire('mouseover');"
)
SHOTS = {
    "map_grid": HOVER_CELL,
    "map_choropleth": "cell.fire('mouseout', {}, true);"
    "seatdesk.map.addLayer(seatdesk.groups.choropleth);"
    "seatdesk.map.removeLayer(seatdesk.groups.cases);"
    "seatdesk.map.removeLayer(seatdesk.groups.supervisors);"
    "seatdesk.setLegendOpen(true);",
    "map_cases": "seatdesk.map.removeLayer(seatdesk.groups.choropleth);"
    "seatdesk.setLegendOpen(false);"
    "seatdesk.map.addLayer(seatdesk.groups.cases);" + SHOW_RED_CASE,
    "map_supervisors": "seatdesk.map.removeLayer(seatdesk.groups.cases);"
    "seatdesk.map.addLayer(seatdesk.groups.supervisors);"
    "seatdesk.map.setView([31.425, 119.487], 14, {animate: false});"
    "seatdesk.supLayer.eachLayer(function (m) { m.openTooltip(); });",
}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_screenshots_of_each_layer(qtbot, runner, widgets, make_db):
    db = make_db("demo_small")
    application()
    window = MapWindow(db.Session, runner)
    widgets.append(window)
    window.resize(1200, 820)
    with qtbot.waitSignal(window.map.ready, timeout=READY_MS):
        window.show()
    view = window.map
    for name, script in SHOTS.items():
        view.run_js(script)
        qtbot.wait(700)
        save(window, name)
    # components, zoomed in on the historic core
    view.run_js(
        "seatdesk.map.addLayer(seatdesk.groups.cases);"
        "seatdesk.map.addLayer(seatdesk.groups.components);"
        "seatdesk.map.setView([31.4305, 119.4845], 16, {animate: false});"
    )
    qtbot.waitUntil(
        lambda: js(qtbot, view, "seatdesk.compLayer.getLayers().length") > 0, timeout=5_000
    )
    qtbot.wait(700)
    save(window, "map_components")
    # pick mode: the pin, its popup and the label under the map
    window.pick_action.setChecked(True)
    with qtbot.waitSignal(view.pick_resolved, timeout=30_000):
        view.run_js("seatdesk.placePin(seatdesk.map.getCenter());")
    qtbot.wait(700)
    assert window.pick_label.text().startswith("网格 ")
    save(window, "map_pick")
    # a point beyond the city's extent (溧阳's east edge is lon 119.62): the popup and the
    # label under the map say so first, as the intake form does
    with qtbot.waitSignal(view.pick_resolved, timeout=30_000) as resolved:
        view.run_js("seatdesk.supLayer.eachLayer(function (m) { m.closeTooltip(); });"
                    "seatdesk.map.setView([31.427, 119.575], 12, {animate: false});"
                    "seatdesk.placePin(L.latLng(31.427, 119.655));")
    assert resolved.args[0].outside_city
    js_until(qtbot, view, "(document.querySelector('.sd-pick-outside') || {}).textContent",
             "不在本市范围内：请核对位置，多半是点错了")
    assert window.pick_label.text().startswith("不在本市范围内：请核对位置 · ")
    qtbot.wait(700)
    save(window, "map_pick_outside")
    assert view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_pick_survives_the_pressed_marker_being_redrawn(qtbot, runner, widgets, small_city):
    """A press on a marker that is redrawn before the release (the supervisors' refresh, a
    cluster's markers put in place after a zoom) still places the pin under the pointer:
    Chromium sends no click when the pressed element has left the page."""
    db, _ = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    view.set_pick_mode(True)
    lon, lat = cell_centre(2, 1)  # the supervisor's last fix
    view.run_js(f"seatdesk.map.setView([{lat}, {lon}], 17, {{animate: false}});")
    centred = (f"(function(c){{return Math.abs(c.lat - {lat!r}) < 5e-5 && "
               f"Math.abs(c.lng - {lon!r}) < 5e-5;}})(seatdesk.map.getCenter())")
    js_until(qtbot, view, f"{centred} && {SETTLED}", True)
    x, y = js(qtbot, view, f"(function(p){{return [p.x, p.y];}})"
              f"(seatdesk.map.latLngToContainerPoint([{lat}, {lon}]))")
    at = f"document.elementFromPoint({x}, {y})"
    under = f"(function(e){{return !!e && !!e.closest('.sd-sup');}})({at})"
    assert js(qtbot, view, under) is True  # the press lands on the supervisor's marker
    js(qtbot, view, f"(window.__pressed = {at}.closest('.sd-sup'), 1)")

    def redraw():
        view.refresh_supervisors()  # clears the layer and draws it again
        js_until(qtbot, view, f"!document.contains(window.__pressed) && {under}", True)

    with qtbot.waitSignal(view.pick_resolved, timeout=30_000) as resolved:
        click(qtbot, view, x, y, between=redraw)
    result = resolved.args[0]
    assert result.cell_code == cell_code(2, 1)
    assert (result.lon, result.lat) == pytest.approx((lon, lat), abs=3e-5)  # the pointer's point
    js_until(qtbot, view, "!!seatdesk.pin", True)
    assert log.external == [] and view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_pick_on_a_cluster_places_the_pin_instead_of_zooming(qtbot, runner, widgets, small_city):
    """In pick mode a click on a marker cluster picks the point under the pointer, as on a
    single marker; out of pick mode it still zooms into the cluster."""
    db, _ = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    view.set_pick_mode(True)
    view.run_js("seatdesk.map.setView([31.422, 119.488], 13, {animate: false});")
    js_until(qtbot, view, "seatdesk.map.getZoom() === 13 && " + SETTLED, True)
    # the centre of the biggest cluster of cases on the screen
    box = js(qtbot, view, "(function(){var best = null; document.querySelectorAll("
             "'.leaflet-marker-pane .marker-cluster').forEach(function(e){"
             "var n = Number(e.textContent); if (!best || n > best[0]) {"
             "var r = e.getBoundingClientRect(); best = [n, r.left + r.width / 2,"
             " r.top + r.height / 2];}}); return best;})()")
    assert box is not None and box[0] >= 2
    _, x, y = box
    lng, lat = js(qtbot, view, f"(function(l){{return [l.lng, l.lat];}})"
                  f"(seatdesk.map.containerPointToLatLng([{x}, {y}]))")
    with qtbot.waitSignal(view.pick_resolved, timeout=30_000) as resolved:
        click(qtbot, view, x, y)
    result = resolved.args[0]
    assert (result.lon, result.lat) == pytest.approx((lng, lat), abs=3e-5)
    assert js(qtbot, view, "seatdesk.map.getZoom()") == 13  # not zoomed into the cluster
    view.set_pick_mode(False)
    view.run_js("seatdesk.map.setView([31.422, 119.488], 13, {animate: false});")  # the popup
    js_until(qtbot, view, "seatdesk.pin === null && " + SETTLED, True)  # may have panned
    click(qtbot, view, x, y)
    js_until(qtbot, view, "seatdesk.map.getZoom() > 13", True)
    assert log.external == [] and view.js_errors == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_pick_right_after_a_zoom_lands_under_the_pointer(qtbot, runner, widgets, small_city):
    """A click while the cases' clusters still fly into place after a zoom (300 ms) picks the
    point under the pointer. The old cluster, on its way out, crosses the aimed point here:
    pressed, it took the focus and Leaflet panned the map to the cluster's position (picks
    30-50 m off in 9 of 12 runs), and a release after its removal brought no click at all."""
    db, _ = small_city
    view, log = open_map(qtbot, runner, widgets, db.Session)
    view.set_pick_mode(True)
    lon, lat = cell_centre(2, 1)
    lon, lat = lon + 0.001, lat + 0.001
    size = [view.web.width(), view.web.height()]
    js_until(qtbot, view, "[window.innerWidth, window.innerHeight]", size)  # laid out
    x, y = js(qtbot, view, "(function(){seatdesk.map.invalidateSize(false);"
              f"seatdesk.map.setView([{lat}, {lon}], 17, {{animate: false}});"
              f"var p = seatdesk.map.latLngToContainerPoint([{lat}, {lon}]);"
              "return [p.x, p.y];})()")
    with qtbot.waitSignal(view.pick_resolved, timeout=30_000) as resolved:
        click(qtbot, view, x, y)
    result = resolved.args[0]
    assert result.cell_code == cell_code(2, 1)
    assert (result.lon, result.lat) == pytest.approx((lon, lat), abs=3e-5)  # within a pixel
    assert log.external == [] and view.js_errors == []
