"""Map page folders left by killed seats are swept; a running seat's never is: real child
processes holding a folder, one killed with SIGKILL (``seatdesk.map.pagefolder``; the
whole seat process: tests/test_map_pagefolder_process.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from seatdesk.map.pagefolder import LOCK, PREFIX, PageFolder, sweep
from tests.test_ui_shift_process import ROOT

HOLD = ("import sys, time\nfrom seatdesk.map.pagefolder import PageFolder\n"
        "folder = PageFolder(sys.argv[1])\nprint(folder.path, flush=True)\ntime.sleep(600)\n")


def _holder(directory) -> tuple[subprocess.Popen, str]:
    """A child process holding a page folder in ``directory`` (as a seat's map view)."""
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(directory)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    return child, child.stdout.readline().strip()


def _end(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()


def test_a_killed_seats_folder_is_swept_a_running_ones_is_kept(tmp_path):
    killed, killed_dir = _holder(tmp_path)
    running, running_dir = _holder(tmp_path)
    try:
        assert os.path.basename(killed_dir).startswith(f"{PREFIX}{killed.pid}-")
        (tmp_path / killed_dir / "page1").mkdir()
        _end(killed)  # SIGKILL: nothing of the process ran
        assert os.path.isdir(killed_dir)
        older = tmp_path / f"{PREFIX}abc12345"  # a folder from before the locks: left
        (older / "page1").mkdir(parents=True)
        (tmp_path / f"{PREFIX}a-file").write_text("not a folder")
        mine = PageFolder(str(tmp_path))  # this process's own, held: never swept
        foreign = tmp_path / f"{PREFIX}1-other"  # another user's folder, even unlocked
        if os.getuid() == 0:
            foreign.mkdir()
            (foreign / LOCK).write_text("1\n")
            os.chown(foreign, 65534, 65534)

        assert sweep(str(tmp_path)) == [tmp_path / killed_dir]
        assert not os.path.exists(killed_dir)
        assert os.path.isdir(running_dir) and os.path.isfile(os.path.join(running_dir, LOCK))
        assert older.is_dir() and mine.path.is_dir()
        assert foreign.is_dir() or os.getuid() != 0

        _end(running)  # the second seat killed too: the next sweep removes its folder
        assert sweep(str(tmp_path)) == [tmp_path / running_dir]
        mine.remove()
        assert not mine.path.exists()
    finally:
        _end(killed)
        _end(running)
