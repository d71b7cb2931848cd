"""The one SQL statement that turns a period's ledger (电子台账) into per-case facts.

Set-based, run by the database: the ledger rows written before the period end of every
case with a row in the period are read once — the period's rows through
``ix_case_ledger_at``, the earlier rows of the cases that began before it through
``uq_case_ledger_case_id_seq`` (``seq`` below the first one in the period: the engine
writes a case's rows in time order) — each payload is parsed once, and window functions
over ``(case_id, seq)`` carry the state a replay would carry:

- ``sdl_in``: the step deadline (环节时限) in force before a row — set by the latest
  earlier row whose ``set`` has ``step_started_at`` (then its ``step_deadline_at``,
  possibly none) or ``step_deadline_at``;
- ``dl_in``: the handling deadline ``deadline_at`` in force before a row;
- ``cur``: the open stretch with a department (派遣/改派 to a 专业部门 until 改派, 回退 or
  作废), named by the ``seq`` of the row that started it;
- ``last_dispatch``: the latest 派遣 row before a row (what a 回退/改派 proves wrong);
- ``susp_at``: when the latest 批准挂账 up to a row stopped the clock.

A case still suspended (挂账) at the period end is due by then only if its deadline had
passed when it was suspended: the engine moves the deadline by the time suspended at
挂账恢复, so a suspension never makes a case overdue (``due_by_end``).

"The latest earlier value" is a running ``MAX`` over ``zero-padded seq || value``
(bytewise, ``COLLATE "C"`` on PostgreSQL), so every window shares one ordering. The
state machine allows each of 登记, 受理, 立案, 作废, 合并 and 结案 at most once per case, so
plain conditional aggregates find them.

The statement returns three kinds of rows (column ``part``), all small integers:

1. one per case: region and post ids and the ``CASE_BITS`` flags;
2. one per (case, 专业部门) dispatched in the period: ``DEPT_BITS``;
3. one per 派发核实/核实/派发核查/核查/派遣/回访 in the period: kind, actor, the department of
   the case's stretch then (回访: who handled it), ``STEP_BITS`` (回访: reached, satisfied).

Time comparisons happen in SQL (on time = at or before the deadline), so no timestamp
crosses into Python. Payload timestamps are the engine's UTC ISO strings
(``isoformat()``); on SQLite they are compared as text in SQLAlchemy's storage format.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.sql.elements import TextClause

from seatdesk.models import UTCDateTime

CASE_BITS = ("reg_in", "accepted", "acc_in", "acc_on_time", "filed", "filed_in",
             "filed_on_time", "voided", "merged", "closed", "close_in", "close_on_time",
             "closed_by_deadline", "end_open", "end_suspended", "due_by_end", "public",
             "patrol", "has_stretch", "any_returned", "last_ended", "last_handled",
             "last_fb_on_time", "any_rework", "any_ext", "any_susp")
DEPT_BITS = ("any_returned", "last_ended", "last_handled", "last_fb_on_time", "any_rework",
             "any_ext", "any_susp")
STEP_BITS = ("on_time", "redone", "error", "contact", "satisfied")
#: ledger actions credited to posts step by step, and their kind codes
STEP_KINDS = {"send_verification": 1, "verify": 2, "send_check": 3, "check_pass": 4,
              "check_fail": 4, "dispatch": 5, "callback": 6}
#: a 回访 that reopens the case (不满意): a rework round of the same department
REOPEN = "action = 'callback' AND to_state = 'dispatched'"
REWORK = f"(action = 'check_fail' OR ({REOPEN}))"
#: 回访 outcomes: the caller was reached / was satisfied (满意 or 基本满意)
CONTACTED = ("satisfied", "basically_satisfied", "dissatisfied")
SATISFIED = ("satisfied", "basically_satisfied")
#: the end states "未结案" excludes
CLOSED_STATES = ("voided", "not_filed", "closed", "merged")

_PG = {
    "doc": "CAST(l.payload AS jsonb)",
    "get": "x.p #>> '{{{0},{1}}}'",
    "find": "strpos(l.payload, '{0}') > 0",
    "fence": "OFFSET 0",  # keeps the payload parsed once per row
    "pad": "lpad(CAST({} AS text), 9, '0')",
    "key": "({}) COLLATE \"C\"",  # compared bytewise, whatever the database collation
    "ts": "CAST({} AS timestamptz)",
}
_SQLITE = {
    "doc": "l.payload",
    "get": "json_extract(x.p, '$.{0}.{1}')",
    "find": "instr(l.payload, '{0}') > 0",
    "fence": "",
    "pad": "printf('%09d', {})",
    "key": "{}",
    # ISO '2025-06-09T01:30:00[.ffffff]+00:00' → '2025-06-09 01:30:00.ffffff' (stored format)
    "ts": "(substr({0}, 1, 10) || ' ' || substr({0}, 12, 8) || CASE WHEN substr({0}, 20, 1) "
          "= '.' THEN substr({0}, 20, 7) ELSE '.000000' END)",
}
#: actions whose payload values are read whatever it contains (department, 派遣差错)
_ARGS_ACTIONS = ("dispatch", "redispatch", "approve_return", "callback")
#: actions whose step (环节) is timed: post steps, 受理, 立案, 结案
_TIMED = ("accept", "file", "close", *STEP_KINDS)


def _bits(names: tuple[str, ...], exprs: dict[str, str]) -> str:
    return " + ".join(f"(CASE WHEN {exprs[n]} THEN {1 << i} ELSE 0 END)"
                      for i, n in enumerate(names))


def _flag(cond: str) -> str:
    return f"CASE WHEN {cond} THEN 1 ELSE 0 END"


def _is_true(expr: str) -> str:
    return f"lower(CAST({expr} AS TEXT)) IN ('1', 'true')"


_READ = """
{name} AS MATERIALIZED (
  SELECT x.case_id, x.seq, x.at, x.actor_id, x.action, x.to_state,
         {dl} AS dl, {ssa} AS ssa, {sdl} AS sdl, CAST({dept} AS integer) AS dept, {derr} AS derr,
         {outc} AS outc
  FROM (SELECT l.case_id, l.seq, l.at, l.actor_id, l.action, l.to_state,
               CASE WHEN {needs_doc} THEN {doc} END AS p
        FROM {source} {fence}) x
),
"""

_FIRSTS = """
firsts AS (
  SELECT case_id, MIN(seq) AS first_seq FROM period GROUP BY case_id HAVING MIN(seq) > 1
),
"""

_ROWS = """
raw AS (SELECT * FROM period UNION ALL SELECT * FROM earlier),
win AS (
  SELECT r.case_id, r.seq, r.at, r.actor_id, r.action, r.to_state, r.dl, r.derr, r.dept,
    r.outc, {inp} AS inp,
    {is_start} AS is_start,
    MAX(CASE WHEN r.ssa IS NOT NULL OR r.sdl IS NOT NULL THEN {sdl_key} END) OVER w AS sdl_key,
    MAX(CASE WHEN r.dl IS NOT NULL THEN {dl_key} END) OVER w AS dl_key,
    MAX(CASE WHEN r.action = 'dispatch' THEN r.seq END) OVER w AS last_dispatch,
    MAX(CASE WHEN {is_start_cond} THEN r.seq END) OVER w AS last_start,
    MAX(CASE WHEN r.action IN ('redispatch', 'approve_return', 'approve_void')
             THEN r.seq END) OVER w AS last_end,
    MAX(r.seq) OVER (PARTITION BY r.case_id) AS last_seq,
    MAX(CASE WHEN r.action = 'approve_suspension' THEN r.at END)
      OVER (PARTITION BY r.case_id ORDER BY r.seq) AS susp_at
  FROM raw r LEFT JOIN departments d ON d.id = r.dept AND d.kind = 'department'
  WINDOW w AS (PARTITION BY r.case_id ORDER BY r.seq
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
timed AS (
  SELECT w.case_id, w.seq, w.actor_id, w.action, w.dept, w.inp, w.is_start, w.last_dispatch,
    w.outc, w.to_state,
    {derr_true} AS derr,
    CASE WHEN w.seq = w.last_seq AND w.to_state NOT IN ({closed_states}) THEN 1 ELSE 0 END
      AS end_open,
    CASE WHEN w.seq = w.last_seq AND w.to_state = 'suspended' THEN 1 ELSE 0 END
      AS end_suspended,
    CASE WHEN w.action IN ({timed}) AND COALESCE(w.at <= {sdl_in}, TRUE) THEN 1 ELSE 0 END
      AS on_time,
    CASE WHEN w.action IN ('feedback', 'close') AND COALESCE(w.at <= {dl_in}, TRUE)
         THEN 1 ELSE 0 END AS by_deadline,
    CASE WHEN w.seq = w.last_seq AND COALESCE({own_dl}, {dl_in})
                <= CASE WHEN w.to_state = 'suspended' THEN w.susp_at ELSE :end END
         THEN 1 ELSE 0 END AS due_by_end,
    CASE WHEN w.last_start IS NOT NULL AND (w.last_end IS NULL OR w.last_start >= w.last_end)
         THEN w.last_start END AS cur
  FROM win w
),
"""

_STRETCHES = """
stretch_events AS (
  SELECT case_id, cur,
    MAX({is_ext}) AS ext, MAX({is_susp}) AS susp, MAX({is_fail}) AS rework,
    MAX(CASE WHEN action = 'feedback' THEN seq END) AS fb_seq,
    MAX(CASE WHEN {rework_cond} THEN seq END) AS cf_seq,
    MAX(CASE WHEN action = 'feedback' THEN seq * 2 + by_deadline END) AS fb_key,
    MAX(CASE WHEN action IN ('redispatch', 'approve_return', 'approve_void') THEN 1 ELSE 0 END)
      AS ended,
    MAX(CASE WHEN action = 'approve_return' THEN 1 ELSE 0 END) AS returned
  FROM timed WHERE cur IS NOT NULL GROUP BY case_id, cur
),
stretches AS (
  SELECT s.case_id, s.seq, s.dept, s.inp,
    COALESCE(e.ext, 0) AS ext, COALESCE(e.susp, 0) AS susp, COALESCE(e.rework, 0) AS rework,
    COALESCE(e.ended, 0) AS ended, COALESCE(e.returned, 0) AS returned,
    {handled} AS handled,
    CASE WHEN e.fb_key IS NOT NULL THEN e.fb_key % 2 ELSE 0 END AS fb_on_time
  FROM timed s LEFT JOIN stretch_events e ON e.case_id = s.case_id AND e.cur = s.seq
  WHERE s.is_start = 1
),
by_case AS (
  SELECT case_id, {stretch_aggregates} FROM stretches GROUP BY case_id
),
by_dept AS (
  SELECT case_id, dept, MAX(inp) AS any_in, {stretch_aggregates}
  FROM stretches GROUP BY case_id, dept
),
"""

_STRETCH_AGGREGATES = (
    "MAX(returned) AS any_returned, MAX(seq * 8 + ended * 4 + handled * 2 + fb_on_time) "
    "AS last_key, MAX(CASE WHEN rework > 0 THEN 1 ELSE 0 END) AS any_rework, "
    "MAX(CASE WHEN ext > 0 THEN 1 ELSE 0 END) AS any_ext, "
    "MAX(CASE WHEN susp > 0 THEN 1 ELSE 0 END) AS any_susp")

_CASES = """
case_rows AS (
  SELECT case_id,
    MAX({reg_in}) AS reg_in,
    MAX({is_accept}) AS accepted, MAX({acc_in}) AS acc_in, MAX({acc_on_time}) AS acc_on_time,
    MAX(CASE WHEN action = 'accept' THEN actor_id END) AS acc_actor,
    MAX({is_file}) AS filed, MAX({filed_in}) AS filed_in, MAX({filed_on_time}) AS filed_on_time,
    MAX(CASE WHEN action = 'file' THEN actor_id END) AS file_actor,
    MAX({is_void}) AS voided, MAX({is_merge}) AS merged,
    CASE WHEN MAX(CASE WHEN action = 'close' THEN seq END)
              > COALESCE(MAX(CASE WHEN {reopen} THEN seq END), 0) THEN 1 ELSE 0 END AS closed,
    MAX({close_in}) AS close_in, MAX({close_on_time}) AS close_on_time,
    MAX(CASE WHEN action = 'close' THEN seq * 2 + by_deadline END) % 2 AS closed_by_deadline,
    MAX(CASE WHEN action = 'close' THEN actor_id END) AS close_actor,
    MAX({end_open}) AS end_open, MAX({end_suspended}) AS end_suspended,
    MAX({due_by_end}) AS due_by_end
  FROM timed GROUP BY case_id
),
redos AS (
  SELECT case_id, last_dispatch, MAX({derr_true}) AS error
  FROM timed WHERE action IN ('redispatch', 'approve_return') AND last_dispatch IS NOT NULL
  GROUP BY case_id, last_dispatch
)
"""

_OUTPUT = """
SELECT 1 AS part, c.id AS case_id, COALESCE(c.grid_cell_id, -1) AS a1,
  COALESCE(c.community_id, -1) AS a2, COALESCE(c.street_id, -1) AS a3,
  COALESCE(c.district_id, -1) AS a4, COALESCE(c.reporter_id, -1) AS a5,
  COALESCE(f.acc_actor, -1) AS a6, COALESCE(f.file_actor, -1) AS a7,
  COALESCE(f.close_actor, -1) AS a8, {case_bits} AS bits
FROM case_rows f JOIN cases c ON c.id = f.case_id LEFT JOIN by_case b ON b.case_id = f.case_id
UNION ALL
SELECT 2, d.case_id, d.dept, -1, -1, -1, -1, -1, -1, -1, {dept_bits}
FROM by_dept d WHERE d.any_in = 1
UNION ALL
SELECT 3, s.case_id, {step_kind}, COALESCE(s.actor_id, -1), COALESCE(st.dept, -1), -1, -1, -1,
  -1, -1, {step_bits}
FROM timed s LEFT JOIN redos r ON r.case_id = s.case_id AND r.last_dispatch = s.seq
  LEFT JOIN stretches st ON st.case_id = s.case_id AND st.seq = s.cur
WHERE s.inp = 1 AND s.action IN ({step_actions})
"""


def _read(d: dict[str, str], name: str, source: str) -> str:
    # parse only payloads that can hold a value we read (a cheap, exact pre-filter)
    needs = " OR ".join([d["find"].format('deadline_at":"'),
                         d["find"].format('"step_started_at":"'),
                         f"l.action IN ({_quoted(_ARGS_ACTIONS)})"])
    get = d["get"].format
    return _READ.format(name=name, source=source, needs_doc=needs, doc=d["doc"],
                        fence=d["fence"], dl=get("set", "deadline_at"),
                        ssa=get("set", "step_started_at"), sdl=get("set", "step_deadline_at"),
                        dept=get("args", "department_id"), derr=get("args", "dispatch_error"),
                        outc=get("args", "outcome"))


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _row_parts(d: dict[str, str]) -> dict[str, str]:
    start = "r.action IN ('dispatch', 'redispatch') AND d.id IS NOT NULL"
    pad_seq = d["pad"].format("r.seq")
    key_value = "NULLIF(substr(w.{0}, 10), '')"
    return {
        "inp": _flag("r.at >= :start"), "is_start": _flag(start), "is_start_cond": start,
        "sdl_key": d["key"].format(pad_seq + " || COALESCE(r.sdl, '')"),
        "dl_key": d["key"].format(pad_seq + " || r.dl"), "timed": _quoted(_TIMED),
        "sdl_in": d["ts"].format(key_value.format("sdl_key")),
        "dl_in": d["ts"].format(key_value.format("dl_key")),
        "own_dl": d["ts"].format("w.dl"),
        "derr_true": _flag(_is_true("w.derr")), "closed_states": _quoted(CLOSED_STATES),
    }


def _case_parts(d: dict[str, str]) -> dict[str, str]:
    def on(action: str, cond: str = "1 = 1") -> str:
        return _flag(f"action = '{action}' AND {cond}")

    return {
        "reg_in": on("register", "inp = 1"), "is_accept": on("accept"),
        "acc_in": on("accept", "inp = 1"), "acc_on_time": on("accept", "on_time = 1"),
        "is_file": on("file"), "filed_in": on("file", "inp = 1"),
        "filed_on_time": on("file", "on_time = 1"),
        "is_void": _flag("action IN ('void', 'approve_void')"), "is_merge": on("merge"),
        "reopen": REOPEN, "close_in": on("close", "inp = 1"),
        "close_on_time": on("close", "on_time = 1"),
        "end_open": "end_open", "end_suspended": "end_suspended", "due_by_end": "due_by_end",
        "derr_true": "derr",
    }


def _output_parts(public: tuple[str, ...]) -> dict[str, str]:
    sources = ", ".join(f"'{s}'" for s in public)
    case_exprs = {n: f"f.{n} = 1" for n in CASE_BITS}
    case_exprs |= {"public": f"c.source IN ({sources})", "patrol": "c.source = 'patrol'",
                   "has_stretch": "b.case_id IS NOT NULL"}
    case_exprs |= _last_exprs("b")
    dept_exprs = _last_exprs("d")
    step_exprs = {"on_time": "s.on_time = 1", "redone": "r.case_id IS NOT NULL",
                  "error": "r.error = 1", "contact": f"s.outc IN ({_quoted(CONTACTED)})",
                  "satisfied": f"s.outc IN ({_quoted(SATISFIED)})"}
    kinds = " ".join(f"WHEN '{a}' THEN {k}" for a, k in STEP_KINDS.items())
    return {"case_bits": _bits(CASE_BITS, case_exprs), "dept_bits": _bits(DEPT_BITS, dept_exprs),
            "step_bits": _bits(STEP_BITS, step_exprs),
            "step_kind": f"CASE s.action {kinds} END",
            "step_actions": ", ".join(f"'{a}'" for a in STEP_KINDS)}


def _last_exprs(alias: str) -> dict[str, str]:
    return {"any_returned": f"{alias}.any_returned = 1",
            "last_ended": f"{alias}.last_key % 8 >= 4",
            "last_handled": f"{alias}.last_key % 4 >= 2",
            "last_fb_on_time": f"{alias}.last_key % 2 = 1",
            "any_rework": f"{alias}.any_rework = 1", "any_ext": f"{alias}.any_ext = 1",
            "any_susp": f"{alias}.any_susp = 1"}


def facts_statement(dialect: str, public_sources: tuple[str, ...]) -> TextClause:
    """The statement, with ``:start`` and ``:end`` (aware UTC datetimes) to bind."""
    d = _PG if dialect == "postgresql" else _SQLITE
    stretch = _STRETCHES.format(
        is_ext=_flag("action = 'approve_extension'"),
        is_susp=_flag("action = 'approve_suspension'"), is_fail=_flag(REWORK),
        rework_cond=REWORK,
        handled="CASE WHEN e.fb_seq IS NOT NULL AND (e.cf_seq IS NULL OR e.fb_seq > e.cf_seq) "
                "THEN 1 ELSE 0 END",
        stretch_aggregates=_STRETCH_AGGREGATES)
    reads = (_read(d, "period", "case_ledger l WHERE l.at >= :start AND l.at < :end") + _FIRSTS
             + _read(d, "earlier", "firsts f JOIN case_ledger l ON l.case_id = f.case_id "
                                   "AND l.seq < f.first_seq"))
    sql = ("WITH " + reads + _ROWS.format(**_row_parts(d)) + stretch
           + _CASES.format(**_case_parts(d)) + _OUTPUT.format(**_output_parts(public_sources)))
    return text(sql).bindparams(bindparam("start", type_=UTCDateTime),
                                bindparam("end", type_=UTCDateTime))
