"""Writing the bulk case history chunk by chunk.

SQLite: chunks are generated in-process and inserted with batched executemany.
PostgreSQL: chunks are generated and encoded in COPY text format — in worker processes
(fork) when there is more than one chunk, more than one CPU and a single-threaded
caller (the CLI, the benchmark) — while this process streams them to the server in
chunk order, so the result is the same as in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from sqlalchemy import Connection, Table

from seatdesk.models import Case, CaseReporter, Dispatch, LedgerEntry

from seatdesk.data.demo import load as demo_load
from seatdesk.data.demo.batch import CaseBatch, CaseGenerator

MAX_WORKERS = 6
Encoded = list[tuple[str, tuple[str, ...], bytes, int]]  # table, columns, data, rows
_TABLES: dict[str, Table] = {t.name: t for t in (
    Case.__table__, LedgerEntry.__table__, Dispatch.__table__, CaseReporter.__table__)}
_COUNTS = {"cases": "cases", "case_ledger": "ledger_entries", "dispatches": "dispatches",
           "case_reporters": "reporters"}
_GEN: CaseGenerator | None = None  # the generator inherited by forked workers


def write_cases(conn: Connection, gen: CaseGenerator, chunk: int,
                progress: Callable[[int], None]) -> dict[str, int]:
    """Generate every chunk of ``gen`` and write it; returns row counts per table."""
    totals = dict.fromkeys(_COUNTS.values(), 0)
    chunks = list(gen.chunks(chunk))
    if conn.dialect.name != "postgresql":
        for c, a, b in chunks:
            _add(totals, _write_rows(conn, gen.batch(c, a, b)))
            progress(b)
        return totals
    for (_c, _a, b), encoded in zip(chunks, _encoded_batches(gen, chunks), strict=True):
        for name, columns, data, rows in encoded:
            demo_load.copy_write(conn, _TABLES[name], columns, data)
            totals[_COUNTS[name]] += rows
        progress(b)
    return totals


def _write_rows(conn: Connection, batch: CaseBatch) -> dict[str, int]:
    return {_COUNTS[name]: demo_load.write(conn, _TABLES[name], rows)
            for name, rows in _rows(batch)}


def _add(totals: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        totals[key] += value


def _rows(batch: CaseBatch):
    return (("cases", batch.cases), ("case_ledger", batch.ledger),
            ("dispatches", batch.dispatches), ("case_reporters", batch.reporters))


def _encode(gen: CaseGenerator, c: int, a: int, b: int) -> Encoded:
    out: Encoded = []
    for name, rows in _rows(gen.batch(c, a, b)):
        columns, data = demo_load.copy_text(_TABLES[name], rows)
        out.append((name, columns, data, len(rows)))
    return out


def _encode_in_worker(c: int, a: int, b: int) -> Encoded:
    assert _GEN is not None
    return _encode(_GEN, c, a, b)


def workers() -> int:
    """Worker processes for generation: one per CPU (capped). None without ``fork`` or in a
    multi-threaded process (a GUI): forking there could deadlock on another thread's lock."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _encoded_batches(gen: CaseGenerator, chunks: list[tuple[int, int, int]]) -> Iterator[Encoded]:
    n = workers()
    if n <= 1 or len(chunks) <= 1:
        for c, a, b in chunks:
            yield _encode(gen, c, a, b)
        return
    global _GEN
    _GEN = gen
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(n, mp_context=context) as pool:
            queue: deque[Future] = deque()
            for c, a, b in chunks:  # at most n + 1 chunks in flight (bounded memory)
                queue.append(pool.submit(_encode_in_worker, c, a, b))
                if len(queue) > n:
                    yield queue.popleft().result()
            while queue:
                yield queue.popleft().result()
    finally:
        _GEN = None
