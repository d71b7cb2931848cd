"""Administering the case sources (案件来源, table ``case_sources``): enable, rename, order,
public or not, needs 核实 or not, and new sources (Qt-free).

Every change is recorded in the ledger of settings under ``case_sources`` (old and new
list of the sources in use, as ``seatdesk setup`` records a profile's sources). The
supervisors' patrol channel (``patrol``) cannot be disabled. A source is never deleted:
cases keep their code; a disabled one is no longer offered at intake and refused by
``register``.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import SettingChange
from seatdesk.models.sources import PATROL, Source, SourceInfo, list_sources, source_info

from .admin import Actor, AdminValidationError, need_text, require_admin
from .settings_ledger import canonical
from .setup import SOURCES_KEY

CODE = re.compile(r"^[a-z][a-z0-9_]{1,19}$")


def _in_use(session: Session) -> list[dict]:
    return [{"code": s.code, "name": s.name, "public": s.public,
             "needs_verification": s.needs_verification}
            for s in list_sources(session, enabled_only=True)]


def _record(session: Session, actor: Actor, before: list[dict]) -> None:
    after = _in_use(session)
    if after != before:
        session.add(SettingChange(key=SOURCES_KEY, old_value=canonical(before),
                                  new_value=canonical(after),
                                  changed_by=str(getattr(actor, "username", "") or
                                                 actor.user_id)[:100], via="admin screen"))
    session.flush()


def save_source(session: Session, actor: Actor, code: str, name: str, *, enabled: bool,
                public: bool, needs_verification: bool, new: bool = False) -> SourceInfo:
    """Create (``new``) or change one source; a new one goes last in the order."""
    require_admin(session, actor, "维护案件来源")
    code = (code or "").strip()
    name = need_text(name, "来源名称", 100)
    before = _in_use(session)
    row = session.get(Source, code)
    if new:
        if not CODE.match(code):
            raise AdminValidationError("来源代码须为2–20位小写字母、数字或下划线，以字母开头")
        if row is not None:
            raise AdminValidationError(f"来源代码“{code}”已存在")
        last = session.scalar(select(func.max(Source.sort_order))) or 0
        row = Source(code=code, sort_order=last + 10)
    elif row is None:
        raise AdminValidationError(f"来源“{code}”不存在")
    if code == PATROL and not enabled:
        raise AdminValidationError("监督员巡查是监督员上报的渠道，不能停用")
    row.name, row.enabled = name, bool(enabled)
    row.public, row.needs_verification = bool(public), bool(needs_verification)
    session.add(row)
    _record(session, actor, before)
    return source_info(session, code)


def move_source(session: Session, actor: Actor, code: str, step: int) -> SourceInfo:
    """Move a source one place up (``step`` -1) or down (+1) in the order."""
    require_admin(session, actor, "维护案件来源")
    codes = [s.code for s in list_sources(session)]
    if code not in codes:
        raise AdminValidationError(f"来源“{code}”不存在")
    i = codes.index(code)
    j = max(0, min(len(codes) - 1, i + step))
    before = _in_use(session)
    codes.insert(j, codes.pop(i))
    for n, each in enumerate(codes, start=1):
        session.get(Source, each).sort_order = n * 10
    _record(session, actor, before)
    return source_info(session, code)
