"""Writing validated 立案条件 specs: insert-only (the shipped defaults) or upsert (imports)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from seatdesk.models import FilingCondition, TimeLimit

from .conditions import ConditionSpec, LimitSpec


def insert_missing(session: Session, specs: list[ConditionSpec]) -> dict[str, int]:
    """Add the conditions whose (class, 立案明细编码) is not stored yet; touch nothing else."""
    existing = _existing(session, specs)
    new = [spec for spec in specs if (spec.class_id, spec.code) not in existing]
    session.add_all(_new_condition(spec) for spec in new)
    session.flush()
    return {"conditions_created": len(new), "limits": sum(len(s.limits) for s in new)}


def upsert(session: Session, specs: list[ConditionSpec]) -> dict[str, int]:
    """Create or update every condition of the file; for each class the file covers,
    conditions it no longer lists are deactivated (kept for the cases that use them)."""
    existing = _existing(session, specs)
    listed = {(s.class_id, s.code) for s in specs}
    created = updated = 0
    for spec in specs:
        row = existing.get((spec.class_id, spec.code))
        if row is None:
            session.add(_new_condition(spec))
            created += 1
        else:
            _update(session, row, spec)
            updated += 1
    stale = [row for key, row in existing.items() if key not in listed and row.active]
    for row in stale:
        row.active = False
    session.flush()
    counts = {"conditions_created": created, "conditions_updated": updated,
              "limits": sum(len(s.limits) for s in specs)}
    if stale:
        counts["conditions_deactivated"] = len(stale)
    return counts


def _existing(session: Session, specs: list[ConditionSpec]
              ) -> dict[tuple[int, str], FilingCondition]:
    class_ids = sorted({s.class_id for s in specs})
    found: dict[tuple[int, str], FilingCondition] = {}
    for start in range(0, len(class_ids), 500):
        chunk = class_ids[start:start + 500]
        query = (select(FilingCondition).where(FilingCondition.class_id.in_(chunk))
                 .options(selectinload(FilingCondition.limits)))
        found.update({(c.class_id, c.code): c for c in session.scalars(query)})
    return found


def _new_condition(spec: ConditionSpec) -> FilingCondition:
    condition = FilingCondition(class_id=spec.class_id, code=spec.code)
    _copy_fields(condition, spec)
    condition.limits = [_limit(limit) for limit in spec.limits]
    return condition


def _update(session: Session, row: FilingCondition, spec: ConditionSpec) -> None:
    _copy_fields(row, spec)
    row.limits.clear()
    session.flush()  # delete old limits before inserting new ones (unique urgency × zone)
    row.limits.extend(_limit(limit) for limit in spec.limits)


def _copy_fields(row: FilingCondition, spec: ConditionSpec) -> None:
    row.text = spec.text
    row.closure_condition = spec.closure
    row.responsible_unit = spec.responsible_unit
    row.is_default = spec.is_default
    row.source = spec.source
    row.sort_order = spec.sort_order
    row.active = spec.active


def _limit(limit: LimitSpec) -> TimeLimit:
    return TimeLimit(urgency=limit.urgency.value, zone=limit.zone, value=limit.value,
                     unit=limit.unit.value, is_default=limit.is_default)
