"""Soak benchmark: seat processes saving hotline reports for minutes while a random fault
hits every ``every_s`` seconds → 0 reports lost, 0 registered twice, the ledger verifies.

Its own PostgreSQL server (``tests/pg_own``: stopped and started for the restart fault),
the small demo city, and the fault proxy (``tests/faultproxy.py``) between the seats and
the server. Each seat is a real seat process (``bench/soak_seat.py``: the workspace, the
intake form, the outbox) with its own data directory. The faults, drawn at random:

- ``cut``: every connection dropped;
- ``stall``: nothing moves for 5 s;
- ``refuse``: connections dropped and refused for 5 s;
- ``commit_before`` / ``commit_after``: the next COMMIT cut before the server sees it, or
  after the server committed it (the seat cannot know which);
- ``restart``: the server stopped for 3 s and started again (``pg_ctl``).

``make bench BENCH_ARGS="--only bench_faults"`` runs 8 seats for 10 minutes;
``tests/test_faults_soak.py`` runs a 60-second version in the suite.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.faultproxy import FaultProxy  # noqa: E402
from tests.pg_own import OWN_PORT, SCRIPT, OwnServer, _run  # noqa: E402

FAULTS = ("cut", "stall", "refuse", "commit_before", "commit_after", "restart")
PAUSE_S = 5.0
RESTART_DOWN_S = 3.0
Report = Callable[..., None]


@dataclass
class SoakResult:
    seats: int
    duration_s: float
    faults: list[tuple[float, str]] = field(default_factory=list)
    typed: set[str] = field(default_factory=set)
    registered: Counter = field(default_factory=Counter)
    ledger_problems: int = 0
    outbox_left: int = 0
    exits: list[int] = field(default_factory=list)
    ready: int = 0  # seats signed in with their intake form open
    #: the end of the stderr of each seat process that did not exit with 0
    failures: list[str] = field(default_factory=list)

    @property
    def lost(self) -> list[str]:
        return sorted(d for d in self.typed if self.registered[d] == 0)

    @property
    def duplicates(self) -> list[str]:
        return sorted(d for d, n in self.registered.items() if n > 1)


def soak(seats: int = 8, duration_s: float = 600, every_s: float = 20, seed: int = 12,
         plan: list[str] | None = None, port: int = OWN_PORT + 20) -> SoakResult:
    """Run the soak; ``plan`` fixes the order of the faults (else random by ``seed``)."""
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        server = _own_server(Path(tmp) / "pg", port)
        try:
            with FaultProxy.for_url(server.url) as proxy:
                return _soak(server, proxy, Path(tmp), seats, duration_s, every_s,
                             random.Random(seed), plan)
        finally:
            subprocess.run([str(SCRIPT), "remove", str(Path(tmp) / "pg")], check=False)


def _own_server(data: Path, port: int) -> OwnServer:
    from seatdesk.data.demo import DemoSpec, build_demo
    from seatdesk.models.db import make_engine, upgrade
    from sqlalchemy.engine import make_url

    url = _run(SCRIPT, "start", data, port)
    upgrade(url)
    engine = make_engine(url)
    build_demo(engine, DemoSpec.small())
    engine.dispose()
    return OwnServer(data, make_url(url).port, url)


def _soak(server: OwnServer, proxy: FaultProxy, tmp: Path, seats: int, duration_s: float,
          every_s: float, rng: random.Random, plan: list[str] | None) -> SoakResult:
    result = SoakResult(seats, duration_s)
    cells = json.dumps(_cell_centres(server.url))
    procs = [_seat(proxy.url(server.url), f"s{i}", duration_s, cells, tmp / f"seat{i}")
             for i in range(seats)]
    readers = [threading.Thread(target=_read, args=(p, result), daemon=True) for p in procs]
    for reader in readers:
        reader.start()
    _wait_until_signed_in(result, procs)  # a fault during sign-in is not the soak's subject
    started = time.monotonic()
    faults = iter(plan) if plan is not None else None
    slot = 1
    # each fault at its own slot (every_s, 2 every_s, …) from the start, however long the
    # one before took: sleeping every_s after each fault drifted by each restart's and
    # refusal's length (≥ 3 s and 5 s), so on a loaded machine the plan's last fault fell
    # past the end (not injected: the test's plan check fails) or onto the seats' last
    # seconds
    while slot * every_s < duration_s - every_s / 2:
        time.sleep(max(0.0, started + slot * every_s - time.monotonic()))
        slot += 1
        kind = next(faults, None) if faults is not None else rng.choice(FAULTS)
        if kind is not None:
            result.faults.append((round(time.monotonic() - started, 1), kind))
            _inject(kind, proxy, server)
    for proc in procs:
        result.exits.append(proc.wait(timeout=duration_s + 300))
    for i, code in enumerate(result.exits):
        if code != 0:
            log = (tmp / f"seat{i}" / "stderr.log").read_text(errors="replace")
            result.failures.append(f"seat s{i} exited {code}: …{log[-8000:]}")
    for reader in readers:
        reader.join(10)
    _count(server.url, result)
    return result


def _inject(kind: str, proxy: FaultProxy, server: OwnServer) -> None:
    if kind == "cut":
        proxy.cut()
    elif kind in ("stall", "refuse"):
        getattr(proxy, kind)(True)
        if kind == "refuse":
            proxy.cut()
        time.sleep(PAUSE_S)
        getattr(proxy, kind)(False)
    elif kind.startswith("commit_"):
        proxy.cut_at_commit(before=kind == "commit_before")
    elif kind == "restart":
        server.stop()
        time.sleep(RESTART_DOWN_S)
        server.start()


def _seat(url: str, seat: str, duration_s: float, cells: str, data_dir: Path):
    env = {**os.environ, "SEATDESK_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen",
           "SEATDESK_CONFIG": str(data_dir / "none.toml")}
    env.pop("SEATDESK_DATABASE_URL", None)
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "stderr.log", "wb") as stderr:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "bench.soak_seat", url, "shouli", seat,
                                 str(duration_s), cells], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=stderr, text=True)


def _wait_until_signed_in(result: SoakResult, procs, timeout_s: float = 180) -> None:
    """Every seat has signed in and opened its intake form (or given up): on a loaded
    machine eight seat processes take many seconds to start, and the first fault would
    otherwise cut a late seat's sign-in instead of a report."""
    deadline = time.monotonic() + timeout_s
    while (result.ready < len(procs) and time.monotonic() < deadline
           and all(p.poll() is None for p in procs)):
        time.sleep(0.2)


def _read(proc, result: SoakResult) -> None:
    for line in proc.stdout:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "typed":
            result.typed.add(event["description"])
        elif event.get("event") == "ready":
            result.ready += 1
        elif event.get("event") == "done":
            result.outbox_left += int(event.get("outbox", 0))


def _cell_centres(url: str, count: int = 400) -> list[list[float]]:
    """Places far enough apart that reports rarely look like duplicates of each other."""
    from seatdesk.models import GridCell
    from seatdesk.models.db import make_engine, session_factory

    engine = make_engine(url)
    with session_factory(engine)() as s:
        rows = s.execute(select(GridCell.min_lon, GridCell.min_lat, GridCell.max_lon,
                                GridCell.max_lat).order_by(GridCell.code).limit(count)).all()
    engine.dispose()
    return [[(a + c) / 2, (b + d) / 2] for a, b, c, d in rows]


def _count(url: str, result: SoakResult) -> None:
    from seatdesk.models import Case
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow.ledger import verify_ledger

    engine = make_engine(url)
    with session_factory(engine)() as s:
        result.registered.update(dict(s.execute(
            select(Case.description, func.count()).where(Case.description.like("soak-%"))
            .group_by(Case.description)).all()))
        result.ledger_problems = len(verify_ledger(s))
    engine.dispose()


def run(report: Report, database_url: str = "", seats: int = 8, minutes: float = 10) -> None:
    """``make bench``: the soak on its own server (``database_url`` is not used)."""
    started = time.perf_counter()
    result = soak(seats=seats, duration_s=minutes * 60)
    report("soak: seats", result.seats, "seats")
    report("soak: duration", time.perf_counter() - started, "s", f"{minutes:g} min + settle")
    report("soak: faults injected", len(result.faults), "faults",
           ", ".join(f"{k} {n}" for k, n in Counter(k for _, k in result.faults).items()))
    report("soak: reports saved by the call-takers", len(result.typed), "reports")
    report("soak: reports lost", len(result.lost), "reports", "0")
    report("soak: reports registered twice", len(result.duplicates), "reports", "0")
    report("soak: left in outboxes at the end", result.outbox_left, "reports", "0")
    report("soak: ledger problems", result.ledger_problems, "problems", "0")
    report("soak: seat processes that did not exit cleanly", len(result.failures), "seats", "0")
    for failure in result.failures:
        print(failure, file=sys.stderr)


if __name__ == "__main__":
    def _print(name: str, value: float, unit: str, target: str = "") -> None:
        print(f"  {name:<60} {value:>12.3f} {unit:<8} {target}", flush=True)

    run(_print, seats=int(sys.argv[1]) if len(sys.argv) > 1 else 8,
        minutes=float(sys.argv[2]) if len(sys.argv) > 2 else 10)
