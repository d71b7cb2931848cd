"""Our case states as Open311 sees them: ``open``/``closed`` (GeoReport v2) and the
mySociety extended status (servicerequestupdates, lower case). The table is documented
in docs/api.md; a test keeps it complete."""

from __future__ import annotations

from seatdesk.models.enums import CaseState as S

#: state → (GeoReport status, extended status)
STATUS = {
    S.REPORTED: ("open", "open"),
    S.PENDING_VERIFICATION: ("open", "investigating"),
    S.ACCEPTED: ("open", "investigating"),
    S.FILED: ("open", "action_scheduled"),
    S.AT_DISTRICT: ("open", "action_scheduled"),
    S.DISPATCHED: ("open", "in_progress"),
    S.RETURN_REQUESTED: ("open", "in_progress"),
    S.EXTENSION_REQUESTED: ("open", "in_progress"),
    S.SUSPENSION_REQUESTED: ("open", "in_progress"),
    S.SUSPENDED: ("open", "action_scheduled"),
    S.VOID_REQUESTED: ("open", "in_progress"),
    S.FEEDBACK: ("open", "in_progress"),
    S.PENDING_CHECK: ("open", "in_progress"),
    S.READY_TO_CLOSE: ("open", "in_progress"),
    S.CLOSED: ("closed", "fixed"),
    S.VOIDED: ("closed", "no_further_action"),
    S.NOT_FILED: ("closed", "not_councils_responsibility"),
    S.MERGED: ("closed", "duplicate"),
}


def status(state: str) -> str:
    return STATUS.get(state, ("open", "open"))[0]


def extended(state: str) -> str:
    return STATUS.get(state, ("open", "open"))[1]


def states_with(status_value: str) -> tuple[str, ...]:
    return tuple(state for state, (plain, _ext) in STATUS.items() if plain == status_value)
