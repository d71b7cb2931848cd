"""Administration services: users, departments and common phrases (常用语). Qt-free.

Every function that changes something takes the acting user and refuses with
``AdminPermissionError`` unless the actor is an administrator *per the live record in
the database* (``require_admin``) — the screens hide their buttons too, but the rule
lives here (and on PostgreSQL in the database itself: docs/security.md). Accounts are
changed through ``seatdesk.workflow.accounts`` (on PostgreSQL: the account functions,
which keep each operator's login role in step). Invalid input raises
``AdminValidationError``; both carry the Chinese message shown to the user. Callers
own the transaction (``write_transaction``); nothing here commits.
Reads return frozen values, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from seatdesk.models import CommonPhrase, Department, User, utcnow
from seatdesk.models.enums import DepartmentKind, Role
from seatdesk.models.textrules import character_problem, length_problem, normalise
from seatdesk.workflow import accounts
from seatdesk.workflow.auth import password_problem

PHRASE_CATEGORIES = {
    "void_reason": "作废理由",
    "return_reason": "回退理由",
    "extension_reason": "延期理由",
    "suspension_reason": "挂账理由",
    "check_fail_reason": "核查不通过理由",
    "callback_note": "回访记录",
    "description": "问题描述",
}


class AdminPermissionError(PermissionError):
    """The actor may not administer: ``str()`` is the Chinese message."""

    user_facing = True


class AdminValidationError(ValueError):
    """Invalid input for an administration change: ``str()`` is the Chinese message."""

    user_facing = True


class Actor(Protocol):
    user_id: int
    role: str


def require_admin(session: Session, actor: Actor | None, what: str = "执行此操作") -> None:
    """The acting user is an administrator *now*: the live record in the database (exists,
    active, role admin), not only the role the seat signed in with — a demoted or
    deactivated administrator is refused at their next action."""
    if actor is None or actor.role != Role.ADMIN:
        raise AdminPermissionError(f"只有管理员可以{what}")
    row = session.execute(select(User.role, User.active).where(User.id == actor.user_id)).first()
    if row is None or not row.active or row.role != Role.ADMIN:
        raise AdminPermissionError(
            f"只有管理员可以{what}（当前账号已停用或已不是管理员，请重新登录）")


def need_text(value: str, label: str, max_length: int, *, multiline: bool = False) -> str:
    """A required text, cleaned by the stored-text rules (``models.textrules``)."""
    value = optional_text(value, label, max_length, multiline=multiline)
    if not value:
        raise AdminValidationError(f"{label}不能为空")
    return value


def optional_text(value: str | None, label: str, max_length: int, *,
                  multiline: bool = False) -> str:
    """A text that may be empty, cleaned by the stored-text rules; never cut short."""
    value = normalise(value or "", multiline)
    problem = character_problem(value, label) or length_problem(value, label, max_length)
    if problem:
        raise AdminValidationError(problem)
    return value


def valid_username(username: str) -> str:
    """A user name as the administrators' screen, ``seatdesk user add`` and the bulk import
    accept it: 1–64 ASCII letters, digits and symbols, no whitespace."""
    username = need_text(username, "用户名", 64)
    if not username.isascii() or any(ch.isspace() for ch in username):
        raise AdminValidationError("用户名只能包含英文字母、数字和符号，不能有空格")
    return username


# -- users ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    department_id: int | None
    department_name: str
    phone: str
    active: bool
    locked: bool
    must_change_password: bool
    failed_logins: int = 0
    partner: bool = False  # a partner system's account: no password, never signs in


def list_users(session: Session, actor: Actor) -> tuple[UserInfo, ...]:
    require_admin(session, actor, "查看用户")
    query = (select(User, Department.name)
             .outerjoin(Department, Department.id == User.department_id).order_by(User.username))
    return tuple(_user_info(user, name) for user, name in session.execute(query))


def _user_info(user: User, department_name: str | None) -> UserInfo:
    locked = user.locked_until is not None and user.locked_until > utcnow()
    return UserInfo(user.id, user.username, user.display_name, user.role, Role(user.role).label,
                    user.department_id, department_name or "", user.phone, user.active,
                    locked, user.must_change_password, user.failed_logins, user.partner)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AdminValidationError(f"用户 {user_id} 不存在")
    return user


def check_role(session: Session, role: str, department_id: int | None) -> None:
    if role not in {r.value for r in Role}:
        raise AdminValidationError(f"未知角色“{role}”")
    if department_id is not None and session.get(Department, department_id) is None:
        raise AdminValidationError(f"部门 {department_id} 不存在")
    if role == Role.DEPARTMENT and department_id is None:
        raise AdminValidationError("专业部门用户必须指定所属部门")


def check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AdminValidationError(problem)


def create_user(session: Session, actor: Actor, username: str, display_name: str, role: str,
                password: str, department_id: int | None = None, phone: str = "") -> UserInfo:
    """A new account; it must change the initial password at first login."""
    require_admin(session, actor, "创建用户")
    username = valid_username(username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AdminValidationError(f"用户名 {username} 已存在")
    check_role(session, role, department_id)
    check_password(password)
    name = need_text(display_name, "姓名", 100)
    with _refusals():
        user_id = accounts.create_account(session, username=username, display_name=name,
                                          role=role, password=password,
                                          department_id=department_id,
                                          phone=optional_text(phone, "电话", 40),
                                          must_change=True)
    return _reload(session, user_id)


def update_user(session: Session, actor: Actor, user_id: int, display_name: str, role: str,
                department_id: int | None, phone: str = "") -> UserInfo:
    """Change name, role, department and phone of an account."""
    require_admin(session, actor, "修改用户")
    user = _user(session, user_id)
    check_role(session, role, department_id)
    if user.partner and role != user.role:
        raise AdminValidationError(accounts.PARTNER_KEEPS_ITS_ROLE)
    if user.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(session, user.id)
    with _refusals():
        accounts.update_account(session, user_id,
                                display_name=need_text(display_name, "姓名", 100),
                                role=role, department_id=department_id,
                                phone=optional_text(phone, "电话", 40))
    return _reload(session, user_id)


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> UserInfo:
    """Disable (or re-enable) an account; nobody disables their own account or the last admin."""
    require_admin(session, actor, "停用或启用用户")
    user = _user(session, user_id)
    if not active:
        if user.id == actor.user_id:
            raise AdminValidationError("不能停用自己的账号")
        if user.role == Role.ADMIN:
            _keep_an_admin(session, user.id)
    with _refusals():
        accounts.set_account_active(session, user_id, active)
    return _reload(session, user_id)


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str) -> UserInfo:
    """Set a temporary password, unlock the account and force a change at next login."""
    require_admin(session, actor, "重置密码")
    _user(session, user_id)
    check_password(new_password)
    with _refusals():
        accounts.reset_account_password(session, user_id, new_password)
    return _reload(session, user_id)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except accounts.AccountRefused as exc:
        raise AdminValidationError(str(exc)) from exc


def _keep_an_admin(session: Session, user_id: int) -> None:
    if not accounts.count_admins(session, except_id=user_id):
        raise AdminValidationError("至少要保留一个启用的管理员账号")


def _reload(session: Session, user_id: int) -> UserInfo:
    session.expire_all()
    user = session.get(User, user_id)
    dept = session.get(Department, user.department_id) if user.department_id else None
    return _user_info(user, dept.name if dept else None)


# -- departments ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DepartmentInfo:
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    parent_name: str
    phone: str
    active: bool


def list_departments(session: Session) -> tuple[DepartmentInfo, ...]:
    """Every department and command centre (pickers everywhere use this; no admin needed)."""
    parent = aliased(Department)
    query = (select(Department, parent.name).outerjoin(parent, parent.id == Department.parent_id)
             .order_by(Department.kind, Department.code))
    return tuple(DepartmentInfo(d.id, d.code, d.name, d.kind, DepartmentKind(d.kind).label,
                                d.parent_id, pname or "", d.phone, d.active)
                 for d, pname in session.execute(query))


def save_department(session: Session, actor: Actor, code: str, name: str,
                    kind: str = DepartmentKind.DEPARTMENT, parent_id: int | None = None,
                    phone: str = "", active: bool = True,
                    department_id: int | None = None) -> DepartmentInfo:
    """Create (``department_id`` None) or update a department or command centre."""
    require_admin(session, actor, "维护部门")
    code, name = need_text(code, "部门代码", 32), need_text(name, "部门名称", 100)
    if kind not in {k.value for k in DepartmentKind}:
        raise AdminValidationError(f"未知的部门类型“{kind}”")
    clash = session.scalar(select(Department.id).where(Department.code == code))
    if clash is not None and clash != department_id:
        raise AdminValidationError(f"部门代码 {code} 已被使用")
    if parent_id is not None and (parent_id == department_id
                                  or session.get(Department, parent_id) is None):
        raise AdminValidationError("上级部门无效")
    dept = Department() if department_id is None else session.get(Department, department_id)
    if dept is None:
        raise AdminValidationError(f"部门 {department_id} 不存在")
    dept.code, dept.name, dept.kind, dept.parent_id = code, name, str(kind), parent_id
    dept.phone, dept.active = optional_text(phone, "电话", 40), active
    session.add(dept)
    session.flush()
    return next(d for d in list_departments(session) if d.id == dept.id)


# -- common phrases (常用语) ------------------------------------------------------------------

@dataclass(frozen=True)
class PhraseInfo:
    id: int
    category: str
    category_label: str
    text: str
    sort_order: int


def list_phrases(session: Session, category: str | None = None) -> tuple[PhraseInfo, ...]:
    """Phrases (of one category) in display order; every seat reads them."""
    query = select(CommonPhrase).order_by(CommonPhrase.category, CommonPhrase.sort_order,
                                          CommonPhrase.id)
    if category:
        query = query.where(CommonPhrase.category == category)
    return tuple(PhraseInfo(p.id, p.category, PHRASE_CATEGORIES.get(p.category, p.category),
                            p.text, p.sort_order) for p in session.scalars(query))


def save_phrase(session: Session, actor: Actor, category: str, text: str, sort_order: int = 0,
                phrase_id: int | None = None) -> PhraseInfo:
    require_admin(session, actor, "维护常用语")
    category, text = need_text(category, "类别", 40), need_text(text, "常用语", 500, multiline=True)
    phrase = CommonPhrase() if phrase_id is None else session.get(CommonPhrase, phrase_id)
    if phrase is None:
        raise AdminValidationError(f"常用语 {phrase_id} 不存在")
    phrase.category, phrase.text, phrase.sort_order = category, text, int(sort_order)
    session.add(phrase)
    session.flush()
    return PhraseInfo(phrase.id, category, PHRASE_CATEGORIES.get(category, category), text,
                      phrase.sort_order)


def delete_phrase(session: Session, actor: Actor, phrase_id: int) -> None:
    require_admin(session, actor, "维护常用语")
    phrase = session.get(CommonPhrase, phrase_id)
    if phrase is None:
        raise AdminValidationError(f"常用语 {phrase_id} 不存在")
    session.delete(phrase)
    session.flush()
