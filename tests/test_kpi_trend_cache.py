"""The KPI trend's past-days cache (``evaluation.live.TrendCache``) on both backends: a warm
refresh gives the series a fresh one gives, today's reports show at once, the cache key
turns with the local date and does not cross databases. Correctness only; the timings are
in bench/bench_scale.py and docs/performance.md."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from seatdesk.evaluation.live import NO_TREND_CACHE, TrendCache, database_key, live_kpis
from seatdesk.models.db import session_factory
from seatdesk.workflow.worktime import WorkCalendar
from tests.conftest import BACKENDS
from tests.dbtemplates import open_database, register_seed
from tests.evaluation_cases import SCREEN_NOW, SCREEN_SEED, _seed_screens

register_seed(SCREEN_SEED)(_seed_screens)


@pytest.fixture(params=BACKENDS)
def demo(request, template_store):
    """Two copies of the 1,500-case demo (now = SCREEN_NOW) on the backend."""
    dbs = [open_database(request.param, template_store.clone(request.param, SCREEN_SEED))
           for _ in range(2)]
    yield dbs
    for db in dbs:
        db.engine.dispose()
        template_store.drop(db.backend, db.url)


def kpis(db, now, cache):
    with session_factory(db.engine)() as s:
        return live_kpis(s, WorkCalendar.from_session(s), now, cache=cache)


def series(k):
    return k.trend_days, k.trend_reported, k.trend_closed


def test_a_warm_refresh_equals_a_fresh_one(demo):
    cache = TrendCache(seconds=3600)
    cold = kpis(demo[0], SCREEN_NOW, cache)
    assert len(cache) == 1 and sum(cold.trend_reported) > 0 and sum(cold.trend_closed) > 0
    later = SCREEN_NOW + dt.timedelta(hours=3)  # 13:00 local, the same day
    warm = kpis(demo[0], later, cache)
    assert series(warm) == series(kpis(demo[0], later, NO_TREND_CACHE))
    assert len(cache) == 1
    assert warm.trend_reported[:-1] == cold.trend_reported[:-1]


def _file_today(db, at: dt.datetime) -> int:
    """A case reported over 40 days ago moved to ``at``: as if filed then."""
    with db.engine.begin() as c:
        cid = c.execute(text("SELECT min(id) FROM cases WHERE reported_at < :old"),
                        {"old": at - dt.timedelta(days=40)}).scalar_one()  # off the trend
        c.execute(text("UPDATE cases SET reported_at = :at, updated_at = :at WHERE id = :i"),
                  {"at": at, "i": cid})
    return cid


def test_a_report_filed_today_shows_at_once(demo):
    cache = TrendCache(seconds=3600)
    before = kpis(demo[0], SCREEN_NOW, cache)
    at = SCREEN_NOW + dt.timedelta(minutes=5)
    _file_today(demo[0], at)
    now = at + dt.timedelta(minutes=1)
    warm = kpis(demo[0], now, cache)
    fresh = kpis(demo[0], now, NO_TREND_CACHE)
    assert series(warm) == series(fresh)
    assert warm.trend_reported[-1] == before.trend_reported[-1] + 1
    assert warm.trend_reported[:-1] == before.trend_reported[:-1]
    assert warm.reports_today == before.reports_today + 1


def test_a_closure_today_shows_at_once(demo):
    cache = TrendCache(seconds=3600)
    before = kpis(demo[0], SCREEN_NOW, cache)
    at = SCREEN_NOW + dt.timedelta(minutes=5)
    with demo[0].engine.begin() as c:
        cid = c.execute(text("SELECT min(id) FROM cases WHERE closed_at IS NULL")).scalar_one()
        c.execute(text("UPDATE cases SET closed_at = :at, updated_at = :at WHERE id = :i"),
                  {"at": at, "i": cid})
    now = at + dt.timedelta(minutes=1)
    warm = kpis(demo[0], now, cache)
    assert warm.trend_closed[-1] == before.trend_closed[-1] + 1
    assert series(warm) == series(kpis(demo[0], now, NO_TREND_CACHE))


def test_after_midnight_yesterdays_count_moves_into_the_past(demo):
    cache = TrendCache(seconds=24 * 3600)
    evening = SCREEN_NOW + dt.timedelta(hours=13)  # 23:00 local
    kpis(demo[0], evening, cache)
    _file_today(demo[0], evening + dt.timedelta(minutes=10))  # 23:10 local, that day
    late = kpis(demo[0], evening + dt.timedelta(minutes=20), cache)
    after = evening + dt.timedelta(hours=2)  # 01:00 local, the next day
    warm = kpis(demo[0], after, cache)
    assert len(cache) == 2  # the key holds the local date: a new entry for the new day
    fresh = kpis(demo[0], after, NO_TREND_CACHE)
    assert series(warm) == series(fresh)
    assert warm.trend_days[-2] == late.trend_days[-1]
    assert late.trend_reported[-1] >= 1
    assert warm.trend_reported[-2] == late.trend_reported[-1]  # yesterday's live count
    assert warm.trend_closed[-2] == late.trend_closed[-1]
    warm_again = kpis(demo[0], after + dt.timedelta(minutes=5), cache)
    assert series(warm_again) == series(fresh)


def test_another_database_does_not_share_the_cache(demo):
    one, other = demo
    cache = TrendCache(seconds=3600)
    kpis(one, SCREEN_NOW, cache)
    with other.engine.begin() as c:  # the other copy's past differs from the first's
        c.execute(text("UPDATE cases SET reported_at = :at WHERE id IN "
                       "(SELECT id FROM cases ORDER BY id LIMIT 40)"),
                  {"at": SCREEN_NOW - dt.timedelta(days=3)})
    with session_factory(one.engine)() as a, session_factory(other.engine)() as b:
        assert database_key(a) != database_key(b)
    got = kpis(other, SCREEN_NOW, cache)
    assert len(cache) == 2
    assert series(got) == series(kpis(other, SCREEN_NOW, NO_TREND_CACHE))
    assert series(got) != series(kpis(one, SCREEN_NOW, cache))


def test_an_expired_entry_is_read_again(demo):
    cache = TrendCache(seconds=3600)
    kpis(demo[0], SCREEN_NOW, cache)
    with demo[0].engine.begin() as c:  # a past day changes (a late-filed report)
        c.execute(text("UPDATE cases SET reported_at = :at WHERE id IN "
                       "(SELECT id FROM cases ORDER BY id LIMIT 10)"),
                  {"at": SCREEN_NOW - dt.timedelta(days=2)})
    fresh = kpis(demo[0], SCREEN_NOW, NO_TREND_CACHE)
    assert series(kpis(demo[0], SCREEN_NOW, cache)) != series(fresh)  # kept: by design
    cache.seconds = 0.0
    cache.clear()
    assert series(kpis(demo[0], SCREEN_NOW, cache)) == series(fresh)
