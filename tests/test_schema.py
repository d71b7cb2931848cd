"""The schema: migrations create it on both backends and agree with the models; every
table stores and returns its data, geometry included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from seatdesk.models import (
    AdminUnit,
    Attachment,
    Base,
    Beat,
    BeatSupervisor,
    CalendarDay,
    CalendarYear,
    CallbackOutbox,
    Case,
    CaseClass,
    CaseNumberDay,
    CaseReporter,
    ClassEdition,
    CommonPhrase,
    Component,
    Department,
    Dispatch,
    FieldEvent,
    FieldSession,
    FilingCondition,
    GridCell,
    HandoverAck,
    LedgerEntry,
    LedgerSegment,
    Partner,
    PartnerRequest,
    Responsibility,
    Road,
    SecurityConfig,
    Setting,
    SettingChange,
    SupervisorPosition,
    TimeLimit,
    User,
    WorkOrder,
    get_setting,
    ledger_partitions,
    set_setting,
)
from seatdesk.models.case_search import is_search_table
from seatdesk.models.db import current_revision, head_revision

NOW = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.timezone.utc)


# the PostgreSQL-only gram index is an expression index, which SQLite cannot reflect: alembic
# says it skips it there (on PostgreSQL it is compared)
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_match_models(db):
    import importlib.util

    from seatdesk.models.db import MIGRATIONS

    spec = importlib.util.spec_from_file_location("sd_env_probe", MIGRATIONS / "env.py")
    assert spec is not None  # env.py exists where alembic looks for it
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": _compare_type,
                "include_object": _include_object(db.backend),
            },
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert current_revision(db.engine) == head_revision(db.url)


def _compare_type(ctx, inspected_column, metadata_column, inspected_type, metadata_type):
    from seatdesk.models.geometry import GeometryType

    return False if isinstance(metadata_type, GeometryType) else None


def _include_object(backend):
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and (name == "spatial_ref_sys" or is_search_table(name)):
            return False  # PostGIS' table; the FTS5 gram index of migration 0012
        if not ledger_partitions.compared(name, type_, backend):
            return False  # the ledger's partitions and partitioned keys (migration 0013)
        if type_ == "index" and (_pg_only(obj) or _pg_only(compare_to)):
            return backend == "postgresql"
        return True

    return include


def _pg_only(obj) -> bool:
    ddl_if = getattr(obj, "_ddl_if", None)
    return ddl_if is not None and ddl_if.dialect == "postgresql"


def test_every_model_table_exists(db):
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_postgis_geometry_columns_and_gist(db):
    insp = inspect(db.engine)
    index_names = {ix["name"] for ix in insp.get_indexes("grid_cells")}
    if db.backend == "postgresql":
        assert "ix_grid_cells_geom" in index_names
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT f_table_name, type, srid FROM geometry_columns ORDER BY 1")
            ).all()
        found = {(r[0], r[1], r[2]) for r in rows}
        assert ("grid_cells", "POLYGON", 4326) in found
        assert ("components", "POINT", 4326) in found
        assert ("cases", "POINT", 4326) in found
    else:
        assert "ix_grid_cells_geom" not in index_names


def _populate(session):
    """One row in every table, linked the way the application links them."""
    district = AdminUnit(level="district", code="320481", name="溧阳市")
    street = AdminUnit(level="street", code="320481002", name="溧城街道", parent=district)
    community = AdminUnit(level="community", code="320481002012", name="县前街社区", parent=street)
    poly = shapely.box(119.480, 31.425, 119.481, 31.426)
    cell = GridCell(code="320481002012001", name="县前街1号网格", community=community,
                    area_m2=9400.0, zone="A", geom=poly)
    cell.set_bbox_from(poly)
    edition = ClassEdition(code="GB/T 47678.5-2026", name="管理部件和事项",
                           class_code_length=5, component_id_length=17)
    cls = CaseClass(edition=edition, kind="component", major_code="01", major_name="市政公用设施",
                    code="01001", name="供水井盖", pinyin_initials="gsjg")
    cond = FilingCondition(case_class=cls, code="0100101", text="井盖破损、移位或缺失",
                           closure_condition="井盖完好归位", is_default=True)
    cond.limits.append(TimeLimit(urgency="normal", zone="", value=Decimal("4"),
                                 unit="working_hours"))
    dept = Department(code="SW", name="溧阳市水务集团", kind="department")
    session.add_all([district, street, community, cell, edition, cls, cond, dept])
    session.flush()
    session.add(Responsibility(class_id=cls.id, area_id=street.id, department_id=dept.id))
    user = User(username="shouli", display_name="受理员", password_hash="x", role="acceptor")
    comp = Component(code="32048101001000001", class_id=cls.id, name="供水井盖",
                     owner_dept_id=dept.id, status="intact", grid_cell_id=cell.id,
                     lon=119.4805, lat=31.4255, geom=shapely.Point(119.4805, 31.4255))
    session.add_all([user, comp])
    session.flush()
    case = Case(number="20261102000001", state="reported", source="hotline_12319",
                lon=119.4805, lat=31.4255, geom=shapely.Point(119.4805, 31.4255),
                grid_cell_id=cell.id, community_id=community.id, street_id=street.id,
                district_id=district.id, component_id=comp.id, caller_name="张先生",
                caller_phone="13800001234", reported_at=NOW, class_id=cls.id)
    session.add(case)
    session.flush()
    session.add_all([
        CaseReporter(case_id=case.id, name="张先生", phone="13800001234", callback_wanted=True),
        Dispatch(case_id=case.id, department_id=dept.id, by_user_id=user.id, at=NOW),
        LedgerEntry(case_id=case.id, seq=1, at=NOW, actor_id=user.id, actor_role="acceptor",
                    action="register", to_state="reported", prev_hash="0" * 64, hash="a" * 64),
        Attachment(case_id=case.id, kind="photo", filename="p.jpg", mime_type="image/jpeg",
                   size=3, sha256="b" * 64, content=b"\xff\xd8\xff"),
        CalendarDay(day=dt.date(2026, 10, 1), kind="holiday", name="国庆节"),
        CalendarYear(year=2026, source="chinesecalendar"),
        SupervisorPosition(user_id=user.id, at=NOW, lon=119.48, lat=31.42,
                           geom=shapely.Point(119.48, 31.42)),
        CommonPhrase(category="void_reason", text="重复上报"),
        HandoverAck(sheet_id="0a1b2c3d4e5f", generated_at=NOW, shift_end=NOW,
                    acknowledged_by_id=user.id, at=NOW, summary='{"red_now":0}'),
        SecurityConfig(id=1, login_prefix="centre.", database="seatdesk"),
        CaseNumberDay(day="20261102", last_serial=1),
    ])
    road = Road(name="燕山路", code="R001", geom=shapely.MultiLineString(
        [[(119.480, 31.4255), (119.481, 31.4255)]]))
    road.set_bbox_from(road.geom)
    session.add(road)
    beat = Beat(code="B01", name="溧城1号责任网格", geom=shapely.MultiPolygon([poly]))
    beat.set_bbox_from(poly)
    beat.supervisors.append(BeatSupervisor(user_id=user.id))
    session.add_all([beat, SettingChange(key="admin_code", old_value=None, new_value='"320481"',
                                         changed_by="root", via="setup")])
    set_setting(session, "working_day_hours", 6)
    _populate_intake(session, user, case)


def _populate_intake(session, user, case):
    """The intake server's tables (the trigger queues the close callback)."""
    partner = Partner(code="p12345", name="12345平台", kind="hotline12345", user_id=user.id,
                      source="hotline_12345", key_hash="c" * 64)
    session.add_all([
        FieldSession(token_hash="d" * 64, user_id=user.id, device_id="phone-1", created_at=NOW,
                     expires_at=NOW),
        FieldEvent(user_id=user.id, at=NOW, kind="on_duty", device_id="phone-1"),
        partner,
    ])
    session.flush()
    session.add(PartnerRequest(partner_id=partner.id, case_id=case.id, token="t1",
                               external_id="fms-1", service_code="01001"))
    session.add(WorkOrder(partner_id=partner.id, order_no="GD001", case_id=case.id))
    session.flush()
    session.add(LedgerEntry(case_id=case.id, seq=2, at=NOW, actor_id=user.id,
                            actor_role="shift_lead", action="close", to_state="closed",
                            prev_hash="a" * 64, hash="e" * 64))
    session.add(LedgerSegment(case_id=case.id, month=dt.date(2024, 1, 1), first_seq=1,
                              last_seq=1, prev_hash="0" * 64, last_hash="a" * 64, rows=1,
                              archive="case_ledger_2024_01.csv.gz"))
    session.flush()
    queued = session.scalar(select(CallbackOutbox))
    assert (queued.event_id, queued.event) == ("GD001#2", "finished")


def test_every_table_round_trips(db):
    with db.Session.begin() as s:
        _populate(s)
    with db.Session() as s:
        for model in Base.registry.mappers:
            cls = model.class_
            assert s.scalar(select(cls).limit(1)) is not None, f"{cls.__name__} is empty"
        cell = s.scalar(select(GridCell))
        assert cell.geom.equals(shapely.box(119.480, 31.425, 119.481, 31.426))
        road = s.scalar(select(Road))
        assert road.geom.geom_type == "MultiLineString" and road.max_lon == 119.481
        assert cell.community.parent.name == "溧城街道"
        case = s.scalar(select(Case))
        assert case.reported_at == NOW and case.reported_at.tzinfo is not None
        assert case.geom.equals(shapely.Point(119.4805, 31.4255))
        limit = s.scalar(select(TimeLimit))
        assert limit.value == Decimal("4") and limit.unit == "working_hours"
        assert s.get(Attachment, 1).content == b"\xff\xd8\xff"
        assert get_setting(s, "working_day_hours") == 6
        assert get_setting(s, "light_yellow_ratio") == 0.8  # documented default
        assert s.get(Setting, "working_day_hours") is not None


def test_optimistic_version_counter(db):
    with db.Session.begin() as s:
        _populate(s)
    with db.Session.begin() as s:
        case = s.scalar(select(Case))
        case.description = "井盖缺失"
    with db.Session() as s:
        assert s.scalar(select(Case)).version == 2


@pytest.mark.parametrize("backend", ["postgresql"])  # a trigger; SQLite relies on `ledger verify`
def test_ledger_is_append_only_on_postgresql(db):
    with db.Session.begin() as s:
        _populate(s)
    for sql in ("UPDATE case_ledger SET reason = 'x'", "DELETE FROM case_ledger",
                "TRUNCATE case_ledger CASCADE"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))
    with db.Session() as s:
        assert s.scalar(select(LedgerEntry)).reason == ""
