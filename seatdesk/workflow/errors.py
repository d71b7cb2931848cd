"""Errors raised by the case workflow services; ``str(error)`` is the Chinese message a seat sees.

Every refused action raises one of these *before* anything is written, so a refusal
never changes the case, the ledger or the version.
"""

from __future__ import annotations

import datetime as dt


class WorkflowError(Exception):
    """Base class: an action was refused. ``message`` is shown to the user as is."""

    user_facing = True

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(WorkflowError):
    """The case (or a referenced record: class, department, user …) does not exist."""


class WrongRole(WorkflowError):
    """The actor's role may not perform this action (separation of duties)."""


class WrongState(WorkflowError):
    """The case is not in a state where this action is allowed."""


class MissingReason(WorkflowError):
    """The action needs a reason (理由/说明) and none was given."""


class MissingCondition(WorkflowError):
    """立案 without a minor class, a filing condition of that class, or a time limit for it."""


class NotYourCase(WorkflowError):
    """A department (or a district centre, or a supervisor) acting on a case it does not hold."""


class InvalidArgument(WorkflowError):
    """A plain argument is wrong: unknown source, department out of reach, bad extension …"""


class StaleCase(WorkflowError):
    """Optimistic-lock conflict: someone changed the case since the caller read it.

    ``changed_by`` names who made the last change (from the ledger) and ``state`` /
    ``version`` describe the case now, so the seat can reload and show the new state.
    """

    def __init__(
        self,
        *,
        case_id: int,
        number: str,
        changed_by: str,
        changed_by_id: int | None,
        state: str,
        state_label: str,
        version: int,
        changed_at: dt.datetime | None,
    ):
        when = ""
        if changed_at is not None:
            when = f"于 {changed_at.astimezone(_CST):%H:%M:%S} "
        super().__init__(
            f"案卷 {number} 已被 {changed_by} {when}修改，当前状态为「{state_label}」，"
            "请刷新后再操作"
        )
        self.case_id = case_id
        self.number = number
        self.changed_by = changed_by
        self.changed_by_id = changed_by_id
        self.state = state
        self.version = version
        self.changed_at = changed_at


class CommitUncertain(Exception):
    """The connection to the database was lost while the action was being committed:
    it may or may not have been saved. Not a refusal: the seat re-reads the case once
    the connection is back before anyone acts again (``__cause__`` is the driver error)."""

    def __init__(self) -> None:
        super().__init__("提交时与数据库的连接中断，无法确定操作是否已保存：连接恢复后请重新打开案卷核对，"
                         "再决定是否重做")


_CST = dt.timezone(dt.timedelta(hours=8))
