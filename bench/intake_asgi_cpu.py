"""CPU per intake report through the whole ASGI application, without sockets: the
requests ``bench_intake`` sends (``POST /field/v1/reports`` as JSON, ``POST
/open311/v2/requests.json`` form-encoded) handed to ``create_app(wf)`` directly from one
event loop, with the process's CPU time per report — FastAPI's routing, middleware,
dependencies, body parsing, thread hop and response included, uvicorn's HTTP parsing
and the network left out. Steadier than the HTTP benchmark on a loaded machine: for
before/after comparisons of the server's own Python (``bench/intake_cpu.py`` measures
the registration alone; the difference is the HTTP layer's).

    python bench/intake_asgi_cpu.py URL [N] [--profile] [--concurrency=K]

The event loop's own share (its thread's CPU: routing, middleware, dependencies, body
parsing, response) is printed apart; the rest is the request threads' (the
registration). ``--profile`` prints a cProfile of the event loop's thread (its CPU time); ``--concurrency=K`` keeps K
requests in flight (default 8, as the server's request threads overlap). Not part of
``make bench``.
"""

from __future__ import annotations

import asyncio
import cProfile
import datetime as dt
import pstats
import random
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.bench_intake import CITY, PASSWORD, _cpu_seconds, _postmaster, prepare  # noqa: E402


def main(argv: list[str]) -> None:
    from sqlalchemy.orm import Session

    from seatdesk.config import normalise_url
    from seatdesk.models.db import make_engine
    from seatdesk.server.app import create_app
    from seatdesk.server.auth import sign_in
    from seatdesk.server.config import ServerConfig
    from seatdesk.workflow import services as sd

    args = [a for a in argv if not a.startswith("--")]
    count = int(args[1]) if len(args) > 1 else 400
    concurrency = next((int(a.split("=", 1)[1]) for a in argv
                        if a.startswith("--concurrency=")), 8)
    base = normalise_url(args[0])
    name = f"sd_intake_asgi_{uuid.uuid4().hex[:6]}"
    url = common.recreate(base, name)
    try:
        key, service, point = prepare(url)
        engine = make_engine(url)
        wf = sd.Workflow(engine)
        postmaster = _postmaster(url)
        wf.lookups.listen(url)  # as seatdesk serve's lifespan does
        wf.lookups.wait_live(30)
        with Session(engine) as s:
            token = sign_in(s, "sample_supervisor", PASSWORD, "cpu", dt.datetime.now(dt.UTC),
                            dt.timedelta(hours=1))[0]
            s.commit()
        app = create_app(wf, ServerConfig(field_rate="100000000/minute",
                                          partner_rate="100000000/minute"),
                         background=False)
        turn = iter(range(10 ** 9))
        description = quote("压测：垃圾满溢")

        def around() -> tuple[float, float]:
            return (point[0] + random.uniform(-CITY, CITY),
                    point[1] + random.uniform(-CITY, CITY))

        def field() -> tuple[str, list, bytes]:
            lon, lat = around()
            body = ('{"report_id":"a-%d","lon":%.7f,"lat":%.7f,"description":"压测：井盖破损"}'
                    % (next(turn), lon, lat)).encode()
            return "/field/v1/reports", [(b"content-type", b"application/json"),
                                         (b"authorization", f"Bearer {token}".encode())], body

        def open311() -> tuple[str, list, bytes]:
            lon, lat = around()
            body = (f"api_key={key}&service_code={service}&lat={lat:.7f}&long={lon:.7f}"
                    f"&description={description}").encode()
            return ("/open311/v2/requests.json",
                    [(b"content-type", b"application/x-www-form-urlencoded")], body)

        async def one(make) -> int:
            path, headers, body = make()
            headers = [(b"host", b"bench"), (b"content-length", str(len(body)).encode()),
                       *headers]
            scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
                     "http_version": "1.1", "method": "POST", "scheme": "http", "path": path,
                     "raw_path": path.encode(), "query_string": b"", "root_path": "",
                     "headers": headers, "client": ("127.0.0.1", 40000),
                     "server": ("127.0.0.1", 8000), "state": {}}
            sent = [False]
            status = [0]

            async def receive():
                if not sent[0]:
                    sent[0] = True
                    return {"type": "http.request", "body": body, "more_body": False}
                await asyncio.sleep(3600)
                return {"type": "http.disconnect"}

            async def send(message):
                if message["type"] == "http.response.start":
                    status[0] = message["status"]

            await app(scope, receive, send)
            return status[0]

        async def run(make, n: int) -> list[int]:
            left = iter(range(n))
            statuses: list[int] = []

            async def lane():
                for _ in left:
                    statuses.append(await one(make))

            await asyncio.gather(*(lane() for _ in range(concurrency)))
            return statuses

        async def phases():
            for label, make in (("field", field), ("open311", open311)):
                await run(make, 40)  # warm up: compiled statements, pools, caches
                profile = cProfile.Profile(time.thread_time) if "--profile" in argv else None
                pg = _cpu_seconds(postmaster)
                cpu, wall, loop = time.process_time(), time.perf_counter(), time.thread_time()
                if profile:
                    profile.enable()
                statuses = await run(make, count)
                if profile:
                    profile.disable()
                loop = time.thread_time() - loop
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                pg = _cpu_seconds(postmaster) - pg
                bad = sum(1 for s in statuses if s != 201)
                print(f"{label}: CPU {1000 * cpu / count:.2f} ms/report "
                      f"(event loop {1000 * loop / count:.2f} ms), "
                      f"wall {1000 * wall / count:.2f} ms/report, "
                      f"PostgreSQL CPU {1000 * pg / count:.2f} ms/report, not 201: {bad}",
                      flush=True)
                if profile:
                    stats = pstats.Stats(profile)
                    stats.sort_stats("cumulative").print_stats(60)
                    stats.sort_stats("tottime").print_stats(30)

        asyncio.run(phases())
        wf.lookups.stop()
        engine.dispose()
    finally:
        common.drop(base, name)


if __name__ == "__main__":
    main(sys.argv[1:])
