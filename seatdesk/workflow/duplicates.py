"""Duplicate candidates (重复案卷) for a case being registered or accepted.

Candidates are open cases and cases closed within ``duplicate_window_days``, lying within
the class's ``duplicate_radius_m`` (setting ``duplicate_radius_m``, default 50 m) of the
case, of the same class or the same major class (or not yet classified). Each is ranked
by an explained score out of 100 — the parts are returned so a seat sees why:

=========  ======  =========================================================
part       points  how
=========  ======  =========================================================
distance   40      40 × (1 − distance / radius)
component  25      same 部件 (标识码)
class      15      same minor class 15, same major class 7
time       10      10 × (1 − days apart / window)
text       10      10 × difflib ratio of description + address
=========  ======  =========================================================
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from seatdesk.models import Case
from seatdesk.models.enums import CaseState as S

from .casefacts import ClassFacts, class_facts
from .context import Workflow
from .errors import NotFound
from .states import OPEN_STATES, state_label

WEIGHTS = {"distance": 40.0, "component": 25.0, "class": 15.0, "time": 10.0, "text": 10.0}
SAME_MAJOR_POINTS = 7.0
CANDIDATE_STATES = tuple(sorted(OPEN_STATES | {S.CLOSED}))


@dataclass(frozen=True)
class ScorePart:
    name: str  # distance | component | class | time | text
    label: str
    points: float
    detail: str


@dataclass(frozen=True)
class DuplicateCandidate:
    case_id: int
    number: str
    state: str
    state_label: str
    distance_m: float
    score: float
    parts: tuple[ScorePart, ...]

    @property
    def explanation(self) -> str:
        return "；".join(f"{p.label} {p.points:.1f} 分（{p.detail}）" for p in self.parts)


def find_duplicates(wf: Workflow, session: Session, case: Case,
                    limit: int = 10) -> tuple[DuplicateCandidate, ...]:
    """Ranked candidates for ``case`` (never the case itself)."""
    settings = wf.settings(session)
    classes = _ClassInfo(wf, session)
    own = classes.get(case.class_id)
    radius = float(own.duplicate_radius_m or settings.duplicate_radius_m) if own else float(
        settings.duplicate_radius_m)
    hits = [h for h in wf.spatial(session).cases_near(case.lon, case.lat, radius,
                                                      states=CANDIDATE_STATES)
            if h.id != case.id]
    if not hits:
        return ()
    rows = {r.id: r for r in session.execute(_CANDIDATES, {"ids": [h.id for h in hits]})}
    window = dt.timedelta(days=settings.duplicate_window_days)
    partial = []
    for hit in hits:
        row = rows.get(hit.id)
        if row is None or not _in_window(row, case.reported_at, window):
            continue
        if not classes.related(own, row.class_id):
            continue
        partial.append((row, hit.distance_m,
                        _parts(case, row, hit.distance_m, radius, own, classes, window)))
    return _best(case, partial, limit)


#: the candidates' rows, the statement built once (the ids an expanding bound list: the
#: same statement on SQLite and PostgreSQL)
_CANDIDATES = select(
    Case.id, Case.number, Case.state, Case.class_id, Case.component_id, Case.reported_at,
    Case.closed_at, Case.description, Case.address).where(
    Case.id.in_(bindparam("ids", expanding=True)))


def _best(case: Case, partial: list, limit: int) -> tuple[DuplicateCandidate, ...]:
    """The ``limit`` best candidates, the text part (difflib, the dear one) computed only
    for a candidate whose score could still reach them: taken in order of the highest
    score it could get, the search stops once that is below the ``limit``-th score found
    (a hot spot with hundreds of open reports costs a few comparisons, not hundreds).
    Same result as scoring every candidate."""
    if limit <= 0:
        return ()
    partial.sort(key=lambda p: (-_upper(p[2]), p[1], p[0].number))
    scored: list[DuplicateCandidate] = []
    text = _TextScore(_text(case.description, case.address))
    for row, distance, parts in partial:
        if len(scored) >= limit and _upper(parts) < scored[limit - 1].score:
            break
        parts = (*parts, text.part(row))
        bisect.insort(scored, DuplicateCandidate(
            row.id, row.number, row.state, state_label(row.state), round(distance, 1),
            round(sum(p.points for p in parts), 1), parts), key=_rank)
    return tuple(scored[:limit])


def _rank(candidate: DuplicateCandidate) -> tuple:
    return (-candidate.score, candidate.distance_m, candidate.number)


def _upper(parts: tuple[ScorePart, ...]) -> float:
    """The most a candidate can score once its text part is added."""
    return round(sum(p.points for p in parts) + WEIGHTS["text"], 1)


def _in_window(row, at: dt.datetime, window: dt.timedelta) -> bool:
    return row.state != S.CLOSED or (row.closed_at is not None and row.closed_at >= at - window)


class _ClassInfo:
    """Case classes looked up once per search (same class / same major class), through
    the process's cache while it is live (``casefacts.class_facts``)."""

    def __init__(self, wf: Workflow, session: Session):
        self.wf, self.session = wf, session
        self.cache: dict[int, ClassFacts | None] = {}

    def get(self, class_id: int | None) -> ClassFacts | None:
        if class_id is None:
            return None
        if class_id not in self.cache:
            try:
                self.cache[class_id] = class_facts(self.wf, self.session, class_id)
            except NotFound:
                self.cache[class_id] = None
        return self.cache[class_id]

    def same_major(self, a: ClassFacts | None, b: ClassFacts | None) -> bool:
        return bool(a and b and (a.edition_id, a.kind, a.major_code) == (
            b.edition_id, b.kind, b.major_code))

    def related(self, own: ClassFacts | None, other_id: int | None) -> bool:
        """Unclassified cases match anything; otherwise same class or same major class."""
        if own is None or other_id is None or other_id == own.id:
            return True
        return self.same_major(own, self.get(other_id))


def _parts(case: Case, row, distance: float, radius: float, own: ClassFacts | None,
           classes: _ClassInfo, window: dt.timedelta) -> tuple[ScorePart, ...]:
    near = WEIGHTS["distance"] * max(0.0, 1 - distance / radius) if radius > 0 else 0.0
    parts = [ScorePart("distance", "距离", round(near, 1), f"相距 {distance:.1f} 米")]
    if case.component_id and case.component_id == row.component_id:
        parts.append(ScorePart("component", "同一部件", WEIGHTS["component"], "部件标识码相同"))
    parts.append(_class_part(own, row.class_id, classes))
    apart = abs((case.reported_at - row.reported_at).total_seconds()) / 86400
    fresh = WEIGHTS["time"] * max(0.0, 1 - apart / max(window.days, 1))
    parts.append(ScorePart("time", "时间", round(fresh, 1), f"上报相隔 {apart:.1f} 天"))
    return tuple(parts)


class _TextScore:
    """The text part against one case's text, each distinct candidate text compared once
    (difflib is the search's dearest step; at a hot spot many reports share a text —
    the same template, the same pasted description): the same ratio as comparing anew,
    the case's text always the first sequence."""

    def __init__(self, own: str):
        self.matcher = difflib.SequenceMatcher(None, own)
        self.parts: dict[str, ScorePart] = {}

    def part(self, row) -> ScorePart:
        other = _text(row.description, row.address)
        found = self.parts.get(other)
        if found is None:
            self.matcher.set_seq2(other)
            ratio = self.matcher.ratio()
            found = self.parts[other] = ScorePart(
                "text", "描述相似", round(WEIGHTS["text"] * ratio, 1), f"相似度 {ratio:.0%}")
        return found


def _class_part(own: ClassFacts | None, other_id: int | None, classes: _ClassInfo) -> ScorePart:
    if own is None or other_id is None:
        return ScorePart("class", "类别", 0.0, "一方尚未分类")
    if other_id == own.id:
        return ScorePart("class", "类别", WEIGHTS["class"], f"同为小类 {own.name}")
    return ScorePart("class", "类别", SAME_MAJOR_POINTS, f"同属大类 {own.major_name}")


def _text(description: str | None, address: str | None) -> str:
    return f"{description or ''} {address or ''}".strip()


def duplicate_candidates(wf: Workflow, case_id: int, limit: int = 10
                         ) -> tuple[DuplicateCandidate, ...]:
    """Candidates for an existing case (read-only; e.g. to refresh the duplicate panel)."""
    with wf.reading() as session:
        case = session.get(Case, case_id)
        return () if case is None else find_duplicates(wf, session, case, limit)
