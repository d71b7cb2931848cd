"""Import users in bulk (``seatdesk import users FILE [--passwords OUT]``).

Columns in ``org_templates.USERS``. A new user gets a generated initial password (12
characters from an alphabet without look-alikes: 0/O, 1/l/I), set through
``workflow.accounts`` — an argon2 hash, and on PostgreSQL the user's own login role
(docs/security.md) — and returned once with the report so the command can show it or
write it to a file; the user must change it at first sign-in. A username that exists is updated (name,
role, department, phone, enabled) and keeps its password. All or nothing, every
problem with its line; the rules are the administration screen's (``data.admin``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import Department, User
from seatdesk.models.enums import DepartmentKind, Role
from seatdesk.workflow import accounts
from seatdesk.workflow.auth import MIN_PASSWORD_LENGTH

from .errors import ImportReport, IssueList
from .org_import import _active, _collect, _need_setup, _read, _text, _word
from .org_templates import USERS
from .tables import Row

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = max(12, MIN_PASSWORD_LENGTH)
ROLE_WORDS = {role: (role.label, role.value, role.label.split("(")[0]) for role in Role}


def initial_password() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))


@dataclass(frozen=True)
class UserSpec:
    line: int
    username: str
    name: str
    role: Role
    department: str
    phone: str
    active: bool


@dataclass(frozen=True)
class UsersImported:
    report: ImportReport
    passwords: tuple[tuple[str, str], ...]  # (username, initial password) of new users


def _user(row: Row, problems: list[str]) -> UserSpec:
    username = _text(row, "用户名", "用户名", 64, problems)
    if username and (not username.isascii() or " " in username):
        problems.append(f"用户名“{username}”只能包含英文字母、数字和符号，不能有空格")
    name = _text(row, "姓名", "姓名", 100, problems)
    role = _word(row.get("角色"), ROLE_WORDS, "角色", problems)
    if role is Role.DEPARTMENT and not row.get("部门代码"):
        problems.append("专业部门用户必须填写部门代码")
    if len(row.get("电话")) > 40:
        problems.append("电话超过40个字符")
    return UserSpec(row.line, username, name, role or Role.ACCEPTOR, row.get("部门代码"),
                    row.get("电话"), _active(row, problems))


def import_users(session: Session, path: str | Path,
                 sheet: str | None = None) -> UsersImported:
    _need_setup(session)
    table, issues = _read(USERS, path, sheet), IssueList()
    specs = _collect(table, _user, issues, "username")
    depts = {d.code: d for d in session.scalars(select(Department))}
    for spec in specs.values():
        dept = depts.get(spec.department)
        if spec.department and dept is None:
            issues.add(spec.line, f"部门代码“{spec.department}”不存在：请先导入 departments")
        elif spec.role is Role.DEPARTMENT and dept.kind != DepartmentKind.DEPARTMENT:
            issues.add(spec.line, f"专业部门用户的部门“{spec.department}”不是专业部门")
    existing = {u.username: u for u in session.scalars(select(User))}
    _keep_an_admin(session, specs, existing, issues)
    issues.raise_if_any()
    passwords, updated = [], 0
    with session.begin_nested():
        for spec in specs.values():
            dept_id = depts[spec.department].id if spec.department else None
            try:
                password = _apply(session, spec, existing.get(spec.username), dept_id)
            except accounts.AccountRefused as exc:
                issues.add(spec.line, str(exc))
                continue
            if password is None:
                updated += 1
            else:
                passwords.append((spec.username, password))
        issues.raise_if_any()
        session.flush()
    report = ImportReport("users", table.source, {"用户": len(passwords), "更新": updated})
    return UsersImported(report, tuple(passwords))


def _apply(session: Session, spec: UserSpec, user: User | None,
           dept_id: int | None) -> str | None:
    """Create (returns the initial password) or update one user through
    ``workflow.accounts``: on PostgreSQL the user's own login follows."""
    if user is None:
        password = initial_password()
        user_id = accounts.create_account(
            session, username=spec.username, display_name=spec.name, role=spec.role.value,
            password=password, department_id=dept_id, phone=spec.phone, must_change=True)
        if not spec.active:
            accounts.set_account_active(session, user_id, False)
        return password
    accounts.update_account(session, user.id, display_name=spec.name, role=spec.role.value,
                            department_id=dept_id, phone=spec.phone)
    if user.active != spec.active:
        accounts.set_account_active(session, user.id, spec.active)
    return None


def _keep_an_admin(session: Session, specs: dict[str, UserSpec], existing: dict[str, User],
                   issues: IssueList) -> None:
    """The file may not leave the centre without an active administrator."""
    admins = {u.username for u in existing.values()
              if u.role == Role.ADMIN and u.active}
    for spec in specs.values():
        admins.discard(spec.username)
        if spec.role is Role.ADMIN and spec.active:
            admins.add(spec.username)
    had = session.scalar(select(func.count()).select_from(User)
                         .where(User.role == Role.ADMIN, User.active.is_(True)))
    if had and not admins:
        issues.add(None, "导入后将没有启用的管理员：请至少保留一个管理员")
