"""Work boxes (待受理, 待派遣 … 全部案件): a Qt-free read model of case queues.

A ``WorkBox`` is data: which states it holds, which roles see it, whose cases it
shows. ``fetch_page`` returns one page of frozen ``CaseRow`` values with filtering,
sorting and paging done by the database (offset paging, ``id`` as tie-breaker so a
page boundary never splits or repeats rows); ``box_counts`` counts every box a
viewer sees in one GROUP BY. Caller phone numbers are masked here, by role, so no
caller data reaches a seat that may not see it.

Performance with a million cases on PostgreSQL: every box filters on ``state``
(``ix_cases_state``, ``ix_cases_state_deadline``) and the default sorts use indexed
columns (``reported_at``, ``deadline_at``, ``number``); grid, component and class
filters go through their indexed foreign keys. Totals of very large result sets are
counted up to ``COUNT_CAP`` rows only (``Page.total_exact`` tells).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import ARRAY, ColumnElement, Integer, Select, cast, exists, func, or_, select, true
from sqlalchemy.orm import Session

from .assets import Component
from .cases import Case, CaseReporter
from .pools import task_filter
from .enums import CaseState, DepartmentKind, Role
from .case_search import estimated_matches, searches_text, text_match
from .queue_rows import (
    HANDLING_STATES,
    NO_CALLER_ROLES,
    PHONE_ROLES,
    STEP_OF_STATE,
    CaseRow,
    JoinedClass,
    JoinedDept,
    JoinedGrid,
    Page,
    RowMaker,
    Viewer,
    label_of,
    mask_phone,
    row_query,
    running_clock,
)
from .reference import CaseClass, Department, GridCell
from .textrules import TextRefused, search_text

S = CaseState
COUNT_CAP = 10_000
MAX_LIMIT = 2_000

__all__ = [
    "BOXES", "COUNT_CAP", "HANDLING_STATES", "MAX_LIMIT", "NO_CALLER_ROLES", "PHONE_ROLES",
    "SORT_COLUMNS", "STEP_OF_STATE", "CaseFilter", "CaseRow", "Page", "QueueError", "Viewer",
    "WorkBox", "box_counts", "boxes_for", "fetch_page", "fetch_rows", "get_box", "mask_phone",
    "running_clock", "visible_filter",
]


class QueueError(Exception):
    """A queue request was refused; ``str()`` is the Chinese message for the seat."""

    user_facing = True


@dataclass(frozen=True)
class WorkBox:
    """One queue. ``states`` None = every state; ``task_scope`` = only the 核实/核查 tasks
    the viewer (a supervisor) may take: sent to them or to their pool (``pools.py``);
    ``callback_scope`` = only closed cases with a caller due for 回访. Department users
    always see only their cases."""

    key: str
    label: str
    states: frozenset[str] | None
    roles: frozenset[str]
    sort: tuple[str, bool] = ("reported_at", True)
    task_scope: bool = False
    callback_scope: bool = False


def _box(key, label, states, roles, sort=("reported_at", True), task_scope=False,
         callback_scope=False) -> WorkBox:
    states = None if states is None else frozenset(str(s) for s in states)
    return WorkBox(key, label, states, frozenset(str(r) for r in roles), sort, task_scope,
                   callback_scope)


_A, _L, _D, _P = Role.ACCEPTOR, Role.SHIFT_LEAD, Role.DISPATCHER, Role.DEPARTMENT
_SUP, _ADM = Role.SUPERVISOR, Role.ADMIN
#: the running clock's deadline first (overdue, then the nearest): the step clock (环节时限)
#: before dispatch and after feedback, the handling clock in between; 全部案件 newest first
_STEP, _DUE = ("step_deadline", True), ("deadline", True)
BOXES: tuple[WorkBox, ...] = (
    _box("pending_accept", "待受理", [S.REPORTED], [_A, _L, _ADM], _STEP),
    _box("pending_verification", "待核实", [S.PENDING_VERIFICATION], [_A, _L, _ADM], _STEP),
    _box("my_tasks", "我的核实/核查任务", [S.PENDING_VERIFICATION, S.PENDING_CHECK], [_SUP],
         _STEP, task_scope=True),
    _box("pending_filing", "待立案", [S.ACCEPTED], [_L, _A, _ADM], _STEP),
    _box("pending_dispatch", "待派遣", [S.FILED, S.AT_DISTRICT], [_D, _L, _ADM], _STEP),
    _box("in_handling", "处置中", [S.DISPATCHED], [_D, _L, _A, _ADM], ("deadline", True)),
    _box("pending_check", "待核查", [S.FEEDBACK, S.PENDING_CHECK], [_A, _L, _ADM], _STEP),
    _box("ready_to_close", "待结案", [S.READY_TO_CLOSE], [_L, _ADM], _STEP),
    _box("approve_extension", "延期审批", [S.EXTENSION_REQUESTED], [_D, _L, _ADM],
         ("deadline", True)),
    _box("approve_return", "回退审批", [S.RETURN_REQUESTED], [_D, _L, _ADM], _DUE),
    _box("approve_suspension", "挂账审批", [S.SUSPENSION_REQUESTED], [_D, _L, _ADM], _DUE),
    _box("approve_void", "作废审批", [S.VOID_REQUESTED], [_L, _ADM], _STEP),
    _box("suspended", "挂账案件", [S.SUSPENDED], [_D, _L, _ADM], _DUE),
    _box("pending_callback", "待回访", [S.CLOSED], [_A, _L, _ADM], callback_scope=True),
    _box("my_department", "我的部门案件", HANDLING_STATES, [_P], ("deadline", True)),
    _box("all", "全部案件", None, list(Role), ("reported_at", False)),
)
BOX_BY_KEY = {b.key: b for b in BOXES}


def boxes_for(role: str) -> tuple[WorkBox, ...]:
    """The boxes a role sees, in display order (全部案件/搜索 last)."""
    return tuple(b for b in BOXES if role in b.roles)


def get_box(box: WorkBox | str) -> WorkBox:
    if isinstance(box, WorkBox):
        return box
    try:
        return BOX_BY_KEY[box]
    except KeyError:
        raise QueueError(f"未知的工作箱：{box}") from None


@dataclass(frozen=True)
class CaseFilter:
    """Search criteria; empty strings/None mean "any". Text filters match substrings,
    codes and the case number match prefixes, ``reported_to`` is exclusive."""

    number: str = ""
    text: str = ""  # description or address
    caller_phone: str = ""
    address: str = ""
    grid_code: str = ""  # prefix: a community code (12 digits) finds all its cells
    component_code: str = ""
    class_code: str = ""  # prefix: a major code (2 digits) finds its minor classes
    source: str = ""
    reported_from: dt.datetime | None = None
    reported_to: dt.datetime | None = None

    def is_empty(self) -> bool:
        return self == CaseFilter()

    def checked(self) -> CaseFilter:
        """The filter with every typed text bounded (``textrules.search_text``): at most
        ``SEARCH_MAX`` characters and no control characters, else ``QueueError``."""
        try:
            return replace(self, **{name: search_text(getattr(self, name), label)
                                    for name, label in _SEARCH_LABELS.items()})
        except TextRefused as exc:
            raise QueueError(str(exc)) from None


_SEARCH_LABELS = {"number": "案卷编号", "text": "搜索内容", "caller_phone": "来电号码",
                  "address": "地址", "grid_code": "单元网格代码", "component_code": "部件标识码",
                  "class_code": "分类代码", "source": "来源"}


# -- query building ---------------------------------------------------------------------------

SORT_COLUMNS = {
    "number": Case.number,
    "source": Case.source,
    "class": JoinedClass.code,
    "address": Case.address,
    "grid": JoinedGrid.code,
    "state": Case.state,
    "department": JoinedDept.name,
    "deadline": Case.deadline_at,
    "step_deadline": Case.step_deadline_at,
    "reported_at": Case.reported_at,
    "phone": Case.caller_phone,
}


def visible_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The cases ``viewer`` may see: the one visibility rule, used by the work boxes and by
    the workflow (``workflow.queries.visible_cases_filter``).

    Department users see the cases dispatched to their department; users of a district
    command centre (二级平台) the cases their centre holds or its departments hold; city
    roles every case.
    """
    dept = viewer.department_id
    if viewer.role == Role.DEPARTMENT:
        return Case.department_id == dept if dept is not None else Case.id.is_(None)
    if dept is None:
        return true()
    is_district = exists().where(Department.id == dept,
                                 Department.kind == DepartmentKind.DISTRICT_CENTRE)
    children = select(Department.id).where(Department.parent_id == dept)
    return or_(~is_district, Case.centre_id == dept, Case.department_id.in_(children))


def _scope(session: Session, query: Select, box: WorkBox, viewer: Viewer) -> Select:
    """Box states plus who may see what."""
    if box.states is not None:
        query = query.where(Case.state.in_(sorted(box.states)))
    query = query.where(visible_filter(viewer))
    if box.task_scope:
        query = query.where(task_filter(session, viewer))
    if box.callback_scope:
        is_due = CaseReporter.callback_due.is_(True)
        if session.get_bind().dialect.name == "postgresql":
            # the few cases due for 回访 gathered once and fetched by key: as a semi-join the
            # planner walks the sort's index over every closed case (127 ms against 10 ms at
            # 1,000,000 cases, 1,847 due; docs/performance.md). The bare column is the
            # partial index's predicate (``callback_due IS true`` is not proved by it: a
            # parallel scan of every caller, ~40 ms at 400,000 callers, twice a page)
            due = (select(func.array_agg(CaseReporter.case_id))
                   .where(CaseReporter.callback_due).scalar_subquery())
            query = query.where(Case.id == func.any(cast(due, ARRAY(Integer))))
        else:
            query = query.where(Case.id.in_(select(CaseReporter.case_id).where(is_due)))
    return query


def _filtered(query: Select, f: CaseFilter, viewer: Viewer, dialect: str,
              indexed: bool = True) -> Select:
    """``query`` narrowed by the filter; ``indexed=False``: text terms without the gram
    index (a term matching more than ``COUNT_CAP`` cases is found faster by walking the
    sort order, see ``fetch_page``)."""
    if f.number.strip():
        query = query.where(Case.number.startswith(f.number.strip(), autoescape=True))
    if f.text.strip():
        query = query.where(text_match(dialect, f.text.strip(), indexed=indexed))
    if f.address.strip():
        query = query.where(text_match(dialect, f.address.strip(), True, indexed))
    if f.caller_phone.strip():
        query = _phone_filter(query, f.caller_phone.strip(), viewer)
    return _coded(_dated(query, f), f)


def _phone_filter(query: Select, phone: str, viewer: Viewer) -> Select:
    if viewer.role not in PHONE_ROLES:
        raise QueueError("无权按来电号码查询：只有受理员、值班长和管理员可以查看来电号码")
    if len(phone) >= 7:  # a whole number: the index on caller_phone answers it
        return query.where(Case.caller_phone == phone)
    return query.where(Case.caller_phone.contains(phone, autoescape=True))


def _dated(query: Select, f: CaseFilter) -> Select:
    if f.reported_from is not None:
        query = query.where(Case.reported_at >= f.reported_from)
    if f.reported_to is not None:
        query = query.where(Case.reported_at < f.reported_to)
    if f.source:
        query = query.where(Case.source == f.source)
    return query


def _coded(query: Select, f: CaseFilter) -> Select:
    """Code filters as IN (sub-select) on the indexed foreign keys: no join needed."""
    if f.grid_code.strip():
        cells = select(GridCell.id).where(GridCell.code.startswith(f.grid_code.strip(),
                                                                   autoescape=True))
        query = query.where(Case.grid_cell_id.in_(cells))
    if f.component_code.strip():
        parts = select(Component.id).where(Component.code.startswith(f.component_code.strip(),
                                                                     autoescape=True))
        query = query.where(Case.component_id.in_(parts))
    if f.class_code.strip():
        classes = select(CaseClass.id).where(CaseClass.code.startswith(f.class_code.strip(),
                                                                       autoescape=True))
        query = query.where(Case.class_id.in_(classes))
    return query


def _order(query: Select, sort: tuple[str, bool]) -> Select:
    key, ascending = sort
    column = SORT_COLUMNS.get(key)
    if column is None:
        raise QueueError(f"无法按“{key}”排序")
    # NULLs last when ascending, first when descending: the same on both backends and
    # the order a plain ascending B-tree index gives
    primary = column.asc().nulls_last() if ascending else column.desc().nulls_first()
    return query.order_by(primary, Case.id.asc() if ascending else Case.id.desc())


# -- the public queries -----------------------------------------------------------------------

def fetch_page(session: Session, box: WorkBox | str, filters: CaseFilter | None = None,
               sort: tuple[str, bool] | None = None, offset: int = 0, limit: int = 100,
               viewer: Viewer | None = None) -> Page:
    """One page of ``box`` for ``viewer``: filtered, sorted and paged by the database."""
    if viewer is None:
        raise QueueError("查询工作箱需要登录用户")
    box, filters = get_box(box), (filters or CaseFilter()).checked()
    if viewer.role not in box.roles:
        raise QueueError(f"{label_of(Role, viewer.role)}无权查看“{box.label}”")
    limit = max(1, min(int(limit), MAX_LIMIT))
    sort = sort or box.sort
    dialect = session.get_bind().dialect.name
    counted = None
    if dialect == "postgresql" and searches_text(filters) and sort[0] != "grid":
        # count first: a term in more than COUNT_CAP cases is found faster by walking the
        # sort's order (its index, or the class/department key by key) and testing each row
        # than by sorting every match the gram index finds (垃圾 is in ~5 % of the cases);
        # the planner cannot tell, the count can
        counted = _capped_count(session, box, filters, viewer, dialect,
                                indexed=not _common_text(session, filters))
    indexed = counted is None or counted <= COUNT_CAP
    query = _filtered(_scope(session, row_query(), box, viewer), filters, viewer, dialect,
                      indexed)
    if _walks(session, box, filters, sort, broad=not indexed):
        ids = _filtered(_scope(session, select(Case.id), box, viewer), filters, viewer, dialect,
                        indexed)
        result = _walked(session, query, ids, sort, max(0, offset), limit)
    else:
        result = session.execute(_order(query, sort).offset(max(0, offset)).limit(limit))
    make = RowMaker(session, viewer)
    rows = tuple(make(r) for r in result)
    if counted is None and not (offset == 0 and len(rows) < limit):
        counted = _capped_count(session, box, filters, viewer, dialect)
    if counted is None:  # the whole result fits on the first page
        return Page(rows, len(rows), offset, True)
    return Page(rows, min(counted, COUNT_CAP), offset, counted <= COUNT_CAP)


#: sorts on a joined table's column, walked key by key (see ``_walked``):
#: sort key → (the dimension's sort column, its id, the case's foreign key)
WALKED_SORTS = {
    "class": (CaseClass.code, CaseClass.id, Case.class_id),
    "department": (Department.name, Department.id, Case.department_id),
}


def _walks(session: Session, box: WorkBox, filters: CaseFilter, sort: tuple[str, bool],
           broad: bool = False) -> bool:
    """Walk the sort key's dimension table instead of sorting the joined result?

    Only where the plain query would sort every case: on PostgreSQL (SQLite databases
    are small), for the boxes without a state list and without filters — or with a text
    term counted in more than ``COUNT_CAP`` cases (``broad``). A selective box or filter
    is answered faster by the plain query.
    """
    return (sort[0] in WALKED_SORTS and box.states is None and not box.task_scope
            and (filters.is_empty() or broad)
            and session.get_bind().dialect.name == "postgresql")


def _walked(session: Session, query: Select, ids: Select, sort: tuple[str, bool],
            offset: int, limit: int) -> list:
    """The page ``_order(query, sort).offset(offset).limit(limit)`` would give, for a sort
    on a joined table's column, without sorting the whole result.

    The dimension table (classes, departments: hundreds of rows) is read in sort order and
    grouped by sort value (several classes share a code across editions); the NULL group
    holds the cases without a key (last ascending, first descending, as ``_order``).
    Group by group, whole groups inside the offset are only counted (up to the rows still
    to skip) and rows are taken in ``id`` order through the ``(foreign key, id)`` index
    until the page is full. ``ids`` is ``query``'s filter over ``Case.id`` alone.
    """
    key, ascending = sort
    value, dim_id, fk = WALKED_SORTS[key]
    keyed: list[list[int]] = []
    no_key: list[int] = []
    last = object()
    for v, i in session.execute(select(value, dim_id).order_by(value.asc().nulls_last(),
                                                                 dim_id)):
        if v is None:
            no_key.append(i)
        elif v == last:
            keyed[-1].append(i)
        else:
            keyed.append([i])
            last = v
    conditions = [fk.in_(g) if len(g) > 1 else fk == g[0] for g in keyed]
    null_group = fk.is_(None) | fk.in_(no_key) if no_key else fk.is_(None)
    conditions = [*conditions, null_group] if ascending else [null_group, *reversed(conditions)]
    by_id = Case.id.asc() if ascending else Case.id.desc()
    skip, need, rows = offset, limit, []
    for condition in conditions:
        if skip:
            part = ids.where(condition).limit(skip).subquery()
            counted = session.scalar(select(func.count()).select_from(part))
            if counted < skip:
                skip -= counted
                continue
        page = query.where(condition).order_by(by_id).offset(skip).limit(need)
        rows += session.execute(page).all()
        skip, need = 0, limit - len(rows)
        if need <= 0:
            break
    return rows


def _capped_count(session, box, filters, viewer, dialect: str, indexed: bool = True) -> int:
    """Cases in the box matching the filter, counted up to ``COUNT_CAP + 1``
    (``indexed=False``: text terms by the plain match, see ``_common_text``)."""
    ids = _filtered(_scope(session, select(Case.id), box, viewer), filters, viewer, dialect,
                    indexed)
    return session.scalar(select(func.count()).select_from(ids.limit(COUNT_CAP + 1).subquery()))


#: what counting a text term's first ``COUNT_CAP + 1`` matches costs, in rows read by a
#: plain scan: the gram index gathers every match (a bitmap: ~½ row each) and then reads
#: ``COUNT_CAP`` of them from the table (~3½ rows each, scattered); a plain scan reads
#: ``COUNT_CAP / share`` rows in table order and stops (measured at 1,000,000 cases:
#: docs/performance.md, "Counting a common two-character term")
INDEX_PER_MATCH, INDEX_PER_READ = 0.5, 3.5


def _common_text(session: Session, filters: CaseFilter) -> bool:
    """PostgreSQL: are the text terms in so many cases that a plain scan meets
    ``COUNT_CAP + 1`` matches sooner than the gram index gathers them all? The planner's
    estimate decides (no case read): for 井盖, in ~18 % of the generated cases, the scan
    reads ~55,000 rows whatever the table's size while the index gathers every match (its
    cost grows with the table); for a term in 2 % of them the scan would read half a
    million rows and the index wins. A wrong guess costs time, never
    a wrong count: both ways count the same rows."""
    terms = [t for t in (filters.text.strip(), filters.address.strip()) if t]
    matches, cases = estimated_matches(session, terms)
    if matches <= COUNT_CAP or cases <= 0:
        return False
    scan = COUNT_CAP * cases / matches
    return scan < INDEX_PER_MATCH * matches + INDEX_PER_READ * COUNT_CAP


def fetch_rows(session: Session, ids: Iterable[int], viewer: Viewer) -> dict[int, CaseRow]:
    """Rows of the given cases the viewer may see (for live updates of single rows)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = _scope(session, row_query().where(Case.id.in_(wanted)), get_box("all"), viewer)
    make = RowMaker(session, viewer)
    return {row.id: row for row in map(make, session.execute(query))}


def box_counts(session: Session, viewer: Viewer) -> dict[str, int]:
    """Cases per box the viewer sees. Boxes without a state list (``all``) are counted up
    to ``COUNT_CAP + 1``: a value above ``COUNT_CAP`` means "more than ``COUNT_CAP``"."""
    boxes = boxes_for(viewer.role)
    counts: dict[str, int] = {}
    scoped = [b for b in boxes if b.states is not None]
    for scope in ((False, False), (True, False), (False, True)):  # (task, callback)
        group = [b for b in scoped if (b.task_scope, b.callback_scope) == scope]
        if not group:
            continue
        states = frozenset().union(*(b.states for b in group))
        probe = WorkBox("_", "", states, frozenset(), task_scope=scope[0],
                        callback_scope=scope[1])
        query = _scope(session, select(Case.state, func.count()), probe, viewer).group_by(
            Case.state)
        by_state = dict(session.execute(query).all())
        for b in group:
            counts[b.key] = sum(by_state.get(s, 0) for s in b.states)
    for b in boxes:
        if b.states is None:
            ids = _scope(session, select(Case.id), b, viewer).limit(COUNT_CAP + 1).subquery()
            counts[b.key] = session.scalar(select(func.count()).select_from(ids))
    return counts
