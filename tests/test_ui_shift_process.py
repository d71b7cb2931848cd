"""The real ``seatdesk gui`` entry point in a child process: sign in and out three times
with the map up (the second sign-out used to segfault inside ``app.exec()``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.seat_helpers import city_fixture  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]


def run_plan(url: str, plan: list, timeout: float = 180) -> tuple[int, list[dict], str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "tests.seat_process", url, json.dumps(plan)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, events, done.stderr


@pytest.mark.slow
def test_three_sessions_with_the_map_in_the_real_event_loop(city):
    plan = []
    for user in ("zhibanzhang", "shouli", "paiqian"):
        plan += [["sign_in", user], ["wait_map"], ["sign_out"]]
    code, events, stderr = run_plan(city.url, plan + [["modules"], ["quit"]])
    assert code == 0, stderr[-3000:]
    assert [e["event"] for e in events] == [step for step, *_ in plan] + [
        "imported", "modules", "quit", "exit"]
    # what a seat process must not carry: pypinyin's dictionaries (55 MB resident, for
    # every sign-in of the shift; needed only to import classes)
    assert next(e for e in events if e["event"] == "imported")["loaded"] == []
