"""Count lists per evaluated object: which cases each count of each object is made of.

``tally(facts, scope, level)`` turns the period's facts (``history.LedgerFacts``, numpy
columns) into ``{object id: {count key: (case id, …)}}``; every list is in case-id
order, with one entry per counted item. The rules (who is credited with what) are
here, in one place, as boolean masks over the facts; ``docs/evaluation.md`` states
them in words.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .config import EvaluationConfig
from .definitions import LEVELS
from .history import KIND, LedgerFacts, Table

Lists = dict[int, dict[str, tuple[int, ...]]]
_REGION_COLUMN = {"district": "district", "street": "street", "community": "community",
                  "grid": "grid"}


@dataclass(frozen=True)
class Scope:
    """What a tally needs besides the facts: the period, the rules, supervisors' areas."""

    start: dt.datetime
    end: dt.datetime
    config: EvaluationConfig
    grid_codes: dict[int, str]
    supervisor_areas: dict[int, tuple[str, ...]]  # user id → code prefixes


class _Lists:
    """Files case ids under (object, key); ``objects``/``case_ids`` are the current rows."""

    def __init__(self, objects: np.ndarray, case_ids: np.ndarray,
                 data: Lists | None = None) -> None:
        self.data: Lists = defaultdict(dict) if data is None else data
        self.objects, self.case_ids = objects, case_ids

    def on(self, objects: np.ndarray, case_ids: np.ndarray) -> _Lists:
        """The same lists, filled from other rows."""
        return _Lists(objects, case_ids, self.data)

    def add(self, key: str, mask: np.ndarray) -> None:
        """Every row in ``mask`` counts for its object (rows without one are skipped)."""
        sel = mask & (self.objects >= 0)
        objs, ids = self.objects[sel], self.case_ids[sel]
        if not len(objs):
            return
        order = np.lexsort((ids, objs))
        objs, ids = objs[order], tuple(ids[order].tolist())
        cuts = np.flatnonzero(objs[1:] != objs[:-1]) + 1
        bounds = [0, *cuts.tolist(), len(ids)]
        for i, obj in enumerate(objs[bounds[:-1]].tolist()):
            lists = self.data[obj]
            chunk = ids[bounds[i]:bounds[i + 1]]
            lists[key] = tuple(sorted(lists[key] + chunk)) if key in lists else chunk


def tally(facts: LedgerFacts, scope: Scope, level: str) -> Lists:
    kind = LEVELS[level]
    if kind == "region":
        return _region(facts, scope, _REGION_COLUMN[level])
    if kind == "department":
        return _department(facts, scope)
    return _POSTS[kind](facts, scope)


def _valid_report(t: Table, scope: Scope) -> np.ndarray:
    if scope.config.valid_report_rule == "filed_or_voided":
        valid = t.flag("filed") | t.flag("voided")
    else:
        valid = t.flag("accepted")
    return valid & ~t.flag("merged")


def _valid_filed(t: Table) -> np.ndarray:
    """Filed and neither voided (作废 after 立案) nor merged afterwards."""
    return t.flag("filed") & ~t.flag("voided") & ~t.flag("merged")


def _reports(out: _Lists, t: Table, scope: Scope, mask: np.ndarray) -> None:
    reported = t.flag("reg_in") & mask
    out.add("reports", reported)
    out.add("valid_reports", reported & _valid_report(t, scope))


def _filed(out: _Lists, t: Table, filed_in: np.ndarray) -> None:
    out.add("filed", filed_in)
    out.add("filed_accurate", filed_in & _valid_filed(t))
    out.add("voided", filed_in & t.flag("voided"))


# -- regions ------------------------------------------------------------------------------
def _region(facts: LedgerFacts, scope: Scope, column: str) -> Lists:
    t = facts.cases
    out = _Lists(t.col(column), t.case_id)
    every = np.ones(len(t), dtype=bool)
    _reports(out, t, scope, every)
    out.add("unclosed", t.flag("reg_in") & t.flag("end_open"))
    out.add("accepted", t.flag("acc_in"))
    filed_in = t.flag("filed_in")
    _filed(out, t, filed_in)
    out.add("missed_reports", filed_in & t.flag("public"))
    out.add("patrol_filed", filed_in & t.flag("patrol"))
    cohort = filed_in & _valid_filed(t)
    _closure(out, t, scope, cohort)
    handled = cohort & t.flag("has_stretch")
    out.add("returned", handled & t.flag("any_returned"))
    _handling(out, t, handled)
    region = t.col(column)[facts.case_rows(facts.steps.case_id)]
    _callbacks(out.on(region, facts.steps.case_id), facts.steps)
    return out.data


def _callbacks(out: _Lists, s: Table) -> None:
    """回访 in the period: every call, those that reached the caller, the satisfied ones
    (满意 and 基本满意). ``out`` files the step rows ``s`` under their objects."""
    calls = s.col("kind") == KIND["callback"]
    out.add("callbacks", calls)
    out.add("callbacks_reached", calls & s.flag("contact"))
    out.add("callbacks_satisfied", calls & s.flag("satisfied"))


def _closure(out: _Lists, t: Table, scope: Scope, cohort: np.ndarray) -> None:
    """应结案/结案 of a cohort (``t``: case flags, one row per counted item)."""
    closed, config = t.flag("closed"), scope.config
    due = closed | t.flag("due_by_end") | (config.closure_denominator == "filed")
    if config.suspended_leave_denominator:
        due &= ~t.flag("end_suspended")
    due &= cohort
    on_time = t.flag("closed_by_deadline")
    out.add("due_closure", due)
    out.add("closed", due & closed)
    out.add("closed_on_time", due & closed & on_time)
    out.add("closed_overdue", due & closed & ~on_time)


def _handling(out: _Lists, s: Table, rows: np.ndarray) -> None:
    """The handling counts of the cohort rows ``rows`` (``s``: their stretches' flags)."""
    due = rows & ~s.flag("last_ended")  # returned, re-dispatched or voided: not to handle
    handled, on_time = due & s.flag("last_handled"), s.flag("last_fb_on_time")
    out.add("due_handling", due)
    out.add("handled", handled)
    out.add("handled_on_time", handled & on_time)
    out.add("handled_overdue", handled & ~on_time)
    out.add("rework", due & s.flag("any_rework"))
    out.add("extended", due & s.flag("any_ext"))
    out.add("suspended", due & s.flag("any_susp"))


# -- departments ----------------------------------------------------------------------------
def _department(facts: LedgerFacts, scope: Scope) -> Lists:
    """A department's cohort: cases dispatched to it in the period (its own stretches)."""
    d = facts.depts
    case = facts.cases.take(facts.case_rows(d.case_id))
    out = _Lists(d.col("dept"), d.case_id)
    gone = d.flag("last_ended") | case.flag("voided") | case.flag("merged")
    out.add("returned", d.flag("any_returned"))  # whether or not it stays theirs
    kept = ~gone
    _closure(out, case, scope, kept)
    _handling(out, d, kept)
    s = facts.steps
    _callbacks(out.on(s.col("dept"), s.case_id), s)  # the department that handled it
    return out.data


# -- posts ---------------------------------------------------------------------------------
def _supervisor(facts: LedgerFacts, scope: Scope) -> Lists:
    t = facts.cases
    out = _Lists(t.col("reporter"), t.case_id)
    _reports(out, t, scope, t.flag("patrol"))
    _actor_steps(out, facts, {"verify": "verifies", "check": "checks"})
    if scope.supervisor_areas:
        _areas(out, t, scope)
    return out.data


def _areas(out: _Lists, t: Table, scope: Scope) -> None:
    """漏报: cases filed in the period in each supervisor's area (grid code prefixes)."""
    codes = np.array([scope.grid_codes.get(g, "") for g in t.col("grid").tolist()], dtype=str)
    for user, prefixes in scope.supervisor_areas.items():
        inside = np.zeros(len(t), dtype=bool)
        for prefix in prefixes:
            inside |= np.char.startswith(codes, prefix) & (codes != "")
        filed = t.flag("filed_in") & inside
        mine = out.on(np.full(len(t), user, dtype=np.int64), t.case_id)
        mine.add("filed", filed)
        mine.add("missed_reports", filed & t.flag("public"))


def _actor_steps(out: _Lists, facts: LedgerFacts, keys: dict[str, str]) -> None:
    """Step rows of ``keys`` (kind → count key) credited to their actors."""
    s = facts.steps
    steps = out.on(s.col("actor"), s.case_id)
    for kind, key in keys.items():
        rows = s.col("kind") == KIND[kind]
        steps.add(key, rows)
        steps.add(key + "_on_time", rows & s.flag("on_time"))


def _acceptor(facts: LedgerFacts, scope: Scope) -> Lists:
    t = facts.cases
    out = _Lists(t.col("acc_actor"), t.case_id)
    out.add("accepted", t.flag("acc_in"))
    out.add("accepted_on_time", t.flag("acc_in") & t.flag("acc_on_time"))
    _actor_steps(out, facts, {"verify_send": "verify_sends", "check_send": "check_sends"})
    s = facts.steps
    out.on(s.col("actor"), s.case_id).add("callbacks", s.col("kind") == KIND["callback"])
    return out.data


def _shift_lead(facts: LedgerFacts, scope: Scope) -> Lists:
    t = facts.cases
    out = _Lists(t.col("file_actor"), t.case_id)
    filed_in = t.flag("filed_in")
    _filed(out, t, filed_in)
    out.add("filed_on_time", filed_in & t.flag("filed_on_time"))
    closes = out.on(t.col("close_actor"), t.case_id)
    closes.add("closes", t.flag("close_in"))
    closes.add("closes_on_time", t.flag("close_in") & t.flag("close_on_time"))
    return out.data


def _dispatcher(facts: LedgerFacts, scope: Scope) -> Lists:
    s = facts.steps
    out = _Lists(s.col("actor"), s.case_id)
    rows = s.col("kind") == KIND["dispatch"]
    wrong = s.flag("redone") if scope.config.accurate_dispatch_rule == "no_redispatch" \
        else s.flag("error")
    out.add("dispatched", rows)
    out.add("dispatched_on_time", rows & s.flag("on_time"))
    out.add("dispatched_accurate", rows & ~wrong)
    return out.data


_POSTS = {"supervisor": _supervisor, "acceptor": _acceptor, "shift_lead": _shift_lead,
          "dispatcher": _dispatcher}
