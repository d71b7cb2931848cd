"""Save screenshots of windows and dialogs (run by the test suite, kept in docs/screenshots)."""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_dir() -> Path:
    path = Path(os.environ.get("SEATDESK_SCREENSHOTS", SCREENSHOTS))
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(widget, name: str) -> Path:
    """Grab ``widget`` (offscreen works) and write ``<name>.png``."""
    path = screenshot_dir() / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path
