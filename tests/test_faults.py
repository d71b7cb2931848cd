"""Faults survived, through a fault-injecting proxy between the workflow and PostgreSQL
(``tests/faultproxy.py``): a registration whose COMMIT is cut leaves exactly one case after
the retry; refused and stalled connections end in plain messages, never in a lost or a
doubled report."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from seatdesk.models import Case, dberrors
from seatdesk.models.db import make_engine
from seatdesk.workflow import services as sd
from seatdesk.workflow.ledger import verify_ledger
from tests.faultproxy import FaultProxy
from tests.workflow_fixtures import P1, world_fixture  # noqa: F401 (fixture)

PG = pytest.mark.parametrize("backend", ["postgresql"])


def keyed(key: str) -> sd.Report:
    return sd.Report(source="hotline_12319", lon=P1[0], lat=P1[1], description="井盖缺失",
                     caller_phone="13800001234", intake_key=key)


def cases_with(db, key: str) -> int:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.intake_key == key))


@pytest.fixture
def proxied(world):
    """The world's workflow, reaching PostgreSQL through a fault proxy."""
    with FaultProxy.for_url(world.db.url) as proxy:
        engine = make_engine(proxy.url(world.db.url))
        try:
            yield proxy, sd.Workflow(engine, clock=world.clock, cache_seconds=0)
        finally:
            engine.dispose()


@PG
@pytest.mark.parametrize("before", [True, False], ids=["commit-lost", "answer-lost"])
def test_a_registration_cut_during_commit_is_one_case_after_the_retry(world, proxied, before):
    """The COMMIT is cut before the server sees it (rolled back) or after the server has
    committed it (the answer is lost): either way the seat cannot know, says so, and the
    retry with the draft's key gives exactly one case."""
    proxy, wf = proxied
    key = str(uuid.uuid4())
    proxy.cut_at_commit(before=before, writing=b"INSERT INTO cases ")
    with pytest.raises(sd.CommitUncertain):
        sd.register(wf, world.a("acceptor"), keyed(key))
    assert proxy.commits_cut == 1
    assert cases_with(world.db, key) == (0 if before else 1)
    change = sd.register(wf, world.a("acceptor"), keyed(key))  # the retry, same key
    assert change.replayed is (not before)
    again = sd.register(wf, world.a("acceptor"), keyed(key))  # and once more: still one
    assert (again.case_id, again.replayed) == (change.case_id, True)
    assert cases_with(world.db, key) == 1
    with world.db.Session() as s:
        assert verify_ledger(s, [change.case_id]) == []


@PG
def test_refused_and_cut_connections_are_unavailable_not_refusals(world, proxied):
    proxy, wf = proxied
    key = str(uuid.uuid4())
    proxy.refuse(True)
    wf.engine.dispose()  # no pooled connection to fall back on
    with pytest.raises(Exception) as info:
        sd.register(wf, world.a("acceptor"), keyed(key))
    assert dberrors.is_unavailable(info.value)
    assert "无法连接数据库" in dberrors.user_message(info.value)
    proxy.refuse(False)
    change = sd.register(wf, world.a("acceptor"), keyed(key))
    assert not change.replayed and cases_with(world.db, key) == 1
