"""The duplicate search finds and ranks exactly what the search before 2026-12-06 did.

``workflow/duplicates.py`` now reads its candidates in one statement on PostgreSQL
(``seatdesk_case_candidates``, migration 0019, on the session's psycopg connection) and
scores them without building every candidate's explained parts. ``reference`` below is
the search as it was (main d71a8c0): the spatial index's ``cases_near``, the candidates'
rows read by id through the ORM, every candidate scored in full (text included), sorted.
On both backends, over a crowded spot — related and unrelated classes, unclassified
cases, shared components, closed cases either side of the window, states that are no
candidates, repeated texts, equal scores, distances either side of the radius — both give
equal tuples (ids, numbers, states, distances, scores and every explained part) for
new registrations and for existing cases, at several limits.
"""

from __future__ import annotations

import datetime as dt
import difflib
import random

from sqlalchemy import select, update

from seatdesk.models import Case, Component
from seatdesk.models.enums import CaseState as S
from seatdesk.models.spatial import spatial_index
from seatdesk.workflow import services as sd
from seatdesk.workflow.casefacts import class_facts
from seatdesk.workflow.duplicates import (
    CANDIDATE_STATES,
    SAME_MAJOR_POINTS,
    WEIGHTS,
    DuplicateCandidate,
    ScorePart,
    find_duplicates,
)
from seatdesk.workflow.errors import NotFound
from seatdesk.workflow.states import state_label
from tests.workflow_fixtures import (
    P1,
    World,
    world_fixture,  # noqa: F401 (fixture)
)

M = 1 / 111_000  # about one metre of latitude, in degrees
TEXTS = ["县前街井盖缺失", "井盖缺失", "路灯不亮", "垃圾成堆", "县前街井盖破损，车辆绕行", ""]
ADDRESSES = ["县前街 12 号", "", "燕山路口"]


def reference(wf: sd.Workflow, session, case: Case, limit: int = 10
              ) -> tuple[DuplicateCandidate, ...]:
    """The duplicate search of main d71a8c0, every candidate scored (no pruning)."""
    settings = wf.settings(session)
    cache: dict = {}

    def get(class_id):
        if class_id is None:
            return None
        if class_id not in cache:
            try:
                cache[class_id] = class_facts(wf, session, class_id)
            except NotFound:
                cache[class_id] = None
        return cache[class_id]

    def same_major(a, b) -> bool:
        return bool(a and b and (a.edition_id, a.kind, a.major_code) == (
            b.edition_id, b.kind, b.major_code))

    own = get(case.class_id)
    radius = float(own.duplicate_radius_m or settings.duplicate_radius_m) if own else float(
        settings.duplicate_radius_m)
    hits = [h for h in spatial_index(session).cases_near(case.lon, case.lat, radius,
                                                         states=CANDIDATE_STATES)
            if h.id != case.id]
    if not hits:
        return ()
    rows = {r.id: r for r in session.execute(select(
        Case.id, Case.number, Case.state, Case.class_id, Case.component_id, Case.reported_at,
        Case.closed_at, Case.description, Case.address).where(
        Case.id.in_([h.id for h in hits])))}
    window = dt.timedelta(days=settings.duplicate_window_days)
    own_text = f"{case.description or ''} {case.address or ''}".strip()
    found = []
    for hit in hits:
        row = rows.get(hit.id)
        if row is None:
            continue
        if row.state == S.CLOSED and (row.closed_at is None
                                      or row.closed_at < case.reported_at - window):
            continue
        if not (own is None or row.class_id is None or row.class_id == own.id
                or same_major(own, get(row.class_id))):
            continue
        d = hit.distance_m
        near = WEIGHTS["distance"] * max(0.0, 1 - d / radius) if radius > 0 else 0.0
        parts = [ScorePart("distance", "距离", round(near, 1), f"相距 {d:.1f} 米")]
        if case.component_id and case.component_id == row.component_id:
            parts.append(ScorePart("component", "同一部件", WEIGHTS["component"], "部件标识码相同"))
        if own is None or row.class_id is None:
            parts.append(ScorePart("class", "类别", 0.0, "一方尚未分类"))
        elif row.class_id == own.id:
            parts.append(ScorePart("class", "类别", WEIGHTS["class"], f"同为小类 {own.name}"))
        else:
            parts.append(ScorePart("class", "类别", SAME_MAJOR_POINTS, f"同属大类 {own.major_name}"))
        apart = abs((case.reported_at - row.reported_at).total_seconds()) / 86400
        fresh = WEIGHTS["time"] * max(0.0, 1 - apart / max(window.days, 1))
        parts.append(ScorePart("time", "时间", round(fresh, 1), f"上报相隔 {apart:.1f} 天"))
        other = f"{row.description or ''} {row.address or ''}".strip()
        ratio = difflib.SequenceMatcher(None, own_text, other).ratio()
        parts.append(ScorePart("text", "描述相似", round(WEIGHTS["text"] * ratio, 1),
                               f"相似度 {ratio:.0%}"))
        found.append(DuplicateCandidate(row.id, row.number, row.state, state_label(row.state),
                                        round(d, 1), round(sum(p.points for p in parts), 1),
                                        tuple(parts)))
    found.sort(key=lambda c: (-c.score, c.distance_m, c.number))
    return tuple(found[:limit])


def _crowd(w: World, rnd: random.Random, count: int) -> list[int]:
    """``count`` reports within ~110 m of P1, then reshaped by the owner (trusted writer)
    into the mix the search must sort out: states, closing times, components, report
    times, texts."""
    classes = [w.cls["井盖"], w.cls["垃圾"], w.cls["道路"], w.cls["无条件"], None]
    made = []
    for _ in range(count):
        w.clock.advance(minutes=rnd.randint(1, 600))
        lon = P1[0] + rnd.uniform(-90, 90) * M * 1.15
        lat = P1[1] + rnd.uniform(-90, 90) * M
        made.append(sd.register(w.wf, w.a("acceptor"), sd.Report(
            "hotline_12319", lon, lat, class_id=rnd.choice(classes),
            description=rnd.choice(TEXTS), address=rnd.choice(ADDRESSES))).case_id)
    with w.db.Session() as s:
        components = s.scalars(select(Component.id).limit(3)).all()
    now = w.clock.now
    with w.db.engine.begin() as conn:
        for case_id in made:
            roll = rnd.random()
            values: dict = {"component_id": rnd.choice([*components, None, None])
                            if components else None,
                            "reported_at": now - dt.timedelta(days=rnd.uniform(0, 60))}
            if roll < 0.25:  # closed, either side of the 30-day window (and on it)
                values.update(state=S.CLOSED.value, closed_at=now - dt.timedelta(
                    days=rnd.choice([rnd.uniform(0, 60), 30.0, 29.999])))
            elif roll < 0.35:  # no candidate: voided or merged
                values["state"] = rnd.choice([S.VOIDED.value, S.MERGED.value])
            conn.execute(update(Case).where(Case.id == case_id).values(**values))
    return made


def test_the_search_equals_the_search_before(world):
    w = world
    rnd = random.Random(20261206)
    made = _crowd(w, rnd, 70)
    with w.db.Session() as s:
        components = s.scalars(select(Component.id).limit(3)).all()
    compared = 0
    # existing cases, at several limits (the public read: ``duplicate_candidates``)
    for case_id in rnd.sample(made, 25):
        with w.wf.reading() as session:
            case = session.get(Case, case_id)
            for limit in (1, 3, 10, 500):
                want = reference(w.wf, session, case, limit)
                assert find_duplicates(w.wf, session, case, limit) == want, (case_id, limit)
                compared += bool(want)
        assert sd.duplicate_candidates(w.wf, case_id, limit=500) == reference_of(w, case_id)
    # new registrations: the result the registration returns, against the search before
    # over the same cases (read after its commit)
    for i in range(12):
        w.clock.advance(minutes=3)
        lon = P1[0] + rnd.uniform(-60, 60) * M * 1.15
        lat = P1[1] + rnd.uniform(-60, 60) * M
        klass = rnd.choice([w.cls["井盖"], w.cls["垃圾"], None])
        change = sd.register(w.wf, w.a("acceptor"), sd.Report(
            "hotline_12319", lon, lat, class_id=klass, description=rnd.choice(TEXTS),
            address=rnd.choice(ADDRESSES)))
        if components and i % 3 == 0:  # a new report of a known component
            with w.db.engine.begin() as conn:
                conn.execute(update(Case).where(Case.id == change.case_id).values(
                    component_id=components[0]))
            assert sd.duplicate_candidates(w.wf, change.case_id, limit=500) == reference_of(
                w, change.case_id)
        else:
            assert change.duplicates == reference_of(w, change.case_id, 10)
        compared += bool(change.duplicates)
    assert compared >= 20  # the comparisons were of real candidate lists


def test_equal_scores_keep_the_order_before(world):
    """Candidates of equal score are ranked by distance, then by number, as before; the
    limit cuts that order (reports of one text at equal distances on two sides)."""
    w = world
    for metres in (10, -10, 10, -10, 20, -20):
        w.clock.advance(minutes=1)
        sd.register(w.wf, w.a("acceptor"), sd.Report(
            "hotline_12319", P1[0], P1[1] + metres * M, class_id=w.cls["井盖"],
            description="井盖缺失"))
    new = sd.register(w.wf, w.a("acceptor"), sd.Report(
        "hotline_12319", *P1, class_id=w.cls["井盖"], description="井盖缺失"))
    assert len(new.duplicates) == 6
    assert new.duplicates == reference_of(w, new.case_id, 10)
    for limit in (1, 2, 3, 5):
        assert sd.duplicate_candidates(w.wf, new.case_id, limit=limit) == reference_of(
            w, new.case_id, limit)


def reference_of(w: World, case_id: int, limit: int = 500) -> tuple[DuplicateCandidate, ...]:
    with w.wf.reading() as session:
        return reference(w.wf, session, session.get(Case, case_id), limit)
