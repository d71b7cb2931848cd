"""Administrative units a grid file refers to: found in the database or created from it.

A grid cell names its 社区 by a 12-digit code (GB/T 2260 county + GB/T 10114 street +
community). If the community is not in the database the file may create it: the cell
then also gives ``community_name``, and — when they are missing too — ``street_name``
(street = first 9 digits) and ``district_name`` (county = first 6 digits). Otherwise the
cell is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import AdminUnit
from seatdesk.models.enums import AdminLevel

from .errors import RowError

_LEVELS = ((AdminLevel.DISTRICT, 6, "district_name", "区/县"),
           (AdminLevel.STREET, 9, "street_name", "街道/镇"),
           (AdminLevel.COMMUNITY, 12, "community_name", "社区"))


@dataclass(frozen=True)
class PlannedUnit:
    level: AdminLevel
    code: str
    name: str
    parent_code: str | None
    feature: int


class AdminPlanner:
    """Checks community codes and plans the units a file creates (nothing written yet)."""

    def __init__(self, session: Session):
        self.existing = {u.code: (u.id, u.level) for u in session.scalars(select(AdminUnit))}
        self.planned: dict[str, PlannedUnit] = {}

    def require_community(self, code: str, props: dict[str, Any], feature: int) -> None:
        street_code = _text(props.get("street_code"))
        if street_code and street_code != code[:9]:
            raise RowError(f"street_code“{street_code}”与社区代码“{code}”的前9位不一致")
        pending: list[PlannedUnit] = []
        for level, length, name_key, label in reversed(_LEVELS):  # community first
            if self._known(level, code[:length], _text(props.get(name_key)), label):
                break
            pending.append(self._plan(level, code[:length], _text(props.get(name_key)),
                                      name_key, label, feature))
        self.planned.update((unit.code, unit) for unit in pending)  # all or nothing

    def _known(self, level: AdminLevel, code: str, name: str, label: str) -> bool:
        """True when the unit exists (its parents then exist too) or is already planned."""
        if code in self.existing:
            if self.existing[code][1] != level.value:
                raise RowError(f"行政区划代码“{code}”已存在，但不是{label}")
            return True
        planned = self.planned.get(code)
        if planned is not None and name and name != planned.name:
            raise RowError(f"{label}“{code}”的名称“{name}”与第{planned.feature}个要素的"
                           f"“{planned.name}”不一致")
        return planned is not None

    def _plan(self, level: AdminLevel, code: str, name: str, name_key: str, label: str,
              feature: int) -> PlannedUnit:
        if not name:
            raise RowError(f"{label}“{code}”不存在：请先导入行政区划，或在属性中给出{name_key}"
                           "以便一并创建")
        parent = None if level is AdminLevel.DISTRICT else code[: 6 if len(code) == 9 else 9]
        return PlannedUnit(level, code, name, parent, feature)

    def create(self, session: Session) -> dict[str, int]:
        """Insert the planned units (parents first); return every unit's id by code."""
        ids = {code: uid for code, (uid, _) in self.existing.items()}
        for unit in sorted(self.planned.values(), key=lambda u: len(u.code)):
            row = AdminUnit(level=unit.level.value, code=unit.code, name=unit.name,
                            parent_id=ids.get(unit.parent_code) if unit.parent_code else None)
            session.add(row)
            session.flush()
            ids[unit.code] = row.id
        return ids


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
