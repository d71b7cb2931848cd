"""Who acts, and as which database identity — decided here and nowhere else.

A request is made by a ``Principal``: a supervisor signed in on a handset, or a partner
system with its api_key. Both act as a user record (a partner has its own account, role
受理员), so workflow rules, roles and ledger rows are exactly a seat's; the ledger's seat
column names the channel and device (``城管通/<device>``, ``Open311/<partner>``,
``12345/<partner>``).

``DatabaseIdentity.workflow(principal)`` is the one place that chooses the database
connection a principal's actions run on. Today every principal runs on the server's own
connection (the URL given to ``seatdesk serve``); when the database knows each operator
(docs/security.md) this is where the server switches to acting as them.
"""

from __future__ import annotations

from dataclasses import dataclass

from seatdesk.workflow import services as sd

FIELD, PARTNER = "field", "partner"
SEAT_MAX = 64


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    kind: str  # field | partner
    user_id: int
    role: str
    department_id: int | None
    name: str  # user name or partner code: what the access log shows
    channel: str  # written to the ledger's seat column
    session_id: int | None = None  # handset sign-in
    partner_id: int | None = None
    source: str = ""  # the case source of a partner's reports

    @property
    def actor(self) -> sd.Actor:
        return sd.Actor(self.user_id, self.role, self.department_id, self.channel[:SEAT_MAX])

    @property
    def log_name(self) -> str:
        return f"{self.kind}:{self.name}"


def field_channel(device_id: str) -> str:
    return f"城管通/{device_id}" if device_id else "城管通"


def partner_channel(kind: str, code: str) -> str:
    return f"{'12345' if kind == 'hotline12345' else 'Open311'}/{code}"


class DatabaseIdentity:
    """Maps a principal to the ``Workflow`` (engine) its actions run on."""

    def __init__(self, wf: sd.Workflow):
        self.wf = wf

    def workflow(self, principal: Principal | None = None) -> sd.Workflow:
        """The workflow a principal acts through (reads without a principal use it too)."""
        return self.wf
