"""A PostgreSQL server of the test's own, which the test may stop and start (the suite's
shared server is never restarted under other tests): ``scripts/pg-test-server`` in a
temporary directory, the next free port from ``OWN_PORT``, migrated, and filled: the small
demo city (``own_server``) or whatever a test's fixture passes to ``own_postgres``."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tests.exclusive import exclusive

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pg-test-server"
OWN_PORT = 26470  # below the ephemeral range, as the Makefile's PGPORT


@dataclass
class OwnServer:
    data: Path
    port: int
    url: str

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", str(self.data)], check=True)

    def start(self) -> float:
        """Start again on the same port; returns the moment it answers (monotonic)."""
        url = _run(SCRIPT, "start", str(self.data), str(self.port))
        if make_url(url).port != self.port:  # pragma: no cover - somebody took the port
            raise RuntimeError(f"the server came back on another port: {url}")
        return time.monotonic()


def own_port(offset: int = 20) -> int:
    """A port beside this suite's server (``make test`` gives each checkout its own), so
    that two suites running at once do not race for one port; ``OWN_PORT`` without one."""
    url = os.environ.get("SEATDESK_TEST_DATABASE_URL")
    port = make_url(url).port if url else None
    return port + offset if port else OWN_PORT + offset - 20


def _run(*args) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode:  # the script prints the server log's end: say why it failed
        raise RuntimeError(f"{' '.join(map(str, args))} → {done.returncode}:\n{done.stderr}")
    return done.stdout.strip()


@contextmanager
def own_postgres(tmp_path_factory, fill: Callable[[Engine], None]) -> Iterator[OwnServer]:
    """A server of the test's own, migrated and filled by ``fill(engine)``; removed after."""
    from seatdesk.models.db import make_engine, upgrade

    data = tmp_path_factory.mktemp("ownpg") / "data"
    with exclusive(f"own-{own_port()}"):  # one test at a time on the port (it restarts there)
        url = _run(SCRIPT, "start", data, own_port())
        server = OwnServer(data, make_url(url).port, url)
        try:
            upgrade(url)
            engine = make_engine(url)
            try:
                fill(engine)
            finally:
                engine.dispose()
            yield server
        finally:
            subprocess.run([str(SCRIPT), "remove", str(data)], check=False)


@pytest.fixture(name="own_server")
def own_server_fixture(tmp_path_factory):
    """The small demo city on a server of the test's own (the seats' restart tests)."""
    from seatdesk.data.demo import DemoSpec, build_demo

    with own_postgres(tmp_path_factory, lambda engine: build_demo(engine, DemoSpec.small())) as srv:
        yield srv
