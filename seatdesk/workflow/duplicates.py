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
from seatdesk.models.spatial_postgis import case_candidates

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
    radius = search_radius(wf, session, case.class_id)
    rows = _candidate_rows(wf, session, case.lon, case.lat, radius)
    return ranked(wf, session, case, rows, radius, limit)


def search_radius(wf: Workflow, session: Session, class_id: int | None) -> float:
    """How far from a case of class ``class_id`` its candidates are looked for: the
    class's ``duplicate_radius_m``, else the setting's."""
    settings = wf.settings(session)
    own = _ClassInfo(wf, session).get(class_id)
    return float(own.duplicate_radius_m or settings.duplicate_radius_m) if own else float(
        settings.duplicate_radius_m)


def ranked(wf: Workflow, session: Session, case: Case, rows: list[tuple], radius: float,
           limit: int = 10) -> tuple[DuplicateCandidate, ...]:
    """The candidate rows found within ``radius`` (``_candidate_rows``' columns, nearest
    first) scored against ``case``: the ``limit`` best, never the case itself."""
    if not rows:
        return ()
    settings = wf.settings(session)
    classes = _ClassInfo(wf, session)
    own = classes.get(case.class_id)
    facts = _Facts.of(case)
    window = dt.timedelta(days=settings.duplicate_window_days)
    since = facts.reported_at - window
    partial = []
    for row in rows:
        if row[_ID] == facts.id:
            continue
        if row[_STATE] == S.CLOSED and (row[_CLOSED_AT] is None or row[_CLOSED_AT] < since):
            continue  # closed before the window (``_in_window``)
        if not classes.related(own, row[_CLASS_ID]):
            continue
        partial.append((_base_points(facts, row, radius, own, window), row))
    return _best(facts, partial, limit, radius, own, classes, window)


#: a candidate row, whichever backend read it (``_candidate_rows``)
_ID, _NUMBER, _STATE, _CLASS_ID, _COMPONENT_ID, _REPORTED_AT, _CLOSED_AT = range(7)
_DESCRIPTION, _ADDRESS, _DISTANCE = 7, 8, 9


def _candidate_rows(wf: Workflow, session: Session, lon: float, lat: float,
                    radius: float) -> list[tuple]:
    """The cases in ``CANDIDATE_STATES`` within ``radius`` metres, nearest first (then by
    number: ``SpatialIndex.cases_near``'s order), each as ``(id, number, state,
    class_id, component_id, reported_at, closed_at, description, address,
    distance_m)``: on PostgreSQL one statement (``spatial_postgis.case_candidates``);
    elsewhere the spatial index's hits and their rows read by id."""
    if wf.backend == "postgresql" and session.get_bind().dialect.driver == "psycopg":
        return case_candidates(session, lon, lat, radius, CANDIDATE_STATES)
    hits = wf.spatial(session).cases_near(lon, lat, radius, states=CANDIDATE_STATES)
    if not hits:
        return []
    rows = {r.id: r for r in session.execute(_CANDIDATES, {"ids": [h.id for h in hits]})}
    return [(*row, hit.distance_m) for hit in hits if (row := rows.get(hit.id)) is not None]


#: the candidates' rows, the statement built once (the ids an expanding bound list: the
#: same statement on SQLite and PostgreSQL)
_CANDIDATES = select(
    Case.id, Case.number, Case.state, Case.class_id, Case.component_id, Case.reported_at,
    Case.closed_at, Case.description, Case.address).where(
    Case.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the search reads of the case itself, read once (an ORM attribute read costs
    more than the comparison it feeds, at a hot spot hundreds of times per search)."""

    id: int | None
    component_id: int | None
    reported_at: dt.datetime
    text: str

    @classmethod
    def of(cls, case: Case) -> _Facts:
        return cls(case.id, case.component_id, case.reported_at,
                   _text(case.description, case.address))


def _base_points(facts: _Facts, row: tuple, radius: float, own: ClassFacts | None,
                 window: dt.timedelta) -> float:
    """The sum of a candidate's parts but the text, as ``_parts`` gives them (the same
    rounded points added in the same order: the same float)."""
    distance = row[_DISTANCE]
    near = WEIGHTS["distance"] * max(0.0, 1 - distance / radius) if radius > 0 else 0.0
    points = round(near, 1)
    if facts.component_id and facts.component_id == row[_COMPONENT_ID]:
        points += WEIGHTS["component"]
    other = row[_CLASS_ID]
    if own is not None and other is not None:
        points += WEIGHTS["class"] if other == own.id else SAME_MAJOR_POINTS
    else:
        points += 0.0
    apart = abs((facts.reported_at - row[_REPORTED_AT]).total_seconds()) / 86400
    return points + round(WEIGHTS["time"] * max(0.0, 1 - apart / max(window.days, 1)), 1)


def _best(facts: _Facts, partial: list, limit: int, radius: float, own: ClassFacts | None,
          classes: _ClassInfo, window: dt.timedelta) -> tuple[DuplicateCandidate, ...]:
    """The ``limit`` best candidates, the text part (difflib, the dear one) computed only
    for a candidate whose score could still reach them: taken in order of the highest
    score it could get, the search stops once that is below the ``limit``-th score found
    (a hot spot with hundreds of open reports costs a few comparisons, not hundreds).
    Same result as scoring every candidate. The explained parts are built for the
    candidates returned only."""
    if limit <= 0:
        return ()
    text_weight = WEIGHTS["text"]
    ranked = sorted(((-round(base + text_weight, 1), row[_DISTANCE], row[_NUMBER], base, row)
                     for base, row in partial), key=_first3)
    scored: list[tuple] = []  # (-score, distance to 0.1 m, number, text part, row)
    text = _TextScore(facts.text)
    for neg_upper, _distance, _number, base, row in ranked:
        if len(scored) >= limit and -neg_upper < -scored[limit - 1][0]:
            break
        part = text.part(row[_DESCRIPTION], row[_ADDRESS])
        bisect.insort(scored, (-round(base + part.points, 1), round(row[_DISTANCE], 1),
                               row[_NUMBER], part, row), key=_first3)
    return tuple(
        DuplicateCandidate(row[_ID], row[_NUMBER], row[_STATE], state_label(row[_STATE]),
                           distance, -neg_score,
                           (*_parts(facts, row, radius, own, classes, window), part))
        for neg_score, distance, _number, part, row in scored[:limit])


def _first3(item: tuple) -> tuple:
    """Rank by (score or its bound, distance, number): numbers are unique, so the rest
    of the tuple is never compared."""
    return item[:3]


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


def _parts(facts: _Facts, row: tuple, radius: float, own: ClassFacts | None,
           classes: _ClassInfo, window: dt.timedelta) -> tuple[ScorePart, ...]:
    """A candidate's explained parts but the text (``_base_points`` sums their points)."""
    distance = row[_DISTANCE]
    near = WEIGHTS["distance"] * max(0.0, 1 - distance / radius) if radius > 0 else 0.0
    parts = [ScorePart("distance", "距离", round(near, 1), f"相距 {distance:.1f} 米")]
    if facts.component_id and facts.component_id == row[_COMPONENT_ID]:
        parts.append(ScorePart("component", "同一部件", WEIGHTS["component"], "部件标识码相同"))
    parts.append(_class_part(own, row[_CLASS_ID], classes))
    apart = abs((facts.reported_at - row[_REPORTED_AT]).total_seconds()) / 86400
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

    def part(self, description: str | None, address: str | None) -> ScorePart:
        other = _text(description, address)
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
