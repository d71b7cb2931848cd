"""Benchmark: grid imports — the overlap check through the STRtree, on PostgreSQL/PostGIS.

- 1,500 identical cells (every pair overlaps): the import is refused; the check stops at
  the issue cap. The quadratic check it replaced (intersection and geodesic area of every
  candidate pair) is timed on the same cells as the reference.
- A 40,625-cell grid (125 × 325 cells of about 95 m × 100 m, 65 communities, edges shared
  exactly): imported whole, and its overlap check timed alone.

Run standalone:
``.venv/bin/python bench/bench_import.py postgresql+psycopg://postgres@127.0.0.1:55432/postgres``
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from seatdesk.data.errors import ImportFailed  # noqa: E402
from seatdesk.data.importers import import_grid  # noqa: E402
from seatdesk.data.spatial_checks import geodesic_area, overlap_pairs  # noqa: E402
from seatdesk.models.db import make_engine, session_factory  # noqa: E402

NAME = "bench_import"
Report = Callable[..., None]
ORIGIN = (119.40, 31.35)
SIZE = (0.001, 0.0009)
COLUMNS, ROWS, BLOCK = 125, 325, 25  # communities of 25 × 25 cells


def _feature(code: str, x: float, y: float, community: int) -> dict:
    dx, dy = SIZE
    ring = [[x, y], [x + dx, y], [x + dx, y + dy], [x, y + dy], [x, y]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"code": code, "name": f"网格{code[-5:]}",
                           "community_name": f"社区{community:02d}",
                           "street_name": f"街道{community // 13}", "district_name": "溧阳市"}}


def grid_features() -> list[dict]:
    features = []
    for row in range(ROWS):
        for col in range(COLUMNS):
            community = (row // BLOCK) * (COLUMNS // BLOCK) + col // BLOCK
            seq = (row % BLOCK) * BLOCK + col % BLOCK + 1
            code = f"320481{community // 13 + 1:03d}{community % 13 + 1:03d}{seq:03d}"
            features.append(_feature(code, ORIGIN[0] + col * SIZE[0], ORIGIN[1] + row * SIZE[1],
                                     community))
    return features


def identical_features(count: int = 1500) -> list[dict]:
    return [_feature(f"3204810010{i // 900 + 10}{i % 900 + 1:03d}", 119.48, 31.425, i // 900)
            for i in range(count)]


def _write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def quadratic_reference(polygons: list) -> int:
    """The check before the STRtree change: every candidate pair intersected and measured."""
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    found = 0
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            inter = polygons[i].intersection(polygons[j])
            if not inter.is_empty and geodesic_area(inter) > 1.0:
                found += 1
    return found


def run(report: Report, database_url: str) -> None:
    url = common.recreate(database_url, NAME)
    engine = make_engine(url)
    sessions = session_factory(engine)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            same = _write(Path(tmp) / "identical.geojson", identical_features())
            started = time.perf_counter()
            with sessions() as session:
                try:
                    import_grid(session, same)
                except ImportFailed as exc:
                    refused = len(exc.issues)
            report("grid import: 1,500 identical cells refused", time.perf_counter() - started,
                   "s", "< 2 s")
            report("grid import: issues listed for them", refused, "issues")
            polygons = [shapely.geometry.shape(f["geometry"]) for f in identical_features()]
            started = time.perf_counter()
            quadratic_reference(polygons)
            report("overlap check before (every pair measured), 1,500 identical",
                   time.perf_counter() - started, "s")
            _grid(report, sessions, Path(tmp))
    finally:
        engine.dispose()
        common.drop(database_url, NAME)


def _grid(report: Report, sessions, tmp: Path) -> None:
    features = grid_features()
    path = _write(tmp / "grid.geojson", features)
    polygons = [shapely.geometry.shape(f["geometry"]) for f in features]
    started = time.perf_counter()
    assert overlap_pairs(polygons, limit=51) == []
    report("overlap check alone, 40,625-cell grid", time.perf_counter() - started, "s")
    started = time.perf_counter()
    with sessions.begin() as session:
        counts = import_grid(session, path).counts
    report(f"grid import: 40,625-cell grid ({counts['grid_cells']:,} cells, "
           f"{counts['admin_units']} units)", time.perf_counter() - started, "s", "< 30 s")


if __name__ == "__main__":
    def _print(name: str, value: float, unit: str, target: str = "") -> None:
        print(f"  {name:<60} {value:>12.3f} {unit:<8} {target}", flush=True)

    run(_print, sys.argv[1])
