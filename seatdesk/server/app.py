"""The FastAPI application: routers, error handlers, middleware, docs and the field app.

``create_app(wf, config)`` builds it around one ``Workflow`` (built once per process by
``seatdesk serve``, or by a test); nothing happens at import time. The lifespan starts
the change feed (task push), the 12345 callback deliverer and, on PostgreSQL, the
listener that keeps the reference-data cache (``workflow/lookups.py``), and stops them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from anyio import to_thread
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from seatdesk.workflow import services as sd

from . import errors, field_api
from .config import ServerConfig
from .context import ServerContext
from .feed import ChangeFeed
from .hotline.outbox import Deliverer
from .hotline.routes import router as hotline_router
from .identity import DatabaseIdentity
from .middleware import RequestLog
from .open311.routes import router as open311_router
from .queue_watch import QueueWatch
from .webapp import FieldApp

log = logging.getLogger(__name__)
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DESCRIPTION = """数字城管指挥中心的接入服务：监督员城管通（/field/v1）、Open311 GeoReport v2
（/open311/v2，含 mySociety 的 servicerequestupdates 扩展）、12345 热线工单（/hotline12345/v1）。
说明与 curl 示例见 docs/api.md。"""


def create_app(wf: sd.Workflow, config: ServerConfig | None = None, *,
               background: bool = True) -> FastAPI:
    """The server around ``wf``. ``background=False`` leaves the change feed and the
    callback deliverer off (tests that drive the outbox by hand)."""
    config = config or ServerConfig()
    wf.one_statement = True  # a report's rows in one statement (registration._register_direct)
    ctx = ServerContext(DatabaseIdentity(wf), config)
    deliverer = Deliverer(ctx) if background else None
    watch = QueueWatch(wf.engine, config.queue_check_s, config.queue_warn_at)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # as many threads for requests as the worker has database connections
        # (runner.pool_options): a request waits for a thread, not a thread for a connection
        to_thread.current_default_thread_limiter().total_tokens = config.db_connections
        # a text report's statements from the loop (``workflow/loop.py``): as many
        # connections again, for the loop's statements only
        if wf.backend == "postgresql":
            wf.statements = statements_for(wf.engine, config.db_connections)
            wf.statements.open()
            wf.lookups.on_lost = functools.partial(_database_lost, wf)
        if background:
            ctx.feed = ChangeFeed(wf)
            ctx.feed.start(asyncio.get_running_loop())
            deliverer.start()
            if wf.backend == "postgresql":  # reference rows cached while NOTIFY is heard
                wf.lookups.listen(wf.engine.url.render_as_string(hide_password=False))
                watch.start()
        try:
            yield
        finally:
            if wf.statements is not None:
                statements, wf.statements = wf.statements, None
                wf.lookups.on_lost = None
                await statements.close()
            if background:
                deliverer.stop()
                watch.stop()
                ctx.feed.stop()
                wf.lookups.stop()

    app = FastAPI(title="seatdesk 接入服务", version="1.0", description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.server = ctx
    app.state.deliverer = deliverer
    errors.install(app)
    app.include_router(field_api.router)
    app.include_router(open311_router)
    app.include_router(hotline_router)
    _docs(app)
    FieldApp().mount(app)
    app.add_middleware(RequestLog, max_body_bytes=config.max_body_bytes)
    return app


def _database_lost(wf: sd.Workflow) -> None:
    """The reference cache's listener lost its connection (a restart, a failover): the
    pooled connections are dropped before a request finds them dead — the first report
    after a restart was answered 503 while the database was already back (the engine's
    pool pings only a connection idle a second or more)."""
    log.warning("database connection lost: the pooled connections are dropped")
    wf.engine.dispose()  # a new pool; the idle connections of the old one closed now
    if wf.statements is not None:
        wf.statements.forget()


def statements_for(engine, size: int) -> sd.AsyncStatements:
    """The loop's connections, made as the engine makes its own (the same URL, hosts
    and password; ``seatdesk serve`` as the application's name)."""
    from seatdesk.models.db import PING_AFTER_IDLE_S

    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    return sd.AsyncStatements({**kwargs, "application_name": "seatdesk serve"}, size,
                              PING_AFTER_IDLE_S)


def _docs(app: FastAPI) -> None:
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="seatdesk 接入服务 API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")
