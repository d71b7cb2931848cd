"""Plain frozen values crossing the service boundary: who acts, and what changed.

Services never hand ORM objects to callers; they return these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .duplicates import DuplicateCandidate


@dataclass(frozen=True)
class Actor:
    """Who is acting: the logged-in user, the role they act in, their department and seat.

    ``department_id`` is the user's department: a 专业部门 for department users, a
    district command centre (二级平台) for district dispatchers, the city centre or
    ``None`` for city roles.
    """

    user_id: int
    role: str
    department_id: int | None = None
    seat: str = ""

    @classmethod
    def from_login(cls, logged_in: Any, seat: str = "") -> Actor:
        """From ``seatdesk.workflow.auth.LoggedIn`` (or anything with the same fields)."""
        return cls(logged_in.user_id, logged_in.role, logged_in.department_id, seat)


@dataclass(frozen=True)
class CaseChange:
    """The result of one workflow action (one transaction, one ledger row)."""

    case_id: int
    number: str
    action: str
    old_state: str
    new_state: str
    version: int
    at: dt.datetime
    ledger_seq: int
    changed_fields: tuple[str, ...] = ()
    deadline_at: dt.datetime | None = None
    duplicates: tuple[DuplicateCandidate, ...] = field(default=())
    #: a registration repeated with the same intake key: nothing new was written
    replayed: bool = False


@dataclass(frozen=True)
class AttachmentIn:
    """A photo, recording or other file to store with an action (bytes kept in the DB)."""

    kind: str  # photo | audio | other (AttachmentKind)
    filename: str
    mime_type: str
    content: bytes
