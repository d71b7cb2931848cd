"""The Debian package for ``tests/test_package.py``, built in the background from the start
of the session: ``scripts/build-deb`` spends a minute and a half mostly installing wheels
and compiling byte code, and the suite's GUI and database tests spend much of their time
waiting, so the build overlaps them instead of holding the suite when the package tests
are reached. It runs under ``nice`` so that the tests beside it keep the cores first.

With ``pytest -n`` (pytest-xdist, as ``make test`` runs the suite) the controller starts
the one build as soon as a worker reports a package test among its collected tests, in a
folder it names in ``SEATDESK_TEST_DEB_DIR`` before the workers start; the worker that
runs the package tests waits for the build's exit code in that folder (``rc``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1]
PACKAGE_TESTS = "tests/test_package.py"
DIR_VARIABLE = "SEATDESK_TEST_DEB_DIR"


class BackgroundBuild:
    """``scripts/build-deb`` into ``out``; its exit code lands in ``out/rc`` when done."""

    def __init__(self, out: Path) -> None:
        self.out = out
        env = dict(os.environ, DEB_OUT=str(out), DEB_COMPRESS="none")
        env.pop("PYTHONPATH", None)  # the package's own pip must see only its own venv
        (out / "started").touch()
        self._proc = subprocess.Popen(
            ["sh", "-c", 'nice -n 10 "$0" > "$DEB_OUT/build.log" 2>&1; '
                         'echo $? > "$DEB_OUT/rc.part" && mv "$DEB_OUT/rc.part" "$DEB_OUT/rc"',
             str(SOURCE / "scripts" / "build-deb")],
            env=env, start_new_session=True)

    def close(self) -> None:
        if self._proc.poll() is None:
            os.killpg(self._proc.pid, 15)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, 9)


def wait_for(out: Path, timeout: float = 1200) -> Path:
    """The package built into ``out``; fails with the end of the build's output if the
    build failed."""
    deadline = time.monotonic() + timeout
    while not (out / "rc").exists():
        assert time.monotonic() < deadline, f"scripts/build-deb still running after {timeout} s"
        time.sleep(0.5)
    code = int((out / "rc").read_text().strip() or "1")
    log = (out / "build.log").read_text(errors="replace") if (out / "build.log").exists() else ""
    assert code == 0, f"scripts/build-deb exited {code}:\n{log[-6000:]}"
    return next(out.glob("seatdesk_*.deb"))


_out: Path | None = None
_build: BackgroundBuild | None = None


def prepare() -> None:
    """In the controller (or the only process): name the build folder for every worker."""
    global _out
    if _out is None and not os.environ.get("SEATDESK_TEST_DEB"):
        _out = Path(tempfile.mkdtemp(prefix="seatdesk-deb-"))
        os.environ[DIR_VARIABLE] = str(_out)


def start_if_needed(nodeids) -> None:
    """Start the build once, when a package test was collected and no package was given."""
    global _build
    if (_build is None and _out is not None
            and any(n.startswith(PACKAGE_TESTS) for n in nodeids)):
        _build = BackgroundBuild(_out)


def package() -> Path:
    given = os.environ.get("SEATDESK_TEST_DEB")
    if given:
        return Path(given)
    out = Path(os.environ[DIR_VARIABLE]) if os.environ.get(DIR_VARIABLE) else None
    if out is None or not (out / "started").exists():
        # not started at collection (a package test run some other way): build it now
        global _build
        out = out or Path(tempfile.mkdtemp(prefix="seatdesk-deb-"))
        _build = BackgroundBuild(out)
    return wait_for(out)


def finish() -> None:
    """In the controller (or the only process): stop a build still running, remove it."""
    global _build, _out
    if _build is not None:
        _build.close()
        _build = None
    if _out is not None:
        shutil.rmtree(_out, ignore_errors=True)
        os.environ.pop(DIR_VARIABLE, None)
        _out = None
