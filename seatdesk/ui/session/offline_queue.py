"""The intake outbox: hotline reports saved while the database is unreachable (Qt-free).

An ``IntakeDraft`` is everything the call-taker typed, attachments included. When a save
cannot reach the database the draft is written as one JSON file to
``seatdesk.config.data_dir()/outbox`` (write to a temporary file, then rename: a crash
never leaves half a file) and stays there until it has been registered. When the
connection returns the seat submits each draft, checking for duplicates at that moment.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from seatdesk.config import data_dir
from seatdesk.workflow import services as sd

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
    """Drafts waiting for the database, one JSON file each, oldest first."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory or data_dir() / "outbox"
        self.directory.mkdir(parents=True, exist_ok=True)

    def save(self, draft: IntakeDraft) -> Path:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(draft.to_json(), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def drafts(self) -> list[tuple[Path, IntakeDraft]]:
        found = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                found.append((path, IntakeDraft.from_json(path.read_text(encoding="utf-8"))))
            except (ValueError, KeyError, TypeError):
                continue  # not ours or damaged: left in place for a person to look at
        return found

    def count(self) -> int:
        return len(list(self.directory.glob("*.json")))

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)
