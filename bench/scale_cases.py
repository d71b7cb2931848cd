"""Cases and their hash-chained ledger for ``bench_scale``, by set-based SQL.

Every case ``g`` follows one of three paths through the state machine, the same steps and
the same ledger payloads (canonical JSON: sorted keys, no spaces) the workflow writes:

- patrol (a supervisor's report, ~60 %): 上报 → 受理 → 立案 → 派遣 → 签收 → 反馈 → 派核查 →
  核查通过 → 结案 (9 rows);
- public (hotline, mayor's line, online …): 登记 → 派核实 → 核实 → then as patrol (11 rows);
- voided public report (~3 %): 登记 → 派核实 → 核实 → 作废 (4 rows);
- public reports whose caller asked for 回访 (two in three public reports, ~25 % of the
  cases) get one more row after 结案, a ``callback`` by the acceptor 0.5–49 h later:
  满意 75 %, 基本满意 15 %, 无法联系 10 %; a caller not reached is tried again 1–48 h
  later (a second ``callback`` row, 满意 or 基本满意) and stays due until then, as the
  workflow leaves a first 无法联系 — so the 待回访 box holds the last two days' callers,
  not a year's backlog. 不满意 is not generated: with the default setting it
  reopens the case (a rework round the paths above do not model). Every public report has
  its caller in ``case_reporters`` (as registration writes it), due for 回访 while closed
  and not yet called back — so the 待回访 box, the live 回访 tally and the evaluation's
  回访满意率 read realistic rows.

Step times are the report time plus pseudo-random delays (``hashint8`` of the case
number and the step), so a case has done exactly the steps whose time has passed: the
open cases are the recent ones, at every stage, some of them red. The case row is the
fold of the ledger rows done (what ``ledger verify`` replays); each row's hash is
``seatdesk.models.ledger.entry_hash`` computed by ``sha256()`` in SQL, one pass per
ledger position over all cases of a batch, chained through a temporary table of heads.
Batches of ``BATCH`` cases are inserted with triggers and foreign-key checks off
(``session_replication_role = replica``: the rows are built consistent by construction,
and the bench verifies a sample with the application's ``verify_ledger``).
"""

from __future__ import annotations

import datetime as dt
import re
import time

from sqlalchemy import text

from bench.scale_world import ROADS

BATCH = 500_000
PATROL = ("register", "accept", "file", "dispatch", "sign", "feedback", "send_check",
          "check_pass", "close")
PUBLIC = ("register", "send_verification", "verify", *PATROL[1:])
VOIDED = ("register", "send_verification", "verify", "void")
CALLBACK = (*PUBLIC, "callback")  # a public report whose caller asked for 回访
RETRIED = (*CALLBACK, "callback")  # … and was not reached the first time
#: 回访 outcomes by cumulative share (no 不满意: it would reopen the case, see above)
OUTCOMES = (("satisfied", 0.75), ("basically_satisfied", 0.90), ("unreachable", 1.0))
#: phrases of public reports (the words seats search for: 垃圾, 井盖, 路灯, 占道 …)
PHRASES = (
    "垃圾满溢无人清运", "路边有暴露垃圾", "井盖破损存在安全隐患", "井盖缺失", "路灯不亮",
    "路灯杆倾斜", "占道经营影响通行", "店外占道堆物", "噪音扰民", "餐饮油烟扰民", "机动车乱停放",
    "共享单车乱停放",
    "绿化带缺损", "行道树倒伏", "道路积水", "雨水箅子堵塞", "违规张贴小广告", "乱涂写乱刻画",
    "渣土车抛洒", "施工围挡破损", "河道漂浮物", "垃圾桶破损", "废弃家具堆放", "违法搭建",
    "人行道板松动", "路面坑洼", "窨井冒溢", "公厕无人保洁", "户外广告牌破损", "沿街晾晒",
)
SOURCES = ("patrol", "patrol", "patrol", "patrol", "patrol", "patrol", "hotline_12319",
           "hotline_12319", "mayor_hotline", "online")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙")

#: the canonical UTC timestamp of a payload (``ledger.to_json``) and of the hash material
_TS = """to_char(({0}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""
_HASH_TS = """to_char(({0}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _q(expr: str) -> str:
    """A JSON value of a timestamp expression (null when NULL)."""
    return f"coalesce('\"' || {_TS.format(expr)} || '\"', 'null')"


# -- the plan of a case: everything decided up front from its number g ----------------------
#: u(k): a uniform number in [0, 1) for the k-th decision about case g
_U = "((hashint8(g * 16 + {0}) & 1048575)::float8 / 1048576)"


def _u(k: int) -> str:
    return _U.format(k)


def plan_sql() -> str:
    """One row per case g in [:lo, :hi]: ids, texts, place, people and the step times."""
    delays = {  # seconds after the previous step: base + spread × u
        2: ("180", "420", 20), 3: ("900", "4500", 21), 4: ("120", "480", 22),
        5: ("300", "1500", 23), 6: ("300", "1800", 24), 7: ("600", "7200", 25),
        8: ("1800", "14400 + 172800 * (" + _u(26) + " ^ 12)", 27), 9: ("120", "600", 28),
        10: ("300", "3600", 29), 11: ("120", "1800", 30),
        12: ("1800", "174600", 31),  # 回访 after 结案: 0.5 h to 49 h
        13: ("3600", "169200", 33),  # a second try after 无法联系: 1 h to 48 h
    }
    secs = ", ".join(f"floor({base} + {spread} * {_u(uk)})" for base, spread, uk in delays.values())
    t = ["r.reported_at"] + [
        "r.reported_at + (" + " + ".join(f"dd.d[{i}]" for i in range(1, k + 1))
        + ") * interval '1 second'" for k in range(1, len(delays) + 1)]
    return f"""
    SELECT g, :id0 + g AS id, r.number, r.reported_at, r.public, r.voided, r.source,
           cl.class_id, cl.name AS class_name, cl.condition_id, cl.limit_value, cl.limit_unit,
           cl.closure, cl.department_id, cl.dept_user_id,
           c.id AS cell_id, c.community_id, c.street_id, c.district_id, c.zone,
           sup.id AS supervisor_id,
           round((c.min_lon + (c.max_lon - c.min_lon) * {_u(3)})::numeric, 7)::float8 AS lon,
           round((c.min_lat + (c.max_lat - c.min_lat) * {_u(4)})::numeric, 7)::float8 AS lat,
           c.street_name || r.road || r.house || '号附近' AS address,
           CASE WHEN r.public THEN '市民反映' || r.road || r.house || '号附近'
                || (CAST(:phrases AS text[]))[1 + floor({_u(6)} * :n_phrases)::int]
                ELSE r.road || r.house || '号附近发现' || cl.name END AS description,
           CASE WHEN r.public THEN (CAST(:surnames AS text[]))[1 + g % 12]
                                   || CASE WHEN g % 2 = 0 THEN '先生' ELSE '女士' END
                ELSE '' END AS caller_name,
           CASE WHEN r.public THEN '13' || lpad(((hashint8(g * 16 + 7) & 2147483647)
                                                  % 1000000000)::text, 9, '0')
                ELSE '' END AS caller_phone,
           r.public AND g % 3 <> 0 AS callback_wanted,
           CASE WHEN r.public THEN :rid0 + g END AS reporter_id,
           CASE {" ".join(f"WHEN {_u(32)} < {share} THEN '{o}'" for o, share in OUTCOMES)}
           END AS outcome,
           CASE WHEN {_u(34)} < 0.8 THEN 'satisfied' ELSE 'basically_satisfied' END
           AS retry_outcome,
           ARRAY[{", ".join(t)}] AS t
    FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS g
    CROSS JOIN LATERAL (SELECT
        date_trunc('second', :start + (g - 1) * :step * interval '1 second'
            + make_interval(secs => :step * {_u(1)})) AS reported_at,
        (CAST(:sources AS text[]))[1 + g % 10] AS source,
        g % 10 >= 6 AS public, g % 10 >= 6 AND g % 100 < 8 AS voided,
        (CAST(:roads AS text[]))[1 + floor({_u(5)} * :n_roads)::int] AS road,
        1 + floor({_u(8)} * 800)::int AS house,
        '' AS number) r0
    CROSS JOIN LATERAL (SELECT r0.reported_at, r0.source, r0.public, r0.voided, r0.road,
        r0.house, to_char(r0.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')
                  || lpad((g % 1000000)::text, 6, '0') AS number) r
    CROSS JOIN LATERAL (SELECT ARRAY[{secs}] AS d OFFSET 0) dd
    JOIN bench_cells c ON c.k = (hashint8(g * 16 + 2) & 2147483647) % :n_cells
    JOIN bench_classes cl ON cl.k = floor(:n_classes * ({_u(9)} ^ 2))::int
    JOIN bench_supervisors sup ON sup.k = c.k % :n_supervisors
    """


def _path(n_expr: str = "k") -> str:
    """The action at ledger position ``n_expr`` of a case's path."""
    return (f"CASE WHEN NOT p.public THEN (CAST(:patrol AS text[]))[{n_expr}] "
            f"WHEN p.voided THEN (CAST(:voided AS text[]))[{n_expr}] "
            f"WHEN p.callback_wanted AND p.outcome = 'unreachable' "
            f"THEN (CAST(:retried AS text[]))[{n_expr}] "
            f"WHEN p.callback_wanted THEN (CAST(:callback AS text[]))[{n_expr}] "
            f"ELSE (CAST(:public AS text[]))[{n_expr}] END")


def _length() -> str:
    return (f"CASE WHEN NOT p.public THEN {len(PATROL)} WHEN p.voided THEN {len(VOIDED)} "
            f"WHEN p.callback_wanted AND p.outcome = 'unreachable' THEN {len(RETRIED)} "
            f"WHEN p.callback_wanted THEN {len(CALLBACK)} ELSE {len(PUBLIC)} END")


# -- cases: the fold of the steps done ---------------------------------------------------
def _done(p: str) -> str:
    """How many steps of the path of case ``p`` have happened by :now."""
    return f"""(SELECT count(*) FROM generate_series(1, {_length().replace("p.", p + ".")}) AS i
                WHERE {p}.t[i] <= :now)"""


def cases_sql(since: bool = False) -> str:
    """INSERT the case rows of a batch (heads from ``bench_heads``); ``since``: the schema
    has ``cases.ledger_since`` (migration 0014), set to the first ledger row's time (the
    report time) as the workflow does, so the ledger trigger's head lookup stays bounded."""
    o = "(CASE WHEN p.public THEN 2 ELSE 0 END)"  # offset of the shared steps
    def at(step: int) -> str:  # the time of shared step ``step`` (1 = accept … 8 = close)
        return f"CASE WHEN p.n >= {o} + {step + 1} AND NOT p.voided THEN p.t[{o} + {step + 1}] END"
    last = _path("p.n")
    setter = f"CASE WHEN {last} IN ('sign', 'send_check') THEN p.n - 1 ELSE p.n END"
    return f"""
    INSERT INTO cases (id, number, version, state, source, kind, class_id, condition_id,
        urgency, lon, lat, geom, grid_cell_id, community_id, street_id, district_id, zone,
        address, description, reporter_id, caller_name, caller_phone, callback_wanted,
        department_id, limit_value, limit_unit, closure_condition, reported_at, accepted_at,
        filed_at, dispatched_at, feedback_at, closed_at, verification, verified_at, checked_at,
        signed_at, task_user_id, step_started_at, step_deadline_at, deadline_at,
        suspended_seconds, closure_type, rework_count, return_count, extension_count,
        merged_count, pending_request, ledger_head, ledger_seq, updated_at{", ledger_since" if since else ""})
    SELECT p.id, p.number, p.n, h.state, p.source, 'event', p.class_id,
        CASE WHEN p.n >= {o} + 3 AND NOT p.voided THEN p.condition_id END, 'normal',
        p.lon, p.lat, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), p.cell_id, p.community_id,
        p.street_id, p.district_id, p.zone, p.address, p.description,
        CASE WHEN NOT p.public THEN p.supervisor_id END, p.caller_name, p.caller_phone,
        p.callback_wanted,
        CASE WHEN p.n >= {o} + 4 AND NOT p.voided THEN p.department_id END,
        CASE WHEN p.n >= {o} + 3 AND NOT p.voided THEN p.limit_value END,
        CASE WHEN p.n >= {o} + 3 AND NOT p.voided THEN p.limit_unit END,
        CASE WHEN p.n >= {o} + 3 AND NOT p.voided THEN p.closure ELSE '' END,
        p.reported_at, {at(1)}, {at(2)}, {at(3)}, {at(5)}, {at(8)},
        CASE WHEN p.public AND p.n >= 3 THEN 'confirmed' ELSE '' END,
        CASE WHEN p.public AND p.n >= 3 THEN p.t[3] END, {at(7)}, {at(4)},
        CASE WHEN {last} IN ('send_verification', 'send_check') THEN p.supervisor_id END,
        CASE WHEN {last} NOT IN ('close', 'void', 'callback') THEN p.t[{setter}] END,
        CASE WHEN {last} IN ('close', 'void', 'callback') THEN NULL
             WHEN {_path(setter)} = 'dispatch' THEN {_deadline()}
             ELSE p.t[{setter}] + interval '30 minutes' END,
        CASE WHEN p.n >= {o} + 4 AND NOT p.voided THEN {_deadline()} END,
        0, CASE WHEN {last} IN ('close', 'callback') THEN 'normal' END, 0, 0, 0, 0, '', h.hash, p.n, p.t[p.n]{", p.t[1]" if since else ""}
    FROM bench_plan p JOIN bench_heads h ON h.id = p.id
    """


def reporters_sql() -> str:
    """INSERT the caller of every public report of the batch (``case_reporters``, as
    registration writes it) with its 回访 state: due from 结案 until called back, and again
    after a first 无法联系 (``callbacks.callback`` with the default three attempts)."""
    called = f"p.n >= {len(CALLBACK)} AND p.callback_wanted AND NOT p.voided"
    closed = f"p.n >= {len(PUBLIC)} AND p.callback_wanted AND NOT p.voided"
    last = f"CASE WHEN p.n = {len(RETRIED)} THEN p.retry_outcome ELSE p.outcome END"
    return f"""
    INSERT INTO case_reporters (id, case_id, name, phone, callback_wanted, called_back_at,
        satisfied, callback_due, callback_outcome, callback_attempts)
    SELECT p.reporter_id, p.id, p.caller_name, p.caller_phone, p.callback_wanted,
        CASE WHEN {called} THEN p.t[p.n] END,
        CASE WHEN {called} AND {last} <> 'unreachable' THEN true END,
        CASE WHEN {called} THEN {last} = 'unreachable' ELSE {closed} END,
        CASE WHEN {called} THEN {last} ELSE '' END,
        CASE WHEN {called} THEN p.n - {len(PUBLIC)} ELSE 0 END
    FROM bench_plan p WHERE p.public
    """


def _deadline() -> str:
    """Whole-case deadline: the dispatch time plus the filing condition's limit (taken as
    natural time — the bench needs plausible deadlines, not the working calendar)."""
    o = "(CASE WHEN p.public THEN 2 ELSE 0 END)"
    return (f"p.t[{o} + 4] + p.limit_value * CASE WHEN p.limit_unit LIKE '%days' "
            "THEN interval '1 day' WHEN p.limit_unit LIKE '%minutes' THEN interval '1 minute' "
            "ELSE interval '1 hour' END")


# -- the ledger: one INSERT per position k, chained through bench_heads -------------------
def ledger_sql() -> str:
    """INSERT position :k of every case of the batch that has done ≥ k steps."""
    act = _path()
    t, d = "p.t[k]", "p.t[k] + interval '30 minutes'"
    deadline = _deadline()
    payload = f"""CASE {act}
      WHEN 'register' THEN '{{"args":{{"attachments":[],"component_code":null,"source":'
        || to_json(p.source)::text || '}},"set":{{"address":' || to_json(p.address)::text
        || ',"callback_wanted":' || p.callback_wanted || ',"caller_name":'
        || to_json(p.caller_name)::text || ',"caller_phone":' || to_json(p.caller_phone)::text
        || ',"class_id":' || p.class_id || ',"closure_condition":"","community_id":'
        || p.community_id || ',"description":' || to_json(p.description)::text
        || ',"district_id":' || p.district_id || ',"extension_count":0,"grid_cell_id":'
        || p.cell_id || ',"kind":"event","lat":' || p.lat || ',"lon":' || p.lon
        || ',"merged_count":0,"number":"' || p.number || '","pending_request":"","reported_at":'
        || {_q(t)} || CASE WHEN p.public THEN '' ELSE ',"reporter_id":' || p.supervisor_id END
        || ',"return_count":0,"rework_count":0,"source":' || to_json(p.source)::text
        || ',"state":"reported","step_deadline_at":' || {_q(d)} || ',"step_started_at":'
        || {_q(t)} || ',"street_id":' || p.street_id || ',"suspended_seconds":0,"updated_at":'
        || {_q(t)} || ',"urgency":"normal","verification":"","zone":' || to_json(p.zone)::text
        || '}}}}'
      WHEN 'send_verification' THEN '{{"args":{{"supervisor_id":' || p.supervisor_id
        || '}},"set":{{"state":"pending_verification","step_deadline_at":' || {_q(d)}
        || ',"step_started_at":' || {_q(t)} || ',"task_user_id":' || p.supervisor_id
        || ',"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'verify' THEN '{{"args":{{"attachments":[],"confirmed":true}},"set":{{'
        || '"state":"reported","step_deadline_at":' || {_q(d)} || ',"step_started_at":' || {_q(t)}
        || ',"task_user_id":null,"updated_at":' || {_q(t)}
        || ',"verification":"confirmed","verified_at":' || {_q(t)} || '}}}}'
      WHEN 'accept' THEN '{{"args":{{"class_id":null,"urgency":null}},"set":{{"accepted_at":'
        || {_q(t)} || ',"state":"accepted","step_deadline_at":' || {_q(d)}
        || ',"step_started_at":' || {_q(t)} || ',"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'file' THEN '{{"args":{{"class_id":null,"condition_id":' || p.condition_id
        || ',"urgency":null}},"set":{{"closure_condition":' || to_json(p.closure)::text
        || ',"condition_id":' || p.condition_id || ',"filed_at":' || {_q(t)}
        || ',"limit_unit":' || to_json(p.limit_unit)::text || ',"limit_value":"'
        || p.limit_value || '","state":"filed","step_deadline_at":' || {_q(d)}
        || ',"step_started_at":' || {_q(t)} || ',"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'dispatch' THEN '{{"args":{{"department_id":' || p.department_id
        || ',"suggested_department_id":' || p.department_id || '}},"set":{{"deadline_at":'
        || {_q(deadline)} || ',"department_id":' || p.department_id || ',"dispatched_at":'
        || {_q(t)} || ',"state":"dispatched","step_deadline_at":' || {_q(deadline)}
        || ',"step_started_at":' || {_q(t)} || ',"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'sign' THEN '{{"args":{{}},"set":{{"signed_at":' || {_q(t)} || ',"updated_at":'
        || {_q(t)} || '}}}}'
      WHEN 'feedback' THEN '{{"args":{{"attachments":[]}},"set":{{"feedback_at":' || {_q(t)}
        || ',"state":"feedback","step_deadline_at":' || {_q(d)} || ',"step_started_at":'
        || {_q(t)} || ',"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'send_check' THEN '{{"args":{{"supervisor_id":' || p.supervisor_id
        || '}},"set":{{"state":"pending_check","task_user_id":' || p.supervisor_id
        || ',"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'check_pass' THEN '{{"args":{{"attachments":[]}},"set":{{"checked_at":' || {_q(t)}
        || ',"state":"ready_to_close","step_deadline_at":' || {_q(d)} || ',"step_started_at":'
        || {_q(t)} || ',"task_user_id":null,"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'close' THEN '{{"args":{{"callbacks_due":['
        || CASE WHEN p.callback_wanted THEN p.reporter_id::text ELSE '' END
        || '],"requested_type":"normal"}},"set":{{"closed_at":' || {_q(t)}
        || ',"closure_type":"normal","state":"closed","step_deadline_at":null,'
        || '"step_started_at":null,"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'void' THEN '{{"args":{{}},"set":{{"state":"voided","step_deadline_at":null,'
        || '"step_started_at":null,"updated_at":' || {_q(t)} || '}}}}'
      WHEN 'callback' THEN '{{"args":{{"attempt":' || (k - {len(PUBLIC)}) || ',"outcome":"'
        || CASE WHEN k = {len(CALLBACK)} THEN p.outcome ELSE p.retry_outcome END
        || '","reopened":false,"reporter_id":' || p.reporter_id || '}},"set":{{"updated_at":'
        || {_q(t)} || '}}}}'
    END"""
    return f"""
    WITH rows AS (
      SELECT p.id, p.number, {t} AS at, {act} AS action, a.actor_id, a.role, a.seat,
             st.from_state, st.to_state,
             CASE {act} WHEN 'feedback' THEN '已按要求处置完毕'
                        WHEN 'void' THEN '非城市管理问题，不予受理' ELSE '' END AS reason,
             {payload} AS payload, coalesce(h.hash, repeat('0', 64)) AS prev_hash
      FROM bench_plan p CROSS JOIN (SELECT CAST(:k AS int) AS k) kk
      LEFT JOIN bench_heads h ON h.id = p.id
      CROSS JOIN LATERAL (SELECT
          CASE {act} WHEN 'register' THEN NULL::text WHEN 'accept' THEN 'reported'
               WHEN 'file' THEN 'accepted' WHEN 'dispatch' THEN 'filed'
               WHEN 'sign' THEN 'dispatched' WHEN 'feedback' THEN 'dispatched'
               WHEN 'send_check' THEN 'feedback' WHEN 'check_pass' THEN 'pending_check'
               WHEN 'close' THEN 'ready_to_close' WHEN 'send_verification' THEN 'reported'
               WHEN 'verify' THEN 'pending_verification' WHEN 'void' THEN 'reported'
               WHEN 'callback' THEN 'closed' END
               AS from_state,
          CASE {act} WHEN 'register' THEN 'reported' WHEN 'accept' THEN 'accepted'
               WHEN 'file' THEN 'filed' WHEN 'dispatch' THEN 'dispatched'
               WHEN 'sign' THEN 'dispatched' WHEN 'feedback' THEN 'feedback'
               WHEN 'send_check' THEN 'pending_check' WHEN 'check_pass' THEN 'ready_to_close'
               WHEN 'close' THEN 'closed' WHEN 'send_verification' THEN 'pending_verification'
               WHEN 'verify' THEN 'reported' WHEN 'void' THEN 'voided'
               WHEN 'callback' THEN 'closed' END AS to_state) st
      CROSS JOIN LATERAL (SELECT
          CASE WHEN {act} IN ('verify', 'check_pass') OR ({act} = 'register' AND NOT p.public)
                   THEN p.supervisor_id
               WHEN {act} IN ('sign', 'feedback') THEN p.dept_user_id
               WHEN {act} IN ('file', 'close') THEN CAST(:lead AS int)
               WHEN {act} = 'dispatch' THEN CAST(:dispatcher AS int)
               ELSE CAST(:acceptor AS int) END AS actor_id,
          CASE WHEN {act} IN ('verify', 'check_pass') OR ({act} = 'register' AND NOT p.public)
                   THEN 'supervisor'
               WHEN {act} IN ('sign', 'feedback') THEN 'department'
               WHEN {act} IN ('file', 'close') THEN 'shift_lead'
               WHEN {act} = 'dispatch' THEN 'dispatcher' ELSE 'acceptor' END AS role,
          CASE WHEN {act} IN ('verify', 'check_pass') OR ({act} = 'register' AND NOT p.public)
                   THEN '城管通'
               WHEN {act} IN ('sign', 'feedback') THEN '部门终端'
               WHEN {act} IN ('file', 'close') THEN '坐席02'
               WHEN {act} = 'dispatch' THEN '坐席03' ELSE '坐席01' END AS seat) a
      WHERE p.n >= k
    ), ins AS (
      INSERT INTO case_ledger (case_id, seq, at, actor_id, actor_role, seat, action, from_state,
                               to_state, reason, payload, prev_hash, hash)
      SELECT id, :k, at, actor_id, role, seat, action, coalesce(from_state, ''), to_state,
             reason, payload, prev_hash,
             encode(sha256(convert_to(concat_ws(chr(31), prev_hash, number, CAST(:k AS text),
                 {_HASH_TS.format('at')}, coalesce(actor_id::text, ''), role, seat, action,
                 coalesce(from_state, ''), to_state, reason, payload), 'UTF8')), 'hex')
      FROM rows
      RETURNING case_id, hash, to_state
    )
    INSERT INTO bench_heads_next (id, hash, state) SELECT case_id, hash, to_state FROM ins
    """


# -- driving it ---------------------------------------------------------------------------
def run(conn, sql: str, params: dict) -> None:
    """Execute ``sql`` with ``:name`` parameters on the driver: the JSON fragments hold
    ``:null``, ``:true`` and ``:0``, which SQLAlchemy's ``text()`` would take for
    parameters, so only the names in ``params`` are bound (``%`` doubled for psycopg)."""
    sql = sql.replace("%", "%%")
    for name in sorted(params, key=len, reverse=True):
        sql = re.sub(rf"(?<![:\w]):{name}\b", f"%({name})s", sql)
    conn.exec_driver_sql(sql, params)


def lookup_tables(conn) -> None:
    """Classes with their first filing condition, normal limit and responsible department;
    supervisors; the cells (``scale_world.lookup_tables``)."""
    from bench import scale_world

    scale_world.lookup_tables(conn)
    conn.execute(text("""
        DROP TABLE IF EXISTS bench_classes;
        CREATE UNLOGGED TABLE bench_classes AS
        SELECT (row_number() OVER (ORDER BY c.id) - 1)::int AS k, c.id AS class_id, c.name,
               f.id AS condition_id, tl.value AS limit_value, tl.unit AS limit_unit,
               f.closure_condition AS closure, r.department_id,
               coalesce((SELECT min(u.id) FROM users u WHERE u.department_id = r.department_id
                         AND u.role = 'department'),
                        (SELECT min(id) FROM users WHERE role = 'department')) AS dept_user_id
        FROM case_classes c JOIN class_editions e ON e.id = c.edition_id
        JOIN LATERAL (SELECT * FROM filing_conditions f WHERE f.class_id = c.id AND f.active
                      ORDER BY f.sort_order, f.id LIMIT 1) f ON true
        JOIN LATERAL (SELECT * FROM time_limits t WHERE t.condition_id = f.id
                      AND t.urgency = 'normal' ORDER BY t.zone, t.id LIMIT 1) tl ON true
        JOIN LATERAL (SELECT department_id FROM responsibilities r WHERE r.class_id = c.id
                      AND r.area_id IS NULL ORDER BY r.id LIMIT 1) r ON true
        WHERE c.kind = 'event'
          AND e.code = (SELECT value::json #>> '{}' FROM settings WHERE key = 'class_edition');
        CREATE UNIQUE INDEX ON bench_classes (k);
        DROP TABLE IF EXISTS bench_supervisors;
        CREATE UNLOGGED TABLE bench_supervisors AS
        SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id FROM users
        WHERE role = 'supervisor';
        CREATE UNIQUE INDEX ON bench_supervisors (k);
        ANALYZE bench_classes; ANALYZE bench_supervisors;
    """))


def _params(conn, total: int, start: dt.datetime, now: dt.datetime, id0: int) -> dict:
    span = (now - start).total_seconds()
    who = dict(conn.execute(text(
        "SELECT role, min(id) FROM users WHERE role IN ('acceptor', 'shift_lead', 'dispatcher') "
        "GROUP BY role")).all())
    return {
        "id0": id0, "start": start, "now": now, "step": span / total,
        "n_cells": conn.scalar(text("SELECT count(*) FROM bench_cells")),
        "n_classes": conn.scalar(text("SELECT count(*) FROM bench_classes")),
        "n_supervisors": conn.scalar(text("SELECT count(*) FROM bench_supervisors")),
        "phrases": list(PHRASES), "n_phrases": len(PHRASES), "roads": list(ROADS),
        "n_roads": len(ROADS), "sources": list(SOURCES), "surnames": list(SURNAMES),
        "patrol": list(PATROL), "public": list(PUBLIC), "voided": list(VOIDED),
        "callback": list(CALLBACK), "retried": list(RETRIED),
        "acceptor": who["acceptor"], "lead": who["shift_lead"], "dispatcher": who["dispatcher"],
    }


def fill(engine, total: int, days: int, now: dt.datetime, progress=print,
         batch: int = BATCH, ledger: bool = True) -> dict[str, float]:
    """``total`` cases reported evenly over the ``days`` before ``now``, with their ledger
    (``ledger=False``: cases only, heads empty — for experiments on the cases table).
    Returns seconds spent on cases and on ledger rows."""
    with engine.begin() as conn:
        lookup_tables(conn)
        id0 = conn.scalar(text("SELECT coalesce(max(id), 0) FROM cases"))
        params = _params(conn, total, now - dt.timedelta(days=days), now, id0)
        params["rid0"] = conn.scalar(text("SELECT coalesce(max(id), 0) FROM case_reporters"))
    spent = {"ledger": 0.0, "cases": 0.0}
    for lo in range(1, total + 1, batch):
        hi = min(total, lo + batch - 1)
        _batch(engine, params | {"lo": lo, "hi": hi}, spent, ledger)
        progress(f"cases {hi:,}/{total:,} (ledger {spent['ledger']:.0f} s, "
                 f"cases {spent['cases']:.0f} s)")
    with engine.begin() as conn:
        conn.execute(text("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))"))
        conn.execute(text("SELECT setval('case_ledger_id_seq', (SELECT max(id) FROM case_ledger))"))
        conn.execute(text("SELECT setval('case_reporters_id_seq', "
                          "(SELECT coalesce(max(id), 0) + 1 FROM case_reporters), false)"))
        conn.execute(text("DROP TABLE IF EXISTS bench_heads, bench_heads_next, bench_plan"))
    return spent


def _batch(engine, params: dict, spent: dict, ledger: bool) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off"))
        started = time.perf_counter()
        conn.execute(text("DROP TABLE IF EXISTS bench_plan"))
        run(conn, f"""
            CREATE UNLOGGED TABLE bench_plan AS
            SELECT p0.*, {_done("p0")} AS n FROM ({plan_sql()} OFFSET 0) AS p0""", params)
        conn.execute(text("""
            DROP TABLE IF EXISTS bench_heads, bench_heads_next;
            CREATE UNLOGGED TABLE bench_heads (id int PRIMARY KEY, hash text, state text);
            CREATE UNLOGGED TABLE bench_heads_next (id int, hash text, state text)"""))
        if not ledger:
            conn.execute(text("INSERT INTO bench_heads SELECT id, '', CASE n WHEN 1 THEN "
                              "'reported' ELSE 'closed' END FROM bench_plan"))
        for k in range(1, len(RETRIED) + 1 if ledger else 1):
            run(conn, ledger_sql(), params | {"k": k})
            conn.execute(text("""
                INSERT INTO bench_heads SELECT * FROM bench_heads_next
                ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, state = excluded.state;
                TRUNCATE bench_heads_next"""))
        spent["ledger"] += time.perf_counter() - started
        started = time.perf_counter()
        since = conn.scalar(text(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'cases'"
            " AND column_name = 'ledger_since' AND table_schema = current_schema()"))
        run(conn, cases_sql(bool(since)), params)
        run(conn, reporters_sql(), params)
        spent["cases"] += time.perf_counter() - started
