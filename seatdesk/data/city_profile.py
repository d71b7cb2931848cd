"""The city profile: which city the centre manages and how its codes are written (Qt-free).

Kept as settings, shown and changed by ``seatdesk city …`` and the administration screen
"城市配置":

- ``grid_code_length``: 14 digits (CJ/T 213-2005: 12-digit community + 2-digit cell
  number, still used by many cities) or 15 (GB/T 30428.1-2013 / GB/T 47678: community +
  3 digits). Unset (``None``, the default), it **follows the classification edition**:
  14 for the four-digit lineage (GB/T 30428.2-2013, CJ/T 214-2007), 15 for GB/T
  47678.5-2026. A city whose codes differ sets it explicitly.
- ``city_extent``: the city's bounding box in lon/lat (min lon, min lat, max lon, max
  lat); grid cells outside it are refused by the importer, naming the feature. ``None``
  switches the check off. The default is 溧阳市 (Liyang) with a small margin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import ClassEdition, get_setting, set_setting

from .admin import Actor, AdminValidationError, require_admin

GRID_CODE_LENGTHS = (14, 15)
#: a class code of this many digits comes with grid codes of that many (see the docstring)
EDITION_GRID_LENGTH = {4: 14, 5: 15}
_FOUR_NUMBERS = "本市范围应为四个数：最小经度 最小纬度 最大经度 最大纬度"
GRID_STANDARDS = {14: "CJ/T 213-2005", 15: "GB/T 30428.1-2013 / GB/T 47678"}


@dataclass(frozen=True)
class CityProfile:
    centre_name: str
    admin_code: str
    edition: str
    grid_code_length: int
    follows_edition: bool  # True when grid_code_length is not set explicitly
    extent: tuple[float, float, float, float] | None

    def lines(self) -> list[str]:
        how = "跟随分类版本" if self.follows_edition else "已单独设置"
        box = ("未设置（不检查）" if self.extent is None
               else "经度{:g}–{:g}，纬度{:g}–{:g}".format(*self._ordered_extent()))
        return [f"指挥中心：{self.centre_name}", f"行政区划代码：{self.admin_code}",
                f"分类版本：{self.edition}",
                f"单元网格代码：{self.grid_code_length}位（{how}，"
                f"{GRID_STANDARDS[self.grid_code_length]}）",
                f"本市范围：{box}"]

    def _ordered_extent(self) -> tuple[float, float, float, float]:
        minx, miny, maxx, maxy = self.extent
        return minx, maxx, miny, maxy


def load_profile(session: Session) -> CityProfile:
    explicit = get_setting(session, "grid_code_length")
    edition = str(get_setting(session, "class_edition"))
    extent = get_setting(session, "city_extent")
    length = int(explicit) if explicit else edition_grid_length(session, edition)
    return CityProfile(str(get_setting(session, "centre_name")),
                       str(get_setting(session, "admin_code")), edition, length,
                       not explicit, tuple(float(v) for v in extent) if extent else None)


def edition_grid_length(session: Session, edition: str) -> int:
    """The grid code length that goes with a classification edition (15 if unknown)."""
    digits = session.scalar(select(ClassEdition.class_code_length)
                            .where(ClassEdition.code == edition))
    if digits is None:
        digits = 4 if "30428" in edition else 5
    return EDITION_GRID_LENGTH.get(int(digits), 15)


def grid_code_length(session: Session) -> int:
    return load_profile(session).grid_code_length


def set_grid_code_length(session: Session, actor: Actor | None, value: int | str | None
                         ) -> CityProfile:
    """14, 15, or None/"edition" (follow the classification edition). ``actor`` None:
    the command line, run with the database's own credentials."""
    if actor is not None:
        require_admin(session, actor, "设置单元网格代码位数")
    if value in (None, "", "edition", "跟随分类版本"):
        set_setting(session, "grid_code_length", None)
    else:
        try:
            length = int(value)
        except (TypeError, ValueError):
            length = 0
        if length not in GRID_CODE_LENGTHS:
            raise AdminValidationError(f"单元网格代码位数“{value}”无效：应为14、15，"
                                       "或 edition（跟随分类版本）")
        set_setting(session, "grid_code_length", length)
    session.flush()
    return load_profile(session)


def set_extent(session: Session, actor: Actor | None, extent: Sequence[float] | None
               ) -> CityProfile:
    """The city's lon/lat bounding box (min lon, min lat, max lon, max lat), or None."""
    if actor is not None:
        require_admin(session, actor, "设置本市范围")
    if extent is None:
        set_setting(session, "city_extent", None)
    else:
        set_setting(session, "city_extent", list(_checked_extent(extent)))
    session.flush()
    return load_profile(session)


def _checked_extent(extent: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        minx, miny, maxx, maxy = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise AdminValidationError(_FOUR_NUMBERS) from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise AdminValidationError("本市范围必须是有限的数值")
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise AdminValidationError("本市范围无效：应为 最小经度 最小纬度 最大经度 最大纬度"
                                   "（经度−180～180，纬度−90～90，最小值小于最大值）")
    return minx, miny, maxx, maxy


def outside(bounds: tuple[float, float, float, float],
            extent: tuple[float, float, float, float] | None) -> bool:
    """Does a geometry with ``bounds`` reach outside the city's extent?"""
    if extent is None:
        return False
    minx, miny, maxx, maxy = bounds
    return minx < extent[0] or miny < extent[1] or maxx > extent[2] or maxy > extent[3]
