"""Text fields as the interfaces accept them: bounded, no control characters (NUL and the
like are refused with a message on both backends instead of failing in the database).
Line breaks and tabs are allowed in multi-line text only."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_LINE = r"^[^\x00-\x1f\x7f]*$"


def text(max_length: int, **kw):
    """Multi-line text (descriptions, notes)."""
    return Annotated[str, Field(max_length=max_length, pattern=_TEXT, **kw)]


def line(max_length: int, **kw):
    """One line (names, addresses, phone numbers, codes)."""
    return Annotated[str, Field(max_length=max_length, pattern=_LINE, **kw)]


def has_control(value: str) -> bool:
    return bool(CONTROL.search(value))
