"""Benchmark: the seat's workspace over a million cases in PostgreSQL.

Builds (or reuses) the database ``seatdesk_bench_seat`` on the given server with the
demo city and ``--cases`` cases (``build_demo``; default 1,000,000 — this takes a while,
the database is kept for the next run), then opens the real seat offscreen and measures:

- first page of a work box after opening it, or changing its sort or filter (≤ 200 ms):
  from the request to the rows on screen, through the worker thread;
- the longest GUI-thread stall while scrolling (``fetchMore`` pages) and refreshing
  (≤ 50 ms): a 5 ms ``QTimer`` heartbeat records the largest gap between its ticks;
- client memory (≤ 400 MB RSS) of the seat process with its panels open (the
  QtWebEngine map renders in its own processes, reported separately);
- the delay from a change at one seat to its appearance at another (≤ 1 s): another
  seat (its own engine) registers a case; NOTIFY → LISTEN thread → hub → the queue;
- a shift on a shared seat: 20 sign-in/sign-out cycles in one process through the login
  dialog (every role, a case, the map and the statistics open): the time of each half and
  the process's RSS after the first and the twentieth cycle.

Run standalone:
``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_seat.py \
postgresql+psycopg://postgres@127.0.0.1:55432/postgres --cases 1000000``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench import common  # noqa: E402
from seatdesk.models import Case, GridCell, User  # noqa: E402
from seatdesk.models.db import make_engine, session_factory  # noqa: E402
from seatdesk.models.queues import CaseFilter  # noqa: E402
from seatdesk.workflow import services as sd  # noqa: E402
from seatdesk.workflow.auth import LoggedIn  # noqa: E402

NAME = "seatdesk_bench_seat"
#: table columns sorted in the bench (descending), by the work box's column numbers
SORTS = {1: "number", 9: "reported", 8: "deadline", 4: "address", 3: "class", 7: "department"}
FILTERS = {"text 垃圾": CaseFilter(text="垃圾"), "number prefix": CaseFilter(number="2026"),
           "source": CaseFilter(source="hotline_12319"),
           "grid prefix": CaseFilter(grid_code="3204810"),
           "phone": CaseFilter(caller_phone="13800000000")}
Report = Callable[..., None]


# -- the database ------------------------------------------------------------------------------
def prepare(base_url: str, cases: int, log=print) -> str:
    """The bench database with at least ``cases`` cases (built once, then reused)."""
    url = common.database_url(base_url, NAME)
    if common.exists(base_url, NAME) and _count(url) >= cases:
        return url
    common.recreate(base_url, NAME)
    from seatdesk.data.demo import DemoSpec, build_demo  # the seat itself never loads it

    engine = make_engine(url)
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "案卷" and done and done % 100_000 == 0:
            log(f"   built {done:,}/{total:,} cases in {time.perf_counter() - started:.0f} s")

    build_demo(engine, DemoSpec(cases=cases, days=3 * 365, components=100_000), progress)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return url


def _count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Case.__table__))
    except Exception:  # a half-built database: rebuild it
        return 0
    finally:
        engine.dispose()


def logged_in(sessions, username: str) -> LoggedIn:
    with sessions() as session:
        u = session.scalar(select(User).where(User.username == username))
        return LoggedIn(u.id, u.username, u.display_name, u.role, u.department_id, False)


# -- Qt helpers --------------------------------------------------------------------------------
def pump_until(app, done: Callable[[], bool], timeout: float = 30.0) -> float:
    """Process events until ``done()``; returns the seconds it took."""
    started = time.perf_counter()
    while not done():
        app.processEvents()
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the seat did not answer in time")
        time.sleep(0.0005)
    return time.perf_counter() - started


class Heartbeat:
    """A 5 ms timer on the GUI thread; ``worst`` is the longest gap between ticks (ms)."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.last = time.perf_counter()
        self.gaps: list[float] = []
        self.timer = QTimer(interval=5, timeout=self.tick)
        self.timer.start()

    def tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000)
        self.last = now

    def reset(self) -> None:
        self.gaps, self.last = [], time.perf_counter()

    @property
    def worst(self) -> float:
        return max(self.gaps) if self.gaps else 0.0


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_split_mb() -> tuple[float, float, float]:
    """This process's anonymous RSS (its own heap: Python, Qt, Chromium's browser side),
    its file-backed RSS (pages of mapped libraries and fonts, shared with every process
    mapping them — libQt6WebEngineCore alone is 120+ MB once the map runs) and its PSS
    (shared pages divided among the processes sharing them)."""
    fields: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("RssAnon:", "RssFile:", "RssShmem:")):
            fields[line.split(":")[0]] = int(line.split()[1]) / 1024
    pss = 0.0
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return (fields.get("RssAnon", 0.0), fields.get("RssFile", 0.0) + fields.get("RssShmem", 0.0),
            pss)


def children_rss_mb() -> float:
    me, total = str(os.getpid()), 0.0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "stat").read_text().split()[3] == me:
                total += rss_mb(proc.name)
        except OSError:
            continue
    return total


# -- measurements ----------------------------------------------------------------------------
def first_pages(app, panel, report: Report) -> None:
    """Box opened, sort changed, filter changed: request → rows on screen."""
    timings: dict[str, list[float]] = {"open": [], "sort": [], "filter": []}

    def shown(action: Callable[[], None]) -> float:
        pump_until(app, panel.tasks.is_idle)
        before = panel.loader.query
        action()
        return pump_until(app, lambda: panel.loader.query is not before
                          and panel.tasks.is_idle() and panel.status.text() != "")

    boxes = [panel.boxes.box(i).key for i in range(panel.boxes.rowCount())]
    boxes = boxes[1:] + boxes[:1]  # the first is open already: end with it
    slow: dict[str, float] = {}
    for _round in range(2):
        for key in boxes:
            timings["open"].append(shown(lambda k=key: panel.select_box(k)))
            for column, name in SORTS.items():
                took = shown(lambda c=column: panel._sort(c, False))
                timings["sort"].append(took)
                if took > 0.2:
                    slow[f"{key} by {name}"] = max(took, slow.get(f"{key} by {name}", 0))
        panel.select_box("all")  # filters over every case (the largest box)
        pump_until(app, panel.tasks.is_idle)
        for label, filters in FILTERS.items():
            took = shown(lambda f=filters: panel.apply_filters(f))
            timings["filter"].append(took)
            if took > 0.2:
                slow[f"all, filter {label}"] = max(took, slow.get(f"all, filter {label}", 0))
        panel.apply_filters(CaseFilter())
    for kind, values in timings.items():
        ms = sorted(v * 1000 for v in values)
        report(f"seat: first page after {kind} (median of {len(ms)})", statistics.median(ms),
               "ms", "≤ 200 ms")
        report(f"seat: first page after {kind} (95th percentile)",
               ms[int(len(ms) * 0.95) - 1], "ms", "≤ 200 ms")
        report(f"seat: first page after {kind} (worst)", ms[-1], "ms", "≤ 200 ms")
    for what, took in sorted(slow.items()):
        report(f"seat:   over 200 ms: {what}", took * 1000, "ms", "")


def stalls(app, panel, report: Report) -> None:
    """Scroll the biggest box down page after page, refreshing in between."""
    beat = Heartbeat()
    panel.select_box("all")
    pump_until(app, panel.tasks.is_idle)
    beat.reset()
    for _ in range(20):
        panel.table.scrollToBottom()
        pump_until(app, lambda: panel.tasks.is_idle())
        panel.refresh()
        pump_until(app, lambda: panel.tasks.is_idle())
        panel.update_lights()
        app.processEvents()
    report(f"seat: longest GUI stall while scrolling {panel.model.rowCount():,} rows and "
           "refreshing", beat.worst, "ms", "≤ 50 ms")
    beat.timer.stop()


def live_delay(app, url: str, panel, report: Report) -> None:
    """Another seat registers cases; time until each shows in this seat's 待受理."""
    other = sd.Workflow(make_engine(url))
    with other.engine.connect() as conn:
        user = conn.execute(select(User.id, User.role, User.department_id)
                            .where(User.username == "shouli")).one()
        cell = conn.execute(select(GridCell.min_lon, GridCell.min_lat, GridCell.max_lon,
                                   GridCell.max_lat).limit(1)).one()
    actor = sd.Actor(user.id, user.role, user.department_id, "bench B")
    lon, lat = (cell.min_lon + cell.max_lon) / 2, (cell.min_lat + cell.max_lat) / 2
    panel.select_box("pending_accept")
    pump_until(app, panel.tasks.is_idle)
    delays = []
    for i in range(8):
        started = time.perf_counter()
        change = sd.register(other, actor, sd.Report(
            source="hotline_12319", lon=lon, lat=lat,
            description=f"bench {i}", caller_phone="13800000000"))
        pump_until(app, lambda c=change: panel.model.row_of(c.case_id) >= 0, timeout=10)
        delays.append((time.perf_counter() - started) * 1000)
        pump_until(app, panel.tasks.is_idle)
    other.engine.dispose()
    report("seat: change at one seat → shown at another (median of 8)",
           statistics.median(delays), "ms", "≤ 1000 ms")
    report("seat: change at one seat → shown at another (worst)", max(delays), "ms", "≤ 1000 ms")


def memory_probe(url: str) -> None:
    """In a fresh process: the seat alone (shift lead, map open, a few boxes scrolled);
    prints its RSS in MB (the bench process itself carries the demo builder's imports)."""
    from seatdesk.ui.session.app import make_application
    from seatdesk.ui.session.main_window import MainWindow

    app = make_application(language="zh_CN")
    sessions = session_factory(make_engine(url))
    window = MainWindow(sessions, "bench", logged_in(sessions, "zhibanzhang"), map_enabled=True,
                        auto_refresh_ms=0)
    window.show()
    ws = window.workspace
    pump_until(app, lambda: ws.map.is_ready, timeout=120)
    for key in ("all", "in_handling", "pending_dispatch", "all"):
        ws.workbox.select_box(key)
        pump_until(app, ws.workbox.tasks.is_idle)
        for _ in range(5):
            ws.workbox.table.scrollToBottom()
            pump_until(app, ws.workbox.tasks.is_idle)
    print(f"RSS {rss_mb():.1f} {children_rss_mb():.1f}", flush=True)
    window.close()


CYCLE_USERS = ("zhibanzhang", "shouli", "paiqian", "bumen", "jiandu", "admin", "daping")


def cycle_probe(url: str, cycles: int = 20, map_enabled: bool = True) -> None:
    """In a fresh process: ``cycles`` sign-ins and sign-outs through the seat's shell.
    Sign-in: Enter in the login dialog → first page shown, the map usable; sign-out: the
    menu action → the login dialog back. Prints one line per cycle:
    ``CYCLE in out rss anon file pss`` (seconds, MB; see ``memory_split_mb``).
    Events are pumped by a running event loop (as ``app.exec()`` does): deferred deletions
    — the signed-out workspace — only happen there."""
    from PySide6.QtCore import QEventLoop, QTimer

    from seatdesk.ui.session.app import make_application
    from seatdesk.ui.session.shell import SeatShell

    app = make_application(language="zh_CN")

    def pump_until(_app, done: Callable[[], bool], timeout: float = 30.0) -> float:
        started, loop = time.perf_counter(), QEventLoop()
        while not done():
            QTimer.singleShot(1, loop.quit)
            loop.exec()
            if time.perf_counter() - started > timeout:
                raise TimeoutError("the seat did not answer in time")
        return time.perf_counter() - started

    shell = SeatShell(session_factory(make_engine(url)), "bench", auto_refresh_ms=0,
                      map_enabled=map_enabled)
    shell.start()
    for cycle in range(cycles):
        pump_until(app, lambda: shell.login is not None and shell.login.isVisible())
        login, started = shell.login, time.perf_counter()
        login.username.setText(CYCLE_USERS[cycle % len(CYCLE_USERS)])
        login.password.setText("seatdesk-demo")
        login.submit()
        pump_until(app, lambda: shell.window is not None
                   and (not map_enabled or shell.window.workspace.map.is_ready)
                   and shell.window.workspace.workbox.tasks.is_idle()
                   and bool(shell.window.workspace.workbox.status.text()), timeout=120)
        signed_in = time.perf_counter() - started
        ws = shell.window.workspace
        if ws.workbox.model.rowCount():
            ws.open_case(ws.workbox.model.case_row(0).id)
        if ws.kpi is not None:
            ws.show_page("kpi")
        pump_until(app, lambda w=ws: w.seat.tasks.is_idle() and w.detail.view is not None
                   or not w.workbox.model.rowCount())
        ws = None  # nothing of the signed-out workspace may stay referenced
        started = time.perf_counter()
        shell.window.sign_out()
        pump_until(app, lambda: shell.login is not None and shell.login.isVisible())
        signed_out = time.perf_counter() - started
        settled = time.perf_counter() + 0.1  # the deferred deletion and the collection
        pump_until(app, lambda t=settled: time.perf_counter() > t)
        anon, mapped, pss = memory_split_mb()
        print(f"CYCLE {signed_in:.3f} {signed_out:.3f} {rss_mb():.1f} {anon:.1f} {mapped:.1f} "
              f"{pss:.1f}", flush=True)
    shell.login.reject()


def shift_cycles(url: str, report: Report, map_enabled: bool = True) -> None:
    import subprocess

    flags = ["--cycle-probe"] + ([] if map_enabled else ["--no-map"])
    out = subprocess.run([sys.executable, __file__, url, *flags],
                         capture_output=True, text=True, timeout=1800).stdout
    rows = [tuple(map(float, line.split()[1:])) for line in out.splitlines()
            if line.startswith("CYCLE ")]
    if len(rows) < 20:
        raise RuntimeError(f"the cycle probe stopped after {len(rows)} cycles:\n{out[-2000:]}")
    ins, outs, rss, anon, mapped, pss = zip(*rows, strict=True)
    if not map_enabled:
        report("seat without the map: RSS after the 1st cycle", rss[0], "MB", "")
        report("seat without the map: RSS after the 20th cycle", rss[-1], "MB", "≤ 400 MB")
        report("seat without the map: anonymous RSS after the 20th cycle", anon[-1], "MB", "")
        return
    report("seat: sign-in → workspace with first page and map (median of 20)",
           statistics.median(ins) * 1000, "ms", "")
    report("seat: sign-in (worst of 20)", max(ins) * 1000, "ms", "")
    report("seat: sign-out → login dialog back (median of 20)",
           statistics.median(outs) * 1000, "ms", "")
    report("seat: sign-out (worst of 20)", max(outs) * 1000, "ms", "")
    report("seat: RSS after the 1st sign-in/sign-out cycle", rss[0], "MB", "")
    report("seat: RSS after the 20th cycle", rss[-1], "MB", "≤ 400 MB")
    report("seat: RSS growth from cycle 7 (every role once) to cycle 20", rss[-1] - rss[6], "MB",
           "")
    report("seat:   of the 20th cycle's RSS: anonymous (the process's own heap)", anon[-1], "MB", "")
    report("seat:   of the 20th cycle's RSS: file-backed (libraries, fonts; shared)", mapped[-1],
           "MB", "")
    report("seat:   PSS after the 20th cycle (shared pages divided)", pss[-1], "MB", "")


def client_memory(url: str, report: Report) -> None:
    import subprocess

    for label, flags in (("", None), (" with --disable-gpu", "--disable-gpu")):
        env = dict(os.environ)
        if flags:
            env["QTWEBENGINE_CHROMIUM_FLAGS"] = flags
        out = subprocess.run([sys.executable, __file__, url, "--memory-probe"], env=env,
                             capture_output=True, text=True, timeout=300).stdout
        seat, web = next(line.split()[1:] for line in out.splitlines()
                         if line.startswith("RSS "))
        report(f"seat: client memory, seat process RSS (map open){label}", float(seat), "MB",
               "≤ 400 MB")
        report(f"seat:   QtWebEngine renderer processes (RSS){label}", float(web), "MB", "")


def run(report: Report, database_url: str, cases: int = 1_000_000) -> None:
    if not database_url.startswith("postgresql"):
        raise SystemExit("bench_seat needs a PostgreSQL/PostGIS server URL")
    url = prepare(database_url, cases)
    from seatdesk.ui.session.app import make_application
    from seatdesk.ui.session.main_window import MainWindow

    app = make_application(language="zh_CN")
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        report("seat: cases in the database", session.scalar(
            select(func.count()).select_from(Case)), "cases", "1,000,000")
    window = MainWindow(sessions, "bench", logged_in(sessions, "zhibanzhang"), map_enabled=True,
                        auto_refresh_ms=0)
    window.resize(1600, 960)
    window.show()
    ws = window.workspace
    panel = ws.workbox
    try:
        pump_until(app, lambda: ws.map is not None and ws.map.is_ready, timeout=120)
        first_pages(app, panel, report)
        stalls(app, panel, report)
        live_delay(app, url, panel, report)
    finally:
        window.close()
        engine.dispose()
    client_memory(url, report)
    shift_cycles(url, report)
    shift_cycles(url, report, map_enabled=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--memory-probe", action="store_true")
    parser.add_argument("--cycle-probe", action="store_true")
    parser.add_argument("--no-map", action="store_true", help="the cycle probe without the map")
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(args.database_url)
        return
    if args.cycle_probe:
        cycle_probe(args.database_url, map_enabled=not args.no_map)
        return
    if args.build_only:
        prepare(args.database_url, args.cases)
        return

    def report(name, value, unit, target=""):
        print(f"  {name:<72} {value:>12,.1f} {unit:<6} {target}", flush=True)

    run(report, args.database_url, args.cases)


if __name__ == "__main__":
    main()
