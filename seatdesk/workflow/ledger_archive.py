"""Old months of the partitioned ledger to files and back (``seatdesk ledger archive`` and
``reattach``, PostgreSQL; docs/scale.md, docs/operations.md).

**Archive** a month (its partition ``case_ledger_YYYY_MM``, migration 0013), in one
transaction of the tables' owner:

1. refuse a month younger than the setting ``ledger_archive_after_months`` (default 24
   whole months before the current one) and a month holding rows of a case that is not
   closed (结案, 作废, 不予立案, 合并): an open case's chain stays whole online — its replay
   and the trust trigger's head lookup need it;
2. verify the chains of every case with rows in the month (across earlier archived months
   by link) and that each case's rows of the month are one run of seqs;
3. ``COPY`` the month (ordered by case and seq, times in UTC) to
   ``DIR/case_ledger_YYYY_MM.csv.gz``, sign a checkpoint of the whole ledger with the
   administrator's key (``workflow.checkpoint.make``) to ``….checkpoint``, and write
   ``….manifest.json``: the file's SHA-256, rows, columns, the month's range, each case's
   segment and the checkpoint's root, signed with the same key;
4. store the segments in ``ledger_segments``, ``DETACH PARTITION`` and ``DROP`` — committed
   together, after the files are on disk (fsync'd). Not ``DETACH … CONCURRENTLY``:
   PostgreSQL refuses it on a table with a default partition, and the plain detach keeps
   the segments and the detachment in one transaction; its exclusive lock on the ledger
   lasts only from the detach to the commit (milliseconds).

**Reattach** a manifest (or its ``.csv.gz``): the manifest's signature and the checkpoint's
against the trusted public key, the file's SHA-256 against the manifest, the manifest's
segments against ``ledger_segments``; then the rows are copied into a fresh table, each
case's run recomputed — every hash, every link, the first link and last hash of its
segment — the table attached as the month's partition (a CHECK on the range first, so the
attach does not scan it again) and the month's segments deleted.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.orm import Session

from seatdesk.models import LedgerSegment, get_setting
from seatdesk.models import ledger_partitions as lp

from . import checkpoint as cp
from .ledger import recompute_hash
from .ledger_verify import verify_report
from .states import TERMINAL_STATES

FORMAT = "seatdesk-ledger-archive/1"
SETTING = "ledger_archive_after_months"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ArchiveError(Exception):
    """A refusal with a message for the administrator (nothing was changed)."""


@dataclass(frozen=True)
class Done:
    month: dt.date
    rows: int
    cases: int
    manifest: Path


# -- months ------------------------------------------------------------------------------------
def parse_month(value: str) -> dt.date:
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ArchiveError(f"月份应写成 YYYY-MM（如 2024-01），而不是 {value!r}")
    return dt.date(int(match[1]), int(match[2]), 1)


def add_months(first: dt.date, count: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def last_archivable(session: Session, now: dt.datetime | None = None,
                    setting: str = SETTING) -> dt.date:
    """The latest month that may be archived: the setting's whole months before this one."""
    months = int(get_setting(session, setting))
    this = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date().replace(day=1)
    return add_months(this, -max(months, 1))


def online_months(conn: Connection, table: str = lp.TABLE) -> list[dt.date]:
    """The months that have a partition of their own (not the default one), oldest first."""
    names = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(:t)"), {"t": f"public.{table}"}).scalars()
    found = [re.fullmatch(rf"{table}_(\d{{4}})_(\d{{2}})", n) for n in names]
    return sorted(dt.date(int(m[1]), int(m[2]), 1) for m in found if m)


def _name(month: dt.date, table: str = lp.TABLE) -> str:
    return f"{table}_{month:%Y_%m}"


def _bounds(month: dt.date) -> tuple[str, str]:
    return f"{month.isoformat()} 00:00+00", f"{add_months(month, 1).isoformat()} 00:00+00"


def _columns(conn: Connection, table: str = lp.TABLE) -> list[str]:
    return list(conn.execute(text(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t)"
        " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"),
        {"t": f"public.{table}"}).scalars())


def _require_partitioned(conn: Connection) -> None:
    if not lp.partitioned(conn):
        raise ArchiveError("台账未按月分区（SQLite 或迁移 0013 之前）：没有可归档的月份")


# -- archive -----------------------------------------------------------------------------------
def months_to_archive(engine: Engine, before: dt.date,
                      now: dt.datetime | None = None) -> list[dt.date]:
    """The online months before ``before``, oldest first — refused when ``before`` would
    take a month younger than the setting allows. Each is then archived in a transaction
    of its own (``archive_month``): a refusal leaves the months before it archived."""
    with engine.connect() as conn:
        _require_partitioned(conn)
        limit = last_archivable(Session(bind=conn), now)
        months = [m for m in online_months(conn) if m < before]
    if before > add_months(limit, 1):
        raise ArchiveError(
            f"{add_months(before, -1):%Y-%m} 太近，不能归档：只归档 {limit:%Y-%m} 及更早的月份"
            f"（设置 {SETTING}：当月之前的整月数）")
    return months


def archive_month(engine: Engine, month: dt.date, directory: Path, key: Ed25519PrivateKey,
                  database: str) -> Done:
    name = _name(month)
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
        conn.execute(text(f"LOCK TABLE public.{name} IN SHARE MODE"))  # its writers wait
        _refuse_open_cases(conn, month)
        segments = _month_segments(conn, month)
        _refuse_broken_chains(conn, month, [s[0] for s in segments])
        columns = _columns(conn)
        data = directory / f"{name}.csv.gz"
        _copy_out(conn, name, columns, data)
        made = cp.make(Session(bind=conn), key, database)
        checkpoint_file = directory / f"{name}.checkpoint"
        _write(checkpoint_file, made.dumps())
        manifest = _manifest(month, columns, data, segments, made, checkpoint_file, database)
        manifest["signature"] = key.sign(_signed(manifest)).hex()
        path = directory / f"{name}.manifest.json"
        _write(path, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        _store_segments(conn, month, segments, data.name)
        conn.execute(text(f"ALTER TABLE public.{lp.TABLE} DETACH PARTITION public.{name}"))
        conn.execute(text(f"DROP TABLE public.{name}"))
    return Done(month, sum(s[5] for s in segments), len(segments), path)


def _refuse_open_cases(conn: Connection, month: dt.date) -> None:
    closed = [s.value for s in TERMINAL_STATES]
    open_ = conn.execute(text(
        f"SELECT c.number FROM cases c WHERE c.state <> ALL(:closed) AND EXISTS (SELECT 1"
        f" FROM public.{_name(month)} l WHERE l.case_id = c.id) ORDER BY c.id LIMIT 6"),
        {"closed": closed}).scalars().all()
    if open_:
        shown = "、".join(open_[:5]) + ("等" if len(open_) > 5 else "")
        raise ArchiveError(
            f"{month:%Y-%m} 有未办结案卷的台账行（{shown}）：未办结案卷的台账须完整在线，"
            "不归档该月及以后的月份")


def _month_segments(conn: Connection, month: dt.date) -> list[tuple]:
    """Per case: (case id, first seq, last seq, first prev_hash, last hash, rows)."""
    rows = conn.execute(text(
        f"SELECT case_id, min(seq), max(seq), (array_agg(prev_hash ORDER BY seq))[1],"
        f" (array_agg(hash ORDER BY seq DESC))[1], count(*) FROM public.{_name(month)}"
        " GROUP BY case_id ORDER BY case_id")).all()
    split = [r for r in rows if r[5] != r[2] - r[1] + 1]
    if split:
        raise ArchiveError(f"{month:%Y-%m} 中案卷 id {split[0][0]} 的台账行不是连续的序号"
                           "（时间与序号不一致）：不归档，请先运行 seatdesk ledger verify")
    return [tuple(r) for r in rows]


def _refuse_broken_chains(conn: Connection, month: dt.date, case_ids: list[int]) -> None:
    report = verify_report(Session(bind=conn), case_ids)
    if report.problems:
        raise ArchiveError(
            f"{month:%Y-%m} 的案卷台账校验未通过（{len(report.problems)} 个问题，"
            f"如：{report.problems[0]}）：不归档，请先运行 seatdesk ledger verify 查明")


def _copy_out(conn: Connection, name: str, columns: list[str], path: Path,
              order: str = "case_id, seq") -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    with open(path, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh,
                                               compresslevel=6, mtime=0) as gz, raw.cursor() as cur:
        with cur.copy(f"COPY (SELECT {cols} FROM public.{name} ORDER BY {order})"
                      " TO STDOUT (FORMAT csv, HEADER true)") as copy:
            for block in copy:
                gz.write(block)
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _write(path: Path, data: bytes) -> None:
    """Written whole or not at all (a temporary file renamed), and on disk."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(month, columns, data, segments, made, checkpoint_file, database) -> dict[str, Any]:
    start, end = _bounds(month)
    return {
        "format": FORMAT, "month": f"{month:%Y-%m}", "table": _name(month),
        "database": database, "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "range": [start, end], "file": data.name, "sha256": _sha256(data),
        "rows": sum(s[5] for s in segments), "cases": len(segments), "columns": columns,
        "checkpoint": {"file": checkpoint_file.name, "created_at": made.header["created_at"],
                       "root": made.header["root"]},
        "key": made.header["key"],
        # case id, first seq, last seq, the first row's prev_hash, the last row's hash, rows
        "segments": [list(s) for s in segments],
    }


def _signed(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _store_segments(conn: Connection, month: dt.date, segments: list[tuple], archive: str
                    ) -> None:
    if segments:
        conn.execute(insert(LedgerSegment), [
            {"case_id": s[0], "month": month, "first_seq": s[1], "last_seq": s[2],
             "prev_hash": s[3], "last_hash": s[4], "rows": s[5], "archive": archive}
            for s in segments])


# -- reattach ----------------------------------------------------------------------------------
#: another archive's manifest: which command re-attaches it
ELSEWHERE = {FORMAT: "seatdesk ledger reattach", "seatdesk-history-archive/1":
             "seatdesk history reattach"}


def load_manifest(path: Path, trusted: Ed25519PublicKey, fmt: str = FORMAT,
                  what: str = "seatdesk 台账归档清单") -> tuple[Path, dict[str, Any]]:
    """The manifest of ``path`` (the manifest itself or its .csv.gz), of format ``fmt``,
    signature checked (``history_archive`` reads its own with ``fmt`` and ``what``)."""
    if path.name.endswith(".csv.gz"):
        path = path.with_name(path.name[:-len(".csv.gz")] + ".manifest.json")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        signature = bytes.fromhex(manifest["signature"])
    except OSError as exc:
        raise ArchiveError(f"无法读取归档清单 {path}：{exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise ArchiveError(f"{path} 不是 {what}") from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != fmt and found in ELSEWHERE:
        raise ArchiveError(f"{path.name} 是另一种归档：请用 {ELSEWHERE[found]} 重新挂载")
    if found != fmt:
        raise ArchiveError(f"{path} 不是 {what}")
    if manifest.get("key") != cp._raw(trusted):
        raise ArchiveError("归档清单不是用所信任的公钥对应的私钥签名的")
    try:
        trusted.verify(signature, _signed(manifest))
    except InvalidSignature:
        raise ArchiveError("归档清单的签名无效（清单被改动）：拒绝重新挂载") from None
    return path, manifest


def reattach(engine: Engine, path: Path, trusted: Ed25519PublicKey) -> Done:
    path, manifest = load_manifest(path, trusted)
    folder = path.parent
    made = cp.load(str(folder / manifest["checkpoint"]["file"]))
    cp.check_signature(made, trusted)
    if made.header["root"] != manifest["checkpoint"]["root"]:
        raise ArchiveError("归档的检查点与清单不符（检查点文件被替换）：拒绝重新挂载")
    data = folder / manifest["file"]
    if not data.is_file():
        raise ArchiveError(f"找不到归档文件 {data}")
    if _sha256(data) != manifest["sha256"]:
        raise ArchiveError(f"归档文件 {data.name} 的 SHA-256 与清单不符（文件被改动或损坏）"
                           "：拒绝重新挂载")
    month = parse_month(manifest["month"])
    with engine.connect() as conn, conn.begin():
        _require_partitioned(conn)
        _make_room(conn, month)
        _same_segments(conn, month, manifest["segments"])
        fresh = f"{_name(month)}_reattach"
        conn.execute(text(f"CREATE TABLE public.{fresh} (LIKE public.{lp.TABLE}"
                          " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        _copy_in(conn, fresh, manifest["columns"], data)
        _check_rows(conn, fresh, manifest["segments"], manifest["rows"])
        _attach(conn, fresh, month)
        conn.execute(text("DELETE FROM ledger_segments WHERE month = :m"), {"m": month})
    return Done(month, manifest["rows"], manifest["cases"], path)


def _make_room(conn: Connection, month: dt.date, table: str = lp.TABLE,
               label: str = "台账") -> None:
    name = _name(month, table)
    if month in online_months(conn, table):
        if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM public.{name})")).scalar():
            raise ArchiveError(f"{month:%Y-%m} 的{label}已在线（分区 {name} 有数据）：无需重新挂载")
        conn.execute(text(f"ALTER TABLE public.{table} DETACH PARTITION public.{name}"))
        conn.execute(text(f"DROP TABLE public.{name}"))  # an empty month made ahead
    start, end = _bounds(month)
    key = lp.HISTORY[table]
    if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM public.{table}_default"
                         f" WHERE {key} >= :a AND {key} < :b)"), {"a": start, "b": end}).scalar():
        raise ArchiveError(f"默认分区中有 {month:%Y-%m} 的{label}：该月不能重新挂载为分区，"
                           "请联系数据库管理员")


def _same_segments(conn: Connection, month: dt.date, listed: list[list]) -> None:
    stored = [list(r) for r in conn.execute(text(
        "SELECT case_id, first_seq, last_seq, prev_hash, last_hash, rows FROM ledger_segments"
        " WHERE month = :m ORDER BY case_id"), {"m": month})]
    if not stored and listed:
        raise ArchiveError(f"数据库中没有 {month:%Y-%m} 的归档段记录：该归档不属于这个数据库，"
                           "或该月已重新挂载过")
    if stored != [list(s) for s in listed]:
        raise ArchiveError(f"归档清单中 {month:%Y-%m} 的链段与数据库记录的归档段不符"
                           "（清单或归档段被改动）：拒绝重新挂载")


def _copy_in(conn: Connection, table: str, columns: list[str], path: Path) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    try:
        with gzip.open(path, "rb") as gz, raw.cursor() as cur, cur.copy(
                f"COPY public.{table} ({cols}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
            for block in iter(lambda: gz.read(1 << 20), b""):
                copy.write(block)
    except (OSError, EOFError):
        raise ArchiveError(f"归档文件 {path.name} 无法解压（文件损坏）") from None


def _check_rows(conn: Connection, table: str, segments: list[list], rows: int) -> None:
    """Every restored row's hash recomputed; each case's run links from its segment's first
    link to its last hash, without gaps."""
    wanted = {s[0]: s for s in segments}
    count = 0
    result = conn.execute(text(
        f"SELECT r.*, c.number AS case_number FROM public.{table} r LEFT JOIN cases c"
        " ON c.id = r.case_id ORDER BY r.case_id, r.seq"))
    for case_id, group in groupby(result, key=lambda r: r.case_id):
        run = list(group)
        count += len(run)
        segment = wanted.pop(case_id, None)
        if segment is None or not _run_matches(run, segment):
            raise ArchiveError(f"归档文件中案卷 id {case_id} 的台账行与归档段不符"
                               "（归档内容被改动）：拒绝重新挂载")
    if wanted or count != rows:
        raise ArchiveError("归档文件的行数与清单不符：拒绝重新挂载")


def _run_matches(run: Iterable, segment: list) -> bool:
    _, first, last, prev, head, rows = segment
    expected = first
    for row in run:
        if row.seq != expected or row.prev_hash != prev or row.case_number is None:
            return False
        if recompute_hash(SimpleNamespace(**row._mapping), row.case_number) != row.hash:
            return False
        prev, expected = row.hash, row.seq + 1
    return prev == head and expected == last + 1 and expected - first == rows


def _attach(conn: Connection, fresh: str, month: dt.date, table: str = lp.TABLE) -> None:
    """``fresh`` attached as ``table``'s month after a range check (and a CHECK, so that
    ATTACH does not scan it again)."""
    start, end = _bounds(month)
    name = _name(month, table)
    key = lp.HISTORY[table]
    check = f"{fresh}_range"
    inside = conn.execute(text(
        f"SELECT count(*) FILTER (WHERE {key} < :a OR {key} >= :b) FROM public.{fresh}"),
        {"a": start, "b": end}).scalar()
    if inside:
        raise ArchiveError(f"归档文件中有 {inside} 行的时间不在 {month:%Y-%m} 内：拒绝重新挂载")
    conn.execute(text(f"ALTER TABLE public.{fresh} ADD CONSTRAINT {check}"
                      f" CHECK ({key} >= '{start}' AND {key} < '{end}')"))
    conn.execute(text(f"ALTER TABLE public.{fresh} RENAME TO {name}"))
    conn.execute(text(f"ALTER TABLE public.{table} ATTACH PARTITION public.{name}"
                      f" FOR VALUES FROM ('{start}') TO ('{end}')"))
    conn.execute(text(f"ALTER TABLE public.{name} DROP CONSTRAINT {check}"))
