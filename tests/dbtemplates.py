"""Fresh, migrated databases for every test on both backends, cloned from templates.

A template is built once per session per (backend, seed): SQLite templates are files
copied per test; PostgreSQL templates are databases cloned with CREATE DATABASE …
TEMPLATE. Seeds are functions that fill a migrated database (reference data, a small
demo city …) and are registered with ``register_seed``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models.db import make_engine, session_factory, upgrade

SEEDS: dict[str, Callable[[Engine], None]] = {}


def register_seed(name: str):
    def deco(fn: Callable[[Engine], None]):
        SEEDS[name] = fn
        return fn

    return deco


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    Session: sessionmaker[Session]

    def session(self) -> Session:
        return self.Session()


def pg_base_url() -> str:
    url = os.environ.get("SEATDESK_TEST_DATABASE_URL")
    if not url:
        raise RuntimeError(
            "SEATDESK_TEST_DATABASE_URL is not set: run the suite with `make test`, which "
            "starts a throwaway PostgreSQL/PostGIS server, or point it at a test server"
        )
    from seatdesk.config import normalise_url

    return normalise_url(url)


class TemplateStore:
    def __init__(self, root: Path):
        self.root = root
        self.templates: dict[tuple[str, str], str] = {}
        self.counter = itertools.count()
        self.pg_created: list[str] = []

    # -- building ---------------------------------------------------------------
    def template(self, backend: str, seed: str) -> str:
        key = (backend, seed)
        if key not in self.templates:
            self.templates[key] = self._build(backend, seed)
        return self.templates[key]

    def _build(self, backend: str, seed: str) -> str:
        name = f"sdtpl_{seed}_{uuid.uuid4().hex[:8]}"
        url = self._new_empty(backend, name)
        upgrade(url)
        if seed != "empty":
            engine = make_engine(url)
            try:
                SEEDS[seed](engine)
            finally:
                engine.dispose()
        return name if backend == "postgresql" else url

    def _new_empty(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.root / (name + '.sqlite3')}"
        self._pg_exec(f'CREATE DATABASE "{name}"')
        self._pg_exec_in(name, "CREATE EXTENSION IF NOT EXISTS postgis")
        self.pg_created.append(name)
        return str(make_url(pg_base_url()).set(database=name).render_as_string(hide_password=False))

    # -- cloning ----------------------------------------------------------------
    def clone(self, backend: str, seed: str) -> str:
        tpl = self.template(backend, seed)
        n = next(self.counter)
        if backend == "sqlite":
            src = Path(make_url(tpl).database)
            dst = self.root / f"test_{n}.sqlite3"
            shutil.copyfile(src, dst)
            return f"sqlite:///{dst}"
        name = f"sdtest_{n}_{uuid.uuid4().hex[:6]}"
        self._pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"')
        self.pg_created.append(name)
        return str(make_url(pg_base_url()).set(database=name).render_as_string(hide_password=False))

    def drop(self, backend: str, url: str) -> None:
        if backend == "postgresql":
            name = make_url(url).database
            self._pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.pg_created.remove(name)

    def close(self) -> None:
        for name in list(self.pg_created):
            self._pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.pg_created.clear()

    # -- helpers ----------------------------------------------------------------
    def _admin_engine(self, database: str = "postgres") -> Engine:
        url = make_url(pg_base_url()).set(database=database)
        return create_engine(url, isolation_level="AUTOCOMMIT")

    def _pg_exec(self, sql: str) -> None:
        self._pg_exec_in("postgres", sql)

    def _pg_exec_in(self, database: str, sql: str) -> None:
        eng = self._admin_engine(database)
        try:
            with eng.connect() as conn:
                conn.execute(text(sql))
        finally:
            eng.dispose()


def open_database(backend: str, url: str) -> Database:
    engine = make_engine(url)
    return Database(backend, url, engine, session_factory(engine))
