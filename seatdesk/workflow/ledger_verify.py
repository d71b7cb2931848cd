"""``seatdesk ledger verify``: every chain, every transition, every field of every case.

For each case, in chunks of case ids (memory stays flat at a million cases):

- the hash chain: seq without gaps, each row linked to its predecessor's hash, each
  hash recomputed (``seq``, ``link``, ``hash``), the head kept on the case (``head``), a
  case without any row (``head``);
- the replay through the transition table (``ledger.replay``): an action that is not a
  legal transition (``transition``), a row whose actor's role may not take it
  (``role``), a row that does not start where the previous one ended — a skipped state
  (``skip``);
- the case row against the replay: every column the ledger determines
  (``ledger.TRACKED``: state, department, deadlines, limit, class, condition, urgency,
  description, address, location, caller data, closure type, counters …) and the
  version, and the stored point against its longitude/latitude (``field``, naming it).

Archived months (``seatdesk ledger archive``, docs/scale.md): a case's rows in a month that
was archived are represented by its ``ledger_segments`` row (first and last seq, the first
row's link and the last row's hash). The chain is checked across segments and online rows
alike — each piece must start at the next seq and link to the previous piece's last hash —
but the replay and the case fields need every row, so they run only for chains fully
online; ``verify_report`` counts the cases checked by link only.

Every problem names the case (id and number) and, for fields, the field. Against a
signed checkpoint, ``workflow.checkpoint.verify_against`` adds what a rewrite of the whole
chain cannot hide.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import shapely
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from seatdesk.models import Case, LedgerEntry, LedgerSegment
from seatdesk.models.ledger import GENESIS

from .ledger import TRACKED, recompute_hash, replay

CHUNK = 2000
#: caller data is named in a problem but its values are not printed
PERSONAL = frozenset({"caller_name", "caller_phone"})
_CASE_COLUMNS = tuple(Case.__table__.c[name] for name in
                      ("id", "number", "version", "ledger_head", "ledger_seq", "geom", *TRACKED))


@dataclass(frozen=True)
class LedgerProblem:
    """One finding; ``kind``: seq | link | hash | head | transition | role | skip | field."""

    case_id: int
    number: str
    seq: int | None
    kind: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" 序号 {self.seq}" if self.seq is not None else ""
        return f"案卷 {self.number}（id {self.case_id}）{where} [{self.kind}] {self.message}"


class SegmentsUnreadable(Exception):
    """The connected login may not read ``ledger_segments``: ``str()`` is the message."""

    user_facing = True


@dataclass(frozen=True)
class Segment:
    """A case's rows of an archived month, as ``ledger_segments`` keeps them."""

    month: Any  # datetime.date, the month's first day
    first_seq: int
    last_seq: int
    prev_hash: str
    last_hash: str
    rows: int


@dataclass
class LedgerReport:
    problems: list[LedgerProblem]
    cases: int = 0
    link_only: int = 0  # chains with archived rows: checked by link, not replayed


def verify_ledger(session: Session, case_ids: Iterable[int] | None = None) -> list[LedgerProblem]:
    """Every problem of every case's ledger (or of ``case_ids``); [] means all is intact."""
    return verify_report(session, case_ids).problems


def verify_report(session: Session, case_ids: Iterable[int] | None = None) -> LedgerReport:
    """The problems, how many cases were checked and how many only by link (archived
    rows: the chain across the segments, no replay)."""
    report = LedgerReport([])
    archived = _segments_present(session)
    for cases, rows in _chunks(session, case_ids):
        by_case = {cid: list(group) for cid, group in groupby(rows, key=lambda r: r.case_id)}
        segments = _segments(session, cases[0].id, cases[-1].id) if archived else {}
        for case in cases:
            mine = segments.get(case.id, [])
            report.problems += check_case(case, by_case.get(case.id, []), mine)
            report.cases += 1
            report.link_only += bool(mine)
    return report


def _segments_present(session: Session) -> bool:
    """Whether the database has ``ledger_segments`` (migration 0015) and the login may read
    it; a login that may not is refused rather than shown false breaks."""
    conn = session.connection()
    if not inspect(conn).has_table(LedgerSegment.__tablename__):
        return False
    if conn.dialect.name == "postgresql" and not conn.execute(text(
            "SELECT has_table_privilege('public.ledger_segments', 'SELECT')")).scalar():
        raise SegmentsUnreadable("当前数据库账号不能读取归档段（ledger_segments）：请用管理员"
                                 "或数据库所有者的账号校验台账")
    return True


def _segments(session: Session, low: int, high: int) -> dict[int, list[Segment]]:
    found: dict[int, list[Segment]] = {}
    for row in session.execute(select(
            LedgerSegment.case_id, LedgerSegment.month, LedgerSegment.first_seq,
            LedgerSegment.last_seq, LedgerSegment.prev_hash, LedgerSegment.last_hash,
            LedgerSegment.rows).where(LedgerSegment.case_id.between(low, high))
            .order_by(LedgerSegment.case_id, LedgerSegment.first_seq)):
        found.setdefault(row.case_id, []).append(Segment(*row[1:]))
    return found


def _chunks(session: Session, case_ids: Iterable[int] | None) -> Iterator[tuple[list, list]]:
    wanted = sorted(set(case_ids)) if case_ids is not None else None
    last = 0
    while True:
        query = select(*_CASE_COLUMNS).order_by(Case.id).limit(CHUNK)
        if wanted is not None:
            batch = wanted[:CHUNK]
            wanted = wanted[CHUNK:]
            if not batch:
                return
            query = query.where(Case.id.in_(batch))
        else:
            query = query.where(Case.id > last)
        cases = session.execute(query).all()
        if not cases:
            return
        low, high = cases[0].id, cases[-1].id
        rows = session.scalars(select(LedgerEntry).where(
            LedgerEntry.case_id.between(low, high)).order_by(LedgerEntry.case_id,
                                                             LedgerEntry.seq)).all()
        yield cases, rows
        session.expunge_all()
        last = high


def check_case(case, rows: list[LedgerEntry],
               segments: list[Segment] | tuple = ()) -> list[LedgerProblem]:
    """The problems of one case (a row with every column of ``_CASE_COLUMNS``); with
    archived ``segments``, the chain only (by link), not the replay."""
    found: list[LedgerProblem] = []

    def add(seq, kind, message, field=None):
        found.append(LedgerProblem(case.id, case.number, seq, kind, message, field))

    if not rows and not segments:
        add(None, "head", "案卷没有任何台账记录（台账被全部删除）")
        return found
    _check_chain(case, rows, add, segments)
    if segments:
        return found
    replayed = replay(rows)
    for finding in replayed.findings:
        add(finding.seq, finding.kind, finding.message)
    _check_fields(case, replayed, add)
    return found


def _check_chain(case, rows: list[LedgerEntry], add, segments=()) -> None:
    prev, expected = GENESIS, 1
    pieces = sorted([*segments, *rows], key=lambda p: p.first_seq if isinstance(p, Segment)
                    else p.seq)
    for piece in pieces:
        if isinstance(piece, Segment):
            prev, expected = _check_segment(piece, prev, expected, add)
            continue
        row = piece
        if row.seq != expected:
            add(row.seq, "seq", f"序号应为 {expected}，实为 {row.seq}（台账行被删除、插入或调换）")
        if row.prev_hash != prev:
            add(row.seq, "link", "与前一行的哈希链断开（台账行被删除、插入或调换）")
        if recompute_hash(row, case.number) != row.hash:
            add(row.seq, "hash", "内容与哈希不符（台账行被修改：理由、内容、操作人或时间）")
        prev, expected = row.hash, row.seq + 1
    if case.ledger_head != prev or case.ledger_seq != expected - 1:
        add(expected - 1, "head", "案卷记录的链头与台账末行不符（末尾被删除或追加）")


def _check_segment(segment: Segment, prev: str, expected: int, add) -> tuple[str, int]:
    """An archived month's part of the chain: it starts at the next seq, links to the
    previous piece and holds as many rows as its seqs span."""
    month = f"{segment.month:%Y-%m}"
    if segment.first_seq != expected:
        add(segment.first_seq, "seq", f"归档段（{month}）起于序号 {segment.first_seq}，应为 "
            f"{expected}（台账行或归档段被删除、插入或改动）")
    if segment.prev_hash != prev:
        add(segment.first_seq, "link", f"归档段（{month}）与前一行的哈希链断开（归档段或"
            "台账行被改动）")
    if segment.rows != segment.last_seq - segment.first_seq + 1:
        add(segment.first_seq, "seq", f"归档段（{month}）的行数 {segment.rows} 与序号 "
            f"{segment.first_seq}–{segment.last_seq} 不符（归档段被改动）")
    return segment.last_hash, segment.last_seq + 1


def _check_fields(case, replayed, add) -> None:
    if case.version != replayed.version:
        add(None, "field", f"版本号为 {case.version}，台账有 {replayed.version} 行", "version")
    for name in TRACKED:
        have, want = getattr(case, name), replayed[name]
        if have != want:
            add(None, "field", _differs(name, have, want), name)
    geom = case.geom
    if geom is None or not geom.equals(shapely.Point(case.lon, case.lat)):
        add(None, "field", "位置点与经纬度不符", "geom")


def _differs(name: str, have: Any, want: Any) -> str:
    if name in PERSONAL:
        return f"字段 {name} 与台账重放结果不符"
    return f"字段 {name} 为 {have!r}，按台账应为 {want!r}"
