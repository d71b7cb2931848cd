"""The registration builds its new case (``newcase.NewCase``) and every action its
ledger row (``ledger.LedgerRow``) as plain records instead of ORM objects (cheaper; they
were never added to a session). What they record must be what the ORM objects recorded:
the same case columns, the same ledger payload bytes and hash, the same changed fields —
checked here against the ORM path as it was (``Case(...)`` and ``apply_defaults``), on
SQLite and PostgreSQL, with the ledger verifier and the stored rows agreeing."""

from __future__ import annotations

import datetime as dt

import shapely
from sqlalchemy import select

from seatdesk.models import Case, LedgerEntry
from seatdesk.models.enums import CaseState, Role
from seatdesk.workflow import actions, ledger, newcase
from seatdesk.workflow import services as sd
from seatdesk.workflow.actions import ActionContext
from seatdesk.workflow.casefacts import apply_defaults, class_facts, place_case, resolve_component
from seatdesk.workflow.states import rows_for
from tests.workflow_fixtures import P1, world_fixture  # noqa: F401

NOW = dt.datetime(2026, 12, 7, 2, 3, 4, 567891, tzinfo=dt.UTC)
COLUMNS = tuple(c.key for c in Case.__table__.columns)


def _orm_case(wf, session, actor, report, now) -> Case:
    """The new case as ``newcase.new_case`` built it before (an ORM ``Case``)."""
    component = resolve_component(session, report.component_code)
    cls = class_facts(wf, session, report.class_id or (component.class_id if component else None))
    case = Case(
        state="", source=report.source, kind=cls.kind if cls else None,
        class_id=cls.id if cls else None, urgency=report.urgency, lon=float(report.lon),
        lat=float(report.lat), address=report.address.strip(),
        description=report.description.strip(), component_id=component.id if component else None,
        reporter_id=actor.user_id if actor.role == Role.SUPERVISOR else None,
        caller_name=report.caller_name.strip(), caller_phone=report.caller_phone.strip(),
        callback_wanted=report.callback_wanted, reported_at=now, updated_at=now,
        intake_key=report.intake_key or None)
    case.geom = shapely.Point(case.lon, case.lat)
    apply_defaults(case)
    place_case(wf, session, case)
    return case


def _recorded(wf, session, actor, report, case):
    case.number, case.id = "20261207000001", 41
    case.state, case.ledger_seq, case.ledger_head = "", 0, ""
    ctx = ActionContext(wf, session, actor, case, "register", NOW,
                        args=newcase.register_args(report), rows=rows_for("register"))
    return ctx, actions.record(ctx, CaseState.REPORTED)


def _reports(world) -> list[sd.Report]:
    return [
        sd.Report(source="patrol", lon=P1[0], lat=P1[1], description=" 井盖破损 ",
                  intake_key="field:7:a-1"),
        sd.Report(source="hotline_12345", lon=P1[0] + 0.0001, lat=P1[1], address="人民路 8 号",
                  description="垃圾满溢\n两天未清", class_id=world.cls["垃圾"], urgency="urgent",
                  caller_name="王先生", caller_phone="13800000000", callback_wanted=True),
        sd.Report(source="patrol", lon=60.0, lat=10.0, description="网格外"),  # no cell
    ]


def test_the_plain_case_and_ledger_row_record_what_the_orm_objects_recorded(world):
    wf = world.wf
    for report, who in zip(_reports(world), ("sup1", "acceptor", "sup1"), strict=True):
        actor = world.a(who)
        with world.db.Session() as session:
            plain = newcase.new_case(wf, session, actor, report, NOW)
            orm = _orm_case(wf, session, actor, report, NOW)
            assert isinstance(plain, newcase.NewCase) and not isinstance(plain, Case)
            for key in COLUMNS:
                mine, theirs = getattr(plain, key), getattr(orm, key)
                if key == "geom":
                    assert shapely.equals(mine, theirs)
                else:
                    assert (key, mine, type(mine)) == (key, theirs, type(theirs))
            ctx_plain, row = _recorded(wf, session, actor, report, plain)
            ctx_orm, old = _recorded(wf, session, actor, report, orm)
            session.rollback()
        assert isinstance(row, ledger.LedgerRow) and ctx_plain.changed == ctx_orm.changed
        for key in (c.key for c in LedgerEntry.__table__.columns):
            assert (key, getattr(row, key)) == (key, getattr(old, key))
        assert row.hash == ledger.recompute_hash(row, "20261207000001")
        assert (plain.ledger_seq, plain.ledger_head, plain.ledger_since) == (
            orm.ledger_seq, orm.ledger_head, orm.ledger_since)
        for key in COLUMNS:  # the step clocks and updated_at moved alike
            if key != "geom":
                assert (key, getattr(plain, key)) == (key, getattr(orm, key))


def test_registered_rows_hash_and_verify(world):
    world.clock.set(NOW)
    changes = [sd.register(world.wf, world.a(who), report)
               for report, who in zip(_reports(world), ("sup1", "acceptor", "sup1"), strict=True)]
    with world.db.Session() as s:
        for change in changes:
            case = s.get(Case, change.case_id)
            entry = s.scalar(select(LedgerEntry).where(LedgerEntry.case_id == case.id))
            assert entry.hash == ledger.recompute_hash(entry, case.number) == case.ledger_head
            assert (entry.seq, case.ledger_seq, case.version) == (1, 1, 1)
            assert case.ledger_since == entry.at == change.at
            replayed = ledger.replay([entry])
            for key in ledger.TRACKED:  # the payload rebuilds the stored case
                assert (key, replayed[key]) == (key, getattr(case, key))
        assert sd.verify_ledger(s, [c.case_id for c in changes]) == []
