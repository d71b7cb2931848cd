"""Changing centre settings with a record: the ledger of settings (Qt-free).

``change_setting`` writes a setting only when its value differs from what is stored and
appends a ``SettingChange`` row (old value, new value, who, through what). A value equal
to the stored one changes nothing and records nothing, so re-running ``seatdesk setup``
with the same profile leaves the database as it was. A setting never stored before is
recorded with ``old_value`` NULL (it was the built-in default) even when the value equals
the default: after set-up the configuration is explicit in the database.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import Setting, SettingChange, set_setting


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def change_setting(session: Session, key: str, value: Any, *, changed_by: str,
                   via: str) -> bool:
    """Store ``value`` under ``key`` if it differs; True when something changed."""
    row = session.get(Setting, key)
    old = None if row is None else canonical(json.loads(row.value))
    new = canonical(value)
    if old == new:
        return False
    set_setting(session, key, value)
    session.add(SettingChange(key=key, old_value=old, new_value=new,
                              changed_by=changed_by[:100], via=via[:40]))
    session.flush()
    return True


def who_runs_this() -> str:
    """The operating-system account running a command, for ``changed_by``."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry in a container
        return "unknown"


@dataclass(frozen=True)
class SettingChangeInfo:
    at: dt.datetime
    key: str
    old_value: Any
    new_value: Any
    changed_by: str
    via: str


def setting_history(session: Session, key: str | None = None) -> tuple[SettingChangeInfo, ...]:
    """Every recorded change (of one key), oldest first."""
    query = select(SettingChange).order_by(SettingChange.id)
    if key is not None:
        query = query.where(SettingChange.key == key)
    return tuple(SettingChangeInfo(c.at, c.key, None if c.old_value is None
                                   else json.loads(c.old_value), json.loads(c.new_value),
                                   c.changed_by, c.via) for c in session.scalars(query))
