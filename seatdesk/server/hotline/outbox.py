"""Delivering the 12345 callbacks queued in ``callback_outbox``: at least once, in order
per work order, retried with exponential backoff, signed with HMAC-SHA256.

The database queues a callback in the same transaction as the workflow action (a
trigger on the ledger, migration 0006), so a crash never loses one; a row is marked
delivered only after the platform answered 2xx, so a crash mid-delivery sends it again
— with the same ``event_id``, which the platform uses to drop the repeat. Several server
processes share the outbox: each claims rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)
by pushing their next attempt past the request timeout before sending.

Signature: ``X-Seatdesk-Signature: sha256=<hex HMAC(secret, timestamp + "." + body)>``
with ``X-Seatdesk-Timestamp`` (Unix seconds); docs/api.md shows how to check it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import random
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from seatdesk.models import CallbackOutbox, Partner, WorkOrder

from ..periodic import Periodic
from .payload import build_callback

log = logging.getLogger("seatdesk.server.callbacks")
BATCH = 20


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    event: str
    attempts: int
    url: str
    secret: str
    body: bytes


class Deliverer:
    """``run_once()`` delivers what is due now; ``start()`` runs it on a thread."""

    def __init__(self, ctx, transport: httpx.BaseTransport | None = None):
        self.ctx = ctx
        self.client = httpx.Client(timeout=ctx.config.callback_timeout_s, transport=transport,
                                   follow_redirects=False)
        self._thread = Periodic("seatdesk-callbacks", ctx.config.outbox_poll_s,
                                self._drain, log, "callback outbox")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop(self.ctx.config.callback_timeout_s + 5)

    def _drain(self) -> None:
        while self.run_once() and not self._thread.stopping:
            pass

    def run_once(self) -> int:
        """Claim and send the due callbacks; returns how many were delivered."""
        delivered = 0
        for item in self._claim():
            delivered += self._deliver(item)
        return delivered

    # -- claiming ------------------------------------------------------------------------
    def _claim(self) -> list[Claimed]:
        wf = self.ctx.wf
        now = wf.now()
        lease = now + dt.timedelta(seconds=self.ctx.config.callback_timeout_s + 30)
        with Session(wf.engine) as session:  # a cheap read first: most polls find nothing
            if session.execute(self._due(session, now, lock=False).limit(1)).first() is None:
                return []
        with wf.transaction() as session:
            rows = session.execute(self._due(session, now)).all()
            if not rows:
                return []
            session.execute(update(CallbackOutbox)
                            .where(CallbackOutbox.id.in_([r.CallbackOutbox.id for r in rows]))
                            .values(next_attempt_at=lease))
            return [Claimed(r.CallbackOutbox.id, r.CallbackOutbox.event_id,
                            r.CallbackOutbox.event, r.CallbackOutbox.attempts, r.callback_url,
                            r.callback_secret, build_callback(session, r.CallbackOutbox, wf))
                    for r in rows]

    @staticmethod
    def _due(session: Session, now: dt.datetime, lock: bool = True):
        """Due rows that have no earlier undelivered row of the same work order, of a
        partner that is switched on: a disabled partner's callbacks wait, unsent and
        unattempted, and go in their order once it is enabled again (its contract may
        have ended: nothing more leaves for its address)."""
        earlier = aliased(CallbackOutbox)
        blocked = exists().where(and_(earlier.work_order_id == CallbackOutbox.work_order_id,
                                      earlier.delivered_at.is_(None),
                                      earlier.id < CallbackOutbox.id))
        query = (select(CallbackOutbox, Partner.callback_url, Partner.callback_secret)
                 .join(WorkOrder, WorkOrder.id == CallbackOutbox.work_order_id)
                 .join(Partner, Partner.id == WorkOrder.partner_id)
                 .where(Partner.active.is_(True), CallbackOutbox.delivered_at.is_(None),
                        CallbackOutbox.next_attempt_at <= now, ~blocked)
                 .order_by(CallbackOutbox.id).limit(BATCH))
        if lock and session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=CallbackOutbox, skip_locked=True)
        return query

    # -- sending -------------------------------------------------------------------------
    def _deliver(self, item: Claimed) -> int:
        status, error = self._post(item)
        wf = self.ctx.wf
        now = wf.now()
        values = {"attempts": item.attempts + 1, "last_status": status, "last_error": error[:500]}
        if 200 <= status < 300:
            values["delivered_at"] = now
        else:
            values["next_attempt_at"] = now + dt.timedelta(seconds=self._backoff(item.attempts))
            log.info("callback %s not delivered (%s): %s", item.event_id, status or "-", error)
        with wf.transaction() as session:
            session.execute(update(CallbackOutbox).where(CallbackOutbox.id == item.id)
                            .values(**values))
        return 1 if "delivered_at" in values else 0

    def _post(self, item: Claimed) -> tuple[int, str]:
        if not item.url:
            return 0, "未配置回调地址"
        stamp = str(int(time.time()))
        signature = hmac.new(item.secret.encode(), stamp.encode() + b"." + item.body,
                             hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Seatdesk-Event": item.event,
                   "X-Seatdesk-Event-Id": item.event_id, "X-Seatdesk-Timestamp": stamp,
                   "X-Seatdesk-Signature": f"sha256={signature}"}
        try:
            response = self.client.post(item.url, content=item.body, headers=headers)
        except httpx.HTTPError as exc:
            return 0, type(exc).__name__
        return response.status_code, "" if response.is_success else response.text[:200]

    def _backoff(self, attempts: int) -> float:
        cfg = self.ctx.config
        delay = min(cfg.backoff_first_s * 2 ** attempts, cfg.backoff_max_s)
        return delay * random.uniform(0.8, 1.0)
