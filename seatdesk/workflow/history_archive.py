"""Old months of supervisors' positions and of attachments to files and back (``seatdesk
history archive`` and ``reattach``, PostgreSQL; docs/scale.md, docs/operations.md).

Migration 0015 partitions ``supervisor_positions`` (by ``at``) and ``attachments`` (by
``uploaded_at``) by month. A month is archived, in one transaction of the tables' owner:

1. refused when it is too recent. The two tables differ (docs/security.md, "retention"):

   - **positions** are personal data of the supervisors (where a person was, minute by
     minute). They serve the dispatch suggestions and attendance of the day, and a
     dispute about a shift for some months: online for the setting
     ``positions_archive_after_months`` (default 6) whole months, then off the database;
   - **attachments** are the evidence of their cases (photos before and after, the
     caller's recording): they stay with their case's ledger. A month is archived only
     when the ledger's same month is archived already (its partition gone:
     ``seatdesk ledger archive`` refuses a month holding rows of a case not closed, and
     keeps the setting ``ledger_archive_after_months``, default 24), and never while a
     case it belongs to is open;

2. ``COPY`` the month (ordered by id, times in UTC; attachments with their bytes, as
   PostgreSQL's hex ``bytea`` text) to ``DIR/<table>_YYYY_MM.csv.gz`` and write
   ``….manifest.json``: the file's SHA-256, rows, columns, the range, for attachments the
   bytes and a digest of every row's id and content SHA-256 — signed with the
   administrator's Ed25519 key (the ledger's key, ``seatdesk ledger keygen``);
3. ``DETACH PARTITION`` and ``DROP``, committed after the files are on disk (fsync'd).

**Reattach** checks the manifest's signature against the trusted public key and the file's
SHA-256 (a modified file is refused), copies the rows into a fresh table, checks the row
count, the range and — attachments — every row's content against its own ``sha256``
column and the manifest's digest, then attaches the table as the month's partition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from seatdesk.models import ledger_partitions as lp

from . import checkpoint as cp
from . import ledger_archive as la
from .ledger_archive import ArchiveError, add_months, parse_month
from .states import TERMINAL_STATES

FORMAT = "seatdesk-history-archive/1"
#: the command's name of each table → the table
TABLES = {"positions": "supervisor_positions", "attachments": "attachments"}
#: the setting of each table's age (attachments: the ledger's — they go with it)
SETTINGS = {"supervisor_positions": "positions_archive_after_months",
            "attachments": la.SETTING}
_LABEL = {"supervisor_positions": "监督员位置", "attachments": "附件"}

__all__ = ["ArchiveError", "Done", "TABLES", "archive_month", "months_to_archive",
           "parse_month", "reattach"]


@dataclass(frozen=True)
class Done:
    table: str
    month: dt.date
    rows: int
    bytes: int  # attachments' content (0 for positions)
    manifest: Path


def table_of(name: str) -> str:
    if name not in TABLES:
        raise ArchiveError(f"--table 应为 {' 或 '.join(TABLES)}，而不是 {name!r}")
    return TABLES[name]


def _key(table: str) -> str:
    return lp.HISTORY[table]


def _require_partitioned(conn: Connection, table: str) -> None:
    if not lp.partitioned(conn, table):
        raise ArchiveError(f"{_LABEL[table]}表（{table}）未按月分区（SQLite 或迁移 0015 之前）"
                           "：没有可归档的月份")


# -- archive -----------------------------------------------------------------------------------
def months_to_archive(engine: Engine, table: str, before: dt.date,
                      now: dt.datetime | None = None) -> list[dt.date]:
    """The online months of ``table`` before ``before``, oldest first; refused when that
    would take a month younger than the table's setting allows."""
    setting = SETTINGS[table]
    with engine.connect() as conn:
        _require_partitioned(conn, table)
        limit = la.last_archivable(Session(bind=conn), now, setting)
        months = [m for m in la.online_months(conn, table) if m < before]
    if before > add_months(limit, 1):
        raise ArchiveError(
            f"{add_months(before, -1):%Y-%m} 太近，{_LABEL[table]}不能归档：只归档 {limit:%Y-%m} "
            f"及更早的月份（设置 {setting}：当月之前的整月数）")
    return months


def archive_month(engine: Engine, table: str, month: dt.date, directory: Path,
                  key: Ed25519PrivateKey, database: str) -> Done:
    name = la._name(month, table)
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
        conn.execute(text(f"LOCK TABLE public.{name} IN SHARE MODE"))  # its writers wait
        if table == "attachments":
            _refuse_unarchived_ledger(conn, month)
            _refuse_open_cases(conn, name, month)
        columns = la._columns(conn, table)
        data = directory / f"{name}.csv.gz"
        la._copy_out(conn, name, columns, data, order="id")
        facts = _facts(conn, name, table)
        manifest = {
            "format": FORMAT, "table": table, "month": f"{month:%Y-%m}", "partition": name,
            "database": database, "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "range": list(la._bounds(month)), "key_column": _key(table), "file": data.name,
            "sha256": la._sha256(data), "columns": columns, "key": cp._raw(key.public_key()),
            **facts,
        }
        manifest["signature"] = key.sign(la._signed(manifest)).hex()
        path = directory / f"{name}.manifest.json"
        la._write(path, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        conn.execute(text(f"ALTER TABLE public.{table} DETACH PARTITION public.{name}"))
        conn.execute(text(f"DROP TABLE public.{name}"))
    return Done(table, month, facts["rows"], facts.get("bytes", 0), path)


def _refuse_unarchived_ledger(conn: Connection, month: dt.date) -> None:
    """Attachments go with their case's ledger: the ledger's month must be archived first."""
    start, end = la._bounds(month)
    ledger_month = la._name(month)
    online = month in la.online_months(conn) and conn.execute(text(
        f"SELECT EXISTS (SELECT 1 FROM public.{ledger_month})")).scalar()
    in_default = conn.execute(text(
        f"SELECT EXISTS (SELECT 1 FROM public.{lp.TABLE}_default WHERE at >= :a AND at < :b)"),
        {"a": start, "b": end}).scalar() if conn.execute(text(
            "SELECT to_regclass(:t) IS NOT NULL"), {"t": f"public.{lp.TABLE}_default"}).scalar() \
        else False
    if online or in_default:
        raise ArchiveError(
            f"{month:%Y-%m} 的台账仍在线：附件是案卷的证据，与所属案卷的台账同月归档——"
            f"请先运行 seatdesk ledger archive 归档台账的 {month:%Y-%m}")


def _refuse_open_cases(conn: Connection, name: str, month: dt.date) -> None:
    closed = [s.value for s in TERMINAL_STATES]
    open_ = conn.execute(text(
        f"SELECT c.number FROM cases c WHERE c.state <> ALL(:closed) AND EXISTS (SELECT 1"
        f" FROM public.{name} a WHERE a.case_id = c.id) ORDER BY c.id LIMIT 6"),
        {"closed": closed}).scalars().all()
    if open_:
        shown = "、".join(open_[:5]) + ("等" if len(open_) > 5 else "")
        raise ArchiveError(f"{month:%Y-%m} 有未办结案卷的附件（{shown}）：未办结案卷的附件须"
                           "在线，不归档该月及以后的月份")


def _facts(conn: Connection, name: str, table: str) -> dict[str, Any]:
    """Rows, and for attachments the bytes, cases and the digest of (id, content SHA-256)."""
    if table != "attachments":
        return {"rows": conn.execute(text(f"SELECT count(*) FROM public.{name}")).scalar()}
    rows, size, cases = conn.execute(text(
        f"SELECT count(*), coalesce(sum(octet_length(content)), 0), count(DISTINCT case_id)"
        f" FROM public.{name}")).one()
    return {"rows": rows, "bytes": int(size), "cases": cases,
            "content_digest": _content_digest(conn, name)}


def _content_digest(conn: Connection, name: str) -> str:
    """SHA-256 over every row's ``id:sha256(content)``, by id: the bytes as stored."""
    digest = hashlib.sha256()
    for row_id, content_hash in conn.execute(text(
            f"SELECT id, encode(sha256(content), 'hex') FROM public.{name} ORDER BY id")):
        digest.update(f"{row_id}:{content_hash}\n".encode())
    return digest.hexdigest()


# -- reattach ----------------------------------------------------------------------------------
def reattach(engine: Engine, path: Path, trusted: Ed25519PublicKey) -> Done:
    path, manifest = la.load_manifest(path, trusted, FORMAT, "seatdesk 位置或附件的归档清单")
    table = manifest.get("table")
    if table not in SETTINGS:
        raise ArchiveError(f"{path} 不是 seatdesk 位置或附件的归档清单")
    data = path.parent / manifest["file"]
    if not data.is_file():
        raise ArchiveError(f"找不到归档文件 {data}")
    if la._sha256(data) != manifest["sha256"]:
        raise ArchiveError(f"归档文件 {data.name} 的 SHA-256 与清单不符（文件被改动或损坏）"
                           "：拒绝重新挂载")
    month = parse_month(manifest["month"])
    name = la._name(month, table)
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
        _require_partitioned(conn, table)
        la._make_room(conn, month, table, _LABEL[table])
        fresh = f"{name}_reattach"
        conn.execute(text(f"CREATE TABLE public.{fresh} (LIKE public.{table}"
                          " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        la._copy_in(conn, fresh, manifest["columns"], data)
        _check_rows(conn, fresh, table, manifest)
        la._attach(conn, fresh, month, table)
    return Done(table, month, manifest["rows"], manifest.get("bytes", 0), path)


def _check_rows(conn: Connection, fresh: str, table: str, manifest: dict[str, Any]) -> None:
    rows = conn.execute(text(f"SELECT count(*) FROM public.{fresh}")).scalar()
    if rows != manifest["rows"]:
        raise ArchiveError(f"归档文件有 {rows} 行，清单记载 {manifest['rows']} 行：拒绝重新挂载")
    if table != "attachments":
        return
    damaged, size = conn.execute(text(
        f"SELECT count(*) FILTER (WHERE encode(sha256(content), 'hex') IS DISTINCT FROM sha256),"
        f" coalesce(sum(octet_length(content)), 0) FROM public.{fresh}")).one()
    if damaged:
        raise ArchiveError(f"归档文件中有 {damaged} 个附件的内容与其 SHA-256 不符：拒绝重新挂载")
    if size != manifest["bytes"] or _content_digest(conn, fresh) != manifest["content_digest"]:
        raise ArchiveError("归档文件中附件的内容与清单不符：拒绝重新挂载")
