"""The workflow from an event loop (the intake server's): statements without a thread.

A request handled by ``seatdesk serve`` ran its registration in a worker thread: the
event loop handed it over (anyio's thread pool), the thread waited for the database, and
the loop was woken again. On two cores, with the HTTP parsing of other requests in the
same process, that hand-over cost more than the registration's own Python —
87–235 µs of CPU per statement against 36–44 µs for the same statement sent from the loop
by psycopg's asynchronous connection, and more the busier the machine
(docs/performance.md, 2026-12-07 03:20).

So the intake server sends a text report's two statements from the loop
(``Workflow.arun_statement``, through ``AsyncStatements``), and runs the Python between
them there too while the process's caches hold everything it reads. That Python is
written for threads and may read the database on a cache miss; ``loop_only`` makes any
such read raise ``WouldBlock`` instead of blocking the loop, and ``loop_or_thread`` then
runs the same step again in a thread (the steps it is used for change nothing before
their first read: a second run from the start is the same work).
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
#: runs a blocking callable in a thread and awaits it (the server's ``run_in_threadpool``)
Blocking = Callable[..., Awaitable[Any]]

_LOOP_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("seatdesk_loop_only",
                                                                  default=False)


class WouldBlock(Exception):
    """A database read or write was asked for inside ``loop_only`` (a signal, not an
    error): the step is to run in a thread instead (``loop_or_thread``)."""


@contextmanager
def loop_only():
    """Within: every database access through the workflow (``Workflow.reading``,
    ``transaction``, ``write``, ``run_statement``, a lazy session's first use) raises
    ``WouldBlock`` instead of blocking. A context variable: a thread started from inside
    (anyio copies the context) would inherit it, so it is set only around plain calls."""
    token = _LOOP_ONLY.set(True)
    try:
        yield
    finally:
        _LOOP_ONLY.reset(token)


def check_may_block() -> None:
    """Called where the workflow is about to touch the database."""
    if _LOOP_ONLY.get():
        raise WouldBlock()


async def loop_or_thread(blocking: Blocking, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on the event loop if it needs no database access, else in a thread
    (``blocking``) from the start again. ``fn`` must change nothing before its first
    database access but the process's caches (which it fills in the thread)."""
    try:
        with loop_only():
            return fn(*args)
    except WouldBlock:
        pass
    return await blocking(functools.partial(fn, *args))


class AsyncStatements:
    """A small pool of psycopg's asynchronous connections, on one event loop, for
    ``Workflow.arun_statement``: at most ``size`` open, opened when needed and given to
    the statement that waits longest. It fails as the engine's pool fails: a database
    that cannot be reached is an error at once (psycopg_pool would wait for its own
    reconnection instead, and a request with it), a connection idle for a second or more
    is pinged before use and a dead one replaced (``models.db._ping_idle_connections``),
    a broken one is not handed out again — nor any idle one (it finds a restarted
    database; so does ``forget``, called from any thread, as SQLAlchemy's pool drops its
    connections when one is found dead).

    ``open`` on the loop that will use it (the server's lifespan), ``close`` there at the
    end; ``usable()``: whether the running loop is that loop (a test client's request on
    another loop takes the thread path)."""

    def __init__(self, connect_kwargs: dict, size: int, ping_after_s: float):
        self._kwargs = {**connect_kwargs, "autocommit": True}
        self._size, self._ping_after = size, ping_after_s
        self._idle: collections.deque = collections.deque()  # (connection, since, generation)
        self._generation = 0  # idle connections of an earlier one are not used again
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None

    def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(self._size)

    def usable(self) -> bool:
        try:
            return self._loop is not None and asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def forget(self) -> None:
        """The idle connections are not to be used again (the database went away): from
        any thread; each is closed when next taken."""
        self._generation += 1

    async def close(self) -> None:
        self._loop = None
        while self._idle:
            conn, _since, _generation = self._idle.popleft()
            await conn.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """A connection for one statement (autocommit); psycopg's errors as they come
        (connecting included)."""
        assert self._slots is not None, "AsyncStatements.open() was not called"
        async with self._slots:
            conn = await self._take()
            try:
                yield conn
            finally:
                if conn.closed or conn.broken:
                    self.forget()
                else:
                    self._idle.append((conn, time.monotonic(), self._generation))

    async def _take(self):
        import psycopg

        while self._idle:
            conn, since, generation = self._idle.pop()  # the most recently used: warm
            if conn.closed or conn.broken or generation != self._generation:
                await conn.close()
                continue
            if time.monotonic() - since >= self._ping_after:
                try:
                    await conn.execute("SELECT 1")
                except psycopg.Error:
                    await conn.close()
                    self.forget()
                    continue
            return conn
        return await psycopg.AsyncConnection.connect(**self._kwargs)
