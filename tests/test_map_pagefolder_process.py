"""The real ``seatdesk gui`` in child processes (``tests.seat_process``), their temporary
directory a folder of the test's own: a seat killed with SIGKILL leaves its map page
folder; the next seat started on the machine removes it, and leaves the folder of a seat
still running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from seatdesk.map.pagefolder import PREFIX
from seatdesk.ui.session.single_seat import seat_name
from tests.seat_helpers import city_fixture  # noqa: F401 (fixture)
from tests.test_ui_shift_process import ROOT


def _seat(url: str, plan: list, tmp) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp)}
    return subprocess.Popen([sys.executable, "-m", "tests.seat_process", url, json.dumps(plan)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


def _until(child: subprocess.Popen, event: str) -> list[dict]:
    """The child's events up to ``event`` (or its exit: a step's timeout ends it)."""
    events = []
    for line in child.stdout:
        if line.startswith("{"):
            events.append(json.loads(line))
            if events[-1]["event"] in (event, "timeout", "exit"):
                break
    return events


def _folders(tmp, pid: int) -> list:
    return sorted(tmp.glob(f"{PREFIX}{pid}-*"))


def _forget_sockets(url: str, tmp, *usernames: str) -> None:
    """Killed seats leave their single-workspace sockets behind (a seat replaces one at
    its start, so that is harmless; but under xdist ``tmp`` is too deep for a socket's
    address, and they piled up in /tmp): remove this test's."""
    for username in usernames:
        name = Path(seat_name(make_url(url).render_as_string(), username)).name
        for folder in (Path("/tmp"), Path(tmp)):
            (folder / name).unlink(missing_ok=True)


def _end(child: subprocess.Popen) -> None:
    if child.poll() is None:  # never leave a seat running
        child.kill()
    child.wait(timeout=30)
    child.stdout.close()


@pytest.mark.slow
def test_the_next_seat_removes_a_killed_seats_map_folder(city, tmp_path):
    running = _seat(city.url, [["sign_in", "shouli"], ["wait_map"]], tmp_path)
    killed = _seat(city.url, [["sign_in", "zhibanzhang"], ["wait_map"]], tmp_path)
    try:
        for child in (running, killed):
            events = _until(child, "wait_map")
            assert events and events[-1]["event"] == "wait_map", events
        left = _folders(tmp_path, killed.pid)
        kept = _folders(tmp_path, running.pid)
        assert left and kept
        assert any(f.name.startswith("page") for f in left[0].iterdir())  # the map's page
        killed.send_signal(signal.SIGKILL)  # no close, no destroyed signal
        killed.wait(timeout=30)
        assert killed.returncode == -signal.SIGKILL
        assert all(f.is_dir() for f in left)

        started = _seat(city.url, [["quit"]], tmp_path)  # a seat starts: the login dialog
        try:
            events = _until(started, "exit")
            assert started.wait(timeout=60) == 0, events
        finally:
            _end(started)
        assert not any(f.exists() for f in left)
        assert all(f.is_dir() for f in kept)  # the running seat's map still has its page
        assert any(f.name.startswith("page") for f in kept[0].iterdir())
        assert _folders(tmp_path, started.pid) == []  # (it made none: no map at sign-in)
    finally:
        _end(killed)
        _end(running)
        _forget_sockets(city.url, tmp_path, "shouli", "zhibanzhang")
