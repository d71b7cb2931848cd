"""A registration's idempotency key: a report sent twice (a retry after a timeout, an
offline batch uploaded again, two racing uploads) becomes one case."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from seatdesk.models import Case, LedgerEntry
from seatdesk.workflow import services as sd
from tests.workflow_fixtures import P1, racing_twins_make_one_case, world_fixture  # noqa: F401


def _report(key: str | None, **kw) -> sd.Report:
    return sd.Report(source="patrol", lon=P1[0], lat=P1[1], description="井盖缺失",
                     intake_key=key, **kw)


def _count(world, model) -> int:
    with world.db.Session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_repeated_key_returns_the_first_case(world):
    first = sd.register(world.wf, world.a("sup1"), _report("a1b2-c3"))
    again = sd.register(world.wf, world.a("sup1"), _report("a1b2-c3", address="另一个地址"))
    assert not first.replayed and again.replayed
    assert (again.case_id, again.number, again.version) == (first.case_id, first.number, 1)
    assert _count(world, Case) == 1 and _count(world, LedgerEntry) == 1
    with world.db.Session() as s:
        assert s.get(Case, first.case_id).intake_key == "a1b2-c3"
        payload = s.scalar(select(LedgerEntry.payload))
    assert '"intake_key":"a1b2-c3"' in payload  # the ledger records the key


def test_no_key_means_two_cases(world):
    sd.register(world.wf, world.a("sup1"), _report(None))
    sd.register(world.wf, world.a("sup1"), _report(None))
    assert _count(world, Case) == 2


def test_another_user_cannot_claim_a_key(world):
    sd.register(world.wf, world.a("sup1"), _report("shared"))
    with pytest.raises(sd.InvalidArgument, match="其他用户"):
        sd.register(world.wf, world.a("sup2"), _report("shared"))


@pytest.mark.parametrize("key", ["", " ", "x" * 101, "a\x00b", "tab\there"])
def test_bad_keys_are_refused(world, key):
    with pytest.raises(sd.InvalidArgument, match="上报编号无效"):
        sd.register(world.wf, world.a("sup1"), _report(key))
    assert _count(world, Case) == 0


def test_racing_twins_make_one_case(world):
    racing_twins_make_one_case(world, _report("twin"))


def test_on_registered_runs_in_the_same_transaction(world):
    seen = []

    def also(session, change):
        seen.append(session.get(Case, change.case_id).number)
        raise RuntimeError("the integration's own row failed")

    with pytest.raises(RuntimeError):
        sd.register(world.wf, world.a("sup1"), _report("k1"), on_registered=also)
    assert len(seen) == 1 and _count(world, Case) == 0  # rolled back together
    change = sd.register(world.wf, world.a("sup1"), _report("k1"))
    assert not change.replayed


def test_rows_added_by_on_registered_are_committed(world):
    from seatdesk.models import CaseReporter

    def also(session, change):
        session.add(CaseReporter(case_id=change.case_id, name="转来的来电人", phone=""))

    sd.register(world.wf, world.a("sup1"), _report("k2"), on_registered=also)
    assert _count(world, CaseReporter) == 1
