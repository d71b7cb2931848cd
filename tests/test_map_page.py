"""The map page without Qt: rendering, offline resources, coordinates, layers, messages.

``fill_small_city`` builds a tiny deterministic city (two communities, 4 × 2 grid cells,
components, a supervisor and cases with known lights); ``tests/test_map_view.py`` uses it too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, box
from sqlalchemy import select

from seatdesk.data.road_import import road_row
from seatdesk.map import loader, messages
from seatdesk.map.cases import open_case_markers
from seatdesk.map.coords import Display
from seatdesk.map.labels import REMAINING_TEXTS, page_texts
from seatdesk.map.layers import load_static_layers
from seatdesk.map.page import DATA_FILE, WEB_ROOT, render_page, resource_base
from seatdesk.map.pick import resolve_pick
from seatdesk.map.points import components_in_view
from seatdesk.map.roads import roads_named
from seatdesk.map.settings import MapSettings, load_map_settings, save_map_settings
from seatdesk.models import (
    AdminUnit,
    Case,
    CaseClass,
    ClassEdition,
    Component,
    GridCell,
    SupervisorPosition,
    User,
)
from seatdesk.models.spatial import ComponentPoint

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 6, 4, 3, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Liyang
WEST, SOUTH, STEP = 119.480, 31.420, 0.004
COMMUNITIES = (("320481002012", "县前街社区"), ("320481002014", "甘露寺社区"))
TILE_URL = "http://tiles.intranet.example/vec/{z}/{x}/{y}.png"


#: 县前街 runs east–west ~44 m north of the first row's centres; 甘露寺路 north–south
#: through the third column's centres
ROADS = (("县前街", ((WEST, SOUTH + 0.5 * STEP + 0.0004),
                    (WEST + 4 * STEP, SOUTH + 0.5 * STEP + 0.0004))),
         ("甘露寺路", ((WEST + 2.5 * STEP, SOUTH), (WEST + 2.5 * STEP, SOUTH + 2 * STEP))))


def cell_code(col: int, row: int) -> str:
    return f"{COMMUNITIES[col // 2][0]}{row * 2 + col % 2 + 1:03d}"


def cell_centre(col: int, row: int) -> tuple[float, float]:
    return WEST + (col + 0.5) * STEP, SOUTH + (row + 0.5) * STEP


def fill_small_city(session, now: dt.datetime = NOW) -> dict[str, int]:
    """Admin units, 8 grid cells, 2 component classes, 4 components, a supervisor with
    two fixes and six cases (green, yellow, red, grey, suspended, closed). Returns ids."""
    district = AdminUnit(level="district", code="320481", name="溧阳市")
    street = AdminUnit(
        level="street",
        code="320481002",
        name="溧城街道",
        parent=district,
        geom=MultiPolygon([box(WEST, SOUTH, WEST + 4 * STEP, SOUTH + 2 * STEP)]),
    )
    session.add_all([district, street])
    for i, (code, name) in enumerate(COMMUNITIES):
        unit = AdminUnit(
            level="community",
            code=code,
            name=name,
            parent=street,
            geom=MultiPolygon(
                [box(WEST + 2 * i * STEP, SOUTH, WEST + (2 * i + 2) * STEP, SOUTH + 2 * STEP)]
            ),
        )
        session.add(unit)
        session.flush()
        for col in (2 * i, 2 * i + 1):
            for row in (0, 1):
                geom = box(
                    WEST + col * STEP,
                    SOUTH + row * STEP,
                    WEST + (col + 1) * STEP,
                    SOUTH + (row + 1) * STEP,
                )
                cell = GridCell(
                    code=cell_code(col, row),
                    name=f"{name}{row * 2 + col % 2 + 1}号网格",
                    community_id=unit.id,
                    area_m2=160_000.0,
                    geom=geom,
                )
                cell.set_bbox_from(geom)
                session.add(cell)
    edition = ClassEdition(
        code="GB/T 47678.5-2026", name="test", class_code_length=5, component_id_length=17
    )
    session.add(edition)
    session.flush()
    manhole = CaseClass(
        edition_id=edition.id,
        kind="component",
        major_code="01",
        major_name="公用设施",
        code="01001",
        name="上水井盖",
    )
    lamp = CaseClass(
        edition_id=edition.id,
        kind="component",
        major_code="02",
        major_name="道路交通",
        code="02001",
        name="路灯",
    )
    session.add_all([manhole, lamp])
    session.flush()
    for n, (col, row, cls) in enumerate(
        [(0, 0, manhole), (0, 0, lamp), (1, 1, lamp), (3, 1, manhole)]
    ):
        lon, lat = cell_centre(col, row)
        lon += n * 0.0001
        session.add(
            Component(
                code=f"3204810200{n:07d}",
                class_id=cls.id,
                name=cls.name,
                lon=lon,
                lat=lat,
                geom=Point(lon, lat),
            )
        )
    sup = User(username="sup1", display_name="王监督", password_hash="x", role="supervisor")
    session.add(sup)
    session.flush()
    for minutes, (lon, lat) in ((50, cell_centre(1, 0)), (5, cell_centre(2, 1))):
        session.add(
            SupervisorPosition(
                user_id=sup.id,
                at=now - dt.timedelta(minutes=minutes),
                lon=lon,
                lat=lat,
                geom=Point(lon, lat),
            )
        )
    for name, line in ROADS:
        session.add(road_row(name, LineString(line)))
    ids = _cases(session, now)
    session.flush()
    return {"supervisor": sup.id, "manhole": manhole.id, **{k: v.id for k, v in ids.items()}}


def _cases(session, now: dt.datetime) -> dict[str, Case]:
    hours = dt.timedelta(hours=1)
    specs = {  # key: (cell, state, dispatched hours ago, deadline in hours)
        "green": ((0, 0), "dispatched", 1, 9),
        "yellow": ((1, 0), "dispatched", 9, 1),
        "red": ((2, 0), "dispatched", 5, -1),
        "grey": ((3, 0), "reported", None, None),
        "suspended": ((2, 1), "suspended", 2, 8),
        "closed": ((3, 1), "closed", 30, -20),
    }
    cases = {}
    for n, (key, ((col, row), state, ago, due)) in enumerate(specs.items(), start=1):
        lon, lat = cell_centre(col, row)
        case = Case(
            number=f"20250604{n:04d}",
            state=state,
            source="patrol",
            lon=lon,
            lat=lat,
            geom=Point(lon, lat),
            address=f"测试路{n}号",
            reported_at=now - 40 * hours,
            limit_unit="natural_hours",
            limit_value=10,
        )
        if ago is not None:
            case.dispatched_at = now - ago * hours
            case.deadline_at = now + due * hours
        if state == "suspended":
            case.suspended_at = now - hours
        session.add(case)
        cases[key] = case
    return cases


@pytest.fixture
def city(db):
    with db.Session.begin() as session:
        ids = fill_small_city(session)
        cells = dict(session.query(GridCell.code, GridCell.id).all())
    with db.Session.begin() as session:  # cases carry their grid cell
        for case in session.query(Case):
            case.grid_cell_id = next(
                cid
                for code, cid in cells.items()
                if _cell_box(code).covers(Point(case.lon, case.lat))
            )
    return db, ids


def _cell_box(code: str):
    for col in range(4):
        for row in range(2):
            if cell_code(col, row) == code:
                return box(
                    WEST + col * STEP,
                    SOUTH + row * STEP,
                    WEST + (col + 1) * STEP,
                    SOUTH + (row + 1) * STEP,
                )
    raise KeyError(code)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def external_addresses(html: str, allowed: tuple[str, ...]) -> list[str]:
    """Every src/href and every http(s)/ws URL-looking string not under an allowed prefix."""
    parser = _Refs()
    parser.feed(html)
    urls = parser.refs + re.findall(r"(?:https?|wss?|ftp)://[^\s\"'<>)\\]+", html)
    urls += re.findall(r"url\(\s*['\"]?([^)'\"]+)", html)
    return [u for u in urls if not u.startswith(allowed)]


# -- rendering -----------------------------------------------------------------------------


def test_page_references_only_bundled_resources_and_the_tile_url(city):
    db, _ = city
    settings = MapSettings(tile_url=TILE_URL, tile_attribution="内网底图")
    with db.Session() as s:
        static = load_static_layers(s, Display())
    page = render_page(static, settings)
    html, base = page.html, resource_base()
    # the bundled resources, the data script written beside the page, the tile URL: nothing else
    assert external_addresses(html, (base, DATA_FILE, TILE_URL)) == []
    assert external_addresses(page.data_js, ()) == []
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert [s.removeprefix(base) for s in scripts] == [
        "leaflet/leaflet.js",
        DATA_FILE,
        "markercluster/leaflet.markercluster.js",
        "qwebchannel/qwebchannel.js",
        "seatdesk/map.js",
    ]
    for ref in scripts + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert ref == DATA_FILE or (WEB_ROOT / ref.removeprefix(base)).is_file(), ref
    assert (
        "cdn" not in html.lower()
        and "jquery" not in html.lower()
        and "bootstrap" not in html.lower()
    )
    assert TILE_URL in html and json.dumps("内网底图") in html
    # without tiles there is no basemap at all, and still nothing external
    plain = render_page(static, MapSettings()).html
    assert external_addresses(plain, (base, DATA_FILE)) == [] and "tileLayer" not in plain


def test_bundled_files_carry_their_licences():
    for directory, licence in (
        ("leaflet", "LICENSE"),
        ("markercluster", "LICENSE"),
        ("qwebchannel", "LICENSE.LGPL-3"),
    ):
        assert (WEB_ROOT / directory / licence).stat().st_size > 500
    css = (WEB_ROOT / "leaflet" / "leaflet.css").read_text()
    for image in re.findall(r"url\(images/([^)]+)\)", css):
        assert (WEB_ROOT / "leaflet" / "images" / image).is_file()
    for script in ("seatdesk/map.js", "seatdesk/map.css"):
        assert not re.search(r"https?://", (WEB_ROOT / script).read_text())


def test_page_has_every_layer_with_its_translated_name_and_defaults(city):
    db, _ = city
    texts = page_texts(lambda t: {"Unit grid cells": "单元网格", "Cases": "案卷"}.get(t, t))
    with db.Session() as s:
        static = load_static_layers(s, Display())
    settings = MapSettings(layers={"components": True, "communities": False})
    page = render_page(static, settings, texts)
    html = page.html
    config = json.loads(re.search(r"seatdesk\.init\(\w+, (\{.*\})\);", html).group(1))
    assert set(config["layers"]) == {
        "grid",
        "choropleth",
        "streets",
        "communities",
        "roads",
        "components",
        "cases",
        "supervisors",
    }
    for key, var in config["layers"].items():
        assert f"var {var} = " in html, key
        shown = f"{var}.addTo(map_" in html
        assert shown == settings.layers[key], key
    overlays = re.search(r"overlays :  \{(.*?)\}", html, re.S).group(1)
    assert [json.loads(f'"{n}"') for n in re.findall(r'"([^"]+)" : ', overlays)] == [
        "单元网格",
        "Open cases per grid cell",
        "Streets",
        "Communities",
        "Roads",
        "Components",
        "案卷",
        "Supervisors",
    ]
    assert [m[1] for m in config["majors"]] == ["公用设施", "道路交通"]
    assert static.cell_count == 8
    data = json.loads(page.data_js.removeprefix("window.SEATDESK_LAYERS = ").rstrip(";\n"))
    assert data["grid"] == static.grid and data["communities"] == static.communities
    codes = {f["properties"]["code"] for f in static.grid["features"]}
    assert codes == {cell_code(c, r) for c in range(4) for r in range(2)}
    first = static.grid["features"][0]["properties"]
    assert first["community"] == "县前街社区" and first["street"] == "溧城街道"
    assert {f["properties"]["name"] for f in static.communities["features"]} == {
        "县前街社区",
        "甘露寺社区",
    }


def test_gcj02_tiles_shift_every_layer_and_picks_come_back():
    wgs, gcj = Display("wgs84"), Display("gcj02")
    assert wgs.to_page(119.4790, 31.4188) == (119.4790, 31.4188)
    lon, lat = gcj.to_page(119.4790, 31.4188)  # liyang.md §0.2: about +0.0052°, −0.0019°
    assert lon - 119.4790 == pytest.approx(0.0052, abs=0.0002)
    assert lat - 31.4188 == pytest.approx(-0.0019, abs=0.0002)
    # the AutoNavi centre of 320481 (GCJ-02) is the government seat in WGS84 (liyang.md §1.1)
    back = gcj.from_page(119.484211, 31.416911)
    assert back == pytest.approx((119.4790, 31.4188), abs=0.0001)
    assert gcj.from_page(*gcj.to_page(119.5, 31.4)) == pytest.approx((119.5, 31.4), abs=1e-7)
    shifted = gcj.geometry_to_page(box(119.48, 31.42, 119.49, 31.43))
    assert shifted.bounds[0] == pytest.approx(119.48 + 0.0052, abs=0.0002)
    west, south, east, north = gcj.bbox_from_page(*shifted.bounds)  # a box holding the page box
    assert west <= 119.48 and south <= 31.42 and east >= 119.49 and north >= 31.43
    assert (west, south, east, north) == pytest.approx((119.48, 31.42, 119.49, 31.43), abs=1e-4)


def test_gcj02_page_draws_shifted_layers(city):
    db, _ = city
    with db.Session() as s:
        plain = load_static_layers(s, Display("wgs84"))
        shifted = load_static_layers(s, Display("gcj02"))
    a = plain.grid["features"][0]["geometry"]["coordinates"][0][0]
    b = shifted.grid["features"][0]["geometry"]["coordinates"][0][0]
    assert b[0] - a[0] == pytest.approx(0.0052, abs=0.0002)
    assert b[1] - a[1] == pytest.approx(-0.0019, abs=0.0002)
    html = render_page(shifted, MapSettings(tile_url=TILE_URL, tile_crs="gcj02")).html
    centre = re.search(r"center: \[([\d.]+), ([\d.]+)\]", html)
    assert float(centre.group(2)) == pytest.approx(119.485 + 0.0052, abs=0.0002)


# -- data behind the layers -----------------------------------------------------------------


def test_case_markers_carry_light_stage_and_cell(city):
    db, ids = city
    with db.Session() as s:
        markers = {m.id: m for m in open_case_markers(s, NOW)}
    assert set(markers) == {ids[k] for k in ("green", "yellow", "red", "grey", "suspended")}
    light = {
        key: markers[ids[key]].light for key in ("green", "yellow", "red", "grey", "suspended")
    }
    assert light == {
        "green": "green",
        "yellow": "yellow",
        "red": "red",
        "grey": "grey",
        "suspended": "green",
    }
    assert markers[ids["red"]].remaining.startswith("超期")
    assert markers[ids["suspended"]].stage == "suspended" and markers[ids["grey"]].stage == "intake"
    assert markers[ids["green"]].grid_code == cell_code(0, 0)
    assert markers[ids["green"]].state_label == "处置中"


def test_case_update_recolours_and_removes(city):
    db, ids = city
    with db.Session.begin() as s:
        s.get(Case, ids["green"]).deadline_at = NOW - dt.timedelta(minutes=1)
        s.get(Case, ids["yellow"]).state = "closed"
    update = loader.case_update(db.Session, [ids["green"], ids["yellow"]], Display(), now=NOW)
    assert update.removed == {ids["yellow"]}
    msg = update.message
    assert msg["cmd"] == "update_cases" and msg["removed"] == [ids["yellow"]]
    [row] = msg["rows"]
    assert row[0] == ids["green"] and row[3] == "red"
    assert len(json.dumps(msg, ensure_ascii=False)) < 400  # a small message, not a reload


def test_settings_round_trip_and_validation(db):
    with db.Session.begin() as s:
        assert load_map_settings(s) == MapSettings()
        save_map_settings(
            s, MapSettings(tile_url=TILE_URL, tile_crs="gcj02", layers={"components": True})
        )
    with db.Session() as s:
        loaded = load_map_settings(s)
    assert loaded.tile_crs == "gcj02" and loaded.has_tiles
    assert loaded.layers["components"] and loaded.layers["grid"]
    assert (loaded.center_lat, loaded.center_lon, loaded.zoom) == (31.42, 119.485, 13)
    with pytest.raises(ValueError, match="坐标系"):
        MapSettings(tile_crs="bd09")
    with pytest.raises(ValueError, match="未知图层"):
        MapSettings(layers={"railways": True})
    assert MapSettings().case_zoom == 16 and not MapSettings().legend_expanded
    with pytest.raises(ValueError, match="case_zoom=25"):
        MapSettings(case_zoom=25)
    with pytest.raises(ValueError, match="未知设置项"):
        MapSettings.from_dict({"tiles": "x"})


def test_viewport_components_use_the_spatial_index(city):
    db, _ = city
    west, south = cell_centre(0, 0)
    with db.Session() as s:
        view = components_in_view(s, (west - 0.001, south - 0.001, west + 0.001, south + 0.001), 10)
        assert len(view.points) == 2 and not view.truncated
        capped = components_in_view(s, (WEST, SOUTH, WEST + 4 * STEP, SOUTH + 2 * STEP), 3)
        assert len(capped.points) == 3 and capped.truncated
    gcj = Display("gcj02")
    page_box = (*gcj.to_page(WEST, SOUTH), *gcj.to_page(WEST + 4 * STEP, SOUTH + 2 * STEP))
    msg = loader.viewport_components(db.Session, page_box, gcj, limit=100)
    assert len(msg["rows"]) == 4
    lat, lng = msg["rows"][0][1:3]
    assert (lng, lat) == pytest.approx(gcj.to_page(*cell_centre(0, 0)), abs=1e-5)


def test_viewport_components_equal_a_plain_query(city):
    """The viewport's points are exactly the components whose lon/lat lie in the box
    (inclusive), with the columns the map sends, sorted by code; a limit keeps the first."""
    db, _ = city
    west, south, east, north = WEST, SOUTH, WEST + 4 * STEP, SOUTH + 2 * STEP
    with db.Session() as s:
        c = Component.__table__.c
        rows = s.execute(
            select(c.id, c.code, c.class_id, c.status, c.lon, c.lat).where(
                c.lon.between(west, east), c.lat.between(south, north)
            )
        ).all()
        plain = sorted((ComponentPoint(*row) for row in rows), key=lambda p: p.code)
        assert len(plain) >= 4
        view = components_in_view(s, (west, south, east, north), 100)
        assert list(view.points) == plain and not view.truncated
        capped = components_in_view(s, (west, south, east, north), 3)
        assert list(capped.points) == plain[:3] and capped.truncated
        # a box whose edges pass through a component keeps it
        p = plain[0]
        on_edges = components_in_view(s, (p.lon, p.lat, p.lon, p.lat), 10)
        assert p in on_edges.points

def test_pick_resolves_grid_cell_community_street_and_components(city):
    db, ids = city
    lon, lat = cell_centre(0, 0)
    with db.Session() as s:
        result = resolve_pick(s, lon + 0.0002, lat, radius_m=60)
        outside = resolve_pick(s, WEST - 0.01, SOUTH, radius_m=60)
    assert result.cell_code == cell_code(0, 0)
    assert (result.community, result.street) == ("县前街社区", "溧城街道")
    assert [c.class_name for c in result.components] == ["路灯", "上水井盖"]  # nearest first
    assert not outside.in_grid and outside.components == ()
    assert not result.outside_city and not outside.outside_city  # both within 溧阳's extent
    info = messages.pick_info(result, Display())
    assert info["cell_code"] == cell_code(0, 0) and len(info["components"]) == 2


def test_a_pick_beyond_the_city_extent_says_so_unless_no_extent_is_set(city):
    """``city_extent`` (default 溧阳, lon 119.11–119.62): a point beyond it is flagged, so
    the intake form can warn; with the extent switched off nothing is."""
    from seatdesk.data.city_profile import set_extent

    db, _ids = city
    with db.Session() as s:
        assert resolve_pick(s, 119.705, SOUTH).outside_city
        assert messages.pick_info(resolve_pick(s, 119.705, SOUTH), Display())["outside_city"]
        assert not messages.pick_info(resolve_pick(s, 119.61, SOUTH), Display())["outside_city"]
        assert resolve_pick(s, WEST, 31.75).outside_city
        assert not resolve_pick(s, 119.61, SOUTH).outside_city
    with db.Session.begin() as s:
        set_extent(s, None, None)
    with db.Session() as s:
        assert not resolve_pick(s, 119.705, SOUTH).outside_city


def test_roads_label_the_map_and_describe_a_pick(city):
    """Roads reach the page as lines with label anchors; a pick names the nearest road
    (within 100 m) and an earlier case's address (within 30 m); the auto address uses
    the road. Same answers on SQLite and PostGIS (the measure runs in the process)."""
    db, _ = city
    with db.Session() as s:
        static = load_static_layers(s, Display())
        near_lane = resolve_pick(s, *cell_centre(0, 0))
        lon, lat = cell_centre(2, 1)
        near_case = resolve_pick(s, lon + 0.0001, lat)
        nowhere = resolve_pick(s, WEST + 0.5 * STEP, SOUTH + 1.9 * STEP)
        hits = roads_named(s, "路")
    names = sorted(f["properties"]["name"] for f in static.roads["features"])
    assert names == ["县前街", "甘露寺路"]
    assert {name for _, _, name in static.road_labels} == {"县前街", "甘露寺路"}
    assert (near_lane.road, near_lane.road_distance_m) == ("县前街", pytest.approx(44.5, abs=1))
    assert near_lane.place == "溧城街道县前街附近"
    assert near_case.road == "甘露寺路" and near_case.road_distance_m == pytest.approx(9.5, abs=1)
    assert near_case.known_address == "测试路5号"  # the suspended case at that cell's centre
    assert near_case.known_address_distance_m == pytest.approx(9.5, abs=1)
    assert nowhere.road == "" and nowhere.known_address == ""
    assert nowhere.place == "溧城街道" + nowhere.cell_name  # no road near: street and cell
    assert [h.name for h in hits] == ["甘露寺路"]  # "路" in the name (县前街 is a 街)
    assert (hits[0].lon, hits[0].lat) == pytest.approx((WEST + 2.5 * STEP, SOUTH + STEP))
    info = messages.pick_info(near_case, Display())
    assert (info["road"], info["known_address"]) == ("甘露寺路", "测试路5号")


def test_load_map_renders_the_page_and_first_messages(city, tmp_path):
    db, ids = city
    result = loader.load_map(db.Session, page_texts(), tmp_path, now=NOW)
    assert result.page.page.is_file() and result.page.page.parent == tmp_path
    assert result.page.cell_count == 8
    set_cases, set_sups = result.live.messages
    assert {r[0] for r in set_cases["rows"]} == set(result.live.case_positions)
    [sup] = set_sups["rows"]
    assert sup[3] == "王监督" and sup[4] == "10:55" and sup[5] is False  # last fix, local time
    lon, lat = cell_centre(2, 1)
    assert (sup[2], sup[1]) == pytest.approx((lon, lat))


def test_page_texts_are_all_in_the_glossary():
    glossary = Path(__file__).resolve().parents[1] / "resources" / "i18n" / "glossary_zh_CN.tsv"
    sources = {line.split("\t")[0] for line in glossary.read_text(encoding="utf-8").splitlines()}
    missing = [t for t in [*page_texts().values(), *REMAINING_TEXTS.values()]
               if t not in sources]
    assert missing == []


def test_map_lights_agree_with_the_work_boxes(make_db):
    """The map and the queues show the same light for every open case (one clock rule)."""
    from sqlalchemy import select

    from seatdesk.map.cases import open_case_markers
    from sqlalchemy import func

    from seatdesk.models import Case, User
    from seatdesk.models.queues import fetch_rows
    from seatdesk.workflow.auth import LoggedIn
    from seatdesk.workflow.lights import clock_states
    from seatdesk.workflow.worktime import WorkCalendar

    db = make_db("demo_small")
    with db.Session() as s:
        lead = s.scalar(select(User).where(User.username == "zhibanzhang"))
        viewer = LoggedIn(lead.id, lead.username, lead.display_name, lead.role, None, False)
        now = s.scalar(select(func.max(Case.updated_at)))
        markers = open_case_markers(s, now)
        rows = fetch_rows(s, [m.id for m in markers], viewer)
        cal = WorkCalendar.from_session(s)
        expected = {}
        for case_id, row in rows.items():
            if row.clock is None:
                expected[case_id] = "grey"
            else:
                expected[case_id] = str(clock_states(cal, [row.clock], now, 0.8)[0].light)
    assert len(markers) >= 10
    assert {m.id: m.light for m in markers} == expected
    assert {"green", "red"} <= set(expected.values())
