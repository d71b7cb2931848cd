"""Run the benchmarks against a PostgreSQL/PostGIS server: ``make bench``.

Each ``bench/bench_*.py`` module exposes ``run(report, ...)``; it receives the
database URL as ``database_url`` when it asks for one, and size flags when it takes
them. Figures are printed as a table and written to ``bench/results/latest.json``;
``docs/performance.md`` records them with the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
import json
import os
import platform
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: ``bench_scale`` (a generated metropolis, long) is left out on purpose: ``--only
#: bench_scale [--cases N --components N]`` runs its goals here (reads on the primary);
#: ``python -m bench.bench_scale`` is the full run with a replica and the simulated seats
ORDER = [
    "bench_load", "bench_lights", "bench_workflow", "bench_queues", "bench_map", "bench_seat",
    "bench_evaluation", "bench_import", "bench_intake",
    "bench_signin",
]


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--database", required=True, help="PostgreSQL URL (a scratch server)")
    p.add_argument("--only", nargs="*", help="module names, e.g. bench_lights")
    p.add_argument("--cases", type=int, help="cases for the load benchmark (default 1,000,000)")
    p.add_argument("--components", type=int, help="components (default 100,000)")
    args = p.parse_args()
    from seatdesk.config import normalise_url

    url = normalise_url(args.database)
    names = args.only or [n for n in ORDER if (HERE / f"{n}.py").exists()]
    results = []

    def report(name: str, value: float, unit: str, target: str = "") -> None:
        results.append({"name": name, "value": value, "unit": unit, "target": target})
        print(f"  {name:<60} {value:>12.3f} {unit:<8} {target}", flush=True)

    for name in names:
        module = importlib.import_module(f"bench.{name}")
        params = inspect.signature(module.run).parameters
        kwargs = {}
        if "database_url" in params:
            kwargs["database_url"] = url
        for flag in ("cases", "components"):
            if flag in params and getattr(args, flag) is not None:
                kwargs[flag] = getattr(args, flag)
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module.run(report, **kwargs)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps({
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "results": results,
    }, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
