"""Scratch databases for the benchmarks, on the PostgreSQL server of the URL they are given:
named databases next to the one in the URL, with PostGIS, migrated to head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url


def database_url(base_url: str, name: str) -> str:
    """``base_url`` pointed at database ``name`` (password kept)."""
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def exists(base_url: str, name: str) -> bool:
    with _admin(base_url) as admin, admin.connect() as conn:
        return bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}))


def recreate(base_url: str, name: str) -> str:
    """Drop ``name`` if it exists, create it with PostGIS and migrate it; its URL."""
    drop(base_url, name)
    with _admin(base_url) as admin, admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return migrated(base_url, name)


def migrated(base_url: str, name: str) -> str:
    """PostGIS in ``name`` and the schema at head (both idempotent); its URL."""
    from seatdesk.models.db import upgrade

    url = database_url(base_url, name)
    with _engine(url, isolation_level="AUTOCOMMIT") as engine, engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    upgrade(url)
    return url


def drop(base_url: str, name: str) -> None:
    with _admin(base_url) as admin, admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _engine(url, **kwargs) -> Iterator[Engine]:
    engine = create_engine(url, **kwargs)
    try:
        yield engine
    finally:
        engine.dispose()


def _admin(base_url: str):
    return _engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
