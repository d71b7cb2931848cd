"""Bulk writing for the demo generator: COPY on PostgreSQL, batched executemany on SQLite.

Rows are plain dicts keyed by column name with every NOT NULL column filled (the model
defaults are client-side, COPY does not apply them). Geometry values are shapely
geometries; on PostgreSQL they travel as hex EWKB (SRID 4326), on SQLite through the
column type (WKB). Explicit ids are allowed; ``fix_sequence`` moves the PostgreSQL
serial past them afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import methodcaller
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, Table, insert, text

from seatdesk.models.base import UTCDateTime
from seatdesk.models.geometry import SRID, GeometryType

BATCH = 5000


def next_id(conn: Connection, table: Table) -> int:
    """The first free id of ``table`` (ids are assigned by the generator for bulk rows)."""
    return int(conn.execute(text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}")).scalar())


def write(conn: Connection, table: Table, rows: Sequence[dict]) -> int:
    """Insert ``rows`` (all with the same keys) into ``table``; returns the count."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    else:
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(table), list(rows[start:start + BATCH]))
    return len(rows)


def _copy(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    columns = list(rows[0])
    geo_cols = [c for c in columns if isinstance(table.c[c].type, GeometryType)]
    encoded = {c: _ewkb_hex([r[c] for r in rows]) for c in geo_cols}
    positions = {c: columns.index(c) for c in geo_cols}
    cursor = conn.connection.driver_connection.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY {table.name} ({names}) FROM STDIN') as copy:
        for i, row in enumerate(rows):
            values = [row[c] for c in columns]
            for c, pos in positions.items():
                values[pos] = encoded[c][i]
            copy.write_row(values)


def _ewkb_hex(geoms: list) -> list[str | None]:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    arr = shapely.set_srid(arr, SRID)
    return list(shapely.to_wkb(arr, hex=True, include_srid=True))


def copy_text(table: Table, rows: Sequence[dict]) -> tuple[tuple[str, ...], bytes]:
    """Rows encoded in COPY text format (done in worker processes, written by ``copy_write``).

    Encoded column by column with C-level ``map`` where a column has no NULLs."""
    if not rows:
        return (), b""
    columns = tuple(rows[0])
    texts = []
    for c in columns:
        values = [r[c] for r in rows]
        kind = table.c[c].type
        if isinstance(kind, GeometryType):
            texts.append([_NULL if v is None else v for v in _ewkb_hex(values)])
            continue
        convert = _converter(kind)
        if any(v is None for v in values):
            texts.append([_NULL if v is None else convert(v) for v in values])
        else:
            texts.append(list(map(convert, values)))
    lines = list(map("\t".join, zip(*texts, strict=True)))
    lines.append("")
    return columns, "\n".join(lines).encode()


_NULL = "\\N"


def _bool_text(value) -> str:
    return "t" if value else "f"


def _text(value: str) -> str:
    """COPY escapes (checked first: most values need none, and scanning is cheap)."""
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return value


def _converter(kind) -> Callable[[Any], str]:
    """A non-NULL value → COPY text function for a column type (C-level where possible)."""
    python = dt.datetime if isinstance(kind, UTCDateTime) else kind.python_type
    if python is bool:
        return _bool_text
    if python is str:
        return _text
    if python in (dt.datetime, dt.date):
        return methodcaller("isoformat")
    if python is float:
        return repr
    return str  # int, Decimal


def copy_write(conn: Connection, table: Table, columns: tuple[str, ...], data: bytes) -> None:
    """COPY pre-encoded rows (``copy_text``) into ``table`` on PostgreSQL."""
    if not data:
        return
    cursor = conn.connection.driver_connection.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        copy.write(data)


@contextmanager
def indexes_deferred(conn: Connection, tables: Sequence[Table], rows_expected: int,
                     threshold: int = 20_000) -> Iterator[None]:
    """Bulk loads into empty PostgreSQL tables: drop their secondary indexes (not the ones
    behind constraints) for the load and rebuild them afterwards, in the same transaction,
    then ANALYZE. Building an index once is much faster than maintaining it row by row."""
    if conn.dialect.name != "postgresql" or rows_expected < threshold or any(
            conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {t.name})")).scalar()
            for t in tables):
        yield
        return
    names = [t.name for t in tables]
    found = conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = "
        "current_schema() AND i.tablename = ANY(:names) AND NOT EXISTS (SELECT 1 FROM "
        "pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname"),
        {"names": names}).all()
    for name, _definition in found:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _name, definition in found:
        conn.execute(text(definition))
    for name in names:
        conn.execute(text(f"ANALYZE {name}"))


def fix_sequence(conn: Connection, table: Table) -> None:
    """After explicit ids: the PostgreSQL serial continues after the largest id."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(
        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"))
