"""The soak in the suite: a minute of ``bench/bench_faults.py`` — two real seat processes
(``bench/soak_seat.py``) saving hotline reports through their intake forms while a fault
hits every 10 s (a COMMIT cut after and before the server saw it, every connection cut,
the server restarted, connections refused) → every report typed is registered exactly
once, no outbox keeps anything, the ledger verifies. The 8-seat, 10-minute run and its
figures: ``make bench BENCH_ARGS="--only bench_faults"``, docs/performance.md."""

from __future__ import annotations

import pytest

from bench.bench_faults import soak
from tests.pg_own import own_port

PLAN = ["commit_after", "cut", "commit_before", "restart", "refuse"]


@pytest.mark.slow
def test_a_minute_of_faults_under_two_seats_loses_and_doubles_nothing():
    result = soak(seats=2, duration_s=60, every_s=10, plan=PLAN, port=own_port(40))
    assert [kind for _at, kind in result.faults] == PLAN
    assert result.exits == [0, 0]
    assert len(result.typed) >= 10  # the seats kept working through the faults
    assert result.lost == [], result.lost
    assert result.duplicates == [], result.duplicates
    assert result.outbox_left == 0
    assert result.ledger_problems == 0
