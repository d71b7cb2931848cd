"""综合评价 of one period at one level: figures, 综合指标值, grade and rank per object.

    from seatdesk.evaluation.indicators import Period, evaluate
    with Session(engine) as session:
        result = evaluate(session, Period.month(2025, 6), "department")
    for row in result.rows:
        print(row.rank, row.name, row.figure("handling_on_time_rate").value, row.grade)

Every ``Figure`` carries the case ids behind it (``cases``; for a rate, also the
denominator's ``base``), so each number can be drilled down to its cases. Figures are
computed from the ledger up to the end of the period (``history.load_facts``): running
the same month again later gives the same answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy.orm import Session

from seatdesk.models import get_setting

from .config import EvaluationConfig, load_config
from .definitions import LEVEL_LABELS, LEVELS, Indicator, indicators_for
from .history import LedgerFacts, load_facts
from .objects import object_names, scope_for
from .tallies import Lists, tally


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, with a label (``2025年6月``)."""

    start: dt.datetime
    end: dt.datetime
    label: str

    @classmethod
    def month(cls, year: int, month: int, tz: str = "Asia/Shanghai") -> Period:
        zone = zoneinfo.ZoneInfo(tz)
        start = dt.datetime(year, month, 1, tzinfo=zone)
        end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        utc = dt.timezone.utc
        return cls(start.astimezone(utc), end.astimezone(utc), f"{year}年{month}月")

    @classmethod
    def between(cls, start: dt.datetime, end: dt.datetime, label: str = "") -> Period:
        return cls(start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc),
                   label or f"{start:%Y-%m-%d}–{end:%Y-%m-%d}")


@dataclass(frozen=True)
class Figure:
    """A count (``value`` = len(cases)) or a rate in percent (None: nothing to divide)."""

    key: str
    value: float | None
    cases: tuple[int, ...]
    base: tuple[int, ...] = ()


@dataclass(frozen=True)
class ObjectResult:
    level: str
    object_id: int
    name: str
    figures: Mapping[str, Figure]
    score: float | None
    grade: str
    rank: int

    def figure(self, key: str) -> Figure:
        return self.figures[key]

    def value(self, key: str) -> float | None:
        return self.figures[key].value


@dataclass(frozen=True)
class Evaluation:
    period: Period
    level: str
    level_label: str
    indicators: tuple[Indicator, ...]
    rows: tuple[ObjectResult, ...]
    centre_name: str = ""

    def row(self, object_id: int) -> ObjectResult:
        return next(r for r in self.rows if r.object_id == object_id)


def figures_of(cases: Mapping[str, tuple[int, ...]], kind: str,
               config: EvaluationConfig) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for key, numerator, denominator in _plan(kind, config.rework_denominator):
        num = cases.get(numerator, ())
        base = cases.get(denominator, ()) if denominator else ()
        if not num and not base:
            out[key] = _empty(key, bool(denominator))  # most cells of a month: shared
        elif not denominator:
            out[key] = Figure(key, len(num), num)
        else:
            value = round(100.0 * len(num) / len(base), 2) if base else None
            out[key] = Figure(key, value, num, base)
    return out


@functools.cache
def _empty(key: str, rate: bool) -> Figure:
    return Figure(key, None if rate else 0, ())


@functools.cache
def _plan(kind: str, rework_denominator: str) -> tuple[tuple[str, str, str], ...]:
    """(key, numerator count, denominator count or "") of each indicator of ``kind``."""
    plan = []
    for ind in indicators_for(kind):
        if not ind.is_rate:
            plan.append((ind.key, ind.key, ""))
            continue
        den = ind.denominator
        if ind.key == "rework_rate" and rework_denominator == "due":
            den = "due_handling"
        plan.append((ind.key, ind.numerator, den))
    return tuple(plan)


def composite(figures: Mapping[str, Figure], kind: str, config: EvaluationConfig) -> float | None:
    """综合指标值: weighted mean of the available terms (weights renormalised)."""
    total = weight = 0.0
    for term in config.weights.get("region" if kind == "region" else kind, ()):
        fig = figures.get(term.indicator)
        if fig is None or fig.value is None:
            continue
        value = float(fig.value)
        if term.transform == "inverse":
            value = 100.0 - value
        elif term.transform == "bands":
            value = config.band_score(term.indicator, value)
        total, weight = total + term.weight * value, weight + term.weight
    return round(total / weight, 2) if weight else None


def rank_rows(rows: Iterable[ObjectResult]) -> tuple[ObjectResult, ...]:
    """Best score first (objects without a score last); equal scores share a rank."""
    ordered = sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), r.name))
    ranked, previous, rank = [], None, 0
    for i, row in enumerate(ordered, start=1):
        if row.score != previous:
            rank, previous = i, row.score
        ranked.append(ObjectResult(row.level, row.object_id, row.name, row.figures,
                                   row.score, row.grade, rank if row.score is not None else 0))
    return tuple(ranked)


def evaluate_facts(facts: LedgerFacts, period: Period, level: str, config: EvaluationConfig,
                   names: Mapping[int, str], scope) -> Evaluation:
    kind = LEVELS[level]
    lists: Lists = tally(facts, scope, level)
    rows = []
    for obj, name in names.items():
        figs = figures_of(lists.get(obj, {}), kind, config)
        score = composite(figs, kind, config)
        rows.append(ObjectResult(level, obj, name, MappingProxyType(figs), score,
                                 config.grade(score), 0))
    return Evaluation(period, level, LEVEL_LABELS[level], indicators_for(kind), rank_rows(rows))


def evaluate(session: Session, period: Period, level: str,
             config: EvaluationConfig | None = None,
             facts: LedgerFacts | None = None) -> Evaluation:
    """Evaluate every object of ``level`` over ``period`` (facts loaded unless given)."""
    if level not in LEVELS:
        raise ValueError(f"未知的评价层级：{level}")
    config = config or load_config(session)
    facts = load_facts(session, period.start, period.end) if facts is None else facts
    scope = scope_for(session, period, config)
    result = evaluate_facts(facts, period, level, config, object_names(session, level), scope)
    return Evaluation(result.period, level, result.level_label, result.indicators, result.rows,
                      str(get_setting(session, "centre_name")))


def evaluate_all(session: Session, period: Period,
                 config: EvaluationConfig | None = None) -> dict[str, Evaluation]:
    """Every level of the monthly evaluation from one load of the facts."""
    config = config or load_config(session)
    facts = load_facts(session, period.start, period.end)
    return {level: evaluate(session, period, level, config, facts) for level in LEVELS}
