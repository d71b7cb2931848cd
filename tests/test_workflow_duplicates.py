"""Duplicate candidates (nearby, related class, open or recently closed, explained score)
and merging (reporters kept for 回访, counted, ledger on both cases)."""

from __future__ import annotations

import pytest

from seatdesk.models import CaseReporter
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from tests.workflow_fixtures import (
    P1,
    World,
    case_row,
    world_fixture,  # noqa: F401 (fixture)
)

M = 1 / 111_000  # about one metre of latitude, in degrees


def north(metres: float) -> tuple[float, float]:
    return (P1[0], P1[1] + metres * M)


def report(w: World, metres: float, klass: str | None = "井盖", source: str = "hotline_12319",
           **kw) -> sd.CaseChange:
    w.clock.advance(minutes=1)
    return sd.register(w.wf, w.a("acceptor"), sd.Report(
        source=source, lon=north(metres)[0], lat=north(metres)[1],
        class_id=w.cls[klass] if klass else None, **kw))


def test_candidates_are_near_related_and_recent(world):
    w = world
    old = w.drive.to(S.CLOSED, where=north(5))  # closed 40 days before the new report
    w.clock.advance(days=35)
    recent = w.drive.to(S.CLOSED, where=north(6))  # closed 5 days before
    w.clock.advance(days=5)
    a = report(w, 0, description="县前街井盖缺失", component_code="32048101001000001")
    other_major = report(w, 12, klass="道路")  # 事件 市容环境: not related to a 部件 class
    unclassified = report(w, 20, klass=None, description="井盖没了")
    far = report(w, 80)  # beyond the 50 m default radius
    b = report(w, 10, description="县前街井盖缺失了", component_code="32048101001000001")
    found = {c.case_id: c for c in b.duplicates}
    assert set(found) == {a.case_id, unclassified.case_id, recent.id}
    assert old.id not in found and other_major.case_id not in found and far.case_id not in found
    best = b.duplicates[0]
    assert best.case_id == a.case_id
    parts = {p.name: p for p in best.parts}
    assert set(parts) == {"distance", "component", "class", "time", "text"}
    assert parts["component"].points == 25 and parts["class"].points == 15
    assert parts["distance"].points == pytest.approx(40 * (1 - 10 / 50), abs=0.5)
    assert parts["text"].points > 8 and "相距" in best.explanation
    assert best.score == pytest.approx(sum(p.points for p in best.parts), abs=0.1)
    assert {p.name: p.points for p in found[unclassified.case_id].parts}["class"] == 0
    assert [c.score for c in b.duplicates] == sorted((c.score for c in b.duplicates),
                                                     reverse=True)


def test_registration_without_the_search(world):
    """``duplicates=False`` (a partner's report: its answer carries no candidates) leaves
    the search to 受理; the default registration searches."""
    w = world
    a = report(w, 0, klass="垃圾", description="成堆垃圾")
    searched = report(w, 5, klass="垃圾", description="垃圾成堆")
    w.clock.advance(minutes=1)
    skipped = sd.register(w.wf, w.a("acceptor"), sd.Report(
        source="patrol", lon=north(10)[0], lat=north(10)[1], class_id=w.cls["垃圾"],
        description="垃圾成堆"), duplicates=False)
    assert a.case_id in {c.case_id for c in searched.duplicates}
    assert skipped.duplicates == () and skipped.new_state == S.REPORTED
    accepted = sd.accept(w.wf, w.a("acceptor"), skipped.case_id, skipped.version)
    assert {c.case_id for c in accepted.duplicates} == {a.case_id, searched.case_id}


def test_class_radius_and_same_major(world):
    w = world
    a = report(w, 0, klass="垃圾", description="成堆垃圾")  # 暴露垃圾: radius 100 m
    road = report(w, 70, klass="道路", source="patrol")  # same major class 市容环境
    b = report(w, 80, klass="垃圾", description="垃圾成堆")
    found = {c.case_id: c for c in b.duplicates}
    assert set(found) == {a.case_id, road.case_id}
    assert {p.name: p.points for p in found[road.case_id].parts}["class"] == 7
    # accepting re-runs the search with the case's own class radius (道路: 50 m default)
    change = sd.accept(w.wf, w.a("acceptor"), road.case_id, road.version)
    assert {c.case_id for c in change.duplicates} == {b.case_id}
    assert sd.duplicate_candidates(w.wf, b.case_id)[0].case_id in {a.case_id, road.case_id}


def test_merge_keeps_every_reporter_and_counts(world):
    w = world
    keep = report(w, 0, caller_name="张先生", caller_phone="13800001111", callback_wanted=True)
    dup = report(w, 5, caller_name="李女士", caller_phone="13900002222", callback_wanted=True)
    result = sd.merge(w.wf, w.a("acceptor"), dup.case_id, keep.case_id, version=dup.version,
                      reason="同一井盖")
    assert (result.duplicate.new_state, result.survivor.new_state) == (S.MERGED, S.REPORTED)
    assert result.reporters_copied == 1
    assert case_row(w, dup.case_id)["merged_into_id"] == keep.case_id
    assert case_row(w, keep.case_id)["merged_count"] == 1
    with w.db.Session() as s:
        phones = {(r.phone, r.origin_case_id, r.callback_wanted) for r in
                  s.query(CaseReporter).filter_by(case_id=keep.case_id)}
        assert phones == {("13800001111", None, True), ("13900002222", dup.case_id, True)}
        actions = [h.action for h in sd.case_history(s, keep.case_id)]
        assert actions == ["register", "merge_in"]
        assert sd.case_history(s, dup.case_id)[-1].args["into_case_id"] == keep.case_id
        assert sd.verify_ledger(s) == []
    third = report(w, 3)
    with pytest.raises(sd.WrongState):  # a merged case cannot absorb others
        sd.merge(w.wf, w.a("acceptor"), third.case_id, dup.case_id)
    with pytest.raises(sd.InvalidArgument):
        sd.merge(w.wf, w.a("acceptor"), third.case_id, third.case_id)
    with pytest.raises(sd.StaleCase):
        sd.merge(w.wf, w.a("acceptor"), third.case_id, keep.case_id, version=0)
    filed = w.drive.to(S.FILED)
    with pytest.raises(sd.WrongRole):  # after filing only the shift lead merges
        sd.merge(w.wf, w.a("acceptor"), filed.id, keep.case_id)
    assert sd.merge(w.wf, w.a("lead"), filed.id, keep.case_id).survivor.version == (
        result.survivor.version + 1)


def test_window_setting_is_used(world):
    w = world
    from seatdesk.models import set_setting

    closed = w.drive.to(S.CLOSED)
    w.clock.advance(days=3)
    with w.db.Session.begin() as s:
        set_setting(s, "duplicate_window_days", 2)
    w.wf.invalidate()
    assert closed.id not in {c.case_id for c in report(w, 1).duplicates}


def test_a_hot_spot_ranks_as_if_every_candidate_were_scored(world):
    """The search skips the text comparison of candidates that can no longer reach the
    top ``limit``; the ranking must be the one of scoring them all: a case farther away
    with the same words still beats nearer ones with other words, at any limit."""
    w = world
    near = [report(w, 1 + i * 0.5, description=f"路灯不亮{i}号杆") for i in range(12)]
    same_words = report(w, 9, description="县前街井盖缺失")
    new = report(w, 0, description="县前街井盖缺失")
    full = sd.duplicate_candidates(w.wf, new.case_id, limit=100)
    assert {c.case_id for c in full} == {c.case_id for c in near} | {same_words.case_id}
    assert full[0].case_id == same_words.case_id
    for limit in (1, 3, 5, 13):
        assert sd.duplicate_candidates(w.wf, new.case_id, limit=limit) == full[:limit]
    assert new.duplicates == full[:10]


def test_repeated_texts_score_as_if_each_were_compared(world):
    """Each distinct candidate text is compared once per search (reports at a hot spot
    often share a text); every candidate's text part is still difflib's ratio of the new
    case's text against its own."""
    import difflib

    from seatdesk.models import Case

    w = world
    texts = ["县前街井盖缺失", "路灯不亮", "县前街井盖破损，车辆绕行"]
    for i in range(9):
        report(w, 1 + i * 0.5, description=texts[i % 3])
    new = report(w, 0, description="县前街井盖缺失")
    found = sd.duplicate_candidates(w.wf, new.case_id, limit=100)
    assert len(found) == 9
    with w.db.Session() as s:
        mine = s.get(Case, new.case_id)
        own = f"{mine.description} {mine.address or ''}".strip()
        for candidate in found:
            row = s.get(Case, candidate.case_id)
            ratio = difflib.SequenceMatcher(
                None, own, f"{row.description} {row.address or ''}".strip()).ratio()
            (text,) = [p for p in candidate.parts if p.name == "text"]
            assert (text.points, text.detail) == (round(10 * ratio, 1), f"相似度 {ratio:.0%}")
