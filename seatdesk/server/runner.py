"""Running the server: ``seatdesk serve`` → uvicorn with one or more worker processes.

The options travel to the workers in the environment (``SEATDESK_SERVE``, JSON), and each
worker builds its own engine and ``Workflow`` in ``build()`` — nothing at import time.
TLS: ``--ssl-certfile``/``--ssl-keyfile`` make uvicorn speak HTTPS itself; behind a
reverse proxy (docs/api.md has an nginx sample) ``--forwarded-allow-ips`` names the proxy
whose ``X-Forwarded-For`` is believed for the access log and the rate limits.

SIGTERM (``systemctl stop``, ``docker stop``, ``kill``) and SIGINT (Ctrl+C, once or twice)
stop the server gracefully — the
requests in flight are answered, the lifespan stops the feed, the callback deliverer and
the NOTIFY listener — and ``seatdesk serve`` then exits with status 0, with one worker as
with several: uvicorn re-raises the signal after its graceful shutdown when it runs the
server in its own process (one worker), which would end the process by the signal.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import signal

import uvicorn

from .config import ServerConfig

ENV = "SEATDESK_SERVE"
LOGGING = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"seatdesk": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def serve(database_url: str, *, host: str, port: int, workers: int = 1,
          ssl_certfile: str | None = None, ssl_keyfile: str | None = None,
          forwarded_allow_ips: str = "127.0.0.1", config: ServerConfig | None = None,
          access_log_file: str | None = None) -> None:
    config = config or ServerConfig()
    os.environ[ENV] = json.dumps({"url": database_url, "config": _plain(config),
                                  "access_log_file": access_log_file})
    previous = {sig: signal.signal(sig, _terminated) for sig in STOPS}
    try:
        uvicorn.run("seatdesk.server.runner:build", factory=True, host=host, port=port,
                    workers=workers, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
                    proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                    log_config=logging_config(access_log_file), access_log=False,
                    server_header=False, timeout_graceful_shutdown=10)
    except Terminated:
        pass  # asked to stop: a graceful stop, or a stop before uvicorn took the signals
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


#: the signals that ask for a stop: SIGTERM (systemctl, docker, kill) and SIGINT (Ctrl+C)
STOPS = (signal.SIGTERM, signal.SIGINT)


class Terminated(Exception):
    """SIGTERM or SIGINT reached ``seatdesk serve``'s own handler: while uvicorn runs it
    holds the signals itself and gives them back (re-raises each one it caught) only once
    it has shut down. The first ends the process quietly; a second Ctrl+C caught during
    the shutdown is never re-raised (with asyncio's own SIGINT handler it cancelled the
    finished server and logged a traceback)."""


def _terminated(_signum, _frame) -> None:
    raise Terminated()


def build():
    """The application of one worker process (uvicorn's factory)."""
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import services as sd

    from .app import create_app

    options = json.loads(os.environ[ENV])
    config = _config(options["config"])
    engine = make_engine(options["url"], **pool_options(options["url"], config.db_connections))
    return _quiet_exit(create_app(sd.Workflow(engine), config))


def _quiet_exit(app):
    """The app, with its lifespan shut down even when the process exits without a
    shutdown event: a second Ctrl+C (or SIGTERM) makes uvicorn stop at once and skip the
    lifespan's shutdown, leaving its task to be cancelled at exit — the feed, the callback
    deliverer and the listener were then never stopped, and Starlette reported the
    cancellation as a failed shutdown with a traceback. Cancelled while it waits, the
    lifespan is handed the shutdown event instead and runs its shutdown."""

    async def quiet(scope, receive, send):
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)

        async def until_shutdown():
            try:
                return await receive()
            except asyncio.CancelledError:
                return {"type": "lifespan.shutdown"}

        return await app(scope, until_shutdown, send)

    return quiet


def pool_options(url: str, connections: int) -> dict:
    """A fixed pool of ``connections`` (no overflow): connections opened beyond a pool
    are closed when handed back, so a worker under load would open and close sessions
    all the time. The app's thread pool has as many threads (``create_app``), so a
    request never waits for a connection while holding a thread. On PostgreSQL the
    sessions are named ``seatdesk serve`` in ``pg_stat_activity``."""
    options: dict = {"pool_size": connections, "max_overflow": 0}
    if not url.startswith("sqlite"):
        options["connect_args"] = {"application_name": "seatdesk serve"}
    return options


def logging_config(access_log_file: str | None) -> dict:
    config = json.loads(json.dumps(LOGGING))
    if access_log_file:
        config["handlers"]["access"] = {"class": "logging.handlers.WatchedFileHandler",
                                        "filename": access_log_file, "formatter": "plain"}
        config["loggers"]["seatdesk.server.access"] = {"handlers": ["access"], "level": "INFO",
                                                       "propagate": False}
    return config


def _plain(config: ServerConfig) -> dict:
    out = dataclasses.asdict(config)
    out["token_ttl"] = config.token_ttl.total_seconds()
    return out


def _config(values: dict) -> ServerConfig:
    values = dict(values)
    values["token_ttl"] = dt.timedelta(seconds=values["token_ttl"])
    return ServerConfig(**values)



