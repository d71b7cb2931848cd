"""Where the database is and other per-workstation settings (Qt-free).

Resolution order for the database URL: ``--database`` on the command line, then
``SEATDESK_DATABASE_URL``, then ``database_url`` in the config file
(``$SEATDESK_CONFIG`` or ``<user config dir>/seatdesk.toml``), then the embedded
SQLite file in the user's data directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "seatdesk"


def data_dir() -> Path:
    path = Path(os.environ.get("SEATDESK_DATA_DIR") or platformdirs.user_data_dir(APP))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_file() -> Path:
    env = os.environ.get("SEATDESK_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP)) / "seatdesk.toml"


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'seatdesk.sqlite3'}"


@dataclass(frozen=True)
class ResolvedDatabase:
    url: str
    origin: str  # "command line", "environment", "config file", "embedded default"


def resolve_database(cli_value: str | None = None) -> ResolvedDatabase:
    if cli_value:
        return ResolvedDatabase(normalise_url(cli_value), "command line")
    env = os.environ.get("SEATDESK_DATABASE_URL")
    if env:
        return ResolvedDatabase(normalise_url(env), "environment")
    path = config_file()
    if path.exists():
        with path.open("rb") as fh:
            conf = tomllib.load(fh)
        url = conf.get("database_url")
        if url:
            return ResolvedDatabase(normalise_url(url), f"config file {path}")
    return ResolvedDatabase(default_sqlite_url(), "embedded default")


def normalise_url(url: str) -> str:
    """Accept libpq-style ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
