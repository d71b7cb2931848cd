"""Bulk demo case history: who reports what, where and when (the inputs of each case's life).

Volumes and mixes are demo estimates [E] after liyang.md §5.3 and standards.md: most
reports come from 监督员巡查 (≈70 %), then 12319 热线 (≈12 %), 市长热线, 网上投诉, 市长信箱,
民生聚焦, 上级交办 and 视频; arrivals peak 9–11 h and 14–17 h (Asia/Shanghai) and are few
at night and at weekends; about 92 % are 事项 (暴露垃圾, 乱堆杂物, 占道经营, 机动车乱停放 …
most often) and 8 % 部件 cases tied to a real component (broken or lost ones first).

Case numbers are ``YYYYMMDD`` (local date of the report) + a 6-digit daily serial.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CaseClass, ClassEdition, FilingCondition, TimeLimit
from seatdesk.models.enums import CaseState as S

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
SOURCES: tuple[tuple[str, float], ...] = (
    ("patrol", 0.70), ("hotline_12319", 0.12), ("mayor_hotline", 0.05), ("online", 0.05),
    ("mayor_mailbox", 0.02), ("media", 0.02), ("superior", 0.02), ("video", 0.02),
)
PUBLIC = frozenset({"hotline_12345", "hotline_12319", "mayor_hotline", "mayor_mailbox", "media",
                    "online"})
CALLERS = frozenset({"hotline_12345", "hotline_12319", "mayor_hotline", "online",
                     "mayor_mailbox", "media"})
HOUR_WEIGHTS = (0.15, 0.1, 0.08, 0.08, 0.1, 0.3, 0.8, 2.0, 4.5, 6.5, 7.0, 6.0, 2.5, 2.2,
                5.5, 6.5, 6.5, 5.5, 2.5, 1.5, 1.0, 0.7, 0.45, 0.25)
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.6)
EVENT_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("暴露垃圾", 14), ("乱堆杂物", 12), ("占道经营", 10), ("机动车乱停放", 9), ("非法小广告", 9),
    ("店外经营", 8), ("非机动车乱停放", 6), ("道路不洁", 5), ("满溢", 4), ("积存垃圾渣土", 3),
    ("违规户外广告", 3), ("私搭乱建", 2), ("沿街晾挂", 2), ("道路破损", 2), ("无照经营游商", 2),
    ("绿地脏乱", 2), ("共享单车", 2), ("施工占道", 1.5), ("违规牌匾", 1.5), ("工地扬尘", 1),
    ("露天烧烤", 1), ("油烟", 1), ("废弃车辆", 0.5),
)
OTHER_EVENT_WEIGHT = 0.1
COMPONENT_SHARE = 0.08


@dataclass(frozen=True)
class Condition:
    """The first-choice 立案条件 of a class and its limits by (urgency, zone)."""

    id: int
    closure: str
    limits: dict[tuple[str, str], tuple[Decimal, str]]

    def limit(self, urgency: str, zone: str) -> tuple[Decimal, str]:
        for key in ((urgency, zone), (urgency, ""), ("normal", zone), ("normal", "")):
            if key in self.limits:
                return self.limits[key]
        return next(iter(self.limits.values()))


@dataclass(frozen=True)
class ClassInfo:
    id: int
    kind: str
    code: str
    name: str
    conditions: tuple[Condition, ...]


def class_catalogue(session: Session, edition: str) -> list[ClassInfo]:
    """Classes of ``edition`` that have at least one active 立案条件 with a time limit."""
    rows = session.execute(
        select(CaseClass.id, CaseClass.kind, CaseClass.code, CaseClass.name, FilingCondition.id,
               FilingCondition.closure_condition, TimeLimit.urgency, TimeLimit.zone,
               TimeLimit.value, TimeLimit.unit)
        .join(ClassEdition, ClassEdition.id == CaseClass.edition_id)
        .join(FilingCondition, FilingCondition.class_id == CaseClass.id)
        .join(TimeLimit, TimeLimit.condition_id == FilingCondition.id)
        .where(ClassEdition.code == edition, FilingCondition.active.is_(True))
        .order_by(CaseClass.kind, CaseClass.code, FilingCondition.sort_order, FilingCondition.id)
    ).all()
    classes: dict[int, tuple[tuple, dict[int, tuple[str, dict]]]] = {}
    for cid, kind, code, name, fid, closure, urgency, zone, value, unit in rows:
        head, conds = classes.setdefault(cid, ((cid, kind, code, name), {}))
        conds.setdefault(fid, (closure, {}))[1][(urgency, zone or "")] = (Decimal(value), unit)
    return [ClassInfo(*head, tuple(Condition(fid, closure, limits)
                                   for fid, (closure, limits) in conds.items()))
            for head, conds in classes.values()]


def event_weight(name: str) -> float:
    for keyword, weight in EVENT_WEIGHTS:
        if keyword in name:
            return float(weight)
    return OTHER_EVENT_WEIGHT


# -- arrivals --------------------------------------------------------------------------------


def arrivals(seed: int, n: int, days: int, now: dt.datetime) -> np.ndarray:
    """Sorted report instants (epoch seconds) of ``n`` cases in the ``days`` × 24 h before
    ``now`` (until a minute before it), by weekday and hour-of-day weights."""
    rng = np.random.default_rng([seed, 9])
    start, limit = int(now.timestamp()) - days * 86400, int(now.timestamp()) - 60
    first = dt.datetime.fromtimestamp(start, TZ).date()
    span = days + 1  # local calendar days touched by the window
    midnights = np.array([dt.datetime.combine(first + dt.timedelta(days=i), dt.time(0), TZ)
                          .timestamp() for i in range(span)], dtype=np.int64)
    day_w = np.array([WEEKDAY_WEIGHTS[(first + dt.timedelta(days=i)).weekday()]
                      for i in range(span)])
    hour_w = np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
    out = np.empty(0, dtype=np.int64)
    while out.size < n:
        k = n - out.size
        ts = (midnights[rng.choice(span, k, p=day_w / day_w.sum())]
              + rng.choice(24, k, p=hour_w) * 3600 + rng.integers(0, 3600, k))
        out = np.concatenate([out, ts[(ts >= start) & (ts <= limit)]])
    return np.sort(out)


def case_numbers(ts: np.ndarray) -> list[str]:
    """``YYYYMMDD`` + daily serial for sorted epoch seconds."""
    numbers, last_day, serial = [], "", 0
    for t in ts.tolist():
        day = dt.datetime.fromtimestamp(t, TZ).strftime("%Y%m%d")
        serial = serial + 1 if day == last_day else 1
        last_day = day
        numbers.append(f"{day}{serial:06d}")
    return numbers


# -- forced states: every state shows up in a demo -------------------------------------------

# (state, minimum age in hours of the case held in it), in the order they are assigned
HOLD_TARGETS: tuple[tuple[str, float], ...] = (
    (S.REPORTED, 0), (S.PENDING_VERIFICATION, 1), (S.ACCEPTED, 1), (S.VOIDED, 1),
    (S.MERGED, 1), (S.FILED, 2), (S.NOT_FILED, 2), (S.AT_DISTRICT, 3), (S.DISPATCHED, 3),
    (S.VOID_REQUESTED, 8), (S.RETURN_REQUESTED, 10), (S.EXTENSION_REQUESTED, 30),
    (S.SUSPENSION_REQUESTED, 30), (S.SUSPENDED, 48), (S.FEEDBACK, 96),
    (S.PENDING_CHECK, 120), (S.READY_TO_CLOSE, 144),
    (S.CLOSED, 168),  # a 12345 caller waiting for the 回访 (the 待回访 box)
)


def forced_holds(ts: np.ndarray, now: dt.datetime) -> dict[int, str]:
    """Case index → state it is held in: the newest cases old enough for each state."""
    if ts.size < 2 * len(HOLD_TARGETS):
        return {}
    ages = (now.timestamp() - ts) / 3600.0
    holds: dict[int, str] = {}
    for state, min_age in HOLD_TARGETS:
        candidates = np.nonzero(ages >= min_age)[0]
        for i in candidates[::-1]:
            if int(i) not in holds and int(i) - 1 not in holds and int(i) + 1 not in holds:
                holds[int(i)] = str(state)
                break
    return holds
