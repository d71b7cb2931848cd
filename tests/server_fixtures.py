"""The intake server around a fresh workflow world, on each backend: a supervisor with a
real password, an Open311 partner and a 12345 partner with real keys, and a client.

``server`` runs the app in-process (``TestClient``: real routing, middleware, error
handlers and database); ``live_server`` runs it under uvicorn on a local port for the
tests that need a real socket (cut connections, the field page in QtWebEngine).
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import update

from seatdesk.models import User
from seatdesk.server.app import create_app
from seatdesk.server.config import ServerConfig
from seatdesk.server.partners import add_partner
from seatdesk.workflow.auth import hash_password
from tests.workflow_fixtures import World, open_world

PASSWORD = "field-pass-1"


@dataclass
class Server:
    world: World
    app: FastAPI
    client: TestClient
    keys: dict[str, str]
    secrets: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def sign_in(self, username: str = "sup1", device: str = "phone-1") -> dict[str, str]:
        """Sign in a handset; returns the Authorization header."""
        response = self.client.post("/field/v1/session", json={
            "username": username, "password": PASSWORD, "device_id": device})
        assert response.status_code == 201, response.text
        self.tokens[username] = response.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def prepare(world: World, callback_url: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """Passwords for the supervisors, one partner of each kind."""
    with world.db.Session.begin() as s:
        s.execute(update(User).where(User.username.in_(("sup1", "sup2", "acceptor")))
                  .values(password_hash=hash_password(PASSWORD)))
        fms = add_partner(s, "fms", "市民随手拍", "open311")
        hotline = add_partner(s, "rx12345", "12345平台", "hotline12345",
                              callback_url=callback_url)
    return {"fms": fms.api_key, "rx12345": hotline.api_key}, {"rx12345": hotline.callback_secret}


def make_server(world: World, config: ServerConfig | None = None, background: bool = False,
                callback_url: str = "") -> Server:
    keys, secrets = prepare(world, callback_url)
    app = create_app(world.wf, config or ServerConfig(), background=background)
    return Server(world, app, TestClient(app, raise_server_exceptions=False), keys, secrets)


@pytest.fixture
def server(make_db) -> Server:
    srv = make_server(open_world(make_db("workflow_world")))
    yield srv
    srv.client.close()


def jpeg(size: tuple[int, int] = (64, 48), color=(200, 80, 40), quality: int = 85,
         noise: bool = False) -> bytes:
    """A real JPEG; ``noise`` makes it incompressible (about 3 bytes a pixel at q=100)."""
    buf = io.BytesIO()
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, color)
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread; ``stop()`` / ``start()`` again on
    the same port (a server restart)."""

    def __init__(self, app: FastAPI, port: int | None = None):
        self.app, self.port = app, port or free_port()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        # a client that keeps its connection open (a browser's keep-alive, an event stream)
        # would hold a graceful shutdown for ever: 3 s, as `seatdesk serve` gives 10
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", timeout_graceful_shutdown=3)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(15)
            if self.thread.is_alive():
                raise RuntimeError("uvicorn did not stop within 15 s")
            self.server = None


class Receiver:
    """A local 12345 platform: records every callback (headers and JSON body) and answers
    with ``status`` (change it to make deliveries fail)."""

    def __init__(self):
        import http.server
        import json as _json

        self.received: list[dict] = []
        self.status = 200
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.status < 300:
                    outer.received.append({"headers": dict(self.headers), "raw": body,
                                           "json": _json.loads(body)})
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/callbacks"

    def event_ids(self) -> list[str]:
        return [r["json"]["event_id"] for r in self.received]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serving(database_url: str):
    """``seatdesk serve`` on a database under uvicorn: its own engine, its own process state
    (a real clock), as beside the seats."""
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import services as sd

    engine = make_engine(database_url)
    live = LiveServer(create_app(sd.Workflow(engine))).start()
    try:
        yield live
    finally:
        live.stop()
        engine.dispose()
