"""Two seats, one case: exactly one wins, the other gets ``StaleCase`` naming who changed
the case and its new state; no lost update, no double dispatch, intact ledgers. On
PostgreSQL, threads hammer the same cases at once, and LISTEN hears every commit."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sa_text

from seatdesk.models import Case, Dispatch
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from seatdesk.workflow.notify import CaseListener
from tests.workflow_fixtures import (
    World,
    case_row,
    world_fixture,  # noqa: F401 (fixture)
)

PG = pytest.mark.parametrize("backend", ["postgresql"])


def test_second_seat_gets_stale_case_naming_the_winner(world):
    w = world
    ref = w.drive.to(S.REPORTED)
    seen = ref.version  # both seats read the case now
    w.drive.do(ref, sd.accept, "acceptor")
    before = case_row(w, ref.id)
    with pytest.raises(sd.StaleCase) as info:
        sd.void(w.wf, w.a("acceptor2"), ref.id, seen, reason="重复")
    err = info.value
    assert "acceptor用户" in str(err) and "待立案" in str(err)
    assert (err.changed_by_id, err.state, err.version) == (w.users["acceptor"], S.ACCEPTED,
                                                           seen + 1)
    assert case_row(w, ref.id) == before


def test_changes_since_is_the_sqlite_poll(world):
    w = world
    start = w.clock()
    a, b = w.drive.register(), w.drive.register()
    w.drive.do(a, sd.accept, "acceptor")
    with w.db.Session() as s:
        stamps = sd.changes_since(s, start)
        assert [x.id for x in stamps] == [b.id, a.id]
        assert sd.changes_since(s, stamps[-1].updated_at) == []
        assert sd.changes_since(s, start, w.a("water")) == []  # not its cases


def _race(w: World, calls) -> Counter:
    """Run the calls at the same instant on threads; count outcomes by type."""
    barrier, outcomes, lock = threading.Barrier(len(calls)), Counter(), threading.Lock()

    def worker(fn):
        barrier.wait()
        try:
            fn()
            result = "won"
        except sd.StaleCase:
            result = "stale"
        except Exception as exc:  # noqa: BLE001 - shown by the outcome assertion
            result = repr(exc)
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@PG
def test_no_double_dispatch_under_contention(world):
    w = world
    refs = [w.drive.to(S.FILED) for _ in range(6)]
    depts = [w.dept["SW"], w.dept["HW"], w.dept["DC"]]
    for ref in refs:
        calls = [lambda r=ref, d=depts[i % 3]: sd.dispatch(w.wf, w.a("dispatcher"), r.id,
                                                            r.version, department_id=d)
                 for i in range(8)]
        assert _race(w, calls) == Counter(won=1, stale=7)
    with w.db.Session() as s:
        counts = dict(s.execute(select(Dispatch.case_id, func.count())
                                .group_by(Dispatch.case_id)).all())
        assert counts == {ref.id: 1 for ref in refs}
        assert sd.verify_ledger(s) == []


@PG
def test_conflicting_actions_one_winner_each(world):
    w = world
    refs = [w.drive.to(S.REPORTED) for _ in range(6)]
    keep = w.drive.to(S.REPORTED)
    for ref in refs:
        calls = [lambda r=ref: sd.accept(w.wf, w.a("acceptor"), r.id, r.version),
                 lambda r=ref: sd.void(w.wf, w.a("acceptor2"), r.id, r.version, reason="无效"),
                 lambda r=ref: sd.send_verification(w.wf, w.a("acceptor"), r.id, r.version),
                 lambda r=ref: sd.merge(w.wf, w.a("acceptor2"), r.id, keep.id,
                                        version=r.version)]
        assert _race(w, calls) == Counter(won=1, stale=3)
        assert case_row(w, ref.id)["version"] == ref.version + 1
    with w.db.Session() as s:
        assert sd.verify_ledger(s) == []


@PG
def test_hammering_loses_no_update(world):
    w = world
    refs = [w.drive.to(S.DISPATCHED) for _ in range(3)]
    wins, lock = Counter(), threading.Lock()

    def seat(n: int):
        for i in range(15):
            ref = refs[(n + i) % len(refs)]
            for _attempt in range(100):
                version = case_row(w, ref.id)["version"]
                try:
                    sd.urge(w.wf, w.a("dispatcher"), ref.id, version, note=f"seat{n}-{i}")
                    break
                except sd.StaleCase:
                    continue
            with lock:
                wins[ref.id] += 1

    threads = [threading.Thread(target=seat, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for ref in refs:
        row = case_row(w, ref.id)
        assert row["version"] == ref.version + wins[ref.id] == row["ledger_seq"]
    assert sum(wins.values()) == 6 * 15
    with w.db.Session() as s:
        assert sd.verify_ledger(s) == []


@PG
def test_listen_hears_committed_changes_only(world):
    w = world
    ref = w.drive.to(S.REPORTED)
    with CaseListener(w.db.url) as listener:
        assert listener.wait(0.05) == []
        ref = w.drive.do(ref, sd.accept, "acceptor")
        with pytest.raises(sd.WrongRole):
            sd.file(w.wf, w.a("acceptor"), ref.id, ref.version, condition_id=w.cond["井盖"])
        with pytest.raises(sd.StaleCase):
            sd.void(w.wf, w.a("acceptor"), ref.id, ref.version - 1, reason="x")
        notices = listener.wait(2.0, max_notices=1) + listener.wait(0.2)
    assert [(n.case_id, n.version, n.state, n.action) for n in notices] == [
        (ref.id, ref.version, S.ACCEPTED, "accept")]
    with w.db.Session() as s:
        assert s.get(Case, ref.id).version == ref.version


@PG
def test_concurrent_registrations_get_distinct_numbers(world):
    w = world
    numbers, lock = [], threading.Lock()

    def register():
        change = sd.register(w.wf, w.a("acceptor"), sd.Report(source="patrol", lon=119.4805,
                                                              lat=31.4255))
        with lock:
            numbers.append(change.number)

    assert _race(w, [register] * 8) == Counter(won=8)
    assert len(set(numbers)) == 8 and all(n.startswith("20261102") for n in numbers)
    with w.db.Session() as s:
        assert sd.verify_ledger(s) == []


@PG
def test_a_registration_does_not_wait_for_another_to_commit(world):
    """The day's number is taken in a short transaction of its own: a registration whose
    transaction is still open (a slow upload, a partner's rows) holds no lock the next one
    needs (it used to hold the day's numbering lock until it committed)."""
    w = world
    inside, release, done = threading.Event(), threading.Event(), {}

    def slow(session, change):
        inside.set()
        release.wait(30)

    def first():
        done["first"] = sd.register(w.wf, w.a("acceptor"), _patrol(), on_registered=slow)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(30)
        second = sd.register(w.wf, w.a("acceptor2"), _patrol())  # would block here before
        assert "first" not in done  # the first is still open while the second committed
    finally:
        release.set()
        thread.join(30)
    assert second.number != done["first"].number
    assert {second.number[:8], done["first"].number[:8]} == {"20261102"}
    with w.db.Session() as s:
        assert sd.verify_ledger(s) == []


@PG
def test_numbers_climb_past_a_failed_registration_and_a_trusted_writer(world):
    """A registration that fails after taking its number leaves a gap (documented); a
    number written by a trusted writer (demo data, an import) is never handed out again."""
    w = world
    first = sd.register(w.wf, w.a("acceptor"), _patrol())
    with pytest.raises(sd.InvalidArgument):
        sd.register(w.wf, w.a("acceptor"), _patrol(source="no_such_source"))
    second = sd.register(w.wf, w.a("acceptor"), _patrol())
    assert second.number[:8] == first.number[:8] and second.number > first.number
    taken = f"{first.number[:8]}{int(second.number[8:]) + 5:06d}"
    with w.db.engine.begin() as conn:  # the owner's session: a trusted writer
        conn.execute(sa_text("UPDATE cases SET number = :n WHERE id = :id"),
                     {"n": taken, "id": first.case_id})
    third = sd.register(w.wf, w.a("acceptor"), _patrol())
    assert int(third.number[8:]) == int(taken[8:]) + 1


def _patrol(source: str = "patrol") -> sd.Report:
    return sd.Report(source=source, lon=119.4805, lat=31.4255)
