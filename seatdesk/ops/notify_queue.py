"""PostgreSQL's notification queue, and the sessions that hold it.

PostgreSQL puts no privilege on ``LISTEN``/``NOTIFY``: any login that connects may listen.
The queue (8 GB, cluster-wide: every database's notifications share it) is kept from its
oldest unread notification on, so one listening session that stops reading — a client
that ``LISTEN``s and never reads its socket (its backend then waits in ``ClientWrite``
once the socket's buffers are full), or a session idle in an open transaction (a backend
delivers notifications between transactions only) — makes it grow, and when it is full
every ``NOTIFY`` fails: the ledger trigger's too, so no workflow action commits
(docs/security.md, "NOTIFY is a hint"; docs/operations.md, "The notification queue").

``report`` reads ``pg_notification_queue_usage()`` and names the client backends of the
cluster that may be holding the queue: waiting in ``ClientWrite`` or idle in a
transaction for at least ``older_than`` seconds. PostgreSQL does not say which sessions
listen (``pg_listening_channels()`` is the caller's own), so these are the candidates, the
listener among them; seatdesk's own listeners read continuously and are never in either
state for long. ``end`` terminates them (``pg_terminate_backend``): a DBA's step, run as
a superuser or a role with ``pg_signal_backend`` and ``pg_read_all_stats`` (without the
latter, other roles' sessions show no state and are not named).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import Connection, text

#: the share of the queue at which ``seatdesk db notify-queue`` and ``doctor`` warn
WARN_AT = 0.05

_HOLDERS = text("""
SELECT pid, coalesce(datname, '') AS database, coalesce(usename, '') AS login,
       coalesce(application_name, '') AS application, coalesce(client_addr::text, 'local')
       AS client, state, coalesce(wait_event, '') AS wait_event,
       now() - state_change AS held
  FROM pg_stat_activity
 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
   AND (wait_event = 'ClientWrite'
        OR state IN ('idle in transaction', 'idle in transaction (aborted)'))
   AND state_change <= now() - make_interval(secs => :older_than)
 ORDER BY state_change, pid
""")


@dataclass(frozen=True)
class Holder:
    pid: int
    database: str
    login: str
    application: str
    client: str
    state: str
    wait_event: str
    held: dt.timedelta

    def describe(self) -> str:
        waits = f", waiting on {self.wait_event}" if self.wait_event else ""
        return (f"pid {self.pid}: {self.login}@{self.database} from {self.client}"
                f" ({self.application or '-'}), {self.state}{waits} for"
                f" {int(self.held.total_seconds())} s")


@dataclass(frozen=True)
class QueueReport:
    usage: float  # 0..1 of the queue's 8 GB
    holders: tuple[Holder, ...]

    @property
    def alarming(self) -> bool:
        return self.usage >= WARN_AT


def usage(conn: Connection) -> float:
    return float(conn.execute(text("SELECT pg_notification_queue_usage()")).scalar_one())


def report(conn: Connection, older_than: float = 60.0) -> QueueReport:
    """The queue's usage and the sessions that may hold it (``older_than`` seconds in
    ``ClientWrite`` or idle in a transaction)."""
    rows = conn.execute(_HOLDERS, {"older_than": older_than}).all()
    return QueueReport(usage(conn), tuple(Holder(**r._mapping) for r in rows))


def end(conn: Connection, holders: tuple[Holder, ...]) -> dict[int, bool]:
    """Terminate each holder's backend; whether PostgreSQL did (False: gone already, or
    not this role's to end)."""
    done: dict[int, bool] = {}
    for h in holders:
        done[h.pid] = bool(conn.execute(text("SELECT pg_terminate_backend(:p)"),
                                        {"p": h.pid}).scalar())
    return done


def run(engine, *, older_than: float, terminate: bool, pids=None, out=print) -> int:
    """``seatdesk db notify-queue``: print the report (and end the holders with
    ``terminate``); 1 when the queue is at ``WARN_AT`` or more and nothing was ended.
    ``pids``: only those sessions are named and ended (the one a DBA looked at; every
    holder of the cluster otherwise)."""
    if engine.dialect.name != "postgresql":
        out("notification queue: not used (embedded SQLite)")
        return 0
    with engine.connect() as conn:
        found = report(conn, older_than)
        if pids:
            found = replace(found, holders=tuple(h for h in found.holders if h.pid in pids))
        out(f"notification queue: {found.usage:.4%} used"
            f"{' — above ' + format(WARN_AT, '.0%') if found.alarming else ''}")
        if not found.holders:
            out(f"no session in ClientWrite or idle in a transaction for {older_than:g} s or more")
            return 1 if found.alarming else 0
        for h in found.holders:
            out("  " + h.describe())
        if not terminate:
            out("(`seatdesk db notify-queue --end` terminates them)")
            return 1 if found.alarming else 0
        ended = end(conn, found.holders)
        conn.commit()
    for pid, ok in ended.items():
        out(f"  pid {pid}: {'terminated' if ok else 'not terminated (gone, or not yours to end)'}")
    return 0 if all(ended.values()) else 1
