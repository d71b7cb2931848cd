"""Live KPIs for the seat's panels and the wall display, in one frozen snapshot.

Every figure is one aggregate query run by the database (GROUP BY on indexed columns);
only the status lights need the open cases' clocks (``clocks.open_clocks``). Live
figures read the case rows (the operational view); the monthly 综合评价 reads the ledger.

- reports today by local hour and by source (``cases.reported_at``, indexed);
- open cases by stage (state, indexed) and the status-light counts;
- per department, of the cases whose handling deadline fell in the last 30 days, the
  share handled (反馈) by the deadline, worst first — an index-only scan of
  ``ix_cases_deadline_kpi (deadline_at, department_id, feedback_at)`` (migration 0016);
  departments with fewer cases due than the setting ``kpi_department_min_due`` are
  listed apart (``DepartmentAttention``): one late case out of two is no signal;
- daily reports and closures over the last 30 days (7-day view = the last 7); closures
  are found through ``ix_cases_updated_at`` (the engine stamps ``updated_at`` with every
  change, so a case closed since a day was updated since then too). The 29 past days
  (before today's local midnight) come from a small per-process cache (``TrendCache``)
  keyed by the database (engine URL without password), the time zone and today's local
  date, kept ``TREND_CACHE_SECONDS``; today's counts are queried live every refresh
  (``column >= today``). A cold refresh runs the full 30-day statement once; a later
  change to a past day's count (a late-filed report with an earlier ``reported_at``, a
  reopened case) shows once the entry expires or the date turns;
- 回访 over the last 30 days by outcome: the ledger's ``callback`` rows alone through
  ``ix_case_ledger_action_at (action, at)`` (migration 0016; the 回访满意率 of the
  evaluation, live).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from seatdesk.models import Case, Department, LedgerEntry, get_setting
from seatdesk.models.enums import CaseState
from seatdesk.models.sources import list_sources
from seatdesk.workflow.states import OPEN_STATES
from seatdesk.workflow.worktime import WorkCalendar

from .clocks import OpenClocks, light_counts, open_clocks
from .ledger_sql import CONTACTED, SATISFIED
from .sqlparts import local_day, local_hour

TREND_DAYS = 30
TREND_CACHE_SECONDS = 600.0  # how long the trend's past days are reused (per process)


@dataclass(frozen=True)
class DepartmentRate:
    """A department's cases due in the window and how many were handled in time."""

    name: str
    due: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.on_time / self.due, 1) if self.due else None

    @property
    def late(self) -> int:
        return self.due - self.on_time


@dataclass(frozen=True)
class DepartmentAttention:
    """Departments by what needs attention: ``shown`` (at least ``min_due`` cases due),
    lowest on-time rate first, then most late cases; ``fewer`` (too few cases to judge)."""

    shown: tuple[DepartmentRate, ...]
    fewer: tuple[DepartmentRate, ...]
    min_due: int


def worst_first(rates: tuple[DepartmentRate, ...]) -> tuple[DepartmentRate, ...]:
    return tuple(sorted(rates, key=lambda r: (r.rate if r.rate is not None else 101.0,
                                              -r.late, -r.due, r.name)))


def needing_attention(rates: tuple[DepartmentRate, ...], min_due: int) -> DepartmentAttention:
    ordered = worst_first(rates)
    return DepartmentAttention(tuple(r for r in ordered if r.due >= min_due),
                               tuple(r for r in ordered if r.due < min_due), min_due)


@dataclass(frozen=True)
class LiveKpis:
    at: dt.datetime
    reports_by_hour: tuple[int, ...]  # 24 local hours of today
    reports_by_source: tuple[tuple[str, str, int], ...]  # (source, 中文, count)
    open_by_stage: tuple[tuple[str, str, int], ...]  # (state, 中文, count), workflow order
    lights: dict[str, int]
    departments: DepartmentAttention  # on-time handling per department, worst first
    trend_days: tuple[dt.date, ...]
    trend_reported: tuple[int, ...]
    trend_closed: tuple[int, ...]
    callbacks: dict[str, int] = field(default_factory=dict)  # 回访, last 30 days, by outcome

    @property
    def callback_satisfaction(self) -> tuple[float | None, int, int]:
        """(回访满意率 %, satisfied, reached) over the last 30 days; None: nobody reached."""
        reached = sum(n for o, n in self.callbacks.items() if o in CONTACTED)
        satisfied = sum(n for o, n in self.callbacks.items() if o in SATISFIED)
        return (round(100.0 * satisfied / reached, 1) if reached else None, satisfied, reached)

    @property
    def reports_today(self) -> int:
        return sum(self.reports_by_hour)

    @property
    def open_total(self) -> int:
        return sum(n for _, _, n in self.open_by_stage)


def local_midnight(now: dt.datetime, tz: str) -> dt.datetime:
    local = now.astimezone(zoneinfo.ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.timezone.utc)


def next_midnight(now: dt.datetime, tz: str) -> dt.datetime:
    """Tomorrow's local midnight in UTC (23 or 25 hours away across a DST change)."""
    zone = zoneinfo.ZoneInfo(tz)
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), zone).astimezone(dt.timezone.utc)


def statements(dialect: str, now: dt.datetime, tz: str) -> dict[str, object]:
    """The aggregate queries of the panels (also timed bare by the benchmark)."""
    today = local_midnight(now, tz)
    since = today - dt.timedelta(days=TREND_DAYS - 1)
    window = now - dt.timedelta(days=TREND_DAYS)
    hour = local_hour(dialect, Case.reported_at, tz, now)
    on_time = func.sum(case((and_(Case.feedback_at.is_not(None),
                                  Case.feedback_at <= Case.deadline_at), 1), else_=0))
    return {
        "by_hour": select(hour, func.count()).where(Case.reported_at >= today).group_by(hour),
        "by_source": select(Case.source, func.count()).where(Case.reported_at >= today)
        .group_by(Case.source),
        "by_state": select(Case.state, func.count()).where(Case.state.in_(sorted(OPEN_STATES)))
        .group_by(Case.state),
        "dept_on_time": select(Case.department_id, func.count(), on_time)
        .where(Case.deadline_at >= window, Case.deadline_at < now,
               Case.department_id.is_not(None)).group_by(Case.department_id),
        "reported_daily": _daily(dialect, Case.reported_at, since, tz, now),
        # closed_at has no index; every change stamps updated_at ≥ closed_at, which has one
        "closed_daily": _daily(dialect, Case.closed_at, since, tz, now)
        .where(Case.updated_at >= since),
        "callbacks": _callbacks(dialect, window),
    }


def _callbacks(dialect: str, since: dt.datetime):
    outcome = (literal_column("CAST(case_ledger.payload AS jsonb) #>> '{args,outcome}'")
               if dialect == "postgresql" else
               func.json_extract(LedgerEntry.payload, "$.args.outcome"))
    return (select(outcome, func.count()).where(LedgerEntry.at >= since,
                                                LedgerEntry.action == "callback")
            .group_by(outcome))


def _daily(dialect: str, column, since: dt.datetime, tz: str, now: dt.datetime):
    day = local_day(dialect, column, tz, now)
    return select(day, func.count()).where(column >= since).group_by(day)


def live_kpis(session: Session, cal: WorkCalendar, now: dt.datetime,
              clocks: OpenClocks | None = None, cache: TrendCache | None = None) -> LiveKpis:
    """``cache``: where the trend's past days are kept (default the process's
    ``TREND_CACHE``); pass ``NO_TREND_CACHE`` for figures read fresh in full."""
    tz = str(get_setting(session, "time_zone"))
    dialect = session.get_bind().dialect.name
    q = statements(dialect, now, tz)
    by_hour = [0] * 24
    for hour, n in session.execute(q["by_hour"]):
        by_hour[int(hour)] = n
    sources = dict(session.execute(q["by_source"]).all())
    states = dict(session.execute(q["by_state"]).all())
    clocks = clocks if clocks is not None else open_clocks(session, cal, now)
    days = _days(now, tz)
    return LiveKpis(
        at=now, reports_by_hour=tuple(by_hour),
        reports_by_source=_by_source(session, sources),
        open_by_stage=tuple((s.value, s.label, states.get(s.value, 0)) for s in CaseState
                            if s in OPEN_STATES),
        lights=light_counts(clocks),
        departments=needing_attention(_department_rates(session, q["dept_on_time"]),
                                      int(get_setting(session, "kpi_department_min_due"))),
        trend_days=days,
        **_trend(session, dialect, q, now, tz, days, TREND_CACHE if cache is None else cache),
        callbacks={str(o): n for o, n in session.execute(q["callbacks"]) if o},
    )


def _by_source(session: Session, counts: dict[str, int]) -> tuple[tuple[str, str, int], ...]:
    """Reports today per source: every enabled source in its order, then any other source
    that has reports today (a disabled one, or a code no longer configured)."""
    shown = [(s.code, s.name, counts.get(s.code, 0)) for s in list_sources(session)
             if s.enabled or counts.get(s.code)]
    known = {code for code, _, _ in shown}
    return tuple(shown + [(code, code, n) for code, n in sorted(counts.items())
                          if code not in known])


def _days(now: dt.datetime, tz: str) -> tuple[dt.date, ...]:
    today = now.astimezone(zoneinfo.ZoneInfo(tz)).date()
    return tuple(today - dt.timedelta(days=TREND_DAYS - 1 - i) for i in range(TREND_DAYS))


def _department_rates(session: Session, query) -> tuple[DepartmentRate, ...]:
    rows = session.execute(query).all()
    names = dict(session.execute(select(Department.id, Department.name)).all())
    return tuple(DepartmentRate(names.get(d, str(d)), int(n), int(ok or 0)) for d, n, ok in rows)


# -- the trend: past days cached, today live -------------------------------------------------
@dataclass(frozen=True)
class _Past:
    expires: float  # time.monotonic()
    reported: dict[str, int]
    closed: dict[str, int]


class TrendCache:
    """The 30-day trend's past days (before today's local midnight) per (database, time
    zone, today's local date), each kept ``seconds``; thread-safe, a few entries."""

    def __init__(self, seconds: float = TREND_CACHE_SECONDS, entries: int = 16) -> None:
        self.seconds = seconds
        self.entries = entries
        self._lock = threading.Lock()
        self._past: dict[tuple[str, str, dt.date], _Past] = {}

    def get(self, key: tuple[str, str, dt.date]) -> _Past | None:
        with self._lock:
            hit = self._past.get(key)
            if hit is not None and hit.expires <= time.monotonic():
                del self._past[key]
                hit = None
            return hit

    def put(self, key: tuple[str, str, dt.date], reported: dict[str, int],
            closed: dict[str, int]) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            clock = time.monotonic()
            for k in [k for k, v in self._past.items() if v.expires <= clock]:
                del self._past[k]
            while len(self._past) >= self.entries:
                del self._past[min(self._past, key=lambda k: self._past[k].expires)]
            self._past[key] = _Past(clock + self.seconds, dict(reported), dict(closed))

    def clear(self) -> None:
        with self._lock:
            self._past.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._past)


TREND_CACHE = TrendCache()
NO_TREND_CACHE = TrendCache(seconds=0)


def database_key(session: Session) -> str | None:
    """The engine's URL without its password; None for a private in-memory SQLite
    database (one URL, many databases: never cached)."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=True)


def _trend(session: Session, dialect: str, q: dict, now: dt.datetime, tz: str,
           days: tuple[dt.date, ...], cache: TrendCache) -> dict[str, tuple[int, ...]]:
    db = database_key(session)
    key = (db, tz, days[-1]) if db is not None else None
    past = cache.get(key) if key is not None else None
    if past is None:  # cold: the full 30-day statements, their past days kept
        reported = _counts(session, q["reported_daily"])
        closed = _counts(session, q["closed_daily"])
        today = days[-1].isoformat()
        if key is not None:
            cache.put(key, {d: n for d, n in reported.items() if d < today},
                      {d: n for d, n in closed.items() if d < today})
    else:  # warm: today's two counts only
        start, end = local_midnight(now, tz), next_midnight(now, tz)
        today = days[-1].isoformat()
        reported = {**past.reported, today: session.execute(
            select(func.count()).where(Case.reported_at >= start,
                                       Case.reported_at < end)).scalar_one()}
        closed = {**past.closed, today: session.execute(
            select(func.count()).where(Case.updated_at >= start, Case.closed_at >= start,
                                       Case.closed_at < end)).scalar_one()}
    return {"trend_reported": tuple(reported.get(d.isoformat(), 0) for d in days),
            "trend_closed": tuple(closed.get(d.isoformat(), 0) for d in days)}


def _counts(session: Session, query) -> dict[str, int]:
    return {str(day): n for day, n in session.execute(query)}
