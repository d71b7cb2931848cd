"""A fault-injecting TCP proxy between the application and PostgreSQL (in-process asyncio).

The proxy listens on a local port and forwards every connection to the server. A test
(or ``bench/bench_faults.py``) points the application at ``proxy.url(database_url)`` and
then, at the moment it chooses:

- ``cut()``: drops every open connection (both sides closed at once, as a failing switch
  or a server crash would);
- ``refuse(True)``: new connections are closed as soon as they are accepted;
- ``stall(True)``: no byte moves in either direction (open connections hang, new ones
  are accepted and hang too) until ``stall(False)``;
- ``cut_at_commit(before=…, writing=…)``: the next connection that sends ``COMMIT`` is cut
  — before the server sees it (the transaction rolls back) or after the server has answered
  it (the transaction is committed, the client never hears so). With ``writing`` (bytes of
  a statement, e.g. ``b"INSERT INTO cases "``) only the COMMIT of a transaction that sent
  such a statement is cut: a registration commits a short counter transaction of its own
  first, and the fault meant is the registration's.

Everything runs on one event loop in a daemon thread; the public methods are thread-safe.
``connections`` counts accepted connections, ``commits_cut`` the COMMITs cut.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from sqlalchemy.engine import make_url

COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"  # the simple-query message psycopg sends to commit
_CHUNK = 65536


@dataclass(eq=False)
class _Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    muted: bool = False  # the server's answers are no longer passed on
    wrote: bool = False  # this transaction sent the statement a commit cut waits for

    def close(self) -> None:
        for writer in (self.client, self.server):
            transport = writer.transport
            if not transport.is_closing():
                transport.abort()  # RST, no lingering FIN handshake


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.listen_host = listen_host
        self.port = 0
        self.connections = 0
        self.commits_cut = 0
        self._links: set[_Link] = set()
        self._refusing = False
        self._flowing: asyncio.Event | None = None
        self._commit_cut: str | None = None  # "before" | "after"
        self._commit_writing: bytes | None = None  # cut only a commit after this statement
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy",
                                        daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @classmethod
    def for_url(cls, database_url: str) -> FaultProxy:
        url = make_url(database_url)
        return cls(url.host or "127.0.0.1", url.port or 5432)

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._start())
        return self

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, self.listen_host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _stop(self) -> None:
        self._server.close()
        self._flowing.set()
        for link in list(self._links):
            link.close()

    def url(self, database_url: str) -> str:
        """``database_url`` going through the proxy."""
        return make_url(database_url).set(host=self.listen_host, port=self.port) \
            .render_as_string(hide_password=False)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    # -- faults ----------------------------------------------------------------------------------
    def cut(self) -> int:
        """Drop every open connection; returns how many were dropped."""
        return self._call(self._cut())

    async def _cut(self) -> int:
        links = list(self._links)
        for link in links:
            link.close()
        return len(links)

    def refuse(self, on: bool = True) -> None:
        self._refusing = on

    def stall(self, on: bool = True) -> None:
        self._loop.call_soon_threadsafe(self._flowing.clear if on else self._flowing.set)

    def cut_at_commit(self, before: bool, writing: bytes | None = None) -> None:
        """Cut the next connection that commits (a transaction that sent ``writing``, if
        given), ``before`` or after the server saw the COMMIT."""
        self._commit_writing = writing
        self._commit_cut = "before" if before else "after"

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # -- forwarding ------------------------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self._refusing:
            writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        link = _Link(writer, server_writer)
        self._links.add(link)
        try:
            await asyncio.gather(self._pipe(reader, server_writer, link, upstream=True),
                                 self._pipe(server_reader, writer, link, upstream=False))
        finally:
            self._links.discard(link)
            link.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    link: _Link, upstream: bool) -> None:
        try:
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                await self._flowing.wait()
                if upstream and self._commit_cut:
                    if self._commit_writing is not None and self._commit_writing in data:
                        link.wrote = True
                    if COMMIT in data and (self._commit_writing is None or link.wrote):
                        await self._commit(data, writer, link)
                        return
                    if COMMIT in data:
                        link.wrote = False
                if link.muted:
                    continue
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            link.close()

    async def _commit(self, data: bytes, writer: asyncio.StreamWriter, link: _Link) -> None:
        when, self._commit_cut = self._commit_cut, None
        self.commits_cut += 1
        if when == "after":
            link.muted = True
            writer.write(data)
            await writer.drain()
            await asyncio.sleep(0.3)  # the server commits; its answer is never passed on
            link.client.transport.abort()
            await asyncio.sleep(0.2)
        link.close()
