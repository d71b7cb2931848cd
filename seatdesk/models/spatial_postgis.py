"""Spatial queries in SQL on PostgreSQL/PostGIS, shaped for the GIST indexes.

- ``cell_at``: ``ST_Covers(grid_cells.geom, point)`` (index-aware), admin chain joined in;
- ``*_near``: ``geom && <degree box>`` lets the geometry GIST index pick candidates (a cast
  to geography would bypass it), then ``ST_DWithin``/``ST_Distance`` on geography
  (spheroid, WGS84) decide and measure;
- ``in_bbox``: ``geom && ST_MakeEnvelope(…, 4326)`` through the index; points are then
  tested exactly on their lon/lat columns (``&&`` compares float4 index boxes, up to
  about a metre loose) outside a ``MATERIALIZED`` CTE, so that the (lon, lat) btree is
  never scanned beside the GIST index; cells with ``ST_Intersects``. Only the needed
  columns are read.
"""

from __future__ import annotations

import functools
from collections.abc import Collection

from sqlalchemy import ARRAY, Float, Integer, Select, Text, any_, bindparam, column, func, select
from sqlalchemy.orm import Session

from .driver_errors import raise_as_sqlalchemy
from .geometry import SRID
from .reference import AdminUnit, GridCell
from .spatial import (
    ADMIN_DEPTH,
    CASES,
    POINT_LAYERS,
    BBox,
    CellBox,
    CellHit,
    NearQuery,
    PointLayer,
    Source,
    SpatialIndex,
    admin_slots,
    cell_hit,
    degree_box,
    run,
)

_CELLS = GridCell.__table__
_ADMINS = AdminUnit.__table__


def _point(lon: float, lat: float):
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)


def _envelope(box: BBox):
    return func.ST_MakeEnvelope(box.min_lon, box.min_lat, box.max_lon, box.max_lat, SRID)


def _cell_at_stmt(lon: float, lat: float) -> Select:
    """The covering cell with the smallest code, its community and two parents above it."""
    units = [_ADMINS.alias(f"a{i}") for i in range(ADMIN_DEPTH)]
    joined = _CELLS.outerjoin(units[0], units[0].c.id == _CELLS.c.community_id)
    for child, parent in zip(units, units[1:], strict=False):
        joined = joined.outerjoin(parent, parent.c.id == child.c.parent_id)
    unit_cols = [col for u in units for col in (u.c.id, u.c.level, u.c.code, u.c.name)]
    return (
        select(_CELLS.c.id, _CELLS.c.code, _CELLS.c.name, _CELLS.c.zone, *unit_cols)
        .select_from(joined)
        .where(func.ST_Covers(_CELLS.c.geom, _point(lon, lat)))
        .order_by(_CELLS.c.code.collate("C"))
        .limit(1)
    )


@functools.cache
def _cell_at_query() -> Select:
    """``_cell_at_stmt`` built once with the point as bound parameters: every intake
    registration looks its cell up, and building the five aliased joins anew each time
    was most of that lookup's CPU (SQLAlchemy then reuses the compiled form as well)."""
    return _cell_at_stmt(bindparam("lon", type_=Float), bindparam("lat", type_=Float))


def cell_at_query() -> Select:
    """The cell lookup with the point as bound parameters ``lon`` and ``lat``: for a
    caller that folds it into a statement of its own (the registration's first one, as a
    subquery; ``cell_of_row`` reads its columns back)."""
    return _cell_at_query()


def cell_of_row(row: tuple) -> CellHit | None:
    """The ``CellHit`` of the columns of ``cell_at_query`` (None for an all-NULL row: no
    cell covers the point, the outer join found none)."""
    if row[0] is None:
        return None
    chain = [row[i : i + 4] for i in range(4, 4 + 4 * ADMIN_DEPTH, 4) if row[i] is not None]
    return cell_hit(row[0], row[1], row[2], row[3], admin_slots(chain))


@functools.cache
def _near_query(layer_name: str, filtered: bool, limited: bool,
                extra: tuple[str, ...] = ()) -> Select:
    """Points of a layer within ``radius`` metres of (``lon``, ``lat``), nearest first,
    built once per layer and shape with every value a bound parameter (the degree box
    ``min_lon`` … ``max_lat``, the filter's ``values`` as one array, ``limit``): the
    duplicate search of every registration runs it, and building it anew each time was
    most of that search's CPU (as for ``_cell_at_query``). ``extra``: more of the
    layer's columns, after the hit's and before ``distance_m``."""
    layer = POINT_LAYERS[layer_name]
    t = layer.table
    here = func.geography(_point(bindparam("lon", type_=Float), bindparam("lat", type_=Float)))
    there = func.geography(t.c.geom)
    distance = func.ST_Distance(there, here, type_=Float)
    box = func.ST_MakeEnvelope(*(bindparam(name, type_=Float) for name in (
        "min_lon", "min_lat", "max_lon", "max_lat")), SRID)
    inner = (
        select(*layer.hit_columns(), *(t.c[name] for name in extra),
               distance.label("distance_m"))
        .where(
            t.c.geom.op("&&", is_comparison=True)(box),
            func.ST_DWithin(there, here, bindparam("radius", type_=Float)),
        )
    )
    if filtered:
        column = t.c[layer.filter_column]  # = ANY(array): one SQL text for any list
        inner = inner.where(column == any_(bindparam("values", type_=ARRAY(column.type))))
    # the distance computed once per row: sorted on the inner query's column, which
    # ``OFFSET 0`` keeps a column (a subquery PostgreSQL pulls up would put the
    # expression back into the sort key, and the spheroid distance — the query's dearest
    # step — was computed twice per row: at a hot spot of ~300 rows, 12–48 % of the
    # query in a psql loop)
    near = inner.offset(0).subquery("near")
    stmt = select(*near.c).order_by(func.round(near.c.distance_m * 1000),
                                    near.c[layer.key].collate("C"))
    if limited:
        stmt = stmt.limit(bindparam("limit", type_=Integer))
    return stmt


def near_query_of_cases() -> Select:
    """The cases layer's near query with a state filter (the duplicate search's): the
    statement ``seatdesk_cases_near`` runs as the owner (``workflow/dbrules/facts_sql``)."""
    return _near_query(CASES.name, True, False)


#: the columns the duplicate search scores a candidate by, beside the hit's
#: (``workflow/duplicates``): read in the near query itself (``seatdesk_case_candidates``)
CANDIDATE_COLUMNS = ("component_id", "reported_at", "closed_at", "description", "address")


def near_query_of_candidates() -> Select:
    """The duplicate search's near query with the candidates' own columns
    (``CANDIDATE_COLUMNS``): the same rows in the same order as ``near_query_of_cases``;
    the statement ``seatdesk_case_candidates`` runs as the owner (migration 0019,
    ``workflow/dbrules/facts_sql``)."""
    return _near_query(CASES.name, True, False, CANDIDATE_COLUMNS)


#: ``seatdesk_case_candidates``' rows in its order, the columns as ``case_candidates``
#: returns them (psycopg's placeholders: the statement runs on the driver's connection)
_CANDIDATES_SQL = (
    "SELECT c.id, c.number, c.state, c.class_id, c.component_id, c.reported_at,"
    " c.closed_at, c.description, c.address, c.distance_m"
    " FROM public.seatdesk_case_candidates(%(lon)s::float8, %(lat)s::float8,"
    " %(radius)s::float8, %(min_lon)s::float8, %(min_lat)s::float8, %(max_lon)s::float8,"
    " %(max_lat)s::float8, %(values)s::text[]) WITH ORDINALITY AS c ORDER BY c.ordinality")


def candidate_params(lon: float, lat: float, radius_m: float,
                     states: Collection[str]) -> dict | None:
    """``seatdesk_case_candidates``' arguments (``lon``, ``lat``, ``radius``, the degree
    box ``min_lon`` … ``max_lat``, the states as ``values``), checked as ``cases_near``
    checks them; None when no state is asked for (no candidate can match)."""
    query = NearQuery.checked(lon, lat, radius_m, states, None)
    if query.values == ():
        return None
    box = degree_box(query.lon, query.lat, query.radius_m)
    return {"lon": query.lon, "lat": query.lat, "radius": query.radius_m,
            "min_lon": box.min_lon, "min_lat": box.min_lat, "max_lon": box.max_lon,
            "max_lat": box.max_lat, "values": text_array(query.values)}


@functools.cache
def text_array(values: tuple[str, ...]) -> str:
    """``values`` as a PostgreSQL array literal (``{"a","b"}``), for a ``%s::text[]``
    placeholder. psycopg dumps a list parameter through Python code on every execute
    (it looks for the elements' type item by item: ~3 % of an intake worker's CPU for
    the duplicate search's fifteen states, docs/performance.md 2026-12-07 06:50), a
    string as it is; the states are the same every time, so the literal is made once."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
                          for v in values) + "}"


def case_candidates(session: Session, lon: float, lat: float, radius_m: float,
                    states: Collection[str]) -> list[tuple]:
    """The duplicate search's candidates (PostgreSQL with psycopg): the cases in
    ``states`` within ``radius_m`` metres, nearest first (then by number) — the rows of
    ``cases_near`` — each as ``(id, number, state, class_id, component_id, reported_at,
    closed_at, description, address, distance_m)``. One statement, run as the owner
    (``seatdesk_case_candidates``, migration 0019), on the session's own psycopg
    connection in its transaction: through SQLAlchemy the near query's result
    processing was ~7–9 % of an intake worker's CPU, and the candidates' columns took a
    second statement (docs/performance.md, "Intake server", 2026-12-06 09:57–10:45). Pending
    ORM changes are flushed first, as ``Session.execute`` does; a database error is
    raised as SQLAlchemy raises it (``driver_errors.raise_as_sqlalchemy``)."""
    params = candidate_params(lon, lat, radius_m, states)
    if params is None:
        return []
    if session.autoflush:
        session.flush()
    import psycopg  # the PostgreSQL driver (imported already by the engine)

    conn = session.connection()
    cursor = None
    try:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(_CANDIDATES_SQL, params)
        return cursor.fetchall()
    except psycopg.Error as exc:
        raise_as_sqlalchemy(conn, exc, _CANDIDATES_SQL, params, cursor)
    finally:
        if cursor is not None:
            cursor.close()


@functools.cache
def _cases_near_function() -> Select:
    """``seatdesk_cases_near(...)``'s rows (migration 0017): the same rows as the near
    query, read as the owner — ``cases`` has row-level security, and PostgreSQL ties a
    plan that reads it to the acting role, so on a connection that acts for one user after
    another (the intake server's) the statement was planned again at nearly every call."""
    args = [bindparam(name, type_=Float) for name in (
        "lon", "lat", "radius", "min_lon", "min_lat", "max_lon", "max_lat")]
    values = bindparam("values", type_=ARRAY(Text))
    rows = func.public.seatdesk_cases_near(*args, values).table_valued(
        *(column(c.name, c.type) for c in CASES.hit_columns()),
        column("distance_m", Float), with_ordinality="ordinality").alias("near")
    return select(*[c for c in rows.c if c.name != "ordinality"]).order_by(rows.c.ordinality)


class PostGISSpatialIndex(SpatialIndex):
    """The PostgreSQL/PostGIS implementation; stateless, every call is one SQL query."""

    def __init__(self, source: Source):
        self._source = source

    def _cell_at(self, lon: float, lat: float) -> CellHit | None:
        rows = run(self._source, _cell_at_query(), {"lon": lon, "lat": lat})
        return cell_of_row(tuple(rows[0])) if rows else None

    def _near(self, layer: PointLayer, query: NearQuery) -> list:
        box = degree_box(query.lon, query.lat, query.radius_m)
        params = {"lon": query.lon, "lat": query.lat, "radius": query.radius_m,
                  "min_lon": box.min_lon, "min_lat": box.min_lat, "max_lon": box.max_lon,
                  "max_lat": box.max_lat}
        if query.values is not None:
            params["values"] = list(query.values)
        if query.limit is not None:
            params["limit"] = query.limit
        if layer is CASES and query.values is not None and query.limit is None:
            stmt = _cases_near_function()  # (the duplicate search's)
        else:
            stmt = _near_query(layer.name, query.values is not None, query.limit is not None)
        return [layer.hit(row[:-1], row[-1]) for row in run(self._source, stmt, params)]

    def _cells_in_bbox(self, box: BBox, limit: int | None) -> list[CellBox]:
        c = _CELLS.c
        stmt = (
            select(c.id, c.code, c.min_lon, c.min_lat, c.max_lon, c.max_lat)
            .where(func.ST_Intersects(c.geom, _envelope(box)))
            .order_by(c.code.collate("C"))
            .limit(limit)
        )
        return [CellBox(*row) for row in run(self._source, stmt)]

    def _points_in_bbox(self, layer: PointLayer, box: BBox, limit: int | None) -> list:
        params = {"min_lon": box.min_lon, "min_lat": box.min_lat, "max_lon": box.max_lon,
                  "max_lat": box.max_lat}
        if limit is not None:
            params["limit"] = limit
        stmt = _points_in_bbox_query(layer.name, limit is not None)
        return [layer.record_type(*row) for row in run(self._source, stmt, params)]


@functools.cache
def _points_in_bbox_query(layer_name: str, limited: bool) -> Select:
    """A layer's records in the box ``min_lon`` … ``max_lat`` (bound parameters, and
    ``limit``), built once per layer and shape like ``_near_query`` (every map pan runs
    it): candidates through the GIST index alone, in a ``MATERIALIZED`` CTE, then the
    exact inclusive test on their lon/lat columns, sorted by code/number.

    With the lon/lat test beside ``&&`` in one WHERE, the planner may AND the GIST
    bitmap with one of ``ix_*_lon_lat`` (lon, lat): that btree scan walks every row of
    the view's whole longitude strip (the lat bound only filters inside it), which in a
    city of millions of points costs several times the GIST probe (bench_scale's
    viewport row, docs/performance.md). The CTE is an optimisation fence: the exact test
    only filters the candidates the GIST index found; the rows and their order are
    unchanged.
    """
    layer = POINT_LAYERS[layer_name]
    t = layer.table
    min_lon, min_lat, max_lon, max_lat = (
        bindparam(name, type_=Float) for name in ("min_lon", "min_lat", "max_lon", "max_lat")
    )
    candidates = (
        select(*layer.record_columns())
        .where(t.c.geom.op("&&", is_comparison=True)(
            func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, SRID)))
        .cte(f"{layer_name}_in_box")
        .prefix_with("MATERIALIZED")
    )
    c = candidates.c
    stmt = (
        select(*candidates.c)
        .where(c.lon.between(min_lon, max_lon), c.lat.between(min_lat, max_lat))
        .order_by(c[layer.key].collate("C"))
    )
    return stmt.limit(bindparam("limit", type_=Integer)) if limited else stmt
