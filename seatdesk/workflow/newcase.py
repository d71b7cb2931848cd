"""The new case of a registration (``registration``): its row, built from a report as plain
attributes (``NewCase``), and its INSERT with its first ledger row — one Core statement
each, never the ORM's unit of work (docs/performance.md). The intake server's
one-statement registration sends the same rows as JSON (``registration._rows_params``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shapely
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seatdesk.models import Case, CaseReporter, LedgerEntry, PartnerRequest
from seatdesk.models.enums import CaseState as S
from seatdesk.models.enums import Role

from . import actions
from .actions import ActionContext
from .casefacts import (
    LOOK_UP,
    attachment_args,
    class_facts,
    next_number,
    place_case,
    resolve_component,
)
from .caserow import CaseRecord
from .context import Workflow
from .direct import insert_row
from .errors import InvalidArgument
from .numbering import NumberTaken, day_prefix, number_collision
from .values import Actor

if TYPE_CHECKING:
    from .registration import Report


class NewCase(CaseRecord):
    """The case being registered: every column, its point too, as plain attributes. It is
    never added to a session (``_insert_case`` writes it with one Core INSERT), so an ORM
    ``Case`` cost its attribute instrumentation for nothing — about a tenth of a
    registration's Python CPU, as building and reading it and its ledger row
    (docs/performance.md); every reader (the ledger's ``changes``, the step clocks, the
    duplicate search, ``change_of``) reads the same attributes with the same values."""

    __slots__ = ("geom",)

    def __init__(self, values: dict):
        super().__init__(values)
        self.geom = values.get("geom")


#: the scalar column defaults ``casefacts.apply_defaults`` sets on a new ORM case
_SCALAR_DEFAULTS = tuple((c.key, c.default.arg) for c in Case.__table__.columns
                         if c.default is not None and c.default.is_scalar)


def new_case(wf: Workflow, session, actor: Actor, report: Report, now,
              cell: object = LOOK_UP) -> NewCase:
    component = resolve_component(session, report.component_code)
    cls = class_facts(wf, session,
                      report.class_id or (component.class_id if component else None))
    lon, lat = float(report.lon), float(report.lat)
    values = {
        "state": "", "source": report.source, "kind": cls.kind if cls else None,
        "class_id": cls.id if cls else None, "urgency": report.urgency, "lon": lon,
        "lat": lat, "address": report.address.strip(),
        "description": report.description.strip(),
        "component_id": component.id if component else None,
        "reporter_id": actor.user_id if actor.role == Role.SUPERVISOR else None,
        "caller_name": report.caller_name.strip(), "caller_phone": report.caller_phone.strip(),
        "callback_wanted": report.callback_wanted, "reported_at": now, "updated_at": now,
        "intake_key": report.intake_key or None, "geom": shapely.Point(lon, lat),
    }
    for key, default in _SCALAR_DEFAULTS:  # as ``apply_defaults`` on an ORM case
        if values.get(key) is None:
            values[key] = default
    case = NewCase(values)
    place_case(wf, session, case, cell)
    return case


def insert_first(ctx: ActionContext):
    """INSERT the case (``max + 1``) and its first ledger row (SQLite: one writer at a
    time, so a collision only comes from outside this process; retried with the next)."""
    session, case = ctx.session, ctx.case
    prefix = day_prefix(ctx.wf, session, ctx.now)
    for _attempt in range(50):
        case.number = next_number(session, prefix)
        case.state, case.ledger_seq, case.ledger_head = "", 0, ""
        entry = actions.record(ctx, S.REPORTED)
        try:
            with session.begin_nested():
                _insert_case(session, case)
        except IntegrityError as exc:
            if not number_collision(exc):
                raise
            continue
        return _add_entry(session, case, entry)
    raise InvalidArgument("案卷编号分配冲突，请重试")


def insert_numbered(ctx: ActionContext, number: str):
    """INSERT the case with the number taken before the transaction and its first ledger
    row (PostgreSQL); ``NumberTaken`` if someone else holds it."""
    session, case = ctx.session, ctx.case
    case.number = number
    case.state, case.ledger_seq, case.ledger_head = "", 0, ""
    entry = actions.record(ctx, S.REPORTED)
    try:
        _insert_case(session, case)
    except IntegrityError as exc:
        if number_collision(exc):
            raise NumberTaken(number) from exc
        raise
    return _add_entry(session, case, entry)


_CASES, _LEDGER = Case.__table__, LedgerEntry.__table__
_CASE_COLUMNS = tuple((c, Case.__mapper__.get_property_by_column(c).key)
                      for c in _CASES.columns if not c.primary_key)
LEDGER_COLUMNS = tuple(c.key for c in _LEDGER.columns if not c.primary_key)
INSERT_CASE, INSERT_ENTRY = insert(_CASES), insert(_LEDGER)  # built once
REQUESTS = PartnerRequest.__table__
INSERT_REPORTER, INSERT_REQUEST = insert(CaseReporter.__table__), insert(REQUESTS)


def _insert_case(session: Session, case: NewCase) -> None:
    """One Core INSERT of the new case (never added to the session: the ORM unit of work
    cost more CPU than the statement, docs/performance.md). The columns are the ORM's:
    every value set on ``case``, a column left None gets its default; ``case.id`` is set
    from the database."""
    case.id = insert_row(session, INSERT_CASE, case_values(case))  # psycopg directly on PG


def case_values(case: NewCase) -> dict:
    """The new case's columns for its INSERT: every value set, a column left None gets its
    default."""
    return {column.key: value for column, attr in _CASE_COLUMNS
            if (value := getattr(case, attr)) is not None}


def _add_entry(session: Session, case: NewCase, entry):
    """The first ledger row, one Core INSERT (the database's triggers check it and, for an
    operator's session, recompute its hashes as for any row)."""
    entry.case_id = case.id
    insert_row(session, INSERT_ENTRY, {key: getattr(entry, key) for key in LEDGER_COLUMNS})
    return entry


def register_args(report: Report) -> dict:
    return {"source": report.source, "component_code": report.component_code,
            "attachments": attachment_args(report.attachments)}
