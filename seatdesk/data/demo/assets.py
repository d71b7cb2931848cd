"""Demo components (管理部件): every component class of the edition, placed along streets.

Counts per class follow rough field-survey proportions [E]: street trees, lamps, gullies,
manhole covers, bins and signs are frequent; every other class gets at least one item.
Water structures sit along the rivers, green-space items in the parks and along streets,
the rest along streets with a small lateral offset (covers close to the carriageway).

标识码 (17 digits, GB/T 47678.5-2026) = 6-digit county code 320481 + 5-digit class code
+ 6-digit serial per class. Owner, property and maintainer departments come from the
class (``demo_org.department_for_class``); the grid cell is the cell containing the point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from seatdesk.data.demo.geo import DISTRICT_CODE, GeoPlan
from seatdesk.data.demo.org import department_for_class
from seatdesk.data.demo.roads import PointSampler, networks

# (name keyword, relative weight); the first match wins, unmatched classes weigh 0.3
WEIGHTS: tuple[tuple[str, float], ...] = (
    ("路灯井盖", 4), ("路灯配电箱", 1), ("行道树", 80), ("路灯", 45), ("雨水箅子", 30),
    ("垃圾箱", 25), ("雨水井盖", 22),
    ("污水井盖", 20), ("交通标志牌", 14), ("树池", 12), ("供水井盖", 10), ("电力井盖", 10),
    ("通信井盖", 10), ("电力立杆", 10), ("门（楼号）牌", 10), ("通信立杆", 8), ("护树", 8),
    ("交通护栏", 8), ("燃气井盖", 6), ("路名牌", 6), ("消防设施", 5), ("存车支架", 5),
    ("便道桩", 5), ("监控电子眼", 4), ("交通信号灯", 3), ("公交站", 3),
    ("井盖", 2), ("立杆", 2), ("绿地护栏", 2), ("非机动车停放点", 2), ("街头座椅", 2),
)
DEFAULT_WEIGHT = 0.3
WATER_WORDS = ("水域", "防汛墙", "跨河", "栈桥", "港监", "排水泵站", "雨污水排放口", "防汛监测")
GREEN_WORDS = ("古树", "独立树", "雕塑", "喷泉", "花架", "绿地", "林地", "座椅", "休息亭")
COVER_WORDS = ("井盖", "箅子", "盖板")
STATUSES = (("intact", 0.94), ("damaged", 0.045), ("lost", 0.015))
DATA_SOURCES = (("实测", 0.85), ("地形图", 0.10), ("其他", 0.05))
SURVEY_START, SURVEY_DAYS = dt.date(2012, 6, 1), 122  # 部件普查, summer 2012 (plan §四)


@dataclass(frozen=True)
class ClassRef:
    """A case class as the generator needs it (``id`` is the database id, or any key)."""

    id: int
    code: str
    name: str
    kind: str  # component | event


@dataclass(frozen=True)
class ComponentPlan:
    """Columnar plan of every component: parallel sequences, one entry per component."""

    class_index: np.ndarray  # into the ``classes`` list given to ``plan_components``
    codes: tuple[str, ...]
    names: tuple[str, ...]
    departments: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    cell: np.ndarray  # into GeoPlan.cells
    status: tuple[str, ...]
    initial_date: tuple[dt.date, ...]
    changed_date: tuple[dt.date | None, ...]
    data_source: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)


def class_weight(name: str) -> float:
    for keyword, weight in WEIGHTS:
        if keyword in name:
            return float(weight)
    return DEFAULT_WEIGHT


def class_counts(classes: list[ClassRef], total: int) -> list[int]:
    """Components per class: proportional to the weights, at least one of every class."""
    weights = np.array([class_weight(c.name) for c in classes])
    raw = weights / weights.sum() * max(total, len(classes))
    counts = np.maximum(np.floor(raw).astype(int), 1)
    short = max(total, len(classes)) - int(counts.sum())
    if short > 0:  # largest remainders first, ties by class order
        order = np.lexsort((np.arange(len(classes)), -(raw - np.floor(raw))))
        counts[order[:short]] += 1
    elif short < 0:
        biggest = int(np.argmax(counts))
        counts[biggest] += short
    return counts.tolist()


def _layer(name: str) -> tuple[str, tuple[float, float]]:
    if any(w in name for w in WATER_WORDS):
        return "water", (2.0, 12.0)
    if any(w in name for w in GREEN_WORDS):
        return "green", (0.0, 30.0)
    if any(w in name for w in COVER_WORDS):
        return "road", (0.5, 6.0)
    return "road", (3.0, 15.0)


def plan_components(geo: GeoPlan, classes: list[ClassRef], total: int, seed: int,
                    today: dt.date) -> ComponentPlan:
    """Place ``total`` components (at least one per class) deterministically."""
    sampler, nets = PointSampler(geo), networks()
    parts: dict[str, list] = {k: [] for k in ("ci", "lon", "lat", "cell", "codes", "names")}
    for ci, (cls, n) in enumerate(zip(classes, class_counts(classes, total), strict=True)):
        rng = np.random.default_rng([seed, 2, int(cls.code)])
        layer, offset = _layer(cls.name)
        sample = sampler.sample(rng, nets[layer], n, offset)
        line_names = nets[layer].names
        parts["ci"].append(np.full(n, ci))
        parts["lon"].append(sample.lon)
        parts["lat"].append(sample.lat)
        parts["cell"].append(sample.cell)
        parts["codes"] += [f"{DISTRICT_CODE}{cls.code}{k:06d}" for k in range(1, n + 1)]
        parts["names"] += [f"{line_names[i]}{cls.name}"[:100] for i in sample.line]
    n_all = len(parts["codes"])
    rng = np.random.default_rng([seed, 3])
    status, initial, changed, source = _attributes(rng, n_all, today)
    depts = {ci: department_for_class("component", c.name) for ci, c in enumerate(classes)}
    class_index = np.concatenate(parts["ci"])
    return ComponentPlan(
        class_index=class_index, codes=tuple(parts["codes"]), names=tuple(parts["names"]),
        departments=tuple(depts[int(ci)] for ci in class_index),
        lon=np.concatenate(parts["lon"]), lat=np.concatenate(parts["lat"]),
        cell=np.concatenate(parts["cell"]), status=status, initial_date=initial,
        changed_date=changed, data_source=source,
    )


def _attributes(rng, n: int, today: dt.date):
    status = rng.choice([s for s, _ in STATUSES], size=n, p=[p for _, p in STATUSES])
    source = rng.choice([s for s, _ in DATA_SOURCES], size=n, p=[p for _, p in DATA_SOURCES])
    surveyed = rng.random(n) < 0.75
    later_span = max((today - dt.date(2013, 1, 1)).days - 30, 1)
    offsets = np.where(surveyed, rng.integers(0, SURVEY_DAYS, n),
                       (dt.date(2013, 1, 1) - SURVEY_START).days + rng.integers(0, later_span, n))
    initial = [SURVEY_START + dt.timedelta(days=int(d)) for d in offsets]
    change_frac = rng.random(n)
    changed_flag = (status != "intact") | (rng.random(n) < 0.1)
    changed = []
    for i in range(n):
        if not changed_flag[i]:
            changed.append(None)
            continue
        span = max((today - initial[i]).days, 1)
        changed.append(initial[i] + dt.timedelta(days=int(change_frac[i] * span)))
    return tuple(status.tolist()), tuple(initial), tuple(changed), tuple(source.tolist())
