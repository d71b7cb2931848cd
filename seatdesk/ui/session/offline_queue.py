"""The intake outbox: hotline reports saved while the database is unreachable (Qt-free).

An ``IntakeDraft`` is everything the call-taker typed, attachments included, with its
``intake_key``. When a save cannot reach the database — or the connection was lost while
it was being committed, so nobody knows whether it landed — the draft goes to the outbox,
one SQLite file on this computer (``data_dir()/outbox.sqlite3``, WAL, ``synchronous=FULL``:
a report whose save returned is on disk, whatever happens to the seat or the machine
next), and stays there until it has been registered. When the connection returns the seat
submits the drafts oldest first; the key makes a report that did land return its case
instead of a second one.

The outbox belongs to a user of a database (``draft_store.Owner``): another user or
another database on the same workstation never submits someone else's reports. Reports
left as JSON files by earlier versions (``data_dir()/outbox/*.json``) are moved in.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from seatdesk.config import data_dir
from seatdesk.workflow import services as sd

from seatdesk.ui.session.draft_store import Owner, connect_durable, create_durable

FORMAT = 1


@dataclass(frozen=True)
class DraftFile:
    kind: str  # photo | audio | other
    filename: str
    mime_type: str
    content: bytes

    def to_json(self) -> dict:
        return {"kind": self.kind, "filename": self.filename, "mime_type": self.mime_type,
                "content": base64.b64encode(self.content).decode("ascii")}

    @classmethod
    def from_json(cls, data: dict) -> DraftFile:
        return cls(data["kind"], data["filename"], data["mime_type"],
                   base64.b64decode(data["content"]))


def new_intake_key() -> str:
    """A client-generated UUID for one report, from the first keystroke to its registration:
    the same key in the local draft, in the outbox and as the registration's idempotency
    key (``Report.intake_key``, unique in the database), so a save retried after a crash or
    a lost connection never makes a second case."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class IntakeDraft:
    """One hotline report as typed (``lon``/``lat`` None until a location is chosen)."""

    source: str = "hotline_12319"
    caller_name: str = ""
    caller_phone: str = ""
    anonymous: bool = False
    callback_wanted: bool = False
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    class_id: int | None = None
    class_text: str = ""
    component_code: str = ""
    description: str = ""
    urgency: str = "normal"
    attachments: tuple[DraftFile, ...] = ()
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc)
                            .isoformat(timespec="seconds"))
    user_id: int | None = None
    intake_key: str = field(default_factory=new_intake_key)

    @property
    def located(self) -> bool:
        return self.lon is not None and self.lat is not None

    def is_empty(self) -> bool:
        blank = IntakeDraft(created_at=self.created_at, user_id=self.user_id,
                            source=self.source, urgency=self.urgency,
                            intake_key=self.intake_key)
        return self == blank

    def to_report(self) -> sd.Report:
        """The engine's ``Report`` (an anonymous caller leaves name and phone empty)."""
        anonymous = self.anonymous
        return sd.Report(
            source=self.source, lon=float(self.lon), lat=float(self.lat),
            address=self.address, description=self.description, class_id=self.class_id,
            urgency=self.urgency, component_code=self.component_code or None,
            caller_name="" if anonymous else self.caller_name.strip(),
            caller_phone="" if anonymous else self.caller_phone.strip(),
            callback_wanted=self.callback_wanted and not anonymous,
            intake_key=self.intake_key,
            attachments=tuple(sd.AttachmentIn(f.kind, f.filename, f.mime_type, f.content)
                              for f in self.attachments))

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["attachments"] = [f.to_json() for f in self.attachments]
        data["format"] = FORMAT
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> IntakeDraft:
        data = json.loads(text)
        data.pop("format", None)
        data["attachments"] = tuple(DraftFile.from_json(f) for f in data.get("attachments", ()))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class Outbox:
    """The owner's reports waiting for the database, oldest first, keyed by intake key
    (saving the same report again replaces it)."""

    def __init__(self, owner: Owner, path: Path | None = None):
        self.owner = owner
        self.path = path or data_dir() / "outbox.sqlite3"
        create_durable(self.path, SCHEMA)
        self._adopt_json_files(self.path.parent / "outbox")

    def _connect(self):
        return connect_durable(self.path)

    def save(self, draft: IntakeDraft) -> str:
        """Keep ``draft`` (durably); returns its key."""
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO outbox (database, user_id, intake_key, saved_at, draft) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (database, user_id, intake_key) "
                "DO UPDATE SET draft = excluded.draft",
                (self.owner.database, self.owner.user_id, draft.intake_key, _now(),
                 draft.to_json()))
        return draft.intake_key

    def drafts(self) -> list[tuple[str, IntakeDraft]]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT intake_key, draft FROM outbox WHERE database = ? AND user_id = ? "
                "ORDER BY seq", (self.owner.database, self.owner.user_id)).fetchall()
        found = []
        for key, text in rows:
            try:
                found.append((key, IntakeDraft.from_json(text)))
            except (ValueError, KeyError, TypeError):
                continue  # damaged: left in place for a person to look at
        return found

    def count(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT count(*) FROM outbox WHERE database = ? AND user_id = ?",
                                (self.owner.database, self.owner.user_id)).fetchone()[0]

    def remove(self, key: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM outbox WHERE database = ? AND user_id = ? AND "
                         "intake_key = ?", (self.owner.database, self.owner.user_id, key))

    def _adopt_json_files(self, directory: Path) -> None:
        """Move the owner's reports an earlier version kept as JSON files into the file."""
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
            try:
                draft = IntakeDraft.from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if draft.user_id in (None, self.owner.user_id):
                self.save(draft)
                path.unlink(missing_ok=True)


SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order the reports were saved in
    database TEXT NOT NULL,                 -- which database (URL without password)
    user_id INTEGER NOT NULL,
    intake_key TEXT NOT NULL,               -- the report's idempotency key
    saved_at TEXT NOT NULL,                 -- ISO 8601, UTC
    draft TEXT NOT NULL,                    -- IntakeDraft.to_json()
    UNIQUE (database, user_id, intake_key)
)
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
