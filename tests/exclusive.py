"""One test at a time on a resource the whole run shares: the suite's streaming replica
(paused, stopped and started by the replica tests) and a test's own PostgreSQL port.
``make test`` runs the suite in two processes (pytest-xdist); a lock file held with
``flock`` for the test's duration makes the other process wait for its turn, whichever way
the tests were distributed. Released by the kernel if the process dies."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


def _lock_path(resource: str) -> Path:
    return Path(tempfile.gettempdir()) / f"seatdesk-test-{resource}.lock"


@contextlib.contextmanager
def exclusive(resource: str):
    with open(_lock_path(resource), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replica_resource() -> str:
    """The suite's replica, named by its port (two checkouts' suites have two replicas)."""
    url = os.environ.get("SEATDESK_TEST_READ_DATABASE_URL", "")
    return f"replica-{make_url(url).port if url else 'none'}"
