"""Case numbers: ``YYYYMMDD`` (the centre's calendar day) + a 6-digit daily serial.

PostgreSQL: ``take_number`` advances the day's counter (``case_number_days``, through
``seatdesk_next_case_serial``, see ``dbrules/numbering_sql.py``) in a short transaction
of its own *before* the registration's transaction, so concurrent registrations never
wait for each other's whole registration. Numbers are unique and increase within a day;
a registration that fails after taking its number leaves a gap (as a sequence does). If a
number turns out taken anyway (a trusted writer such as ``seatdesk demo`` numbering its
own cases in the same moment), the registration raises ``NumberTaken`` and is run again
with a fresh number; the function never hands out less than the day's highest filed one.

SQLite has one writer at a time: the number is ``max + 1`` inside the registration
(``casefacts.next_number``), gapless.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from .context import Workflow


class NumberTaken(Exception):
    """The number taken before the registration is already on another case."""


def day_prefix(wf: Workflow, session: Session, now: dt.datetime) -> str:
    return prefix_in(wf.calendar(session), now)


def prefix_in(calendar, now: dt.datetime) -> str:
    """The day's number prefix of ``now`` in the working calendar's time zone."""
    return now.astimezone(calendar.tz).date().strftime("%Y%m%d")


def take_number(wf: Workflow, now: dt.datetime) -> str | None:
    """The next number of ``now``'s day, committed (PostgreSQL); None on SQLite."""
    if wf.backend != "postgresql":
        return None
    return wf.write(lambda session: number_in(wf, session, now))


def number_in(wf: Workflow, session: Session, now: dt.datetime) -> str:
    """Advance the day's counter in ``session``'s short write transaction (PostgreSQL),
    which the caller commits at once: the counter row stays locked until then."""
    # do not wait for the WAL flush at this commit (a crash may lose the step, never a
    # number a committed case holds: its own commit flushes the WAL up to it, and the
    # function restarts above the day's max); one round trip: the setting and the step
    prefix = day_prefix(wf, session, now)
    serial = session.execute(text(
        "SELECT set_config('synchronous_commit', 'off', true),"
        " public.seatdesk_next_case_serial(:day)"), {"day": prefix}).one()[1]
    return f"{prefix}{serial:06d}"


def number_collision(exc: Exception) -> bool:
    """An IntegrityError on the case number's unique index (either backend)."""
    message = str(getattr(exc, "orig", exc))  # "uq_cases_number" / "cases.number"
    return "cases_number" in message or "cases.number" in message
