"""Administration: the Qt-free services enforce the admin role and the importers'
validation (both backends); the screens are driven as an administrator would, and a
non-administrator is refused by the services even when the screen is open."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from seatdesk.data import admin, admin_rules
from seatdesk.data.admin import AdminPermissionError, AdminValidationError
from seatdesk.data.errors import ImportFailed
from seatdesk.models import Department, FilingCondition, Responsibility, User
from seatdesk.models.db import write_transaction
from seatdesk.ui.admin import AdminPanel
from seatdesk.ui.admin.city_page import CityPage
from seatdesk.ui.admin.record_model import Column, RecordTableModel
from seatdesk.ui.session.app import make_application
from seatdesk.ui.screenshots import save
from seatdesk.workflow.auth import LoggedIn, login
from tests.casedata import read_back

TIMEOUT = 15_000  # as tests/seat_helpers.py's: a loaded 2-core CI machine


@pytest.fixture
def world(make_db):
    db = make_db("casedata")
    with db.Session() as session:
        seeded = read_back(session)
    return db, seeded


def change(db, fn):
    with write_transaction(db.engine) as session:
        return fn(session)


# -- services (Qt-free) -----------------------------------------------------------------------

def test_only_administrators_change_anything(world):
    db, s = world
    for role in ("acceptor", "shift_lead", "dispatcher", "department", "supervisor", "wall"):
        actor = s.users[role]
        attempts = [
            lambda x: admin.list_users(x, actor),
            lambda x: admin.create_user(x, actor, "someone", "某人", "acceptor", "password-123"),
            lambda x: admin.reset_password(x, actor, actor.user_id, "password-123"),
            lambda x: admin.set_user_active(x, actor, s.users["admin"].user_id, False),
            lambda x: admin.save_department(x, actor, "X1", "某部门"),
            lambda x: admin.save_phrase(x, actor, "void_reason", "重复"),
            lambda x: admin_rules.set_responsibility(x, actor, 1, None, s.departments[0]),
            lambda x: admin_rules.save_condition(x, actor, 1, "C1", "条件", "结案"),
            lambda x: admin_rules.add_calendar_day(x, actor, dt.date(2031, 1, 1), "holiday"),
        ]
        for attempt in attempts:
            with pytest.raises(AdminPermissionError, match="^只有管理员可以"):
                change(db, attempt)
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == len(s.users)


def test_user_administration(world):
    db, s = world
    boss = s.users["admin"]
    made = change(db, lambda x: admin.create_user(x, boss, "clerk7", "王七", "acceptor",
                                                   "initial-pass", phone="13900000007"))
    assert (made.role_label, made.must_change_password, made.active) == ("受理员", True, True)
    with db.Session.begin() as session:
        assert login(session, "clerk7", "initial-pass").must_change_password
    bad = [
        (lambda x: admin.create_user(x, boss, "clerk7", "重名", "acceptor", "initial-pass"),
         "用户名 clerk7 已存在"),
        (lambda x: admin.create_user(x, boss, "clerk8", "王八", "acceptor", "short"),
         "密码至少 8 位"),
        (lambda x: admin.create_user(x, boss, "clerk 8", "王八", "acceptor", "initial-pass"),
         "不能有空格"),
        (lambda x: admin.create_user(x, boss, "dept9", "部门", "department", "initial-pass"),
         "专业部门用户必须指定所属部门"),
        (lambda x: admin.create_user(x, boss, "x9", "某", "chief", "initial-pass"), "未知角色"),
        (lambda x: admin.set_user_active(x, boss, boss.user_id, False), "不能停用自己的账号"),
        (lambda x: admin.update_user(x, boss, boss.user_id, "管理员", "acceptor", None),
         "至少要保留一个启用的管理员账号"),
    ]
    for attempt, message in bad:
        with pytest.raises(AdminValidationError, match=message):
            change(db, attempt)
    moved = change(db, lambda x: admin.update_user(x, boss, made.id, "王七", "department",
                                                    s.departments[1]))
    assert moved.department_name == "环境卫生管理处"
    assert not change(db, lambda x: admin.set_user_active(x, boss, made.id, False)).active
    reset = change(db, lambda x: admin.reset_password(x, boss, s.users["acceptor"].user_id,
                                                      "temporary-1"))
    assert reset.must_change_password and not reset.locked


def test_departments_and_responsibilities(world):
    db, s = world
    boss = s.users["admin"]
    dept = change(db, lambda x: admin.save_department(x, boss, "D003", "园林绿化管理处",
                                                      phone="0519-1"))
    assert dept.kind_label == "专业部门"
    with pytest.raises(AdminValidationError, match="部门代码 D003 已被使用"):
        change(db, lambda x: admin.save_department(x, boss, "D003", "重复"))
    with pytest.raises(AdminValidationError, match="上级部门无效"):
        change(db, lambda x: admin.save_department(x, boss, "D003", "园林", parent_id=dept.id,
                                                   department_id=dept.id))
    renamed = change(db, lambda x: admin.save_department(x, boss, "D003", "园林处",
                                                         department_id=dept.id))
    assert renamed.id == dept.id and renamed.name == "园林处"
    cls = s.class_ids["01001"]
    whole = change(db, lambda x: admin_rules.set_responsibility(x, boss, cls, None, dept.id))
    assert whole.area_name == "全市"
    again = change(db, lambda x: admin_rules.set_responsibility(x, boss, cls, None,
                                                                s.departments[0]))
    assert again.id == whole.id and again.department_name == "市政设施管理处"  # replaced
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(Responsibility)) == 1
    with pytest.raises(AdminValidationError, match="请选择有效的区域"):
        change(db, lambda x: admin_rules.set_responsibility(x, boss, cls, 99_999, dept.id))
    change(db, lambda x: admin_rules.remove_responsibility(x, boss, whole.id))
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(Responsibility)) == 0


def test_conditions_and_time_limits_validated_like_the_importer(world):
    db, s = world
    boss = s.users["admin"]
    cls = s.class_ids["10002"]
    cond = change(db, lambda x: admin_rules.save_condition(
        x, boss, cls, "1000201", "成堆暴露垃圾", "清理干净", "环卫处"))
    with_limit = change(db, lambda x: admin_rules.set_time_limit(x, boss, cond.id, "normal", "",
                                                                 "4工作时"))
    assert [t.text for t in with_limit.limits] == ["4工作时"]
    zoned = change(db, lambda x: admin_rules.set_time_limit(x, boss, cond.id, "urgent", "a",
                                                            "2小时"))
    assert [(t.urgency, t.zone, t.unit) for t in zoned.limits] == [
        ("normal", "", "working_hours"), ("urgent", "A", "natural_hours")]
    replaced = change(db, lambda x: admin_rules.set_time_limit(x, boss, cond.id, "normal", "",
                                                               "0.5工作日"))
    assert replaced.limits[0].text == "0.5工作日" and len(replaced.limits) == 2
    for attempt, message in [
        (lambda x: admin_rules.set_time_limit(x, boss, cond.id, "normal", "", "4工时"),
         "无法识别的处置时限"),
        (lambda x: admin_rules.set_time_limit(x, boss, cond.id, "normal", "D", "4工作时"),
         "区域“D”无效"),
        (lambda x: admin_rules.save_condition(x, boss, cls, "X" * 21, "条件", "结案"),
         "立案明细编码不能超过20个字符"),
        (lambda x: admin_rules.save_condition(x, boss, cls, "1000201", "另一条", "结案"),
         "已存在"),
        (lambda x: admin_rules.save_condition(x, boss, cls, "1000202", "条件", ""),
         "结案条件不能为空"),
    ]:
        with pytest.raises(AdminValidationError, match=message):
            change(db, attempt)
    change(db, lambda x: admin_rules.remove_time_limit(x, boss, zoned.limits[1].id))
    with db.Session() as session:
        stored = session.get(FilingCondition, cond.id)
        assert not stored.is_default and len(stored.limits) == 1


def test_calendar_and_phrases(world, tmp_path):
    db, s = world
    boss = s.users["admin"]
    with db.Session() as session:
        years = admin_rules.calendar_years(session, range(2031, 2033))
    assert [y.known for y in years] == [False, False]
    assert "未录入" in years[0].message
    change(db, lambda x: admin_rules.add_calendar_day(x, boss, dt.date(2031, 1, 1), "holiday",
                                                      "元旦"))
    change(db, lambda x: admin_rules.mark_year_complete(x, boss, 2031))
    with db.Session() as session:
        assert admin_rules.calendar_years(session, range(2031, 2032))[0].known
        days = admin_rules.list_calendar_days(session, 2031)
    assert [(d.day, d.kind_label, d.name) for d in days] == [
        (dt.date(2031, 1, 1), "节假日", "元旦")]
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,类型,名称\n2032-01-01,节假日,元旦\n2032-02-30,节假日,春节\n",
                   encoding="utf-8")
    with pytest.raises(ImportFailed, match="第3行"):
        change(db, lambda x: admin_rules.import_calendar(x, boss, bad))
    phrase = change(db, lambda x: admin.save_phrase(x, boss, "void_reason", "测试用语", 5))
    assert phrase.category_label == "作废理由"
    with db.Session() as session:
        assert [p.text for p in admin.list_phrases(session, "void_reason")] == ["测试用语"]
    change(db, lambda x: admin.delete_phrase(x, boss, phrase.id))


# -- screens ----------------------------------------------------------------------------------

def test_record_model_passes_modeltester(qtmodeltester):
    model = RecordTableModel([Column("Code", lambda d: d.code), Column("Name", lambda d: d.name)])
    model.set_records([admin.DepartmentInfo(1, "D1", "甲", "department", "专业部门", None, "",
                                            "", True)])
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "甲" and model.row_of(1) == 0


def settle(qtbot, panel: AdminPanel) -> None:
    """Wait until every job, including follow-ups submitted by replies, has delivered."""
    qtbot.waitUntil(panel.tasks.is_idle, timeout=TIMEOUT)
    QApplication.processEvents()


def demo_admin(db, username="admin") -> LoggedIn:
    with db.Session() as session:
        user = session.scalar(select(User).where(User.username == username))
        return LoggedIn(user.id, user.username, user.display_name, user.role, user.department_id,
                        False)


@pytest.fixture
def demo(make_db):
    make_application(language="zh_CN")
    return make_db("demo_small")


def open_admin(qtbot, db, actor) -> AdminPanel:
    panel = AdminPanel(db.Session, actor)
    qtbot.addWidget(panel)
    panel.resize(1280, 760)
    panel.show()
    settle(qtbot, panel)
    return panel


def test_admin_screens_as_an_administrator(demo, qtbot):
    panel = open_admin(qtbot, demo, demo_admin(demo))
    users = panel.users
    assert users.model.rowCount() > 5
    qtbot.mouseClick(users.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(users.username, "clerk9")
    users.display_name.insert("赵九")
    users.role.setCurrentIndex(users.role.findData("acceptor"))
    qtbot.keyClicks(users.password, "initial-pass")
    qtbot.mouseClick(users.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert users.message.text() == "已保存"
    row = users.model.row_of(users.editing)
    assert users.model.index(row, 5).data() == "须修改密码"
    qtbot.mouseClick(users.active_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert users.message.text() == "账号已停用" and users.model.index(row, 5).data() == "已停用"
    users.password.clear()
    qtbot.mouseClick(users.reset_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert users.message.text() == "密码不能为空或只有空格"
    conditions = panel.conditions
    panel.setCurrentWidget(conditions)
    assert conditions.model.rowCount() > 0  # the first class has its conditions
    conditions.limit_text.setText("4工时")
    qtbot.keyClick(conditions.limit_text, Qt.Key.Key_Return)
    conditions.set_limit()
    settle(qtbot, panel)
    assert conditions.message.text().startswith("无法识别的处置时限“4工时”")
    conditions.limit_text.setText("3工作日")
    conditions.zone.setCurrentIndex(conditions.zone.findData("B"))
    conditions.set_limit()
    settle(qtbot, panel)
    assert "3工作日" in [t.text for t in conditions.limit_model.records()]
    panel.setCurrentWidget(panel.calendar)
    assert "节假日" in panel.calendar.status.text()
    for i, page in enumerate(panel.pages()):
        panel.setCurrentIndex(i)
        settle(qtbot, panel)
        if isinstance(page, CityPage):  # a form, no list
            assert page.summary.text().startswith("指挥中心：")
        else:
            assert page.findChildren(RecordTableModel)[0].rowCount() > 0, type(page).__name__
        if demo.backend == "sqlite":
            save(panel, f"admin_{type(page).__name__.removesuffix('Page').lower()}")


def test_a_partner_account_is_shown_as_one_with_no_password_to_set(demo, qtbot):
    """A partner system's account (``seatdesk partner add``) in the users list: its status
    says it never signs in, and with it selected the password field, 重置密码 and the role
    are off (the services refuse a role change too: ``test_partner_accounts.py``);
    selecting an operator again, or 新建用户, turns them back on."""
    from seatdesk.server.partners import add_partner

    with demo.Session.begin() as s:
        add_partner(s, "fms", "市民随手拍", "open311")
        partner_id = s.scalar(select(User.id).where(User.username == "partner:fms"))
    panel = open_admin(qtbot, demo, demo_admin(demo))
    users = panel.users
    row = users.model.row_of(partner_id)
    assert users.model.index(row, 5).data() == "接口账号（不登录）"
    users.table.selectRow(row)
    assert users.editing == partner_id
    assert not users.reset_button.isEnabled() and not users.password.isEnabled()
    assert not users.role.isEnabled()  # a partner stays 受理员
    if demo.backend == "sqlite":
        save(panel, "admin_users_partner")
    users.table.selectRow(users.model.row_of(demo_admin(demo).user_id))
    assert users.reset_button.isEnabled() and users.password.isEnabled()
    assert users.role.isEnabled()
    users.table.selectRow(row)
    qtbot.mouseClick(users.new_button, Qt.MouseButton.LeftButton)
    assert users.reset_button.isEnabled() and users.password.isEnabled()


def test_the_services_refuse_a_non_administrator_behind_the_screens(demo, qtbot):
    panel = open_admin(qtbot, demo, demo_admin(demo, "zhibanzhang"))
    assert panel.users.message.text() == "只有管理员可以查看用户"
    departments = panel.departments
    assert departments.model.rowCount() > 0  # reading is allowed
    qtbot.mouseClick(departments.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(departments.code, "HACK")
    departments.name.insert("越权部门")
    qtbot.mouseClick(departments.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert departments.message.text() == "只有管理员可以维护部门"
    with demo.Session() as session:
        assert session.scalar(select(Department).where(Department.code == "HACK")) is None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_sources_page_renames_disables_and_orders(demo, qtbot):
    """管理 → 案件来源: what the intake offers, in which order, public or not, 核实 or not."""
    from seatdesk.models.sources import list_sources

    panel = open_admin(qtbot, demo, demo_admin(demo))
    page = panel.sources
    panel.setCurrentWidget(page)
    settle(qtbot, panel)
    codes = [r.code for r in page.model.records()]
    assert codes[:3] == ["patrol", "hotline_12345", "hotline_12319"]
    page.table.selectRow(codes.index("hotline_12319"))
    assert page.code.isReadOnly() and page.name.text() == "12319热线"
    page.name.setText("城管热线12319")
    page.save()
    settle(qtbot, panel)
    page.up()
    settle(qtbot, panel)
    page.table.selectRow([r.code for r in page.model.records()].index("mayor_hotline"))
    page.enabled.setChecked(False)
    page.save()
    settle(qtbot, panel)
    page.table.selectRow(0)
    page.enabled.setChecked(False)
    page.save()
    settle(qtbot, panel)
    assert page.message.text() == "监督员巡查是监督员上报的渠道，不能停用"
    with demo.Session() as session:
        enabled = [(s.code, s.name) for s in list_sources(session, enabled_only=True)]
    assert enabled[:3] == [("patrol", "监督员巡查"), ("hotline_12319", "城管热线12319"),
                           ("hotline_12345", "12345政务服务便民热线")]
    assert "mayor_hotline" not in dict(enabled)
