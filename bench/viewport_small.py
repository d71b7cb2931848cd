"""The zoom-17 viewport goal of ``bench_scale`` on a small slice of its lattice city.

``python -m bench.viewport_small URL [--cols 5] [--rows 325] [--runs 30] [--repeat 2]
[--name DB] [--reuse]`` makes (or with ``--reuse`` keeps) the database ``DB`` next to
``URL``'s (migrated to head, organisation from the demo) with ``cols`` × ``rows`` cells of
``bench/scale_world.py`` and the 12,000,000-component run's density (12 M / 40,625 cells,
~295 a cell), then times ``map.points.components_in_view`` beside the bare SQL with
``bench_scale.measure_viewport`` (the same views and figures as the 12 M run).

The default 5 × 325 cells is the 12 M city's full height: a view's longitude strip holds
as many components as there (~318,000), which matters to any plan that scans the
(lon, lat) btree. It is not the 12 M run: the table is 480,000 rows.
"""

from __future__ import annotations

import argparse
import os

from sqlalchemy.orm import sessionmaker

from bench import common, scale_world
from bench.bench_scale import measure_viewport

PER_CELL = 12_000_000 / 40_625


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url", help="a PostgreSQL/PostGIS server's URL (any database on it)")
    p.add_argument("--cols", type=int, default=5)
    p.add_argument("--rows", type=int, default=325)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--name", default="seatdesk_viewport_small")
    p.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    args = p.parse_args(argv)

    from seatdesk.models.db import make_engine

    scale_world.COLS, scale_world.ROWS = args.cols, args.rows
    url = common.database_url(args.url, args.name)
    if not (args.reuse and common.exists(args.url, args.name)):
        common.recreate(args.url, args.name)
        engine = make_engine(url)
        print(scale_world.build(engine, round(PER_CELL * args.cols * args.rows)))
    else:
        engine = make_engine(url)
    sessions = sessionmaker(engine)
    for _ in range(args.repeat):
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        row = measure_viewport(sessions, scale_world.bounds(), runs=args.runs)
        print(f"app {row['app_ms']:.1f} ms (p95 {row['app_p95']:.1f}), bare {row['bare_ms']:.1f}"
              f" ms, {row['points']:.0f} per view, median of {args.runs}, load {load}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
