"""Hash chain of the case ledger (电子台账).

Each row's hash covers its own content and its predecessor's hash; the case row
keeps the head. Deleting, editing or reordering any row breaks the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical_payload(payload: dict[str, Any] | None) -> str:
    return json.dumps(payload or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def entry_hash(
    *,
    prev_hash: str,
    case_number: str,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_role: str,
    seat: str,
    action: str,
    from_state: str,
    to_state: str,
    reason: str,
    payload: str,
) -> str:
    at_utc = at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    material = "\x1f".join(
        [prev_hash, case_number, str(seq), at_utc, str(actor_id or ""), actor_role, seat, action,
         from_state, to_state, reason, payload]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
