"""Database exceptions as plain Chinese messages — never SQL, parameters or driver text.

``explain(exc)`` sorts whatever the driver raised into what the user should understand:

- ``refused``: the database refused *this input* (too long, a NUL byte, a duplicate, a
  missing reference, a search too complex) — correct the input; retrying will not help;
- ``denied``: the database's rules refused the action (no privilege for the connected
  role, a trigger or row-level policy said no) — not a connection problem either;
- ``conflict``: another seat changed the same rows at the same moment — try again;
- ``unavailable``: the database cannot be reached or is busy (server down or restarting,
  network cut, SQLite locked) — the seat goes offline and retries by itself;
- ``schema``: the program and the database structure disagree — an administrator runs
  ``seatdesk db upgrade``;
- ``failed``: anything else the database raised, described without its text.

``explain`` returns None for exceptions that are not the database's (the caller handles
those). SQLSTATE codes are PostgreSQL's; SQLite's messages are matched by their words.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .textrules import TextRefused

REFUSED, DENIED, CONFLICT, UNAVAILABLE, SCHEMA, FAILED = (
    "refused", "denied", "conflict", "unavailable", "schema", "failed")
REFUSALS = frozenset({REFUSED, DENIED, CONFLICT})  # nothing was written; not the connection

_UNAVAILABLE = "无法连接数据库（服务器未运行、正在重启或网络中断）：稍后会自动重试"
_STATES = {  # SQLSTATE → (kind, message)
    "22001": (REFUSED, "输入的文字超过了该项允许的长度，未保存"),
    "22021": (REFUSED, "输入中含有数据库不能保存的字符，未保存"),
    "22P05": (REFUSED, "输入中含有数据库不能保存的字符，未保存"),
    "23505": (REFUSED, "与已有的记录重复（编号、代码或名称已被使用），未保存"),
    "23503": (REFUSED, "引用的记录不存在，或记录仍被其他数据使用，未保存"),
    "23502": (REFUSED, "缺少必填的内容，未保存"),
    "23514": (REFUSED, "输入不符合数据库规定的取值范围，未保存"),
    "42501": (DENIED, "数据库拒绝了此操作：当前数据库账号没有这项权限（请联系管理员）"),
    "40001": (CONFLICT, "其他席位同时修改了相同的数据，本次操作未保存：请重试"),
    "40P01": (CONFLICT, "其他席位同时修改了相同的数据，本次操作未保存：请重试"),
    "55P03": (CONFLICT, "数据正被其他席位锁定，本次操作未保存：请稍后重试"),
    "57014": (FAILED, "数据库查询超时被取消：请缩小查询范围后重试"),
    "53300": (UNAVAILABLE, "数据库连接数已满：稍后会自动重试"),
    "57P01": (UNAVAILABLE, _UNAVAILABLE), "57P02": (UNAVAILABLE, _UNAVAILABLE),
    "57P03": (UNAVAILABLE, _UNAVAILABLE),
}
_CLASSES = {  # the first two characters of a SQLSTATE
    "08": (UNAVAILABLE, _UNAVAILABLE),
    "22": (REFUSED, "输入的数据格式不正确，未保存"),
    "23": (REFUSED, "输入违反了数据库的完整性规则，未保存"),
    "42": (SCHEMA, "程序与数据库结构不一致：请管理员运行 seatdesk db upgrade"),
    "53": (UNAVAILABLE, "数据库服务器资源不足：稍后会自动重试"),
    "58": (UNAVAILABLE, _UNAVAILABLE),
}
_SQLITE_WORDS = (  # (words in sqlite3's message, kind, message)
    ("locked", UNAVAILABLE, "数据库正被其他程序占用（已锁定）：稍后会自动重试"),
    ("busy", UNAVAILABLE, "数据库正被其他程序占用（已锁定）：稍后会自动重试"),
    ("unable to open", UNAVAILABLE, "无法打开数据库文件：请检查文件是否存在、有无读写权限"),
    ("disk i/o", UNAVAILABLE, "读写数据库文件出错（磁盘故障或已满）"),
    ("database or disk is full", UNAVAILABLE, "磁盘已满，数据库无法写入"),
    ("readonly", DENIED, "数据库文件是只读的：无法保存"),
    ("too complex", REFUSED, "搜索内容过长或过于复杂：请缩短后重试"),
    ("too big", REFUSED, "输入的内容过大，未保存"),
    ("unique constraint", REFUSED, _STATES["23505"][1]),
    ("foreign key", REFUSED, _STATES["23503"][1]),
    ("not null", REFUSED, _STATES["23502"][1]),
    ("check constraint", REFUSED, _STATES["23514"][1]),
    ("no such table", SCHEMA, _CLASSES["42"][1]),
    ("no such column", SCHEMA, _CLASSES["42"][1]),
    ("malformed", FAILED, "数据库文件已损坏：请联系管理员从备份恢复"),
)


@dataclass(frozen=True)
class DbProblem:
    kind: str  # refused | denied | conflict | unavailable | schema | failed
    message: str

    @property
    def unavailable(self) -> bool:
        return self.kind == UNAVAILABLE

    def __str__(self) -> str:
        return self.message


def explain(exc: BaseException) -> DbProblem | None:
    """What a database exception means for the user, or None when it is not one."""
    if isinstance(exc, TextRefused):
        return DbProblem(REFUSED, str(exc))
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DbProblem(UNAVAILABLE, _UNAVAILABLE)
    if isinstance(exc, (PoolTimeout, DisconnectionError)):
        return DbProblem(UNAVAILABLE, _UNAVAILABLE)
    orig = getattr(exc, "orig", None) if isinstance(exc, SQLAlchemyError) else exc
    if isinstance(orig, (ConnectionError, TimeoutError)):
        return DbProblem(UNAVAILABLE, _UNAVAILABLE)
    if isinstance(orig, sqlite3.Error):
        return _sqlite(orig)
    if _is_psycopg(orig):
        return _postgresql(orig)
    if isinstance(exc, SQLAlchemyError):
        return DbProblem(FAILED, "数据库操作失败（内部错误）：请重试，仍失败请联系管理员")
    return None


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means "the database cannot be reached right now" (retry later)."""
    problem = explain(exc)
    return problem is not None and problem.unavailable


def user_message(exc: BaseException) -> str:
    """The Chinese message for any exception of a database operation: its own text only
    for refusals written for users (classes with ``user_facing = True``: ``WorkflowError``,
    ``QueueError``, ``ImportFailed``, ``TextRefused`` …), never a driver's."""
    if getattr(exc, "user_facing", False):
        return str(exc)
    problem = explain(exc)
    if problem is not None:
        return problem.message
    return "操作失败（内部错误）：请重试，仍失败请联系管理员"


def _is_psycopg(orig) -> bool:
    return type(orig).__module__.split(".")[0] == "psycopg"


def _postgresql(orig) -> DbProblem:
    state = getattr(orig, "sqlstate", None)
    if state and (state.startswith("P0") or _raised_by_the_schema(orig)):
        # RAISE in a trigger or function of the schema: its rule said no, in its words
        return DbProblem(DENIED, f"数据库拒绝了此操作：{_primary(orig)}")
    if state in _STATES:
        return DbProblem(*_STATES[state])
    if state and state[:2] in _CLASSES:
        return DbProblem(*_CLASSES[state[:2]])
    if state is None and "NUL" in str(orig):  # psycopg refuses NUL before sending
        return DbProblem(REFUSED, "输入中含有NUL空字符，数据库不能保存：请删除后重新输入")
    import psycopg

    if state is None and isinstance(orig, (psycopg.OperationalError, psycopg.InterfaceError)):
        return DbProblem(UNAVAILABLE, _UNAVAILABLE)  # could not connect, connection closed
    if isinstance(orig, psycopg.DataError):
        return DbProblem(*_CLASSES["22"])
    return DbProblem(FAILED, "数据库操作失败：请重试，仍失败请联系管理员")


def _raised_by_the_schema(orig) -> bool:
    """A refusal raised by a trigger or function (PL/pgSQL), not by the server itself."""
    context = getattr(getattr(orig, "diag", None), "context", None) or ""
    return "PL/pgSQL" in context and getattr(orig, "sqlstate", "")[:2] in ("42", "23", "P0")


def _primary(orig) -> str:
    """The primary message of a RAISE (written by the schema's own triggers), one line."""
    diag = getattr(orig, "diag", None)
    text = (getattr(diag, "message_primary", None) or "").strip()
    return text.splitlines()[0][:200] if text else "违反了数据库规则"


def _sqlite(orig: sqlite3.Error) -> DbProblem:
    text = str(orig).lower()
    for words, kind, message in _SQLITE_WORDS:
        if words in text:
            return DbProblem(kind, message)
    return DbProblem(FAILED, "数据库操作失败：请重试，仍失败请联系管理员")
