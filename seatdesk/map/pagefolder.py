"""The map's page folder in the temporary directory (``seatdesk-map-<pid>-<random>``): one
per map view, removed when the view goes. A seat killed with SIGKILL (or a crash, a power
cut) cannot remove its own, so each seat at start removes those of this user whose seat
is gone (``sweep``).

Whether a folder's seat is gone is asked of the folder itself: the view holds an
exclusive ``flock`` on the folder's ``.lock`` (the creating process's id written in it)
for as long as it lives, and the kernel drops the lock when the process ends, however it
ends. A folder whose lock can be taken is left over; one whose lock is held belongs to a
running seat — another user's session or a second seat on the machine, in another PID
namespace too — and is never touched; a pid in a name that has since been reused by
another process does not matter. The lock file appears already locked (written under
another name, locked, then renamed), so a sweep never mistakes a starting seat's folder
for a left one; a folder without a lock (a seat starting, or one from a version before
this) is left alone. Where ``fcntl`` does not exist (Windows) nothing is swept.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

log = logging.getLogger(__name__)
PREFIX = "seatdesk-map-"
LOCK = ".lock"


class PageFolder:
    """A new page folder, locked for this process until ``remove()``."""

    def __init__(self, directory: str | None = None):
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=directory))
        self._lock = _locked(self.path)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _locked(folder: Path) -> IO[str] | None:
    if fcntl is None:  # pragma: no cover - not POSIX
        return None
    new = folder / (LOCK + ".new")
    handle = open(new, "w", encoding="ascii")  # noqa: SIM115 (held for the view's life)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh file: nobody else has it
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    os.rename(new, folder / LOCK)
    return handle


def sweep(directory: str | None = None) -> list[Path]:
    """Remove the page folders of this user's seats that are gone (in ``directory``,
    by default the temporary directory); the folders removed."""
    if fcntl is None:  # pragma: no cover - not POSIX
        return []
    removed = []
    for folder in Path(directory or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            info = folder.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and _remove_if_left(folder):
            removed.append(folder)
    if removed:
        log.info("removed %d map page folder(s) of seats that are gone", len(removed))
    return removed


def _remove_if_left(folder: Path) -> bool:
    try:
        handle = open(folder / LOCK, "rb")  # noqa: SIM115
    except OSError:  # no lock: a seat starting, or a folder from before the locks
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its seat is running
            return False
        shutil.rmtree(folder, ignore_errors=True)
        return True
