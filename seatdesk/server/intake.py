"""Registering a report from outside, exactly once, through the workflow's own
``register`` (rules, roles, ledger, NOTIFY; the duplicate search for a handset, whose
answer lists the candidates — a partner's answer does not, so its report is searched
where a seat decides on it, at 受理).

Every channel's idempotency key goes through the same mechanism — ``cases.intake_key``,
unique in the database — namespaced by who sent it, so two partners (or two
supervisors) can never collide: ``field:<user id>:<report id>``,
``open311:<partner>:idem:<Idempotency-Key>``, ``open311:<partner>:ext:<own id>``,
``12345:<partner>:<order no>``.
"""

from __future__ import annotations

import dataclasses
import hashlib

from seatdesk.workflow import services as sd
from seatdesk.workflow.registration import INTAKE_KEY_MAX, OnRegistered

from .identity import DatabaseIdentity, Principal


def intake_key(*parts: str) -> str:
    """Join the parts; a key longer than the column is shortened by a digest of its tail
    (still unique, still the same for the same parts)."""
    key = ":".join(parts)
    if len(key) <= INTAKE_KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return key[:INTAKE_KEY_MAX - 33] + "~" + digest


def register(identity: DatabaseIdentity, principal: Principal, report: sd.Report,
             key: str | None, on_registered: OnRegistered | None = None, *,
             duplicates: bool = True) -> sd.CaseChange:
    """``register`` as ``principal`` with the idempotency key ``key`` (None: none);
    ``duplicates=False`` for a caller whose answer does not list the candidates."""
    report = dataclasses.replace(report, intake_key=key)
    return sd.register(identity.workflow(principal), principal.actor, report,
                       on_registered=on_registered, duplicates=duplicates)
