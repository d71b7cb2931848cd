"""One validation layer at the service boundary: every text has one maximum length and one
character rule, the same on SQLite and PostgreSQL; database exceptions reach the user as
plain messages that keep "your input was refused" apart from "the database is unavailable"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Text, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from seatdesk.cli import main
from seatdesk.data.admin import AdminValidationError, create_user
from seatdesk.models import Base, Case, Department, dberrors
from seatdesk.models.db import make_engine
from seatdesk.models.queues import CaseFilter, QueueError, fetch_page
from seatdesk.models.textrules import (
    EXEMPT,
    SEARCH_MAX,
    TEXT_LIMITS,
    TextRefused,
    all_rules,
    rule,
    rules_table,
)
from seatdesk.workflow import services as sd
from seatdesk.workflow.validation import InvalidInput
from tests.dbtemplates import pg_base_url
from tests.workflow_fixtures import P1, world_fixture  # noqa: F401 (fixture)

PG = pytest.mark.parametrize("backend", ["postgresql"])
DOC = Path(__file__).resolve().parents[1] / "docs" / "reliability.md"


def cases(w) -> int:
    with w.db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def report(**kw) -> sd.Report:
    return sd.Report(**{"source": "hotline_12319", "lon": P1[0], "lat": P1[1],
                        "description": "井盖缺失", **kw})


# -- the rules -----------------------------------------------------------------------------------

def test_every_text_column_has_a_documented_rule():
    """A new Text column needs a maximum in TEXT_LIMITS (or EXEMPT for program-written JSON);
    docs/reliability.md shows the table ``rules_table`` makes (``python -m
    seatdesk.models.textrules`` prints it)."""
    text_columns = {f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables
                    for c in t.columns if isinstance(c.type, Text)}
    assert text_columns == set(TEXT_LIMITS) | EXEMPT
    assert rules_table() in DOC.read_text(encoding="utf-8")
    assert rule("cases.address").max_length == 300 and not rule("cases.address").multiline
    assert rule("case_ledger.reason").max_length == 2000 and rule("case_ledger.reason").multiline
    assert rule("case_ledger.payload").max_length is None
    assert {r.key for r in all_rules()} >= {"users.username", "grid_cells.name"}


def test_registration_refuses_the_same_texts_on_both_backends(world):
    w, before = world, cases(world)
    refusals = {
        "address": ("地" * 301, "地址不能超过300个字符（现有301个）"),
        "description": ("井盖" * 1001, "问题描述不能超过2,000个字符（现有2,002个）"),
        "caller_name": ("张\x00三", "来电人姓名第2个字符是NUL空字符（U+0000）"),
        "caller_phone": ("138\x1b0000", "来电号码第4个字符是不可见的控制字符（U+001B）"),
    }
    for field, (value, message) in refusals.items():
        with pytest.raises(InvalidInput) as info:
            sd.register(w.wf, w.a("acceptor"), report(**{field: value}))
        assert str(info.value).startswith(message), field
    with pytest.raises(InvalidInput, match="不成对的代理字符"):
        sd.register(w.wf, w.a("acceptor"), report(description="\ud800"))
    assert cases(w) == before


def test_harmless_characters_are_cleaned_not_refused(world):
    w = world
    change = sd.register(w.wf, w.a("acceptor"), report(
        address="\ufeff燕山路\t12号\r\n", description="井盖缺失\r\n已围挡", caller_name=" 张三\n",
        caller_phone="\u200b13800001234"))
    with w.db.Session() as s:
        case = s.get(Case, change.case_id)
        assert (case.address, case.description, case.caller_name, case.caller_phone) == (
            "燕山路 12号", "井盖缺失\n已围挡", "张三", "13800001234")


def test_reasons_are_checked_for_every_action(world):
    w = world
    ref = w.drive.register()
    with pytest.raises(InvalidInput, match="理由/说明第3个字符是不可见的控制字符"):
        sd.void(w.wf, w.a("acceptor"), ref.id, ref.version, reason="重复\x07")
    with pytest.raises(InvalidInput, match="理由/说明不能超过2,000个字符"):
        sd.void(w.wf, w.a("acceptor"), ref.id, ref.version, reason="重" * 2001)
    sd.void(w.wf, w.a("acceptor"), ref.id, ref.version, reason="重复上报")


def test_the_flush_guard_refuses_what_postgresql_would_on_both_backends(world):
    """A write that bypasses the services' checks still refuses the same way everywhere."""
    w = world
    for dept, message in ((Department(code="D" * 33, name="超长代码"), "部门代码不能超过32个字符"),
                          (Department(code="D9", name="空\x00字符"), "部门名称第2个字符是NUL")):
        with w.db.Session() as s:
            s.add(dept)
            with pytest.raises(TextRefused, match=message):
                s.flush()
    with w.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Department).where(
            Department.name.in_(["超长代码"]))) == 0


def test_admin_screens_and_the_user_command_use_the_same_rules(world, capsys):
    w = world
    admin = w.a("admin")
    with w.db.Session() as s, pytest.raises(AdminValidationError, match="姓名第2个字符是NUL"):
        create_user(s, admin, "zhang", "张\x00", "acceptor", "a-long-password")
    args = ["--database", w.db.url, "user", "add", "u" * 65, "--role", "admin",
            "--password-stdin"]
    assert main(args) == 1
    assert capsys.readouterr().err.strip() == "错误：用户名不能超过64个字符（现有65个）"


# -- search --------------------------------------------------------------------------------------

def test_search_input_is_bounded_with_a_message_on_both_backends(world):
    w = world
    sd.register(w.wf, w.a("acceptor"), report())
    lead = w.a("lead")
    with w.db.Session() as s:
        for filters, message in (
                (CaseFilter(text="燕" * 100_000), f"搜索内容不能超过{SEARCH_MAX}个字符"),
                (CaseFilter(text="井\x00盖"), "搜索内容第2个字符是NUL空字符"),
                (CaseFilter(address="路" * (SEARCH_MAX + 1)), "地址不能超过")):
            with pytest.raises(QueueError, match=message):
                fetch_page(s, "all", filters, viewer=lead)
        page = fetch_page(s, "all", CaseFilter(text="%_" * (SEARCH_MAX // 2)), viewer=lead)
        assert page.rows == ()
        assert len(fetch_page(s, "all", CaseFilter(text=" 井盖 "), viewer=lead).rows) == 1


# -- database exceptions as plain messages ------------------------------------------------------

def raised(engine, sql: str, **params) -> DBAPIError:
    with engine.connect() as conn, pytest.raises(DBAPIError) as info:
        conn.execute(text(sql), params)
    return info.value


@PG
def test_postgresql_refusals_are_plain_messages_not_unavailability(world):
    world.drive.register()
    engine = world.db.engine
    too_long = raised(engine, "INSERT INTO departments (code, name, kind, active, phone) "
                              "VALUES (:c, 'x', 'department', true, '')", c="D" * 40)
    nul = raised(engine, "SELECT * FROM cases WHERE address = :a", a="井\x00盖")
    duplicate = raised(engine, "INSERT INTO departments (code, name, kind, active, phone) "
                               "SELECT code, name, kind, active, phone FROM departments LIMIT 1")
    trigger = raised(engine, "UPDATE case_ledger SET reason = 'x'")
    for exc, kind, words in ((too_long, "refused", "超过了该项允许的长度"),
                             (nul, "refused", "NUL空字符"), (duplicate, "refused", "重复"),
                             (trigger, "denied", "case_ledger is append-only")):
        problem = dberrors.explain(exc)
        assert (problem.kind, words in problem.message) == (kind, True), problem
        assert "INSERT" not in problem.message and "SELECT" not in problem.message
        assert not dberrors.is_unavailable(exc)


@PG
def test_postgresql_permission_denied_and_a_stopped_server(world):
    base = make_url(pg_base_url())
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS seatdesk_nobody"))
        conn.execute(text("CREATE ROLE seatdesk_nobody LOGIN PASSWORD 'nobody-pass-1'"))
    nobody = make_engine(base.set(database=world.db.engine.url.database,  # SCRAM (pg_hba)
                                  username="seatdesk_nobody", password="nobody-pass-1")
                         .render_as_string(False))
    try:
        denied = raised(nobody, "SELECT count(*) FROM cases")
        problem = dberrors.explain(denied)
        assert problem.kind == "denied" and "没有这项权限" in problem.message
    finally:
        nobody.dispose()
        with admin.connect() as conn:
            conn.execute(text("DROP ROLE seatdesk_nobody"))
        admin.dispose()
    closed = make_engine(base.set(port=1).render_as_string(False))
    with pytest.raises(DBAPIError) as info:
        closed.connect()
    assert dberrors.is_unavailable(info.value)
    assert dberrors.explain(info.value).message.startswith("无法连接数据库")


def test_sqlite_refusals_and_a_locked_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}", connect_args={"timeout": 0.1})
    complex_ = raised(engine, "SELECT 'a' LIKE :p", p="%" * 60_000)
    assert dberrors.explain(complex_).kind == "refused"
    assert "搜索内容过长" in dberrors.user_message(complex_)
    other = sqlite3.connect(tmp_path / "x.sqlite3")
    other.execute("BEGIN EXCLUSIVE")
    try:
        locked = raised(engine, "CREATE TABLE t (x INTEGER)")
        assert dberrors.is_unavailable(locked)
    finally:
        other.rollback()
        other.close()
        engine.dispose()


def test_user_facing_refusals_keep_their_text_and_the_rest_never_shows_driver_text():
    assert dberrors.user_message(sd.InvalidArgument("位置无效")) == "位置无效"
    assert dberrors.user_message(RuntimeError("SELECT secret FROM t")) == (
        "操作失败（内部错误）：请重试，仍失败请联系管理员")
    assert dberrors.explain(RuntimeError("x")) is None
