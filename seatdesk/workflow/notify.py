"""Change announcements between seats.

PostgreSQL: every ledger row appended (one per workflow action) sends ``NOTIFY
seatdesk_cases`` from a trigger (migration 0002) with a small JSON payload ``{"id",
"n" (number), "v" (version = ledger seq), "s" (state), "a" (action)}``; notifications are
part of the transaction, so listeners hear only about committed changes.
``CaseListener`` is a plain psycopg LISTEN connection a seat runs on a worker thread.

SQLite (one workstation, or a shared file): no NOTIFY — seats poll
``queries.changes_since`` with the last ``updated_at`` they saw (indexed, cheap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Self

import psycopg
from sqlalchemy.engine import make_url

from seatdesk.models.enums import CaseState

CHANNEL = "seatdesk_cases"  # the channel the ledger trigger notifies
#: the changes that can touch a supervisor's 核实/核查 task list — a case entering or
#: staying in a task state, or an action that sends, answers, voids or merges a task: the
#: ledger trigger announces these on ``TASKS_CHANNEL`` as well as on ``CHANNEL``, so the
#: intake server's change feed (server/feed.py) is woken for them only, not for every
#: report registered (migration 0024)
TASKS_CHANNEL = "seatdesk_tasks"
TASK_STATES = frozenset({CaseState.PENDING_VERIFICATION.value, CaseState.PENDING_CHECK.value})
TASK_ACTIONS = frozenset({"send_verification", "verify", "void", "merge", "send_check",
                          "check_pass", "check_fail"})
#: a supervisor's position was recorded (payload: the user id; migration 0006)
POSITIONS_CHANNEL = "seatdesk_positions"
#: a user's role, department, active flag or login changed (payload ``{"id": user id}``;
#: seatdesk/workflow/dbrules/ledger_sql.py): their seats sign them out
USERS_CHANNEL = "seatdesk_users"

__all__ = ["CHANNEL", "POSITIONS_CHANNEL", "TASKS_CHANNEL", "TASK_ACTIONS", "TASK_STATES",
           "USERS_CHANNEL", "CaseListener", "CaseNotice", "parse_notice", "parse_user"]


@dataclass(frozen=True)
class CaseNotice:
    case_id: int
    number: str
    version: int
    state: str
    action: str


#: a row id a notification may name: PostgreSQL's ``bigint`` (ids are positive)
MAX_ID = 2**63 - 1


def _row_id(value: object, lowest: int = 1) -> int:
    """An id as the database could hold it — a JSON integer in 1..2^63-1 — or ValueError
    (``true``, ``1.5``, ``"7"``, ``1e400``, ``-3``, ``10**30`` are none)."""
    if type(value) is not int or not lowest <= value <= MAX_ID:
        raise ValueError(value)
    return value


def _payload(payload: str) -> dict:
    """The JSON object of a notification, or ValueError. Any login can NOTIFY on any
    channel (PostgreSQL puts no privilege on it), so a payload is a stranger's text:
    ``json.loads`` of a deeply nested array raises RecursionError, ``int()`` of ``1e400``
    OverflowError — neither may escape to the listener's thread."""
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def parse_notice(payload: str) -> CaseNotice | None:
    """The notice of a ``seatdesk_cases`` notification, or None for anything the ledger
    trigger would not send. Only a hint: listeners use the case id to know what to re-read
    (and the state and action to know whose lists it may touch), never show the payload."""
    try:
        data = _payload(payload)
        return CaseNotice(_row_id(data["id"]), str(data["n"]), _row_id(data["v"], 0),
                          str(data["s"]), str(data["a"]))
    except (ValueError, KeyError, TypeError):
        return None


def parse_user(payload: str) -> int | None:
    """The user id of a ``seatdesk_users`` notification (None for anything else): a hint
    to re-check that user's record, never a verdict (a forged one names any user)."""
    try:
        return _row_id(_payload(payload)["id"])
    except (ValueError, KeyError, TypeError):
        return None


def libpq_dsn(database_url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://…``) as a libpq connection string."""
    url = make_url(database_url)
    if not url.get_backend_name().startswith("postgresql"):
        raise ValueError("NOTIFY/LISTEN 只在 PostgreSQL 上可用；SQLite 请轮询 changes_since")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class CaseListener:
    """``with CaseListener(url) as listener: notices = listener.wait(1.0)``.

    ``also`` names more channels to LISTEN on; their notifications are kept in
    ``other`` as ``(channel, payload)`` for the caller to take."""

    def __init__(self, database_url: str, channel: str = CHANNEL, also: tuple[str, ...] = ()):
        self.channel = channel
        self.other: list[tuple[str, str]] = []
        self.conn = psycopg.connect(libpq_dsn(database_url), autocommit=True)
        for name in (channel, *also):
            self.conn.execute(f'LISTEN "{name}"')

    def wait(self, timeout: float = 1.0, max_notices: int | None = None) -> list[CaseNotice]:
        """Notices received within ``timeout`` seconds (returns early after ``max_notices``)."""
        found = []
        for note in self.conn.notifies(timeout=timeout, stop_after=max_notices):
            if note.channel != self.channel:
                self.other.append((note.channel, note.payload))
                continue
            notice = parse_notice(note.payload)
            if notice is not None:
                found.append(notice)
        return found

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
