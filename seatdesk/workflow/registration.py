"""登记: a new case from every source — a seat, a call-taker, the intake server (handsets,
Open311, 12345) — with its number, grid cell, first ledger row and duplicate candidates;
a report sent again with the same intake key registers nothing twice.

On PostgreSQL the intake server's text reports go in two statements (``_first_statement``,
``_register_direct``); a seat's, and any report with attachments, in one unit of work
(``_register``). The new case's row and INSERT are ``newcase``; what follows a
registration (核实, 受理, 作废 before filing) is ``acceptance``.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import (
    Integer,
    bindparam,
    case,
    column,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seatdesk.models import Case, CaseReporter, LedgerEntry
from seatdesk.models.enums import CaseSource, Role, Urgency
from seatdesk.models.enums import CaseState as S
from seatdesk.models.sources import source_info
from seatdesk.models.spatial_postgis import candidate_params, cell_at_query, cell_of_row
from seatdesk.models.textrules import check_row

from . import actions
from .actions import ActionContext
from .casefacts import (
    LOOK_UP,
    store_attachments,
)
from .context import Workflow
from .direct import insert_row, row_values
from .duplicates import CANDIDATE_STATES, find_duplicates, ranked, search_radius
from .errors import InvalidArgument
from .loop import Blocking, loop_or_thread
from .newcase import (
    INSERT_CASE,
    INSERT_ENTRY,
    INSERT_REPORTER,
    INSERT_REQUEST,
    LEDGER_COLUMNS,
    REQUESTS,
    NewCase,
    case_values,
    insert_first,
    insert_numbered,
    new_case,
    register_args,
)
from .numbering import NumberTaken, number_collision, prefix_in, take_number
from .states import rows_for
from .validation import checked_report
from .values import Actor, AttachmentIn, CaseChange


@dataclass(frozen=True)
class Report:
    """One report as a seat, a hotline system or a field app delivers it."""

    source: str  # CaseSource value
    lon: float
    lat: float
    address: str = ""
    description: str = ""
    class_id: int | None = None
    urgency: str = Urgency.NORMAL
    component_code: str | None = None  # 标识码 for 部件 cases
    caller_name: str = ""
    caller_phone: str = ""
    callback_wanted: bool = False
    attachments: tuple[AttachmentIn, ...] = ()
    #: idempotency key (a client-generated report id, a partner's request id …): a report
    #: registered again with the same key returns the case the first one created
    intake_key: str | None = None


INTAKE_KEY_MAX = 100
OnRegistered = Callable[[Session, CaseChange], None]


def register(wf: Workflow, actor: Actor, report: Report, *,
             on_registered: OnRegistered | None = None,
             duplicates: bool = True, request_row: dict | None = None) -> CaseChange:
    """登记 a new case in 待受理; the result lists duplicate candidates.

    ``duplicates=False`` skips the duplicate search (the result's ``duplicates`` is
    ``()``), for a caller whose answer does not carry them: a partner's report (Open311,
    12345) is searched where a seat decides on it, at 受理 (``accept``).

    With ``report.intake_key`` a repeated registration (a retry after a timeout, an
    offline batch sent twice) changes nothing and returns the first registration's case
    with ``replayed=True``; the key is unique in the database, so two concurrent
    attempts create one case. ``on_registered(session, change)`` runs inside the
    registration's transaction (an integration stores its own rows with the case);
    ``request_row``, a partner's request (``partner_requests``' columns but ``case_id``),
    is written with the case (its texts checked first, as a flush checks them)."""
    report, now = _checked(wf, actor, report, request_row)
    found, number, cell = _first_statement(wf, actor, report, now)
    if found is not None:
        return found
    try:
        if number is not None and _in_one_statement(wf, report, on_registered):
            try:
                return _register_direct(wf, actor, report, now, number, cell, duplicates,
                                        request_row)
            except NumberTaken:  # a trusted writer took it: the next, the usual way
                number = take_number(wf, now)
        return _register_numbered(wf, actor, report, on_registered, now, number, cell,
                                  duplicates, request_row)
    except IntegrityError as exc:
        if not report.intake_key or "intake_key" not in str(exc.orig):
            raise
    return _replayed_twin(wf, actor, report.intake_key)


async def register_async(wf: Workflow, actor: Actor, report: Report, *, blocking: Blocking,
                         duplicates: bool = True, request_row: dict | None = None
                         ) -> CaseChange:
    """``register`` from an event loop (the intake server's): the same registration, its
    two statements sent from the loop (``Workflow.arun_statement``) and the Python
    between them run there while the process's caches hold what it reads
    (``workflow/loop.py``). Whatever else must touch the database — a cache miss, the
    replay after a racing twin, a number a trusted writer took, a report that does not go
    in one statement, a loop the workflow's ``statements`` were not opened on — runs in a
    thread through ``blocking`` (the server's ``run_in_threadpool``), as ``register``
    runs it."""
    if not (wf.statements is not None and wf.statements.usable()
            and _in_one_statement(wf, report, None)):
        return await blocking(functools.partial(register, wf, actor, report,
                                                duplicates=duplicates, request_row=request_row))
    report, now = _checked(wf, actor, report, request_row)
    params, prefix = await loop_or_thread(blocking, _first_params, wf, report, now)
    row = (await wf.arun_statement(_FIRST_SQL, params, retry_lost=True))[0]
    found, number, cell = _first_outcome(row, actor, report.intake_key, prefix)
    if found is not None:
        return found
    key = report.intake_key
    try:
        try:
            built = await loop_or_thread(blocking, _direct_rows, wf, actor, report, now,
                                         number, cell, duplicates, request_row)
            try:
                rows = await wf.arun_statement(_REGISTER_ROWS, built.params,
                                               retry_lost=bool(key))
            except IntegrityError as exc:
                _number_taken(exc, number)
            return await loop_or_thread(blocking, _direct_change, wf, built, rows)
        except NumberTaken:  # a trusted writer took it: the next, the usual way
            return await blocking(functools.partial(
                _numbered_again, wf, actor, report, now, cell, duplicates, request_row))
    except IntegrityError as exc:
        if not key or "intake_key" not in str(exc.orig):
            raise
    return await blocking(functools.partial(_replayed_twin, wf, actor, key))


def _checked(wf: Workflow, actor: Actor, report: Report, request_row: dict | None
             ) -> tuple[Report, dt.datetime]:
    """The checks before any statement (no database), and the registration's moment."""
    actions.check_role(actor, "register")
    report = checked_report(report)
    if request_row is not None:
        check_row(SimpleNamespace(__table__=REQUESTS, **request_row))
    _check_report(actor, report)
    return report, wf.now()


def _numbered_again(wf: Workflow, actor: Actor, report: Report, now, cell: object,
                    duplicates: bool, request_row: dict | None) -> CaseChange:
    return _register_numbered(wf, actor, report, None, now, take_number(wf, now), cell,
                              duplicates, request_row)


def _replayed_twin(wf: Workflow, actor: Actor, key: str) -> CaseChange:
    """The case a concurrent twin with ``key`` committed first."""
    found = _replayed(wf, actor, key)
    if found is None:  # pragma: no cover - the unique key was violated, so the row exists
        raise InvalidArgument("上报编号冲突，请重试")
    return found


def _first_statement(wf: Workflow, actor: Actor, report: Report, now
                     ) -> tuple[CaseChange | None, str | None, object]:
    """PostgreSQL: the replay check of the report's key, the day's next number if the
    key is new (or there is none) and the point's grid cell, in one statement that is a
    transaction of its own (``seatdesk_register_first``, the acting role switched to in
    it: ``dbrules/registration_sql``; ``Workflow.run_statement``), so the day's counter
    row is locked for the server's time only: the registration then needs neither the
    number nor the cell lookup. SQLite: the replay check; the number and the cell are
    found in the registration's transaction (``LOOK_UP``)."""
    key = report.intake_key
    if wf.backend != "postgresql":
        return (_replayed(wf, actor, key) if key else None), None, LOOK_UP
    params, prefix = _first_params(wf, report, now)
    row = wf.run_statement(_FIRST_SQL, params, retry_lost=True)[0]  # (a retry only burns a number)
    return _first_outcome(row, actor, key, prefix)


def _first_params(wf: Workflow, report: Report, now) -> tuple[dict, str]:
    """``seatdesk_register_first``'s arguments, and the day's prefix of the number."""
    # the calendar (its time zone names the day) as the unit of work read it before:
    # kept for ``cache_seconds``, read in a unit of its own (``write``: retried on a lost
    # connection) when the process holds none
    calendar = wf.cached_calendar() or wf.write(wf.calendar)
    prefix = prefix_in(calendar, now)
    return {"role": wf.db_role, "key": report.intake_key or None, "day": prefix,
            "lon": float(report.lon), "lat": float(report.lat)}, prefix


def _first_outcome(row, actor: Actor, key: str | None, prefix: str
                   ) -> tuple[CaseChange | None, str | None, object]:
    """``_first_statement``'s answer from the function's row."""
    if key and row[0] is not None:
        return _replay_of(_ReplayRow(*row[:_REPLAYED_WIDTH]), actor), None, LOOK_UP
    serial = row[_REPLAYED_WIDTH]
    return None, f"{prefix}{serial:06d}", cell_of_row(row[-_CELL_WIDTH:])


def first_query():
    """The registration's first statement on PostgreSQL (``_first_statement``; the body of
    ``seatdesk_register_first``, compiled by ``dbrules/registration_sql``): the case
    registered with ``key`` (``_REPLAYED``, through the owner's
    ``seatdesk_intake_replay``: none for a NULL key) or, only when there is none, the
    day's next serial — a CASE evaluates the counter's function (``numbering.number_in``)
    only for a new key, so a replay takes no number; then ``synchronous_commit`` off for
    this short transaction (as ``number_in``: a crash may lose the counter's step, never a
    number a committed case holds) and the point's grid cell (``spatial_postgis``'s cell
    lookup as an outer-joined subquery: all NULL outside every cell)."""
    cell = cell_at_query().subquery("cell")
    one = select(literal(1).label("one")).subquery("one")
    next_serial = func.public.seatdesk_next_case_serial(bindparam("day"), type_=Integer)
    sync = func.set_config("synchronous_commit", "off", True).label("sync")
    found = _REPLAY_FUNCTION
    serial = case((found.c.id.is_(None), next_serial))
    columns, joined = [*found.c, serial.label("serial")], one.outerjoin(found, true())
    return select(*columns, sync, *cell.c).select_from(joined.outerjoin(cell, true()))


def _replayed(wf: Workflow, actor: Actor, key: str) -> CaseChange | None:
    """The case an earlier registration with ``key`` created (None if there is none)."""
    with wf.reading() as session:
        return _replayed_in(session, actor, key)


#: the case registered with an intake key and its first ledger row (built once: it runs
#: for every keyed report, and building it was a tenth of the check's CPU)
_REPLAYED = (select(Case.id, Case.number, Case.state, Case.version, Case.deadline_at,
                    LedgerEntry.at, LedgerEntry.actor_id)
             .join(LedgerEntry, (LedgerEntry.case_id == Case.id) & (LedgerEntry.seq == 1))
             .where(Case.intake_key == bindparam("key")))


_REPLAYED_WIDTH = len(_REPLAYED.selected_columns)
_ReplayRow = collections.namedtuple("_ReplayRow", [c.key for c in _REPLAYED.selected_columns])
#: ``_REPLAYED`` on PostgreSQL, in the registration's first statement: the same columns
#: from ``seatdesk_intake_replay(key)``, which reads them as the tables' owner — the same
#: rows (every reader of ``cases`` reads them all), but a plan that is not thrown away
#: each time the pooled connection acts for another user (``cases`` has row-level
#: security, and PostgreSQL ties such a plan to its role: docs/performance.md)
_REPLAY_FUNCTION = func.public.seatdesk_intake_replay(bindparam("key")).table_valued(
    *(column(c.key, c.type) for c in _REPLAYED.selected_columns)).alias("found")
_CELL_WIDTH = len(cell_at_query().selected_columns)
_FIRST_SQL = ("SELECT * FROM public.seatdesk_register_first(%(role)s, %(key)s, %(day)s,"
              " %(lon)s, %(lat)s)")


def _replayed_in(session: Session, actor: Actor, key: str) -> CaseChange | None:
    row = session.execute(_REPLAYED, {"key": key}).first()
    return None if row is None else _replay_of(row, actor)


def _replay_of(row, actor: Actor) -> CaseChange:
    if row.actor_id != actor.user_id:
        raise InvalidArgument("上报编号已被其他用户使用")
    return CaseChange(case_id=row.id, number=row.number, action="register", old_state="",
                      new_state=row.state, version=row.version, at=row.at, ledger_seq=1,
                      deadline_at=row.deadline_at, replayed=True)


def _register_numbered(wf: Workflow, actor: Actor, report: Report,
                       on_registered: OnRegistered | None, now, number: str | None,
                       cell: object = LOOK_UP, duplicates: bool = True,
                       request_row: dict | None = None) -> CaseChange:
    """The registration with its number (``numbering``): taken first on PostgreSQL (with
    the replay check), and taken again if a trusted writer got it in the meantime."""
    for attempt in range(5):
        if attempt:
            number = take_number(wf, now)
        try:
            return wf.write(functools.partial(_register, wf, actor=actor, report=report,
                                              on_registered=on_registered, now=now,
                                              number=number, cell=cell,
                                              duplicates=duplicates,
                                              request_row=request_row))
        except NumberTaken:
            continue
    raise InvalidArgument("案卷编号分配冲突，请重试")


def _in_one_statement(wf: Workflow, report: Report,
                      on_registered: OnRegistered | None) -> bool:
    """Whether the case and its ledger row go in one statement (``_register_direct``):
    for a workflow that asks for it (the intake server's: ``Workflow.one_statement``), a
    report with no rows of its own beyond those the function writes (attachments, an
    integration's ``on_registered`` rows) — a handset's or partner's text report, with its
    caller (``CaseReporter``) and partner request (``request_row``) if it has them."""
    return wf.one_statement and on_registered is None and not report.attachments


def _register_direct(wf: Workflow, actor: Actor, report: Report, now, number: str,
                     cell: object, duplicates: bool,
                     request_row: dict | None = None) -> CaseChange:
    """PostgreSQL, after the first statement: the same case row and ledger row as
    ``_register`` builds (the same functions build them, from the caches; a miss reads in
    a read unit of its own: ``reading_on_demand``), written with the duplicate search's
    candidates by one statement, ``seatdesk_register_rows`` (``dbrules/registration_sql``),
    as the acting role (switched to in it), a transaction of its own
    (``Workflow.run_statement``). No ORM session, no unit of work: the intake server's
    Python per report was mostly those and their four round trips (docs/performance.md).
    ``NumberTaken`` if a trusted writer holds ``number``.

    A read a cache miss needs is done and its connection handed back before the write
    takes one: a thread never holds two of the pool's connections at once (the server's
    pool has as many as it has threads, ``runner.pool_options``: threads that each held
    one and waited for a second would wait for ever)."""
    built = _direct_rows(wf, actor, report, now, number, cell, duplicates, request_row)
    try:
        rows = wf.run_statement(_REGISTER_ROWS, built.params,
                                retry_lost=bool(report.intake_key))
    except IntegrityError as exc:
        _number_taken(exc, number)
    return _direct_change(wf, built, rows)


@dataclass
class _Direct:
    """The rows ``_register_direct`` writes, built: the statement's arguments and what the
    answer is made of."""

    case: NewCase
    ctx: ActionContext
    entry: object
    radius: float | None
    params: dict


def _direct_rows(wf: Workflow, actor: Actor, report: Report, now, number: str,
                 cell: object, duplicates: bool, request_row: dict | None) -> _Direct:
    with wf.reading_on_demand() as session:
        actions.check_actor_kept(wf, session, actor)
        _check_source(wf, session, report.source)
        case = new_case(wf, session, actor, report, now, cell)
        ctx = ActionContext(wf, session, actor, case, "register", now, args=register_args(report),
                            rows=rows_for("register"))
        case.number = number
        case.state, case.ledger_seq, case.ledger_head = "", 0, ""
        entry = actions.record(ctx, S.REPORTED)
        radius = search_radius(wf, session, case.class_id) if duplicates else None
        params = _rows_params(wf, case, entry, radius, _reporter(report), request_row)
    return _Direct(case, ctx, entry, radius, params)


def _number_taken(exc: IntegrityError, number: str) -> None:
    """``NumberTaken`` if the rows statement's error is ``number`` held by another case;
    the error itself otherwise."""
    if number_collision(exc):
        raise NumberTaken(number) from exc
    raise exc


def _direct_change(wf: Workflow, built: _Direct, rows: list[tuple]) -> CaseChange:
    """The answer: the new case's id from the rows statement, its candidates scored."""
    built.case.id = built.entry.case_id = rows[0][0]
    if built.radius is not None:
        with wf.reading_on_demand() as session:  # (another class's facts, on a miss)
            built.ctx.duplicates = ranked(wf, session, built.case,
                                          [row[1:] for row in rows if row[1] is not None],
                                          built.radius)
    return actions.change_of(built.ctx, built.entry)


#: ``seatdesk_register_rows``: the case and its first ledger row, the caller's and the
#: partner request's rows (NULL: none) as JSON, the search's arguments (``p_states`` NULL:
#: no search)
_REGISTER_ROWS = (
    "SELECT * FROM public.seatdesk_register_rows(%(role)s, %(case)s::jsonb, %(entry)s::jsonb,"
    " %(reporter)s::jsonb, %(request)s::jsonb, %(lon)s, %(lat)s, %(radius)s, %(min_lon)s,"
    " %(min_lat)s, %(max_lon)s, %(max_lat)s, %(values)s::text[])")
_NO_SEARCH = dict.fromkeys(("lon", "lat", "radius", "min_lon", "min_lat", "max_lon",
                            "max_lat", "values"))


def _rows_params(wf: Workflow, case: NewCase, entry, radius: float | None,
                 reporter: dict | None, request_row: dict | None) -> dict:
    """The rows' columns as ``_register`` sends them (``direct.row_values``: the same
    defaults, the same bind processing), as JSON objects keyed by column name (None for a
    row there is not), and the search's arguments."""
    dialect = wf.engine.dialect

    def row(statement, values: dict | None) -> str | None:
        if values is None:
            return None
        names = _column_names(statement.table)
        return _json({names[k]: v for k, v in row_values(statement, dialect, values).items()})

    search = _NO_SEARCH if radius is None else (
        candidate_params(case.lon, case.lat, radius, CANDIDATE_STATES) or _NO_SEARCH)
    return {"role": wf.db_role, "case": row(INSERT_CASE, case_values(case)),
            "entry": row(INSERT_ENTRY, {key: getattr(entry, key) for key in LEDGER_COLUMNS
                                         if key != "case_id"}),
            "reporter": row(INSERT_REPORTER, reporter),
            "request": row(INSERT_REQUEST, request_row), **search}


@functools.cache
def _column_names(table) -> dict[str, str]:
    """A table's column names by their keys (JSON keys are the row type's names)."""
    return {c.key: c.name for c in table.columns}


def _reporter(report: Report) -> dict | None:
    """The caller's row (``CaseReporter``) as ``_register`` adds it, None without a caller."""
    if not (report.caller_name or report.caller_phone):
        return None
    return {"name": report.caller_name, "phone": report.caller_phone,
            "callback_wanted": report.callback_wanted}


def _json(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, default=_json_value)


def _json_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} in a registration row")


def _register(wf: Workflow, session: Session, *, actor: Actor, report: Report,
              on_registered: OnRegistered | None, now, number: str | None,
              cell: object = LOOK_UP, duplicates: bool = True,
              request_row: dict | None = None) -> CaseChange:
    actions.check_actor_kept(wf, session, actor)
    _check_source(wf, session, report.source)
    case = new_case(wf, session, actor, report, now, cell)
    ctx = ActionContext(wf, session, actor, case, "register", now, args=register_args(report),
                        rows=rows_for("register"))
    entry = insert_first(ctx) if number is None else insert_numbered(ctx, number)
    store_attachments(session, case.id, actor, entry.seq, report.attachments, now)
    if report.caller_name or report.caller_phone:
        session.add(CaseReporter(case_id=case.id, name=report.caller_name,
                                 phone=report.caller_phone,
                                 callback_wanted=report.callback_wanted))
        session.flush()  # the unit of work closes its session without a final flush
    if request_row is not None:
        insert_row(session, INSERT_REQUEST, {**request_row, "case_id": case.id})
    if duplicates:
        ctx.duplicates = find_duplicates(wf, session, case)
    change = actions.change_of(ctx, entry)
    if on_registered is not None:
        on_registered(session, change)
        session.flush()  # the unit commits the connection, not the session
    return change


def _check_report(actor: Actor, report: Report) -> None:
    if actor.role == Role.SUPERVISOR and report.source != CaseSource.PATROL:
        raise InvalidArgument("监督员只能登记巡查上报的案件")
    if report.urgency not in Urgency._value2member_map_:
        raise InvalidArgument(f"紧急程度无效：{report.urgency}")
    if not (math.isfinite(report.lon) and math.isfinite(report.lat)):
        raise InvalidArgument("位置无效：经纬度必须是有限数值")
    key = report.intake_key
    if key is not None and (not key.strip() or len(key) > INTAKE_KEY_MAX
                            or not key.isprintable()):
        raise InvalidArgument(f"上报编号无效：须为 1–{INTAKE_KEY_MAX} 个可见字符")


def _check_source(wf: Workflow, session, code: str) -> None:
    """The source must be configured (``case_sources``) and enabled (read from the
    process's cache while it is live: emptied by ``NOTIFY seatdesk_config``)."""
    source = wf.lookups.get(("source", code), lambda: source_info(session, code))
    if source is None:
        raise InvalidArgument(f"未知的案件来源：{code}")
    if not source.enabled:
        raise InvalidArgument(f"案件来源「{source.name}」已停用，不能登记新案卷")
