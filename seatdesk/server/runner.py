"""Running the server: ``seatdesk serve`` → uvicorn with one or more worker processes.

The options travel to the workers in the environment (``SEATDESK_SERVE``, JSON), and each
worker builds its own engine and ``Workflow`` in ``build()`` — nothing at import time.
TLS: ``--ssl-certfile``/``--ssl-keyfile`` make uvicorn speak HTTPS itself; behind a
reverse proxy (docs/api.md has an nginx sample) ``--forwarded-allow-ips`` names the proxy
whose ``X-Forwarded-For`` is believed for the access log and the rate limits.

SIGTERM (``systemctl stop``, ``docker stop``, ``kill``) stops the server gracefully — the
requests in flight are answered, the lifespan stops the feed, the callback deliverer and
the NOTIFY listener — and ``seatdesk serve`` then exits with status 0, with one worker as
with several: uvicorn re-raises the signal after its graceful shutdown when it runs the
server in its own process (one worker), which would end the process by the signal.
"""

from __future__ import annotations

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
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        uvicorn.run("seatdesk.server.runner:build", factory=True, host=host, port=port,
                    workers=workers, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
                    proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                    log_config=logging_config(access_log_file), access_log=False,
                    server_header=False, timeout_graceful_shutdown=10)
    except Terminated:
        pass  # asked to stop: a graceful stop, or a SIGTERM before uvicorn took the signals
    finally:
        signal.signal(signal.SIGTERM, previous)


class Terminated(Exception):
    """SIGTERM reached ``seatdesk serve``'s own handler: while uvicorn runs it holds the
    signal itself and gives it back (re-raises it) only once it has shut down."""


def _terminated(_signum, _frame) -> None:
    raise Terminated()


def build():
    """The application of one worker process (uvicorn's factory)."""
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import services as sd

    from .app import create_app

    options = json.loads(os.environ[ENV])
    engine = make_engine(options["url"], pool_size=10, max_overflow=20)
    return create_app(sd.Workflow(engine), _config(options["config"]))


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



