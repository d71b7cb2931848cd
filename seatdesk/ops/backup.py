"""``seatdesk backup DIR`` and ``seatdesk restore DIR``.

A backup directory holds:

- ``seatdesk.dump``: ``pg_dump --format=custom`` of the whole database (PostgreSQL), or
  ``seatdesk.sqlite3``, an online copy through SQLite's backup API (embedded mode);
- ``attachments.csv``: every attachment (photos, recordings: their bytes live in the
  database, so they are inside the dump) with its size and SHA-256, checked after a restore;
- ``checkpoint/``: the latest signed ledger checkpoint, when one is given or configured;
- ``manifest.json``: when, which release, which schema revision, and the row counts a
  restore must reproduce.

``restore`` refuses a target that already has tables, restores (PostgreSQL: everything but
the extensions, which the database superuser creates beforehand, as for a new centre), then
checks the schema revision, the row counts and every attachment's SHA-256, and runs
``ledger verify``. Anything that does not match is reported and the command exits non-zero.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import make_url

from seatdesk import __version__
from seatdesk.models import Attachment, Case, LedgerEntry, User
from seatdesk.models.db import current_revision, make_engine, session_factory, upgrade

DUMP = "seatdesk.dump"
SQLITE_COPY = "seatdesk.sqlite3"
ATTACHMENTS = "attachments.csv"
MANIFEST = "manifest.json"
CHECKPOINT_DIR = "checkpoint"
COUNTED = {"cases": Case, "case_ledger": LedgerEntry, "attachments": Attachment, "users": User}
#: PostgreSQL extensions are created by the superuser before a restore (docs/operations.md)
SKIPPED_TOC = (" EXTENSION ", " COMMENT - EXTENSION ")


class BackupError(Exception):
    """Backup or restore refused or failed; the message is for the operator (Chinese)."""


@dataclass(frozen=True)
class RestoreReport:
    revision: str
    counts: dict[str, int]
    attachments_checked: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# -- backup ---------------------------------------------------------------------------------

def backup(url: str, directory: Path, checkpoint: Path | None = None) -> dict:
    """Write a backup of the database at ``url`` into ``directory`` (created, must be empty)."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(f"备份目录 {directory} 不是空的：请为每次备份使用新的目录")
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            _pg_dump(url, directory / DUMP)
        else:
            _sqlite_copy(engine, directory / SQLITE_COPY)
        manifest = {"created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "seatdesk": __version__, "backend": engine.dialect.name,
                    "revision": current_revision(engine), "counts": _counts(engine),
                    "attachments": _write_attachments(engine, directory / ATTACHMENTS)}
    finally:
        engine.dispose()
    if checkpoint is not None:
        manifest["checkpoint"] = _copy_checkpoint(checkpoint, directory / CHECKPOINT_DIR)
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                      encoding="utf-8")
    return manifest


def libpq_env(url: str) -> dict[str, str]:
    """The connection as libpq environment variables (the password never on a command line)."""
    u = make_url(url)
    env = dict(os.environ)
    for var, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                       ("PGPASSWORD", u.password), ("PGDATABASE", u.database)):
        if value is not None:
            env[var] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}：请安装 postgresql-client"
                          "（与数据库服务器相同或更新的版本）")
    return path


def _pg_dump(url: str, target: Path) -> None:
    proc = subprocess.run([_tool("pg_dump"), "--format=custom", "--file", str(target)],
                          env=libpq_env(url), capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_dump 失败：{proc.stderr.strip()}")


def _sqlite_copy(engine: Engine, target: Path) -> None:
    source = sqlite3.connect(engine.url.database)
    try:
        with sqlite3.connect(target) as copy:
            source.backup(copy)
        copy.close()
    finally:
        source.close()
    target.chmod(0o600)


def _counts(engine: Engine) -> dict[str, int]:
    with session_factory(engine)() as session:
        return {name: session.scalar(select(func.count()).select_from(model)) or 0
                for name, model in COUNTED.items()}


def _write_attachments(engine: Engine, path: Path) -> int:
    query = (select(Attachment.id, Case.number, Attachment.filename, Attachment.size,
                    Attachment.sha256).join(Case, Case.id == Attachment.case_id)
             .order_by(Attachment.id))
    with session_factory(engine)() as session, path.open("w", newline="",
                                                         encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "case_number", "filename", "size", "sha256"])
        rows = session.execute(query).all()
        writer.writerows(rows)
    return len(rows)


def _copy_checkpoint(source: Path, target: Path) -> str:
    """Copy the checkpoint file (or the newest file of a checkpoint directory)."""
    if source.is_dir():
        files = sorted((p for p in source.iterdir() if p.is_file()),
                       key=lambda p: p.stat().st_mtime)
        if not files:
            raise BackupError(f"检查点目录 {source} 中没有检查点文件")
        source = files[-1]
    if not source.is_file():
        raise BackupError(f"找不到账本检查点 {source}")
    target.mkdir()
    shutil.copy2(source, target / source.name)
    return source.name


# -- restore --------------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict:
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} 不是 seatdesk 备份目录（缺少或无法读取 {MANIFEST}）") \
            from exc


def restore(url: str, directory: Path) -> RestoreReport:
    """Restore the backup in ``directory`` into the empty database at ``url`` and check it."""
    manifest = read_manifest(directory)
    engine = make_engine(url)
    try:
        _require_empty(engine)
        backend = engine.dialect.name
        if backend != manifest["backend"]:
            raise BackupError(f"备份来自 {manifest['backend']} 数据库，不能恢复到 {backend}")
        if backend == "postgresql":
            _group_roles(engine)
            _pg_restore(engine, url, directory / DUMP)
            upgrade(url)  # this database's own rules again: owner, logins' prefix, CONNECT
        else:
            engine.dispose()
            _sqlite_restore(directory / SQLITE_COPY, Path(make_url(url).database))
        return _check(engine, directory, manifest)
    finally:
        engine.dispose()


def _group_roles(engine: Engine) -> None:
    """The cluster-wide group roles the dump's row-level security names (a restore onto
    another server); the grants themselves are re-applied after the restore by
    ``seatdesk.workflow.dbrules`` (docs/security.md)."""
    from seatdesk.workflow.dbrules import ensure_roles

    with engine.begin() as conn:
        ensure_roles(conn)


def _require_empty(engine: Engine) -> None:
    tables = [t for t in inspect(engine).get_table_names() if t != "spatial_ref_sys"]
    if tables:
        raise BackupError(f"目标数据库不是空的（已有 {len(tables)} 张表，如 {tables[0]}）："
                          "恢复只写入新建的空数据库")


def _ensure_extensions(engine: Engine, names: list[str]) -> None:
    """Create the dump's extensions that the target lacks (trusted ones such as pg_trgm need
    no superuser); any that cannot be created is named with the statement to run."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    missing = []
    for name in names:
        try:
            with engine.begin() as conn:
                conn.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))
        except DBAPIError:
            missing.append(name)
    if missing:
        raise BackupError("目标数据库缺少扩展 " + "、".join(missing) + "：请数据库超级用户先执行 "
                          + " ".join(f"CREATE EXTENSION {e};" for e in missing))


def _pg_restore(engine: Engine, url: str, dump: Path) -> None:
    env = libpq_env(url)
    listing = subprocess.run([_tool("pg_restore"), "--list", str(dump)], capture_output=True,
                             text=True, env=env)
    if listing.returncode != 0:
        raise BackupError(f"无法读取备份文件 {dump}：{listing.stderr.strip()}")
    lines = listing.stdout.splitlines()
    _ensure_extensions(engine, [m[1] for line in lines
                                if (m := re.search(r"\d EXTENSION - (\S+)", line))])
    engine.dispose()
    keep = [line for line in lines if not any(marker in line for marker in SKIPPED_TOC)]
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as toc:
        toc.write("\n".join(keep) + "\n")
        toc.flush()
        proc = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges",
                               "--single-transaction",
                               "--exit-on-error", "--use-list", toc.name,
                               "--dbname", env.get("PGDATABASE", ""), str(dump)],
                              capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise BackupError("pg_restore 失败，数据库未作任何改动：" + proc.stderr.strip()[-2000:])


def _sqlite_restore(copy: Path, target: Path) -> None:
    source = sqlite3.connect(copy)
    try:
        with sqlite3.connect(target) as dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()
    target.chmod(0o600)


def _check(engine: Engine, directory: Path, manifest: dict) -> RestoreReport:
    from seatdesk.workflow.ledger import verify_ledger

    problems: list[str] = []
    revision = current_revision(engine) or ""
    if revision != manifest["revision"]:
        problems.append(f"结构版本为 {revision}，备份时为 {manifest['revision']}")
    counts = _counts(engine)
    for name, expected in manifest["counts"].items():
        if counts.get(name) != expected:
            problems.append(f"{name} 有 {counts.get(name)} 行，备份时为 {expected} 行")
    checked = _check_attachments(engine, directory / ATTACHMENTS, problems)
    with session_factory(engine)() as session:
        problems += [f"账本：{p}" for p in verify_ledger(session)]
    return RestoreReport(revision, counts, checked, tuple(problems))


def _check_attachments(engine: Engine, listing: Path, problems: list[str]) -> int:
    with listing.open(encoding="utf-8", newline="") as fh:
        expected = {int(row["id"]): row for row in csv.DictReader(fh)}
    checked = 0
    with session_factory(engine)() as session:
        for att_id, content in session.execute(select(Attachment.id, Attachment.content)):
            row = expected.pop(att_id, None)
            digest = hashlib.sha256(content or b"").hexdigest()
            if row is None or digest != row["sha256"]:
                problems.append(f"附件 {att_id} 的内容与备份清单不符")
            checked += 1
    problems += [f"附件 {att_id} 在恢复的数据库中缺失" for att_id in expected]
    return checked
