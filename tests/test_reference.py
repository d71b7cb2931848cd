"""Reference data: editions, both class directories, the default 立案条件 catalogue, the
time-limit parser and the default 常用语."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from seatdesk.data.catalogue_gen import OUTPUT, render
from seatdesk.data.limits import LimitParseError, format_limit, parse_limit
from seatdesk.data.phrases import DEFAULT_PHRASES
from seatdesk.data.reference import load_reference
from seatdesk.models import (
    CalendarDay,
    CaseClass,
    ClassEdition,
    CommonPhrase,
    FilingCondition,
    TimeLimit,
)
from seatdesk.models.enums import TimeUnit

NEW = "GB/T 47678.5-2026"
OLD = "GB/T 30428.2-2013"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def classes_of(session, edition: str) -> list[CaseClass]:
    query = (select(CaseClass).join(ClassEdition).where(ClassEdition.code == edition)
             .options(selectinload(CaseClass.conditions).selectinload(FilingCondition.limits)))
    return list(session.scalars(query))


def condition(session, kind: str, code: str, source: str) -> list[FilingCondition]:
    return [c for c in next(cls for cls in classes_of(session, NEW)
                            if cls.kind == kind and cls.code == code).conditions
            if source in c.source]


def limits(cond: FilingCondition) -> dict[str, tuple[Decimal, str]]:
    return {lim.urgency: (lim.value, lim.unit) for lim in cond.limits if lim.zone == ""}


def test_editions_and_class_counts(make_db):
    db = make_db("reference")
    with db.Session() as s:
        editions = {e.code: e for e in s.scalars(select(ClassEdition))}
        assert (editions[OLD].class_code_length, editions[OLD].component_id_length) == (4, 16)
        assert (editions[NEW].class_code_length, editions[NEW].component_id_length) == (5, 17)
        old, new = classes_of(s, OLD), classes_of(s, NEW)
        assert Counter(c.kind for c in old) == {"component": 85, "event": 50}
        assert Counter(c.kind for c in new) == {"component": 153, "event": 250}
        assert not any(c.is_local for c in old + new)
        assert all(len(c.code) == 5 and c.code.startswith(c.major_code) for c in new)
        by_key = {(c.kind, c.code): c for c in new}
        assert by_key["component", "01001"].name == "供水井盖"
        assert by_key["component", "01001"].pinyin_initials == "gsjg"
        assert by_key["event", "01001"].name == "供水井盖异常"
        assert by_key["component", "04002"].pinyin_initials == "hds"  # 行道树: háng
        assert by_key["event", "01066"].pinyin_initials == "jjbjdsosyc"


def test_every_new_class_has_an_active_condition_with_a_limit(make_db):
    db = make_db("reference")
    with db.Session() as s:
        new = classes_of(s, NEW)
        assert len(new) == 403
        for cls in new:
            active = [c for c in cls.conditions if c.active]
            assert active, f"{cls.kind} {cls.code} {cls.name} has no active condition"
            for cond in active:
                assert {"normal", "urgent"} <= set(limits(cond)), cond.text  # every urgency
                assert cond.closure_condition and cond.text and cond.responsible_unit
        assert sum(len(cls.conditions) for cls in new) == 652
        assert sum(len(c.limits) for cls in new for c in cls.conditions) == 2 * 652
        derived = [t for cls in new for c in cls.conditions for t in c.limits if t.is_default]
        assert len(derived) == 652 - 286 and {t.urgency for t in derived} == {"urgent"}
        defaults = [c for cls in new for c in cls.conditions if c.is_default]
        assert defaults and all(not c.source for c in defaults)


def test_published_samples_are_present_with_their_source(make_db):
    db = make_db("reference")
    with db.Session() as s:
        illegal = condition(s, "event", "06001", "S28")
        assert [limits(c)["normal"] for c in illegal] == [
            (Decimal("4"), TimeUnit.WORKING_HOURS), (Decimal("7"), TimeUnit.WORKING_DAYS),
            (Decimal("20"), TimeUnit.WORKING_DAYS)]
        assert all(c.active and not c.is_default for c in illegal)
        jiyuan = condition(s, "event", "06001", "S29")
        assert len(jiyuan) == 1 and not jiyuan[0].active  # the other city's rule: alternative
        garbage = condition(s, "event", "06010", "S28")[0]
        assert limits(garbage)["normal"] == (Decimal("4"), TimeUnit.WORKING_HOURS)
        lamps = condition(s, "component", "01037", "S30")[0]
        assert limits(lamps)["normal"] == (Decimal("1"), TimeUnit.WORKING_DAYS)
        assert condition(s, "event", "06025", "S29")[0].active  # the only source for 水域不洁
        cover = condition(s, "component", "01002", "S31")[0]
        assert limits(cover) == {"normal": (Decimal("6"), TimeUnit.NATURAL_HOURS),
                                 "urgent": (Decimal("2"), TimeUnit.NATURAL_HOURS)}
        assert condition(s, "event", "01002", "S31")  # the matching 异常 matter too
        assert condition(s, "component", "01012", "S24")[0].responsible_unit
        assert condition(s, "event", "06029", "S30")


def test_load_reference_is_idempotent_and_keeps_admin_edits(make_db):
    db = make_db("reference")
    tables = (CaseClass, ClassEdition, FilingCondition, TimeLimit, CalendarDay, CommonPhrase)
    with db.Session.begin() as s:
        before = {m.__name__: count(s, m) for m in tables}
        edited = s.scalar(select(FilingCondition).where(FilingCondition.is_default.is_(True)))
        edited.text, edited.is_default = "管理员修改后的立案条件", False
    with db.Session.begin() as s:
        report = load_reference(s)
    assert (report.classes, report.conditions, report.limits, report.calendar_days,
            report.phrases) == (0, 0, 0, 0, 0)
    with db.Session() as s:
        assert {m.__name__: count(s, m) for m in tables} == before
        assert s.get(FilingCondition, edited.id).text == "管理员修改后的立案条件"


def test_default_common_phrases(make_db):
    db = make_db("reference")
    with db.Session() as s:
        rows = s.execute(select(CommonPhrase.category, CommonPhrase.text)).all()
    assert len(rows) == sum(len(v) for v in DEFAULT_PHRASES.values()) >= 12
    assert {c for c, _ in rows} >= {"void_reason", "return_reason", "extension_reason",
                                    "suspension_reason", "check_fail_reason"}


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("4工作时", "4", TimeUnit.WORKING_HOURS),
    ("4工作小时", "4", TimeUnit.WORKING_HOURS),
    ("7工作日", "7", TimeUnit.WORKING_DAYS),
    ("0.5工作日", "0.5", TimeUnit.WORKING_DAYS),
    ("30工作分钟", "30", TimeUnit.WORKING_MINUTES),
    ("2小时", "2", TimeUnit.NATURAL_HOURS),
    ("2自然时", "2", TimeUnit.NATURAL_HOURS),
    ("30分钟", "30", TimeUnit.NATURAL_MINUTES),
    ("3自然日", "3", TimeUnit.NATURAL_DAYS),
    ("3天", "3", TimeUnit.NATURAL_DAYS),
    ("3日", "3", TimeUnit.NATURAL_DAYS),
    (" ２个工作日 ", "2", TimeUnit.WORKING_DAYS),
])
def test_parse_limit_accepts_city_table_forms(text, value, unit):
    assert parse_limit(text) == (Decimal(value), unit)
    assert parse_limit(format_limit(*parse_limit(text))) == (Decimal(value), unit)


@pytest.mark.parametrize("text", ["", "4", "工作日", "四工作日", "4周", "-1工作日", "0工作时",
                                  "4.125工作日", "4 working hours", "2小时30分钟"])
def test_parse_limit_rejects_anything_else_in_chinese(text):
    with pytest.raises(LimitParseError) as info:
        parse_limit(text)
    assert "处置时限" in str(info.value)


def test_shipped_catalogue_is_what_the_generator_writes():
    assert OUTPUT.read_text(encoding="utf-8") == render()
