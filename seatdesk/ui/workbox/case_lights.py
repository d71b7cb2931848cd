"""Traffic lights of queue rows (Qt-free glue between the read model and the workflow clock).

``seatdesk.models.queues`` cannot import the workflow layer, so a ``CaseRow`` carries its
running clock as plain values and this module turns a batch of rows into
``ClockState`` values (light + remaining working time) with one vectorised
``clock_states`` call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from seatdesk.models import get_setting, utcnow
from seatdesk.models.queues import CaseRow
from seatdesk.workflow.lights import DEFAULT_YELLOW_RATIO, ClockState, clock_states
from seatdesk.workflow.worktime import WorkCalendar


@dataclass(frozen=True)
class LightContext:
    """The calendar and the yellow threshold lights are computed with."""

    calendar: WorkCalendar
    yellow_ratio: float = DEFAULT_YELLOW_RATIO

    @classmethod
    def from_session(cls, session: Session) -> LightContext:
        ratio = float(get_setting(session, "light_yellow_ratio") or DEFAULT_YELLOW_RATIO)
        return cls(WorkCalendar.from_session(session), ratio)

    @classmethod
    def default(cls) -> LightContext:
        return cls(WorkCalendar.default())


def lights_for(rows: Sequence[CaseRow], context: LightContext,
               now: dt.datetime | None = None) -> tuple[ClockState | None, ...]:
    """One ``ClockState`` per row (None where no clock runs), computed in one batch."""
    now = now or utcnow()
    running = [i for i, row in enumerate(rows) if row.clock is not None]
    states = clock_states(context.calendar, [rows[i].clock for i in running], now,
                          context.yellow_ratio)
    out: list[ClockState | None] = [None] * len(rows)
    for i, state in zip(running, states, strict=True):
        out[i] = state
    return tuple(out)
