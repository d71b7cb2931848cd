"""The Debian package for ``tests/test_package.py``, built in the background from the start
of the session: ``scripts/build-deb`` spends a minute and a half mostly installing wheels
and compiling byte code, and the suite's GUI and database tests spend much of their time
waiting, so the build overlaps them instead of holding the suite when the package tests
are reached. It runs under ``nice`` so that the tests beside it keep the cores first."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1]


class BackgroundBuild:
    def __init__(self) -> None:
        self.out = Path(tempfile.mkdtemp(prefix="seatdesk-deb-"))
        self._log = open(self.out / "build.log", "w+")
        env = dict(os.environ, DEB_OUT=str(self.out), DEB_COMPRESS="none")
        env.pop("PYTHONPATH", None)  # the package's own pip must see only its own venv
        self._proc = subprocess.Popen(
            ["nice", "-n", "10", str(SOURCE / "scripts" / "build-deb")], env=env,
            stdout=self._log, stderr=subprocess.STDOUT, text=True)

    def result(self, timeout: float = 1200) -> Path:
        """The built package; fails with the end of the build's output if it failed."""
        code = self._proc.wait(timeout=timeout)
        self._log.seek(0)
        assert code == 0, f"scripts/build-deb exited {code}:\n{self._log.read()[-6000:]}"
        return next(self.out.glob("seatdesk_*.deb"))

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._log.close()
        shutil.rmtree(self.out, ignore_errors=True)


_build: BackgroundBuild | None = None


def start_if_needed(items) -> None:
    """Start the build when a package test was collected and no package was given."""
    global _build
    if _build is None and not os.environ.get("SEATDESK_TEST_DEB") and any(
            item.nodeid.startswith("tests/test_package.py") for item in items):
        _build = BackgroundBuild()


def package() -> Path:
    given = os.environ.get("SEATDESK_TEST_DEB")
    if given:
        return Path(given)
    global _build
    if _build is None:  # not started at collection (a package test run some other way)
        _build = BackgroundBuild()
    return _build.result()


def finish() -> None:
    global _build
    if _build is not None:
        _build.close()
        _build = None
