"""The intake server's change feed (``server/feed.py``) under a stream of reports: the CPU
its thread spends per report registered elsewhere (PostgreSQL).

A ``ChangeFeed`` runs in this process as in a server worker (its own LISTEN connection,
its wake-ups posted to an event loop); another connection registers ``N`` reports with
the bare pattern of ``bench_intake`` (a case, its first ledger row, whose trigger sends
the NOTIFY, as every registration's does). The feed thread's own CPU time is read from
``/proc`` (its native thread id), so the figure depends little on what else the machine
does. Run it in two trees to compare them.

    python bench/feed_cpu.py postgresql://postgres@127.0.0.1:55432/postgres [N]
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_intake, common


def thread_cpu(native_id: int) -> float:
    """CPU seconds (user + system) of one thread of this process so far."""
    return bench_intake.proc_cpu(f"/proc/self/task/{native_id}/stat")


def run(report, database_url: str, count: int = 5000) -> None:
    from seatdesk.config import normalise_url
    from seatdesk.models.db import make_engine
    from seatdesk.server.feed import ChangeFeed
    from seatdesk.workflow import services as sd

    base = normalise_url(database_url)
    name = f"sd_bench_feed_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    engine = make_engine(url)
    loop = asyncio.new_event_loop()
    looping = threading.Thread(target=loop.run_forever, daemon=True)
    looping.start()
    feed = ChangeFeed(sd.Workflow(engine))
    try:
        _key, _service, point = bench_intake.prepare(url)
        loop.call_soon_threadsafe(feed.start, loop)
        deadline = time.monotonic() + 30
        while feed._thread is None or feed.generation == 0:  # connected (its first wake-up)
            if time.monotonic() > deadline:
                raise RuntimeError("the change feed did not connect")
            time.sleep(0.05)
        native = feed._thread.native_id
        before, woken = thread_cpu(native), feed.generation
        started = time.perf_counter()
        bench_intake.bare_reports(url, point, count, "FEED")
        elapsed = time.perf_counter() - started
        time.sleep(1.5)  # the feed reads what is still queued (it waits 0.5 s at a time)
        used = thread_cpu(native) - before
        report("reports registered (bare pattern, one connection)", float(count), "count", "")
        report("feed thread CPU per report", used * 1e6 / count, "µs", "")
        report("feed thread CPU while the reports came, share of one core",
               100 * used / (elapsed + 1.5), "%", "")
        report("feed wake-ups during the reports", float(feed.generation - woken), "count", "")
    finally:
        feed.stop()
        loop.call_soon_threadsafe(loop.stop)
        looping.join(5)
        engine.dispose()
        common.drop(base, name)


if __name__ == "__main__":
    def _print(name, value, unit, target=""):
        print(f"{name:<64} {value:>10.2f} {unit:<6} {target}")

    run(_print, sys.argv[1], *(int(a) for a in sys.argv[2:3]))
