"""The metropolis of ``bench_scale``, made by set-based SQL: a Shanghai-sized lattice of
40,625 grid cells (5 districts, 65 streets, 1,625 communities) and its components.

The organisation (departments, users, classification editions, filing conditions, the
responsibility matrix, settings) is the small demo city's (``build_demo`` without cases);
its Liyang cells are replaced by the lattice. Cells are ~395 m squares (Shanghai's
6,340 km² over 40,625 cells), laid 125 wide and 325 high from (121.0°E, 30.7°N); a
community is a block of 5 × 5 cells, a street 5 × 5 communities, a district a column of
13 streets. Codes follow the 6/9/12/15-digit pattern (``3101dd``, ``sss``, ``ccc``,
``kkk``). Components are points spread over the cells with 17-digit codes.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, text

COLS, ROWS = 125, 325  # 40,625 cells
LON0, LAT0 = 121.0, 30.7
DLON, DLAT = 0.004141, 0.003572  # ~395 m at 31°N
DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区")
ROADS = (
    "中山路", "人民路", "解放路", "建设路", "和平路", "南京路", "淮海路", "延安路", "四川路",
    "西藏路", "长寿路", "武宁路", "曹杨路", "中山北路", "共和新路", "天目路", "衡山路", "复兴路",
    "肇嘉浜路", "漕溪路", "龙华路", "浦东大道", "世纪大道", "张杨路", "杨高路", "东方路", "花木路",
    "龙阳路", "罗山路", "沪南路", "川沙路", "华夏路", "周浦路", "康桥路", "秀沿路", "军工路",
    "黄兴路", "国权路", "邯郸路", "大连路", "宝山路", "广中路", "虹口路", "江宁路", "昌平路",
    "万航渡路", "愚园路", "定西路", "凯旋路", "虹桥路", "宜山路", "桂林路", "钦州路", "田林路",
)


def bounds() -> tuple[float, float, float, float]:
    """(west, south, east, north) of the lattice."""
    return LON0, LAT0, LON0 + COLS * DLON, LAT0 + ROWS * DLAT


def build(engine, components: int, progress=print) -> dict[str, float]:
    """Organisation from the demo, then the lattice and ``components`` components."""
    from seatdesk.data.demo import DemoSpec, build_demo

    seconds = {}
    started = time.perf_counter()
    build_demo(engine, DemoSpec(cells_target=200, components=500, cases=0, supervisors=24))
    seconds["organisation"] = time.perf_counter() - started
    with engine.begin() as conn:
        started = time.perf_counter()
        _lattice(conn)
        seconds["grid"] = time.perf_counter() - started
        progress(f"grid: {conn.scalar(text('SELECT count(*) FROM grid_cells')):,} cells "
                 f"({seconds['grid']:.0f} s)")
    started = time.perf_counter()
    fill_components(engine, components, progress)
    seconds["components"] = time.perf_counter() - started
    return seconds


def _lattice(conn: Connection) -> None:
    """Replace the demo's cells and areas below the district by the lattice."""
    conn.execute(text("UPDATE departments SET area_id = NULL"))
    conn.execute(text("DELETE FROM responsibilities WHERE area_id IS NOT NULL"))
    conn.execute(text("DELETE FROM supervisor_positions"))
    conn.execute(text("DELETE FROM components"))
    conn.execute(text("DELETE FROM grid_cells"))
    conn.execute(text("DELETE FROM admin_units"))
    params = {"lon0": LON0, "lat0": LAT0, "dlon": DLON, "dlat": DLAT, "cols": COLS,
              "rows": ROWS, "districts": list(DISTRICTS), "roads": list(ROADS)}
    for sql in (_DISTRICTS, _STREETS, _COMMUNITIES, _CELLS):
        conn.execute(text(sql), params)
    conn.execute(text("UPDATE settings SET value = '\"3101\"' WHERE key = 'admin_code'"))
    conn.execute(text("ANALYZE admin_units; ANALYZE grid_cells"))


# a district is a column of 25 cells (5 communities, 1 street) wide … see the module docstring
_DISTRICTS = """
INSERT INTO admin_units (level, code, name, parent_id, geom)
SELECT 'district', '3101' || lpad((d + 1)::text, 2, '0'), (CAST(:districts AS text[]))[d + 1],
       NULL, ST_Multi(ST_MakeEnvelope(:lon0 + d * 25 * :dlon, :lat0,
                                      :lon0 + (d + 1) * 25 * :dlon, :lat0 + :rows * :dlat, 4326))
FROM generate_series(0, 4) AS d
"""
_STREETS = """
INSERT INTO admin_units (level, code, name, parent_id, geom)
SELECT 'street', d.code || lpad((s + 1)::text, 3, '0'),
       (CAST(:roads AS text[]))[1 + (dn * 13 + s) % cardinality(CAST(:roads AS text[]))] || '街道',
       d.id, ST_Multi(ST_MakeEnvelope(:lon0 + dn * 25 * :dlon, :lat0 + s * 25 * :dlat,
                                      :lon0 + (dn + 1) * 25 * :dlon, :lat0 + (s + 1) * 25 * :dlat,
                                      4326))
FROM (SELECT id, code, right(code, 2)::int - 1 AS dn FROM admin_units WHERE level = 'district') d,
     generate_series(0, 12) AS s
"""
# community (ci, cj) in 0..24 × 0..64; its street is (ci / 5, cj / 5)
_COMMUNITIES = """
INSERT INTO admin_units (level, code, name, parent_id, geom)
SELECT 'community', st.code || lpad((1 + (ci % 5) * 5 + cj % 5)::text, 3, '0'),
       (CAST(:roads AS text[]))[1 + (ci * 65 + cj) % cardinality(CAST(:roads AS text[]))]
           || '第' || (1 + (ci % 5) * 5 + cj % 5) || '居委',
       st.id, ST_Multi(ST_MakeEnvelope(:lon0 + ci * 5 * :dlon, :lat0 + cj * 5 * :dlat,
                                       :lon0 + (ci + 1) * 5 * :dlon, :lat0 + (cj + 1) * 5 * :dlat,
                                       4326))
FROM generate_series(0, 24) AS ci CROSS JOIN generate_series(0, 64) AS cj
JOIN admin_units st ON st.level = 'street'
 AND st.code = '3101' || lpad((ci / 5 + 1)::text, 2, '0') || lpad((cj / 5 + 1)::text, 3, '0')
"""
_CELLS = """
INSERT INTO grid_cells (code, name, community_id, area_m2, zone, geom, min_lon, min_lat,
                        max_lon, max_lat)
SELECT c.code || lpad((1 + (i % 5) * 5 + j % 5)::text, 3, '0'),
       c.name || '第' || lpad((1 + (i % 5) * 5 + j % 5)::text, 3, '0') || '网格', c.id,
       156000, (ARRAY['A', 'B', 'C'])[1 + (i + j) % 3],
       ST_MakeEnvelope(:lon0 + i * :dlon, :lat0 + j * :dlat,
                       :lon0 + (i + 1) * :dlon, :lat0 + (j + 1) * :dlat, 4326),
       :lon0 + i * :dlon, :lat0 + j * :dlat, :lon0 + (i + 1) * :dlon, :lat0 + (j + 1) * :dlat
FROM generate_series(0, :cols - 1) AS i CROSS JOIN generate_series(0, :rows - 1) AS j
JOIN admin_units c ON c.level = 'community'
 AND c.code = '3101' || lpad((i / 25 + 1)::text, 2, '0') || lpad(((j / 5) / 5 + 1)::text, 3, '0')
              || lpad((1 + ((i / 5) % 5) * 5 + (j / 5) % 5)::text, 3, '0')
ORDER BY j, i
"""


# -- components --------------------------------------------------------------------------
#: one batch of components: the g-th lies in cell g mod the cell count, at a pseudo-random
#: point of it; its class cycles through the edition's component classes
_COMPONENTS = """
INSERT INTO components (code, class_id, name, status, grid_cell_id, lon, lat, geom,
                        initial_date, data_source, note)
SELECT '31' || lpad(g::text, 15, '0'), k.class_id, k.name, 'intact', c.id, p.lon, p.lat,
       ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), DATE '2020-01-01' + g % 1500, '普查', ''
FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS g
JOIN bench_cells c ON c.k = g % :n_cells
JOIN bench_component_classes k ON k.k = (hashint8(g) & 2147483647) % :n_classes
CROSS JOIN LATERAL (SELECT
    round((c.min_lon + (c.max_lon - c.min_lon)
           * ((hashint8(g * 7 + 1) & 1048575) / 1048576.0))::numeric, 7)::float8 AS lon,
    round((c.min_lat + (c.max_lat - c.min_lat)
           * ((hashint8(g * 7 + 2) & 1048575) / 1048576.0))::numeric, 7)::float8 AS lat) p
"""


def lookup_tables(conn: Connection) -> None:
    """Small numbered copies of the cells and component classes the generators join."""
    conn.execute(text("""
        DROP TABLE IF EXISTS bench_cells;
        CREATE UNLOGGED TABLE bench_cells AS
        SELECT (row_number() OVER (ORDER BY g.id) - 1)::int AS k, g.id, g.code, g.zone,
               g.min_lon, g.min_lat, g.max_lon, g.max_lat, g.community_id,
               s.id AS street_id, s.name AS street_name, d.id AS district_id
        FROM grid_cells g JOIN admin_units cm ON cm.id = g.community_id
        JOIN admin_units s ON s.id = cm.parent_id JOIN admin_units d ON d.id = s.parent_id;
        CREATE UNIQUE INDEX ON bench_cells (k);
        DROP TABLE IF EXISTS bench_component_classes;
        CREATE UNLOGGED TABLE bench_component_classes AS
        SELECT (row_number() OVER (ORDER BY c.id) - 1)::int AS k, c.id AS class_id, c.name
        FROM case_classes c JOIN class_editions e ON e.id = c.edition_id
        WHERE c.kind = 'component'
          AND e.code = (SELECT value::json #>> '{}' FROM settings WHERE key = 'class_edition');
        CREATE UNIQUE INDEX ON bench_component_classes (k);
        ANALYZE bench_cells; ANALYZE bench_component_classes;
    """))


def fill_components(engine, total: int, progress=print, batch: int = 1_000_000) -> None:
    """Components up to ``total`` (set-based, ``batch`` per transaction)."""
    with engine.begin() as conn:
        lookup_tables(conn)
        have = conn.scalar(text("SELECT count(*) FROM components"))
        n_cells = conn.scalar(text("SELECT count(*) FROM bench_cells"))
        n_classes = conn.scalar(text("SELECT count(*) FROM bench_component_classes"))
    started = time.perf_counter()
    for lo in range(have + 1, total + 1, batch):
        hi = min(total, lo + batch - 1)
        with engine.begin() as conn:
            conn.execute(text(_COMPONENTS), {"lo": lo, "hi": hi, "n_cells": n_cells,
                                             "n_classes": n_classes})
        progress(f"components {hi:,}/{total:,} ({time.perf_counter() - started:.0f} s)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE components"))
