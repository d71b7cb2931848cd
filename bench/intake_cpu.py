"""CPU per intake registration without HTTP: the server's own functions (token check,
``intake.register``; partner key, ``open311.create``) called from one thread, with the
process's CPU time (``time.process_time``) per report — a steadier figure than the
HTTP benchmark's on a loaded machine, for before/after comparisons of the workflow.

    python bench/intake_cpu.py URL [N] [--live] [--profile]

``--live`` starts the reference cache's NOTIFY listener (as ``seatdesk serve`` does);
``--profile`` prints a cProfile (CPU time) of each path. Not part of ``make bench``.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import pstats
import random
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.bench_intake import CITY, PASSWORD, prepare  # noqa: E402


def main(argv: list[str]) -> None:
    from sqlalchemy.orm import Session

    from seatdesk.config import normalise_url
    from seatdesk.models.db import make_engine
    from seatdesk.server import intake
    from seatdesk.server.auth import checked, digest, field_grant, partner_principal, sign_in
    from seatdesk.server.identity import DatabaseIdentity
    from seatdesk.server.open311.create import NewRequest, create
    from seatdesk.workflow import services as sd

    args = [a for a in argv if not a.startswith("--")]
    count = int(args[1]) if len(args) > 1 else 300
    base = normalise_url(args[0])
    name = f"sd_intake_cpu_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    try:
        key, service, point = prepare(url)
        engine = make_engine(url)
        wf = sd.Workflow(engine)
        identity = DatabaseIdentity(wf)
        if "--live" in argv:
            wf.lookups.listen(url)
            wf.lookups.wait_live(30)
        with Session(engine) as s:
            token, _, _ = sign_in(s, "sample_supervisor", PASSWORD, "cpu",
                                  dt.datetime.now(dt.UTC), dt.timedelta(hours=1))
            s.commit()

        def around() -> tuple[float, float]:
            return (point[0] + random.uniform(-CITY, CITY),
                    point[1] + random.uniform(-CITY, CITY))

        def grant():
            with Session(engine) as s:
                return field_grant(s, digest(token))

        def field() -> None:  # the token as the server's field_user keeps it
            me = checked(wf.lookups.get(("field", digest(token)), grant),
                         dt.datetime.now(dt.UTC))
            lon, lat = around()
            intake.register(identity, me, sd.Report(source="patrol", lon=lon, lat=lat,
                                                     description="压测：井盖破损"),
                            intake.intake_key("field", str(me.user_id), uuid.uuid4().hex))

        def partner():
            with Session(engine) as s:
                return partner_principal(s, key, "open311")

        def open311() -> None:  # the partner key as the server's check_partner keeps it
            who = wf.lookups.get(("partner", digest(key), "open311"), partner)
            lon, lat = around()
            create(identity, who, NewRequest(service_code=service, lat=str(lat), long=str(lon),
                                             description="压测：垃圾满溢"), ())

        for label, run in (("field", field), ("open311", open311)):
            for _ in range(30):
                run()  # warm up: compiled statements, pools, prepared statements
            profile = cProfile.Profile(time.process_time) if "--profile" in argv else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            for _ in range(count):
                run()
            if profile:
                profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"{label}: CPU {1000 * cpu / count:.2f} ms/report, "
                  f"wall {1000 * wall / count:.2f} ms/report", flush=True)
            if profile:
                stats = pstats.Stats(profile)
                stats.sort_stats("cumulative").print_stats(50)
                stats.sort_stats("tottime").print_stats(25)  # the functions' own time
        wf.lookups.stop()
        engine.dispose()
    finally:
        common.drop(base, name)


if __name__ == "__main__":
    main(sys.argv[1:])
