"""Drafts on this computer: what a user typed and has not saved yet (Qt-free).

An unsaved hotline report or the text of an open action dialog is written here while it
is typed (``draft_keeper`` debounces), so a sign-out, a closed window, a crash, SIGKILL or
a power cut never loses it; the user gets it back at the next sign-in.

One SQLite file in the user's data directory, ``data_dir()/drafts.sqlite3``, in WAL mode
with ``synchronous=FULL``: a write that returned is on disk. Drafts belong to a user of a
database (``owner``: the database URL without password, and the user id), so two
databases on one workstation never see each other's drafts. Every call opens its own
connection, so the store may be used from any thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seatdesk.config import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    key TEXT NOT NULL,            -- intake:<intake_key> | action:<case id>:<action>
    database TEXT NOT NULL,       -- which database (URL without password)
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,           -- intake | action
    case_id INTEGER,              -- action drafts: the case and the action
    action TEXT,
    summary TEXT NOT NULL,        -- one line for the list of drafts
    payload TEXT NOT NULL,        -- JSON: the fields as typed
    updated_at TEXT NOT NULL,     -- ISO 8601, UTC
    PRIMARY KEY (database, user_id, key)
)
"""


@dataclass(frozen=True)
class Owner:
    """Whose drafts: a user of one database."""

    database: str
    user_id: int


@dataclass(frozen=True)
class Draft:
    key: str
    kind: str  # intake | action
    summary: str
    payload: dict
    updated_at: dt.datetime
    case_id: int | None = None
    action: str | None = None


def intake_key_of(intake_key: str) -> str:
    return f"intake:{intake_key}"


def action_key_of(case_id: int, action: str) -> str:
    return f"action:{case_id}:{action}"


def create_durable(path: Path, schema: str) -> None:
    """Create the SQLite file at ``path`` (WAL) with ``schema`` if it is not there yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with connect_durable(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(schema)


@contextlib.contextmanager
def connect_durable(path: Path) -> Iterator[sqlite3.Connection]:
    """One transaction on its own connection with ``synchronous=FULL``: committed, and on
    disk, when the block is left."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        with conn:
            yield conn
    finally:
        conn.close()


class DraftStore:
    def __init__(self, path: Path | None = None):
        self.path = path or data_dir() / "drafts.sqlite3"
        create_durable(self.path, SCHEMA)

    def _connect(self):
        return connect_durable(self.path)

    def save(self, owner: Owner, key: str, kind: str, summary: str, payload: dict, *,
             case_id: int | None = None, action: str | None = None) -> None:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO drafts (key, database, user_id, kind, case_id, action, summary, "
                "payload, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (database, user_id, key) DO UPDATE SET summary = excluded.summary, "
                "payload = excluded.payload, updated_at = excluded.updated_at",
                (key, owner.database, owner.user_id, kind, case_id, action, summary,
                 json.dumps(payload, ensure_ascii=False), now))

    def delete(self, owner: Owner, *keys: str) -> None:
        with self._connect() as conn:
            conn.executemany("DELETE FROM drafts WHERE database = ? AND user_id = ? AND key = ?",
                             [(owner.database, owner.user_id, key) for key in keys])

    def drafts(self, owner: Owner) -> list[Draft]:
        """The owner's drafts, newest first (a damaged row is skipped, not lost)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT key, kind, summary, payload, updated_at, case_id, action FROM drafts "
                "WHERE database = ? AND user_id = ? ORDER BY updated_at DESC, key",
                (owner.database, owner.user_id)).fetchall()
        found = []
        for key, kind, summary, payload, updated_at, case_id, action in rows:
            try:
                found.append(Draft(key, kind, summary, json.loads(payload),
                                   dt.datetime.fromisoformat(updated_at), case_id, action))
            except ValueError:
                continue
        return found

    def get(self, owner: Owner, key: str) -> Draft | None:
        return next((d for d in self.drafts(owner) if d.key == key), None)
