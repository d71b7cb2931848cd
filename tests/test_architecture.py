"""Architecture rules: the Qt-free core never imports Qt (import-linter contracts)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 2 kept, 0 broken" in proc.stdout


def test_contract_catches_a_qt_import(tmp_path):
    """The forbidden contract is live: a Qt import in a core module breaks it. The probe
    goes into a copy of the package, never into the source tree (the suite runs in
    several processes, and the other contract test must not see it)."""
    shutil.copytree(ROOT / "seatdesk", tmp_path / "seatdesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "seatdesk" / "models" / "_qt_probe_for_test.py").write_text(
        "import PySide6.QtCore  # deliberately forbidden\n")
    exe = Path(sys.executable).with_name("lint-imports")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([str(exe), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, env=env)
    assert proc.returncode != 0
    assert "seatdesk.models._qt_probe_for_test -> PySide6" in proc.stdout
