"""Benchmark: live KPI panels, the monthly 综合评价 and the wall display's memory.

On a PostgreSQL/PostGIS server (``make bench``) a scratch database ``sd_bench_eval`` is
filled with the demo city and ``cases`` cases (default 1,000,000, about 1,000 a day;
kept between runs when the size matches). Figures:

- refresh of the live KPI panels (``evaluation.live.live_kpis``; target ≤ 300 ms) and its
  ratio to running the same SQL bare (target ≤ 1.5×), the two timed alternately;
- a full monthly evaluation of every region, department and post (target ≤ 5 s): the
  first run (cold) and the median of three;
- the wall display's resident memory (``VmRSS`` of ``/proc/self/status``) over 24
  simulated hours of refreshes — one every 5 simulated minutes on a fake clock, the
  views cycling and every refresh painted — after the first hour against the end
  (target: growth ≤ 10 %), with the Python and Qt object counts alongside.

Standalone, on a database that already holds the demo (no scratch database made):
``.venv/bin/python -m bench.bench_evaluation --existing URL [--hours 24] [--step 5]``;
``--database URL [--cases N]`` builds the scratch database as ``make bench`` does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import time
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench import common

Report = Callable[[str, float, str, str], None]
NAME = "sd_bench_eval"
NOW = dt.datetime(2026, 6, 17, 2, 0, tzinfo=dt.timezone.utc)  # a Wednesday, 10:00 local


def _prepare(database_url: str, cases: int) -> str:
    """The scratch database with ``cases`` demo cases (built unless already there)."""
    from seatdesk.models.db import make_engine

    url = common.database_url(database_url, NAME)
    if common.exists(database_url, NAME) and _case_count(url) == cases:
        return url
    common.recreate(database_url, NAME)
    engine = make_engine(url)
    from seatdesk.data.demo import DemoSpec, build_demo

    build_demo(engine, DemoSpec(cases=cases, days=max(60, cases // 1000), now=NOW))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    engine.dispose()
    return url


def _case_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM cases")) or 0)
    except Exception:
        return -1
    finally:
        engine.dispose()


def _timings(fn: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return times


def bench_panels(report: Report, engine, pairs: int = 9) -> None:
    """Panel refreshes and the bare SQL alternate, so a busy machine slows both alike."""
    from seatdesk.evaluation.clocks import clock_query
    from seatdesk.evaluation.live import live_kpis, statements
    from seatdesk.workflow.worktime import WorkCalendar

    with Session(engine) as session:
        cal = WorkCalendar.from_session(session)
        live_kpis(session, cal, NOW)  # warm caches and plans
        queries = [*statements("postgresql", NOW, "Asia/Shanghai").values(), clock_query()]
        panel, bare = [], []
        for _ in range(pairs):
            panel += _timings(lambda: live_kpis(session, cal, NOW), 1)
            bare += _timings(lambda: [session.execute(q).all() for q in queries], 1)
    panel_ms, bare_ms = 1000 * statistics.median(panel), 1000 * statistics.median(bare)
    report(f"live KPI panel refresh (median of {pairs})", panel_ms, "ms", "≤ 300 ms")
    report(f"bare SQL of the panels (median of {pairs})", bare_ms, "ms", "")
    report("panel refresh / bare SQL", panel_ms / bare_ms, "×", "≤ 1.5×")


def bench_monthly(report: Report, engine) -> None:
    from seatdesk.evaluation.indicators import Period, evaluate_all

    period, objects = Period.month(2026, 5), [0]

    def once() -> None:
        with Session(engine) as session:
            results = evaluate_all(session, period)
        objects[0] = sum(len(ev.rows) for ev in results.values())

    times = _timings(once, 4)
    report(f"monthly evaluation, all levels ({objects[0]} objects), first run", times[0], "s",
           "≤ 5 s")
    report("monthly evaluation, all levels, median of 3 more", statistics.median(times[1:]),
           "s", "≤ 5 s")


# -- the wall display's memory ---------------------------------------------------------------
def rss_mb() -> float:
    """Resident set size of this process (``VmRSS``), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _WallDriver:
    """Refreshes a ``WallWindow`` on a fake clock and paints every refresh."""

    def __init__(self, engine, app) -> None:
        from seatdesk.models.db import session_factory
        from seatdesk.ui.wall.display import WallWindow

        self.app, self.clock = app, [NOW]
        self.done = self.failed = 0
        self.wall = WallWindow(session_factory(engine), clock=lambda: self.clock[0],
                               refresh_ms=10**9, cycle_ms=10**9, retry_ms=10**9)
        self.wall.refreshed.connect(self._refreshed)
        self.wall.failed.connect(self._failed)
        self.wall.resize(1920, 1080)
        self.wall.show()
        self._wait(1)  # the first refresh is started by the window itself

    def _refreshed(self) -> None:
        self.done += 1

    def _failed(self, _message: str) -> None:
        self.failed += 1

    def _wait(self, answers: int, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while self.done + self.failed < answers:
            if time.monotonic() > deadline:
                raise TimeoutError("the wall display did not refresh within 5 minutes")
            self.app.processEvents()
            time.sleep(0.002)

    def step(self, at: dt.datetime) -> None:
        self.clock[0] = at
        expected = self.done + self.failed + 1
        self.wall.refresh()
        self._wait(expected)
        self.wall.next_view()
        self.wall.grab()  # paint the view now shown (board, ranking or map)
        self.app.processEvents()

    def close(self) -> None:
        self.wall.stop()
        self.wall.close()
        self.wall.deleteLater()
        self.app.processEvents()


def _sample(driver: _WallDriver) -> tuple[float, int, int]:
    from PySide6.QtCore import QObject

    gc.collect()
    driver.app.processEvents()
    return rss_mb(), len(gc.get_objects()), len(driver.wall.findChildren(QObject))


def bench_wall_memory(report: Report, engine, hours: int = 24, step_minutes: int = 5) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from seatdesk.ui.session.app import make_application

    app = make_application(language="zh_CN")
    driver = _WallDriver(engine, app)
    per_hour, samples, begin = 60 // step_minutes, [], time.perf_counter()
    for hour in range(hours):
        for i in range(per_hour):
            driver.step(NOW + dt.timedelta(minutes=(hour * per_hour + i + 1) * step_minutes))
        samples.append(_sample(driver))
    spent, refreshes = time.perf_counter() - begin, driver.done
    driver.close()
    (rss1, py1, qt1), (rss24, py24, qt24) = samples[0], samples[-1]
    report(f"wall display: {refreshes} refreshes ({driver.failed} failed), mean time",
           1000 * spent / max(1, refreshes), "ms", "")
    report("wall display RSS after 1 simulated hour", rss1, "MB", "")
    report(f"wall display RSS after {hours} simulated hours", rss24, "MB", "")
    report("wall display RSS, highest hourly sample", max(s[0] for s in samples), "MB", "")
    report(f"wall display memory growth over {hours - 1} h", 100 * (rss24 - rss1) / rss1, "%",
           "≤ 10 %")
    report("wall display Python objects, growth", py24 - py1, "objects", "")
    report("wall display Qt objects, growth", qt24 - qt1, "objects", "")


def run(report: Report, database_url: str, cases: int = 1_000_000) -> None:
    begin = time.perf_counter()
    url = _prepare(database_url, cases)
    report(f"prepare demo database ({cases:,} cases; 0 if reused)",
           time.perf_counter() - begin, "s", "")
    run_on(report, url)


def run_on(report: Report, url: str, hours: int = 24, step_minutes: int = 5) -> None:
    """All three benchmarks on a database that holds the demo city."""
    from seatdesk.models.db import make_engine

    engine = make_engine(url)
    try:
        bench_panels(report, engine)
        bench_monthly(report, engine)
        bench_wall_memory(report, engine, hours, step_minutes)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_evaluation")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", help="server URL: build the scratch database there")
    where.add_argument("--existing", help="URL of a database that already holds the demo")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--step", type=int, default=5, help="simulated minutes per refresh")
    args = parser.parse_args()

    def _print(name: str, value: float, unit: str, target: str) -> None:
        print(f"  {name:<64} {value:>12.3f} {unit:<8} {target}", flush=True)

    if args.existing:
        run_on(_print, args.existing, args.hours, args.step)
    else:
        run(_print, args.database, args.cases)


if __name__ == "__main__":
    main()
