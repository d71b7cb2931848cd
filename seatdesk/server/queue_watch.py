"""The server's watch on PostgreSQL's notification queue (docs/operations.md, "The
notification queue").

Every ``queue_check_s`` a thread reads ``pg_notification_queue_usage()``; at
``queue_warn_at`` or more it logs a warning a centre's log monitoring picks up, naming
the sessions that may hold the queue as far as the server's login may see them
(``ops/notify_queue.py``: the intake login sees no other role's session state, so
usually only the usage) and the DBA's command that names and ends them. It ends nothing
itself: the intake login may not, and should not, terminate other sessions. A full queue
makes every ``NOTIFY`` fail, the ledger trigger's included — the server's reports
would be refused — so the warning comes long before (5 % of 8 GB by default).
"""

from __future__ import annotations

import logging

from seatdesk.ops import notify_queue

from .periodic import Periodic

log = logging.getLogger("seatdesk.server.queue")


class QueueWatch:
    def __init__(self, engine, every_s: float, warn_at: float):
        self.engine, self.every_s, self.warn_at = engine, every_s, warn_at
        self._thread = Periodic("seatdesk-queue-watch", every_s, self.check, log,
                                "notification queue not read", logging.INFO)

    def start(self) -> None:
        if self.every_s <= 0 or self.engine.dialect.name != "postgresql":
            return
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop(10)

    def check(self) -> float:
        """Read the usage once; warn at ``warn_at`` or more. Returns the usage."""
        with self.engine.connect() as conn:
            found = notify_queue.report(conn, older_than=self.every_s)
        if found.usage >= self.warn_at:
            held = "; ".join(h.describe() for h in found.holders) or "none visible to this login"
            log.warning("PostgreSQL's notification queue is %.2f%% full: a session that "
                        "listens and does not read holds it (sessions in ClientWrite or idle "
                        "in a transaction: %s). When it is full every NOTIFY fails, the "
                        "ledger's too. A DBA: `seatdesk db notify-queue` names them, "
                        "`--end` terminates them.", found.usage * 100, held)
        return found.usage
