"""Spatial queries: the PostGIS and the in-process implementation give the same answers,
and both give the answers computed here by brute force (shapely covers/intersects and
pyproj geodesic distances over a small synthetic city).

The city: a 10 × 10 lattice of ~100 m cells near 溧阳 (two cells missing, two cells of a
"2026 edition" overlapping the lattice, codes scrambled so "smallest code wins" is not
"first in lattice order"), four communities (one hung directly under the district), and
components and cases at seeded random positions, on cell edges and corners, at shared
positions, and outside every cell.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box

from seatdesk.models import (
    AdminUnit,
    Case,
    CaseClass,
    ClassEdition,
    Component,
    GridCell,
)
from seatdesk.models.enums import CaseSource, CaseState, ComponentStatus
from seatdesk.models.spatial import (
    AdminRef,
    CaseHit,
    CasePoint,
    CellBox,
    CellHit,
    ComponentHit,
    ComponentPoint,
    degree_box,
    spatial_index,
)
from seatdesk.models.spatial_memory import InProcessSpatialIndex
from seatdesk.models.spatial_postgis import PostGISSpatialIndex

GEOD = Geod(ellps="WGS84")
LON0, LAT0 = 119.48, 31.42
N = 10
DX, DY = 100 / 94_990, 100 / 110_900  # ~100 m in degrees of lon / lat at 31.42° N
XS = [LON0 + i * DX for i in range(N + 1)]
YS = [LAT0 + j * DY for j in range(N + 1)]
MISSING = {(3, 3), (7, 2)}
# overlapping cells of another edition: the first wins over the lattice, the second loses
OVERLAPS = [("320481000000001", 1, 6, 3, 8, "B"), ("320481001000007", 6, 6, 8, 8, "C")]
SPREAD = (XS[0] - 2 * DX, YS[0] - 2 * DY, XS[-1] + 2 * DX, YS[-1] + 2 * DY)
RADII = [0.0, 35.5, 120.0, 333.3, 2500.0]
STATES = [CaseState.REPORTED, CaseState.FILED, CaseState.DISPATCHED, CaseState.CLOSED]
OUTSIDE = [(120.5, 32.0), (119.0, 31.0), (-10.0, 5.0)]


# -- the synthetic city ---------------------------------------------------------------------


@dataclass
class World:
    """What was inserted, as plain values, for the brute-force answers."""

    units: dict[int, tuple[str, str, str, int | None]]  # id → level, code, name, parent
    cells: list[tuple[int, str, str, str, object, int]]  # id, code, name, zone, polygon, community
    components: list[ComponentPoint]
    component_names: dict[int, str]
    cases: list[CasePoint]


def _special_points(rng: random.Random, n: int) -> list[tuple[float, float]]:
    """Points on lattice corners, on vertical and on horizontal edges, and off the lattice."""
    pts = []
    for k in range(n):
        i, j = rng.randrange(N + 1), rng.randrange(N + 1)
        y, x = rng.uniform(YS[0], YS[-1]), rng.uniform(XS[0], XS[-1])
        pts.append([(XS[i], YS[j]), (XS[i], y), (x, YS[j]), (XS[-1] + 1.5 * DX, y)][k % 4])
    return pts


def _positions(seed: int, count: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    pts = [
        (rng.uniform(SPREAD[0], SPREAD[2]), rng.uniform(SPREAD[1], SPREAD[3])) for _ in range(count)
    ]
    pts += _special_points(rng, count // 3)
    pts += rng.sample(pts, 15)  # shared positions: exact distance ties, broken by code
    return pts


def _admin_units(s) -> dict[str, AdminUnit]:
    district = AdminUnit(level="district", code="320481", name="溧阳市")
    s1 = AdminUnit(level="street", code="320481001", name="溧城街道", parent=district)
    s2 = AdminUnit(level="street", code="320481002", name="古县街道", parent=district)
    units = {
        "district": district, "s1": s1, "s2": s2,
        "c1": AdminUnit(level="community", code="320481001001", name="东门社区", parent=s1),
        "c2": AdminUnit(level="community", code="320481001002", name="西门社区", parent=s1),
        "c3": AdminUnit(level="community", code="320481002001", name="南渡社区", parent=s2),
        "c4": AdminUnit(level="community", code="320481000001", name="直属社区", parent=district),
    }  # fmt: skip
    s.add_all(units.values())
    return units


def _cell(code: str, name: str, zone: str, poly, community: AdminUnit) -> GridCell:
    cell = GridCell(code=code, name=name, zone=zone, geom=poly, community=community, area_m2=1e4)
    cell.set_bbox_from(poly)
    return cell


def _grid_cells(s, units: dict[str, AdminUnit]) -> list[GridCell]:
    perm = random.Random(7).sample(range(100), 100)
    cells = []
    for j in range(N):
        for i in range(N):
            if (i, j) in MISSING:
                continue
            community = units["c" + str(1 + (i >= 5) + 2 * (j >= 5))]
            poly = box(XS[i], YS[j], XS[i + 1], YS[j + 1])
            cells.append(
                _cell(
                    f"32048100{perm[j * N + i]:06d}", f"网格{i}-{j}", "ABC"[i % 3], poly, community
                )
            )
    for code, i0, j0, i1, j1, zone in OVERLAPS:
        poly = box(XS[i0], YS[j0], XS[i1], YS[j1])
        cells.append(_cell(code, f"新网格{code[-1]}", zone, poly, units["c3"]))
    s.add_all(cells)
    return cells


def _classes(s) -> list[CaseClass]:
    edition = ClassEdition(
        code="GB/T 30428.2-2013", name="2013", class_code_length=4, component_id_length=16
    )
    classes = [
        CaseClass(
            edition=edition,
            kind="component",
            major_code="01",
            major_name="公用设施",
            code=f"010{k}",
            name=f"类{k}",
        )
        for k in range(1, 4)
    ]
    s.add_all(classes)
    return classes


def _components(s, classes) -> list[Component]:
    rng = random.Random(11)
    codes = rng.sample(range(10**8), 400)
    statuses = list(ComponentStatus)
    out = []
    for k, (lon, lat) in enumerate(_positions(101, 220)):
        out.append(
            Component(
                code=f"32048101{codes[k]:08d}",
                class_id=rng.choice(classes).id,
                name=f"部件{k}",
                status=rng.choice(statuses).value,
                lon=lon,
                lat=lat,
                geom=Point(lon, lat),
            )
        )
    s.add_all(out)
    return out


def _cases(s, classes) -> list[Case]:
    rng = random.Random(13)
    numbers = rng.sample(range(10**6), 400)
    out = []
    for k, (lon, lat) in enumerate(_positions(202, 150)):
        class_id = rng.choice([None, *(c.id for c in classes)])
        out.append(
            Case(
                number=f"2026{numbers[k]:06d}",
                state=rng.choice(STATES).value,
                source=CaseSource.PATROL.value,
                class_id=class_id,
                lon=lon,
                lat=lat,
                geom=Point(lon, lat),
            )
        )
    s.add_all(out)
    return out


def build_city(db) -> World:
    """Insert the city through the ORM in one transaction; return it as plain values."""
    with db.Session.begin() as s:
        units = _admin_units(s)
        cells = _grid_cells(s, units)
        classes = _classes(s)
        s.flush()
        comps = _components(s, classes)
        cases = _cases(s, classes)
        s.flush()
        return World(
            units={u.id: (u.level, u.code, u.name, u.parent_id) for u in units.values()},
            cells=[(c.id, c.code, c.name, c.zone, c.geom, c.community_id) for c in cells],
            components=[
                ComponentPoint(c.id, c.code, c.class_id, c.status, c.lon, c.lat) for c in comps
            ],
            component_names={c.id: c.name for c in comps},
            cases=[CasePoint(c.id, c.number, c.state, c.class_id, c.lon, c.lat) for c in cases],
        )


# -- brute force ------------------------------------------------------------------------------


def brute_cell_at(world: World, lon: float, lat: float) -> CellHit | None:
    pt = Point(lon, lat)
    covering = [c for c in world.cells if shapely.covers(c[4], pt)]
    if not covering:
        return None
    cell_id, code, name, zone, _, unit_id = min(covering, key=lambda c: c[1])
    found: dict[str, AdminRef] = {}
    for _ in range(3):
        if unit_id is None:
            break
        level, ucode, uname, parent = world.units[unit_id]
        found.setdefault(level, AdminRef(unit_id, ucode, uname))
        unit_id = parent
    return CellHit(
        cell_id,
        code,
        name,
        zone,
        found.get("community"),
        found.get("street"),
        found.get("district"),
    )


def _distances(points, lon: float, lat: float) -> np.ndarray:
    lons = np.array([p.lon for p in points])
    lats = np.array([p.lat for p in points])
    return GEOD.inv(lons, lats, np.full_like(lons, lon), np.full_like(lats, lat))[2]


def _ordered(hits, key: str, limit):
    hits.sort(key=lambda h: (round(h.distance_m * 1000), getattr(h, key)))
    return hits[:limit] if limit is not None else hits


def brute_components_near(world, lon, lat, r, class_ids=None, limit=None):
    hits = [
        ComponentHit(
            p.id, p.code, p.class_id, world.component_names[p.id], p.status, p.lon, p.lat, float(d)
        )
        for p, d in zip(world.components, _distances(world.components, lon, lat), strict=True)
        if d <= r and (class_ids is None or p.class_id in class_ids)
    ]
    return _ordered(hits, "code", limit)


def brute_cases_near(world, lon, lat, r, states=None, limit=None):
    hits = [
        CaseHit(p.id, p.number, p.state, p.class_id, p.lon, p.lat, float(d))
        for p, d in zip(world.cases, _distances(world.cases, lon, lat), strict=True)
        if d <= r and (states is None or p.state in states)
    ]
    return _ordered(hits, "number", limit)


def brute_in_bbox(world, bbox, layer, limit=None):
    min_lon, min_lat, max_lon, max_lat = bbox
    if layer == "cells":
        rect = box(*bbox)
        found = [CellBox(c[0], c[1], *c[4].bounds) for c in world.cells if c[4].intersects(rect)]
        key = "code"
    else:
        points = world.components if layer == "components" else world.cases
        found = [p for p in points if min_lon <= p.lon <= max_lon and min_lat <= p.lat <= max_lat]
        key = "code" if layer == "components" else "number"
    found.sort(key=lambda rec: getattr(rec, key))
    return found[:limit] if limit is not None else found


# -- comparing ------------------------------------------------------------------------------


def implementations(db):
    """Every implementation available on the backend: PostGIS and in-process on PostgreSQL."""
    impls = [InProcessSpatialIndex(db.engine)]
    if db.backend == "postgresql":
        impls.insert(0, PostGISSpatialIndex(db.engine))
    return impls


def assert_same_hits(got: list, want: list) -> None:
    assert [h.id for h in got] == [h.id for h in want]
    for g, w in zip(got, want, strict=True):
        assert abs(g.distance_m - w.distance_m) <= 1e-3, (g, w)
        assert dataclasses.replace(g, distance_m=0.0) == dataclasses.replace(w, distance_m=0.0)


def assert_all_agree(impls, method: str, args: tuple, want, compare=None) -> None:
    """Each implementation's ``method(*args)`` gives ``want``; on PostgreSQL the two
    implementations also agree with each other directly."""
    compare = compare or _assert_equal
    answers = [getattr(impl, method)(*args) for impl in impls]
    for got in answers:
        compare(got, want)
    for got in answers[1:]:
        compare(got, answers[0])


def _assert_equal(got, want) -> None:
    assert got == want


def query_points(seed: int, count: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    pts = [
        (rng.uniform(SPREAD[0], SPREAD[2]), rng.uniform(SPREAD[1], SPREAD[3])) for _ in range(count)
    ]
    return pts + _special_points(rng, count) + OUTSIDE


# -- tests -----------------------------------------------------------------------------------


def test_factory_picks_the_backend_implementation(db):
    expected = PostGISSpatialIndex if db.backend == "postgresql" else InProcessSpatialIndex
    with db.Session() as session, db.engine.connect() as conn:
        for source in (db.engine, session, conn):
            assert type(spatial_index(source)) is expected


def test_cell_at(db):
    world = build_city(db)
    impls = implementations(db)
    corners = [(x, y) for x in XS for y in YS]
    points = query_points(1, 150) + corners
    shared = boundary = outside = 0
    for lon, lat in points:
        want = brute_cell_at(world, lon, lat)
        assert_all_agree(impls, "cell_at", (lon, lat), want)
        n_cover = sum(shapely.covers(c[4], Point(lon, lat)) for c in world.cells)
        shared += n_cover > 1
        boundary += n_cover >= 1 and not any(c[4].contains(Point(lon, lat)) for c in world.cells)
        outside += want is None
    # the points really exercised shared edges/corners, lone boundaries and holes
    assert shared > 100 and boundary > 5 and outside > 20


def test_cell_at_reports_the_admin_chain(db):
    world = build_city(db)
    lon, lat = (XS[8] + XS[9]) / 2, (YS[8] + YS[9]) / 2  # community hung under the district
    for impl in implementations(db):
        hit = impl.cell_at(lon, lat)
        assert hit == brute_cell_at(world, lon, lat)
        assert hit.community.code == "320481000001" and hit.street is None
        assert hit.district == AdminRef(hit.district.id, "320481", "溧阳市")
        inner = impl.cell_at((XS[1] + XS[2]) / 2, (YS[1] + YS[2]) / 2)
        assert (inner.community.name, inner.street.name, inner.district.code) == (
            "东门社区",
            "溧城街道",
            "320481",
        )
        overlap = impl.cell_at((XS[1] + XS[2]) / 2, (YS[6] + YS[7]) / 2)
        assert overlap.code == OVERLAPS[0][0]  # the 15-digit code sorts first there


def test_components_near(db):
    world = build_city(db)
    impls = implementations(db)
    class_ids = sorted({c.class_id for c in world.components})[:2]
    sources = query_points(2, 8) + [(p.lon, p.lat) for p in world.components[-5:]]
    for lon, lat in sources:
        for r in RADII:
            want = brute_components_near(world, lon, lat, r)
            assert_all_agree(impls, "components_near", (lon, lat, r), want, assert_same_hits)
        want = brute_components_near(world, lon, lat, 333.3, class_ids, limit=7)
        args = (lon, lat, 333.3, class_ids, 7)
        assert_all_agree(impls, "components_near", args, want, assert_same_hits)
    lon, lat = world.components[-1].lon, world.components[-1].lat  # a shared position
    assert len(impls[0].components_near(lon, lat, 0.0)) >= 2


def test_cases_near(db):
    world = build_city(db)
    impls = implementations(db)
    sources = query_points(3, 8) + [(p.lon, p.lat) for p in world.cases[:3]]
    for lon, lat in sources:
        for r in RADII:
            want = brute_cases_near(world, lon, lat, r)
            assert_all_agree(impls, "cases_near", (lon, lat, r), want, assert_same_hits)
        states = {CaseState.FILED, CaseState.DISPATCHED}  # enum members work as filters
        want = brute_cases_near(world, lon, lat, 500.0, states, limit=5)
        args = (lon, lat, 500.0, states, 5)
        assert_all_agree(impls, "cases_near", args, want, assert_same_hits)
    for impl in impls:  # the whole city fits in 5 km: every case, each once
        assert sorted(h.id for h in impl.cases_near(LON0, LAT0, 5000.0)) == sorted(
            c.id for c in world.cases
        )


def _boxes(seed: int) -> list[tuple[float, float, float, float]]:
    rng = random.Random(seed)
    boxes = []
    for _ in range(12):
        xa, xb = sorted(rng.uniform(SPREAD[0], SPREAD[2]) for _ in range(2))
        ya, yb = sorted(rng.uniform(SPREAD[1], SPREAD[3]) for _ in range(2))
        boxes.append((xa, ya, xb, yb))
    # boxes on lattice lines: cells touching the box along an edge or a corner count
    boxes += [
        (XS[2], YS[3], XS[5], YS[7]),
        (XS[4], YS[4], XS[5], YS[5]),
        SPREAD,
        (XS[0] - 3 * DX, YS[0], XS[0] - DX, YS[3]),
    ]
    return boxes


@pytest.mark.parametrize("layer", ["cells", "components", "cases"])
def test_in_bbox(db, layer):
    world = build_city(db)
    impls = implementations(db)
    for bbox in _boxes(4):
        want = brute_in_bbox(world, bbox, layer)
        assert_all_agree(impls, "in_bbox", (*bbox, layer), want)
        want = brute_in_bbox(world, bbox, layer, limit=4)
        assert_all_agree(impls, "in_bbox", (*bbox, layer, 4), want)
    # points exactly on the box's edges are inside
    p = world.components[0] if layer == "components" else world.cases[0]
    if layer != "cells":
        for impl in impls:
            assert p in impl.in_bbox(p.lon, p.lat, p.lon + DX, p.lat + DY, layer)


@pytest.mark.parametrize("layer", ["components", "cases"])
def test_in_bbox_leaves_out_points_a_hair_outside(db, layer):
    """PostGIS's ``&&`` compares float4 index boxes (about a metre loose): a point 1e-9°
    beyond any edge is still a GIST candidate, and the exact lon/lat test drops it."""
    world = build_city(db)
    p = world.components[0] if layer == "components" else world.cases[0]
    hair = 1e-9
    outside = [
        (p.lon + hair, p.lat - DY, p.lon + DX, p.lat + DY),  # west edge just east of it
        (p.lon - DX, p.lat - DY, p.lon - hair, p.lat + DY),  # east edge just west of it
        (p.lon - DX, p.lat + hair, p.lon + DX, p.lat + DY),  # south edge just north of it
        (p.lon - DX, p.lat - DY, p.lon + DX, p.lat - hair),  # north edge just south of it
    ]
    for impl in implementations(db):
        assert p in impl.in_bbox(p.lon - DX, p.lat - DY, p.lon + DX, p.lat + DY, layer)
        for bbox in outside:
            assert p not in impl.in_bbox(*bbox, layer)
            assert p not in impl.in_bbox(*bbox, layer, 1000)

def test_queries_see_the_callers_session_and_refresh(db):
    build_city(db)
    lon, lat = XS[N] + 5 * DX, YS[0] + DY / 2  # east of the lattice, nothing there yet
    with db.Session() as session:
        impls = [spatial_index(session), InProcessSpatialIndex(session)]
        assert all(ix.cell_at(lon, lat) is None for ix in impls)
        cell = _cell(
            "32048199000001",
            "新增网格",
            "A",
            box(lon - DX, lat - DY, lon + DX, lat + DY),
            session.query(AdminUnit).filter_by(code="320481001001").one(),
        )
        case = Case(
            number="2026NEW",
            state="reported",
            source="patrol",
            lon=lon,
            lat=lat,
            geom=Point(lon, lat),
        )
        session.add_all([cell, case])
        session.flush()  # not committed: the session's own transaction sees it
        for ix in impls:
            assert [h.number for h in ix.cases_near(lon, lat, 1.0)] == ["2026NEW"]
            ix.refresh()
            assert ix.cell_at(lon, lat).code == "32048199000001"
        session.rollback()


def test_arguments_are_checked(db):
    ix = spatial_index(db.engine)
    with pytest.raises(ValueError):
        ix.components_near(LON0, LAT0, -1.0)
    with pytest.raises(ValueError):
        ix.cases_near(LON0, 95.0, 10.0)
    with pytest.raises(ValueError):
        ix.in_bbox(LON0 + 1, LAT0, LON0, LAT0 + 1, "cells")
    with pytest.raises(ValueError):
        ix.in_bbox(LON0, LAT0, LON0 + 1, LAT0 + 1, "roads")
    with pytest.raises(ValueError):
        ix.cell_at(math.nan, LAT0)
    assert ix.components_near(LON0, LAT0, 100.0, class_ids=[]) == []
    assert ix.cases_near(LON0, LAT0, 100.0, states=set()) == []


@pytest.mark.parametrize("lat", [-80.0, -31.42, 0.0, 31.42, 60.0, 85.0])
def test_degree_box_holds_every_point_within_the_radius(lat):
    azimuths = np.arange(0.0, 360.0, 2.5)
    for radius in (0.5, 50.0, 1000.0, 50_000.0):
        bb = degree_box(LON0, lat, radius)
        lons, lats, _ = GEOD.fwd(
            np.full_like(azimuths, LON0),
            np.full_like(azimuths, lat),
            azimuths,
            np.full_like(azimuths, radius),
        )
        assert np.all((bb.min_lon <= lons) & (lons <= bb.max_lon))
        assert np.all((bb.min_lat <= lats) & (lats <= bb.max_lat))
        # and not wastefully large: within 2 % of the tightest box (meridional radius varies 1 %)
        assert (bb.max_lat - lat) <= 1.02 * (lats.max() - lat) + 1e-8


@pytest.mark.parametrize("backend", ["postgresql"])  # a PostgreSQL array literal
def test_text_array_reads_back_as_the_values(db):
    """The duplicate search's states travel as one array literal (``text_array``); any
    text — quotes, backslashes, commas, braces, spaces, Chinese — reads back as given."""
    from sqlalchemy import text

    from seatdesk.models.spatial_postgis import text_array

    values = ("reported", 'a"b', "c\\d", "e,f", "{g}", " h ", "受理", "NULL", "")
    with db.engine.connect() as conn:
        got = conn.execute(text("SELECT CAST(:v AS text[])"), {"v": text_array(values)}).scalar()
    assert tuple(got) == values
