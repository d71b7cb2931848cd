"""Case sources (案件来源) as reference data: shipped with 12345, enabled, renamed, ordered,
public or not, needing 核实 or not — read by the engine, the work boxes and the
evaluation; and migration 0008 that introduced them (with 回访 and the derived 紧急 limits)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from seatdesk.evaluation.indicators import Period, evaluate
from seatdesk.models import Case, CaseReporter, Source, TimeLimit
from seatdesk.models.db import alembic_config
from seatdesk.models.queues import fetch_page
from seatdesk.models.sources import SHIPPED, list_sources, public_codes
from seatdesk.workflow import services as sd
from tests.workflow_fixtures import P1, world_fixture  # noqa: F401 (fixture)


def _set(w, code: str, **values) -> None:
    with w.db.Session.begin() as s:
        row = s.get(Source, code)
        for key, value in values.items():
            setattr(row, key, value)


def test_shipped_sources_with_12345(world):
    with world.db.Session() as s:
        sources = list_sources(s)
    assert [x.code for x in sources] == [x.code for x in SHIPPED]
    hotline = next(x for x in sources if x.code == "hotline_12345")
    assert (hotline.name, hotline.enabled, hotline.public, hotline.needs_verification) == (
        "12345政务服务便民热线", True, True, True)
    patrol = sources[0]
    assert (patrol.code, patrol.public, patrol.needs_verification) == ("patrol", False, False)


def test_a_12345_report_needs_verification_before_acceptance(world):
    w = world
    ref = w.drive.register(source="hotline_12345", caller_phone="13800001234")
    with pytest.raises(sd.WrongState, match="12345政务服务便民热线来源的案卷须先派发核实"):
        w.drive.do(ref, sd.accept, "acceptor")
    ref = w.drive.do(ref, sd.send_verification, "acceptor", supervisor_id=w.users["sup1"])
    ref = w.drive.do(ref, sd.verify, "sup1", confirmed=True)
    assert w.drive.do(ref, sd.accept, "acceptor").state == "accepted"


def test_the_verification_rule_is_read_from_the_sources(world):
    """An administrator decides per source: video now needs 核实, 12319 no longer."""
    w = world
    _set(w, "video", needs_verification=True)
    _set(w, "hotline_12319", needs_verification=False, name="城管热线12319")
    video = w.drive.register(source="video")
    with pytest.raises(sd.WrongState, match="视频来源的案卷须先派发核实"):
        w.drive.do(video, sd.accept, "acceptor")
    hotline = w.drive.register(source="hotline_12319", caller_phone="13800001234")
    assert w.drive.do(hotline, sd.accept, "acceptor").state == "accepted"


def test_disabled_and_unknown_sources_are_refused_for_new_reports(world):
    w = world
    _set(w, "mayor_hotline", enabled=False)
    with pytest.raises(sd.InvalidArgument, match="案件来源「市长热线」已停用"):
        w.drive.register(source="mayor_hotline")
    with pytest.raises(sd.InvalidArgument, match="未知的案件来源：fax"):
        w.drive.register(source="fax")
    with w.db.Session() as s:
        assert s.scalar(select(Case.id)) is None  # nothing written


def test_a_renamed_source_shows_its_new_name_in_the_work_boxes(world):
    w = world
    w.drive.register(source="hotline_12345", caller_phone="13800001234")
    _set(w, "hotline_12345", name="市民热线12345")
    with w.db.Session() as s:
        page = fetch_page(s, "pending_accept", viewer=w.a("acceptor"))
    assert [row.source_label for row in page.rows] == ["市民热线12345"]


def test_public_sources_drive_the_missed_report_figures(world):
    """监督举报率/漏报 count the sources marked public (here: video too)."""
    w = world
    _set(w, "video", public=True)
    with w.db.Session() as s:
        assert "video" in public_codes(s) and "patrol" not in public_codes(s)
    start = w.clock.now
    for source in ("patrol", "video"):
        ref = w.drive.to("accepted", source=source)
        w.drive.do(ref, sd.file, "lead", condition_id=w.cond["井盖"])
    w.clock.advance(hours=1)
    with w.db.Session() as s:
        rows = evaluate(s, Period.between(start, w.clock.now), "district").rows
    (city,) = rows
    assert (city.value("filed"), city.value("missed_reports")) == (2, 1)


# -- migration 0008 -----------------------------------------------------------------------------
def test_migration_0008_seeds_sources_callbacks_and_urgent_limits(world):
    """Down to 0007 and up again: sources seeded, callers already called back keep their
    answer, the caller of a closed case still waiting becomes due, and a condition with
    only a normal limit gets a 紧急 one derived by rule and marked as a default."""
    w = world
    waiting = w.drive.to("closed", caller_phone="13800001111", callback_wanted=True)
    answered = w.drive.to("closed", caller_phone="13800002222", callback_wanted=True)
    config = alembic_config(w.db.url)
    command.downgrade(config, "0007")
    with w.db.engine.begin() as conn:
        assert not inspect(conn).has_table("case_sources")
        conn.execute(text("UPDATE case_reporters SET called_back_at = :at, satisfied = :yes "
                          "WHERE case_id = :id"), {"at": w.clock.now, "yes": False,
                                                   "id": answered.id})
    command.upgrade(config, "head")
    w.wf.invalidate()
    with w.db.Session() as s:
        assert [x.code for x in list_sources(s)] == [x.code for x in SHIPPED]
        reporters = {r.case_id: (r.callback_due, r.callback_outcome, r.callback_attempts)
                     for r in s.scalars(select(CaseReporter))}
        assert reporters == {waiting.id: (True, "", 0), answered.id: (False, "dissatisfied", 1)}
        urgent = s.scalars(select(TimeLimit).where(
            TimeLimit.condition_id == w.cond["垃圾"], TimeLimit.urgency == "urgent")).all()
        assert [(t.value, t.unit, t.is_default) for t in urgent] == [
            (Decimal("1"), "natural_hours", True)]  # 4 working hours → 1 hour
        cover = s.scalars(select(TimeLimit).where(TimeLimit.condition_id == w.cond["井盖"],
                                                  TimeLimit.urgency == "urgent")).all()
        assert [(t.value, t.is_default) for t in cover] == [(Decimal("2"), False)]  # kept


# -- administration (Qt-free) -------------------------------------------------------------------
def test_an_administrator_enables_renames_orders_and_adds_sources(world):
    from seatdesk.data import admin_sources
    from seatdesk.data.admin import AdminPermissionError, AdminValidationError
    from seatdesk.models import SettingChange
    from seatdesk.models.db import write_transaction

    w = world

    def change(fn):
        with write_transaction(w.db.engine) as s:
            return fn(s)

    boss = w.a("admin")
    with pytest.raises(AdminPermissionError):
        change(lambda s: admin_sources.save_source(s, w.a("lead"), "video", "视频", enabled=False,
                                                   public=False, needs_verification=False))
    with pytest.raises(AdminValidationError, match="不能停用"):
        change(lambda s: admin_sources.save_source(s, boss, "patrol", "监督员巡查",
                                                   enabled=False, public=False,
                                                   needs_verification=False))
    with pytest.raises(AdminValidationError, match="来源代码须为"):
        change(lambda s: admin_sources.save_source(s, boss, "微信", "微信", enabled=True,
                                                   public=True, needs_verification=True,
                                                   new=True))
    change(lambda s: admin_sources.save_source(s, boss, "mayor_hotline", "市长热线",
                                               enabled=False, public=True,
                                               needs_verification=True))
    added = change(lambda s: admin_sources.save_source(s, boss, "wechat", "微信公众号",
                                                       enabled=True, public=True,
                                                       needs_verification=True, new=True))
    assert (added.name, added.enabled) == ("微信公众号", True)
    change(lambda s: admin_sources.move_source(s, boss, "wechat", -1))
    with w.db.Session() as s:
        codes = [x.code for x in list_sources(s, enabled_only=True)]
        changes = s.scalars(select(SettingChange).where(SettingChange.key == "case_sources")
                            ).all()
    assert codes[-2:] == ["wechat", "video"] and "mayor_hotline" not in codes
    assert len(changes) == 3 and all(c.via == "admin screen" for c in changes)
    with pytest.raises(sd.InvalidArgument, match="已停用"):
        w.drive.register(source="mayor_hotline")
    ref = w.drive.register(source="wechat", caller_phone="13800001234")
    with pytest.raises(sd.WrongState, match="微信公众号来源的案卷须先派发核实"):
        w.drive.do(ref, sd.accept, "acceptor")
