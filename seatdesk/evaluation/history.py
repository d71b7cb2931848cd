"""Case histories as of the end of a period, read from the ledger (电子台账) as facts.

Every indicator is computed from these facts, and the facts only from ledger rows
written before the end of the evaluated period: what happened later never changes a
past month. Deadlines are the ones recorded in the ledger payloads at the time (the
``set`` part of each row): the handling deadline ``deadline_at`` as set at 派遣 and
moved by 延期, 挂账恢复, 返工 or 改派, and the step deadline ``step_deadline_at``
(环节时限) in force when a step ended.

The database does the replay (``ledger_sql.facts_statement``: one statement, window
functions, one payload parse per row); this module holds its answer as numpy columns:

- ``cases``: one row per case with a ledger row in the period (ids and ``CASE_BITS``);
- ``depts``: one row per (case, 专业部门) the case was dispatched to in the period;
- ``steps``: one row per post step (派发核实, 核实, 派发核查, 核查, 派遣) and per 回访 in the
  period (with the department that handled the case).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from seatdesk.models.sources import public_codes

from .ledger_sql import CASE_BITS, DEPT_BITS, STEP_BITS, STEP_KINDS, facts_statement

CASE_IDS = ("grid", "community", "street", "district", "reporter", "acc_actor", "file_actor",
            "close_actor")
_WIDTH = 2 + len(CASE_IDS) + 1  # part, case_id, a1…a8, bits
#: step kinds by name (``STEP_KINDS`` maps actions to them)
KIND = {"verify_send": STEP_KINDS["send_verification"], "verify": STEP_KINDS["verify"],
        "check_send": STEP_KINDS["send_check"], "check": STEP_KINDS["check_pass"],
        "dispatch": STEP_KINDS["dispatch"], "callback": STEP_KINDS["callback"]}


@dataclass(frozen=True)
class Table:
    """Integer columns (``-1`` = none) and a bit set of named flags, one entry per row."""

    case_id: np.ndarray
    columns: dict[str, np.ndarray]
    bits: np.ndarray
    bit_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.case_id)

    def col(self, name: str) -> np.ndarray:
        return self.columns[name]

    def flag(self, name: str) -> np.ndarray:
        return (self.bits >> self.bit_names.index(name)) & 1 == 1

    def take(self, index: np.ndarray) -> Table:
        return Table(self.case_id[index], {k: v[index] for k, v in self.columns.items()},
                     self.bits[index], self.bit_names)


@dataclass(frozen=True)
class LedgerFacts:
    """Everything the indicators need about the cases of a period, as of its end."""

    start: dt.datetime
    end: dt.datetime
    cases: Table  # sorted by case id
    depts: Table  # column "dept"
    steps: Table  # columns "kind", "actor", "dept" (the case's department then)

    def case_rows(self, case_ids: np.ndarray) -> np.ndarray:
        """Index into ``cases`` of each of ``case_ids`` (all of them are there)."""
        return np.searchsorted(self.cases.case_id, case_ids)


def _table(rows: np.ndarray, names: tuple[str, ...], bits: tuple[str, ...]) -> Table:
    rows = rows[np.argsort(rows[:, 1], kind="stable")]
    columns = {name: rows[:, 2 + i] for i, name in enumerate(names)}
    return Table(rows[:, 1], columns, rows[:, -1], bits)


def facts_from_rows(rows: Iterable[Iterable[int]], start: dt.datetime,
                    end: dt.datetime) -> LedgerFacts:
    data = np.fromiter(chain.from_iterable(rows), dtype=np.int64).reshape(-1, _WIDTH)
    part = data[:, 0]
    return LedgerFacts(start, end, _table(data[part == 1], CASE_IDS, CASE_BITS),
                       _table(data[part == 2], ("dept",), DEPT_BITS),
                       _table(data[part == 3], ("kind", "actor", "dept"), STEP_BITS))


def load_facts(session: Session, start: dt.datetime, end: dt.datetime) -> LedgerFacts:
    """Facts of every case with a ledger row in ``[start, end)``, as of ``end``."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # sort ~10 rows per case in memory; JIT only costs here
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))
    statement = facts_statement(dialect, public_codes(session))
    return facts_from_rows(session.execute(statement, {"start": start, "end": end}), start, end)
