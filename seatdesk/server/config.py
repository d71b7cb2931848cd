"""The server's own settings: limits, lifetimes and intervals (``seatdesk serve`` flags)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Everything tunable about the intake server; the defaults suit one city centre."""

    #: a handset sign-in lasts one long shift, then the supervisor signs in again
    token_ttl: dt.timedelta = dt.timedelta(hours=12)
    #: how often a handset on duty sends its position (seconds)
    position_interval_s: int = 30
    #: upload limits: per photo, per voice note, photos per report, whole request
    max_photo_bytes: int = 8 * MIB
    max_audio_bytes: int = 5 * MIB
    max_photos: int = 9
    max_body_bytes: int = 48 * MIB
    #: rate limits (``limits`` notation) per handset token, partner key, sign-in (per
    #: address and user name) and anonymous reader (per address)
    field_rate: str = "300/minute"
    partner_rate: str = "1200/minute"
    signin_rate: str = "10/minute"
    anonymous_rate: str = "300/minute"
    #: long-poll and server-sent events: longest wait, keep-alive comment interval
    long_poll_max_s: float = 30.0
    sse_keepalive_s: float = 15.0
    #: the address clients reach the server at (Open311 discovery, media links)
    public_url: str = ""
    #: 12345 callbacks: how often the outbox is read, request timeout, retry backoff
    outbox_poll_s: float = 1.0
    callback_timeout_s: float = 10.0
    backoff_first_s: float = 5.0
    backoff_max_s: float = 3600.0
    #: PostgreSQL's notification queue: how often its usage is read, and the share of it
    #: at which the log warns (``server/queue_watch.py``; 0 s: not watched)
    queue_check_s: float = 60.0
    queue_warn_at: float = 0.05
    #: Open311: jurisdiction served (empty: any or none) and the page size of lists
    jurisdiction_id: str = ""
    page_size: int = 100
    #: database connections each worker process keeps, and the most requests it runs
    #: against the database at once (its thread pool): no connection is opened or
    #: closed under load (a new PostgreSQL session costs ~50 ms of its CPU). Few: with 16
    #: per worker PostgreSQL spent 0.2–0.6 ms more CPU per report than with 4 on two cores
    #: at the same load (docs/performance.md, 2026-12-06 16:16)
    db_connections: int = 4
