"""Go-live readiness (上线就绪检查): what still blocks a centre from working (Qt-free).

``readiness`` runs every check and returns them in a fixed order; a check that fails
names what is missing (the first few items, and how many in all) and the command or
screen that fixes it. ``seatdesk check`` prints the list and exits non-zero until every
check passes; the administration screen shows the same list.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import (
    AdminUnit,
    Beat,
    BeatSupervisor,
    CaseClass,
    ClassEdition,
    Department,
    FilingCondition,
    GridCell,
    Responsibility,
    TimeLimit,
    User,
    get_setting,
)
from seatdesk.models.enums import DepartmentKind, Role, Urgency

from .calendar import calendar_status
from .city_profile import grid_code_length
from .profile import COMMON_CLASSES
from .setup import is_set_up

SHOWN = 8  # items named per failed check; the rest are counted


@dataclass(frozen=True)
class Check:
    code: str  # stable identifier: "grid", "conditions" …
    title: str  # what is checked (Chinese)
    problems: tuple[str, ...]  # empty = passed
    fix: str  # the command or screen that fixes it

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            return [f"✓ {self.title}"]
        return [f"✗ {self.title}", *(f"    {p}" for p in self.problems), f"    → {self.fix}"]


def readiness(session: Session, today: dt.date | None = None) -> tuple[Check, ...]:
    today = today or dt.date.today()
    return tuple(check(session, today) for check in CHECKS)


def is_ready(checks: Iterable[Check]) -> bool:
    return all(c.ok for c in checks)


def _named(items: list[str], what: str) -> tuple[str, ...]:
    if not items:
        return ()
    shown = "、".join(items[:SHOWN])
    more = f"（另有{len(items) - SHOWN}个）" if len(items) > SHOWN else ""
    return (f"{len(items)}个{what}：{shown}{more}",)


def _profile(session: Session, today: dt.date) -> Check:
    problems = () if is_set_up(session) else ("尚未记录城市名称、行政区划代码和分类版本",)
    return Check("profile", "城市档案已设置", problems, "seatdesk setup [--profile FILE]")


def _grid(session: Session, today: dt.date) -> Check:
    code = str(get_setting(session, "admin_code"))
    length = grid_code_length(session)
    cells = session.execute(select(GridCell.code)).scalars().all()
    if not cells:
        return Check("grid", "单元网格已导入", ("没有单元网格",), "seatdesk import grid FILE")
    wrong = [c for c in cells if not c.startswith(code) or len(c) != length]
    return Check("grid", "单元网格已导入", _named(
        wrong, f"网格代码不是本市（{code}开头、{length}位）的单元网格"),
        "检查网格文件与城市档案的行政区划代码、网格代码位数")


def _edition_classes(session: Session) -> list[CaseClass]:
    edition = str(get_setting(session, "class_edition"))
    return list(session.scalars(select(CaseClass).join(ClassEdition)
                                .where(ClassEdition.code == edition)
                                .order_by(CaseClass.kind, CaseClass.code)))


def _conditions(session: Session, today: dt.date) -> Check:
    classes = _edition_classes(session)
    fix = "seatdesk import conditions FILE，或在管理界面“立案条件”中补充"
    if not classes:
        return Check("conditions", "每个小类有立案条件和各紧急程度的处置时限",
                     (f"分类版本 {get_setting(session, 'class_edition')} 没有小类",),
                     "seatdesk setup")
    with_condition = set(session.scalars(select(FilingCondition.class_id).distinct()
                                         .where(FilingCondition.active.is_(True))))
    limited = defaultdict(set)
    rows = session.execute(select(FilingCondition.class_id, TimeLimit.urgency)
                           .join(TimeLimit, TimeLimit.condition_id == FilingCondition.id)
                           .where(FilingCondition.active.is_(True)))
    for class_id, urgency in rows:
        limited[urgency].add(class_id)
    problems = list(_named([_label(c) for c in classes if c.id not in with_condition],
                           "小类没有启用的立案条件"))
    for urgency in Urgency:
        missing = [_label(c) for c in classes
                   if c.id in with_condition and c.id not in limited[urgency.value]]
        problems += _named(missing, f"小类没有“{urgency.label}”处置时限")
    return Check("conditions", "每个小类有立案条件和各紧急程度的处置时限", tuple(problems), fix)


def _label(cls: CaseClass) -> str:
    kind = "部件" if cls.kind == "component" else "事件"
    return f"{kind}{cls.code} {cls.name}"


def _departments(session: Session, today: dt.date) -> Check:
    staffed = set(session.scalars(select(User.department_id).distinct()
                                  .where(User.active.is_(True),
                                         User.department_id.is_not(None))))
    depts = session.scalars(select(Department).where(
        Department.active.is_(True),
        Department.kind.in_([DepartmentKind.DEPARTMENT, DepartmentKind.DISTRICT_CENTRE]))
        .order_by(Department.code)).all()
    problems = ("没有专业部门",) if not depts else _named(
        [f"{d.code} {d.name}" for d in depts if d.id not in staffed], "部门没有启用的用户")
    return Check("departments", "每个部门至少有一个用户", problems,
                 "seatdesk import departments FILE / seatdesk import users FILE")


def _responsibility(session: Session, today: dt.date) -> Check:
    edition = str(get_setting(session, "class_edition"))
    common = get_setting(session, "common_classes") or COMMON_CLASSES.get(edition, {})
    wanted = {(kind, code) for kind in ("event", "component") for code in common.get(kind, ())}
    classes = [c for c in _edition_classes(session) if (c.kind, c.code) in wanted]
    missing_codes = sorted(wanted - {(c.kind, c.code) for c in classes})
    problems = list(_named([f"{'部件' if k == 'component' else '事件'}{c}"
                            for k, c in missing_codes], "常用小类在分类中不存在"))
    chains = _community_chains(session)
    for cls in classes:
        covered = _covered_areas(session, cls.id)
        if None in covered:
            continue
        gaps = [name for name, chain in chains if not covered & chain]
        problems += _named(gaps, f"社区没有“{_label(cls)}”的责任部门")
    return Check("responsibility", "常用小类在每个有网格的社区都有责任部门", tuple(problems),
                 "seatdesk import responsibilities FILE，或在管理界面“责任矩阵”中补充")


def _community_chains(session: Session) -> list[tuple[str, set[int]]]:
    """Each community holding grid cells, with the ids of itself, its street, its district."""
    units = {u.id: u for u in session.scalars(select(AdminUnit))}
    used = session.scalars(select(GridCell.community_id).distinct()).all()
    chains = []
    for uid in sorted(used, key=lambda i: units[i].code):
        chain, unit = set(), units.get(uid)
        while unit is not None:
            chain.add(unit.id)
            unit = units.get(unit.parent_id) if unit.parent_id else None
        chains.append((f"{units[uid].code} {units[uid].name}", chain))
    return chains


def _covered_areas(session: Session, class_id: int) -> set[int | None]:
    rows = session.execute(select(Responsibility.area_id)
                           .join(Department, Department.id == Responsibility.department_id)
                           .where(Responsibility.class_id == class_id,
                                  Department.active.is_(True)))
    return {area for (area,) in rows}


def _calendar(session: Session, today: dt.date) -> Check:
    problems = tuple(str(status) for year in (today.year, today.year + 1)
                     if not (status := calendar_status(session, year)).known)
    return Check("calendar", f"{today.year}年和{today.year + 1}年的节假日已完整录入", problems,
                 "seatdesk calendar import FILE，然后 seatdesk calendar complete YEAR")


def _roles(session: Session, today: dt.date) -> Check:
    have = set(session.scalars(select(User.role).distinct().where(User.active.is_(True))))
    needed = (Role.ADMIN, Role.ACCEPTOR, Role.SHIFT_LEAD, Role.DISPATCHER, Role.SUPERVISOR)
    problems = tuple(f"没有启用的{role.label}" for role in needed if role.value not in have)
    return Check("roles", "有管理员，以及受理员、值班长、派遣员、监督员各至少一人", problems,
                 "seatdesk user add NAME --role admin / seatdesk import users FILE")


def _beats(session: Session, today: dt.date) -> Check:
    beats = session.execute(select(Beat.id, Beat.code, Beat.name).order_by(Beat.code)).all()
    if not beats:
        return Check("beats", "每个监督员责任网格都有监督员", ("没有监督员责任网格",),
                     "seatdesk import beats FILE")
    manned = set(session.scalars(
        select(BeatSupervisor.beat_id).distinct().join(User, User.id == BeatSupervisor.user_id)
        .where(User.active.is_(True), User.role == Role.SUPERVISOR)))
    problems = _named([f"{code} {name}" for bid, code, name in beats if bid not in manned],
                      "责任网格没有启用的监督员")
    return Check("beats", "每个监督员责任网格都有监督员", problems,
                 "seatdesk import beats FILE（supervisors 列）")


CHECKS: tuple[Callable[[Session, dt.date], Check], ...] = (
    _profile, _grid, _conditions, _departments, _responsibility, _calendar, _roles, _beats)
