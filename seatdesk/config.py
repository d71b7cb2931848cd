"""Where the database is and other per-workstation settings (Qt-free).

Resolution order for the database URL: ``--database`` on the command line, then
``SEATDESK_DATABASE_URL``, then ``database_url`` in the config file
(``$SEATDESK_CONFIG``, else ``<user config dir>/seatdesk.toml`` if it exists, else the
system-wide ``/etc/seatdesk/seatdesk.toml`` the Debian package installs), then the
embedded SQLite file in the user's data directory.

The config file also says what the workstation is (``profile = "seat"`` or ``"wall"``:
what ``seatdesk`` without a subcommand starts) and its UI ``language``.

Two optional PostgreSQL URLs follow the same order (docs/scale.md):

- the read replica — ``--read-database``, ``SEATDESK_READ_DATABASE_URL``,
  ``read_database_url`` — from which the wall, the KPI panels, evaluation and reports, the
  map and 全部案件 read (``seatdesk.models.replica``); unset: everything reads the primary;
- the LISTEN connection — ``--listen-database``, ``SEATDESK_LISTEN_DATABASE_URL``,
  ``listen_database_url`` — a direct connection to the primary for the seat's live
  updates when ``database_url`` goes through a transaction-pooling PgBouncer (which cannot
  carry LISTEN); unset: the seat listens on ``database_url``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "seatdesk"
SYSTEM_CONFIG = Path("/etc/seatdesk/seatdesk.toml")
PROFILES = ("seat", "wall")


def data_dir() -> Path:
    path = Path(os.environ.get("SEATDESK_DATA_DIR") or platformdirs.user_data_dir(APP))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_file() -> Path:
    env = os.environ.get("SEATDESK_CONFIG")
    if env:
        return Path(env)
    user = Path(platformdirs.user_config_dir(APP)) / "seatdesk.toml"
    return user if user.exists() or not SYSTEM_CONFIG.exists() else SYSTEM_CONFIG


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and the problem."""


def load_config() -> dict:
    """The config file's settings ({} when there is no file)."""
    path = config_file()
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 无法读取：{exc}") from exc


def workstation_profile() -> str:
    """``seat`` (the operator workstation) or ``wall`` (a wall-display machine)."""
    profile = str(load_config().get("profile", "seat"))
    if profile not in PROFILES:
        raise ConfigError(f"配置文件 {config_file()} 中 profile = \"{profile}\" 无效："
                          "应为 \"seat\" 或 \"wall\"")
    return profile


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'seatdesk.sqlite3'}"


@dataclass(frozen=True)
class ResolvedDatabase:
    url: str
    origin: str  # "command line", "environment", "config file", "embedded default"
    read_url: str | None = None  # the streaming replica reads go to (None: the primary)
    listen_url: str | None = None  # direct connection for LISTEN (None: ``url``)

    @property
    def listen(self) -> str:
        """The URL the seat's LISTEN connection uses."""
        return self.listen_url or self.url


def resolve_database(cli_value: str | None = None, read_cli: str | None = None,
                     listen_cli: str | None = None) -> ResolvedDatabase:
    conf = load_config()
    read_url = _optional(read_cli, "SEATDESK_READ_DATABASE_URL", conf.get("read_database_url"))
    listen_url = _optional(listen_cli, "SEATDESK_LISTEN_DATABASE_URL",
                           conf.get("listen_database_url"))
    extra = {"read_url": read_url, "listen_url": listen_url}
    if cli_value:
        return ResolvedDatabase(normalise_url(cli_value), "command line", **extra)
    env = os.environ.get("SEATDESK_DATABASE_URL")
    if env:
        return ResolvedDatabase(normalise_url(env), "environment", **extra)
    url = conf.get("database_url")
    if url:
        return ResolvedDatabase(normalise_url(url), f"config file {config_file()}", **extra)
    return ResolvedDatabase(default_sqlite_url(), "embedded default")


def _optional(cli_value: str | None, env_name: str, conf_value: str | None) -> str | None:
    """An optional URL: the command line, then the environment, then the config file."""
    value = cli_value or os.environ.get(env_name) or conf_value
    return normalise_url(value) if value else None


def normalise_url(url: str) -> str:
    """Accept libpq-style ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
