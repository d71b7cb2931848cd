"""Hand-built cases with known evaluation answers, made by driving the real workflow.

Every case runs through ``seatdesk.workflow.services`` with a controlled clock (the
``Workflow(clock=…)`` parameter), so the ledger rows are exactly what the engine writes.
June 2025, Liyang (Asia/Shanghai), working periods 08:00–12:00 and 14:00–18:00, no
holidays in the calendar table, step limits 30 working minutes, handling limit 4
working hours. ``docs/evaluation.md`` lists the expected figures this data gives.

Cases (cell A = 第1社区, cell B = 第2社区; S1/S2 supervisors, D1/D2 departments):
C1  A patrol S1  on time all along, D1
C2  B hotline    核实 (late), 立案 late, D2 handles late → 超时结案
C3  A patrol S1  D1, 延期 1 working day approved, handled within the new deadline; 核查 late
C4  A patrol S1  D2, 挂账 Tue 10:15 → 挂账恢复 Thu 10:15, handled within the moved deadline
C4b B patrol S1  D2, dispatched late, 挂账 and still suspended at the end of June
C5  B patrol S1  D1 回退 (派遣差错) → D2, closed on time
C6  A patrol S2  D1, 核查不通过 → 返工, handled again in time, closed on time
C7  A patrol S1  filed, then 作废 approved by the shift lead
C8  B online     voided before 受理 (invalid report)
C9  B patrol S2  受理 late; D1, 改派 to D2 (not an error); open and overdue at the end
C10 A patrol S1  reported/filed/dispatched in May, handled and closed in June (late)
C11 A patrol S1  registered 1 July (outside June)
C12 B patrol S2  dispatched 30 June 17:20 to D1, deadline 1 July: open, not yet due
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from shapely.geometry import box

from seatdesk.models import (
    AdminUnit,
    CaseClass,
    ClassEdition,
    Department,
    FilingCondition,
    GridCell,
    TimeLimit,
    User,
)
from seatdesk.workflow import services as sd

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
CELL_POINTS = {"A": (119.475, 31.415), "B": (119.485, 31.415)}


def local(day: int, hhmm: str, month: int = 6) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime(2025, month, day, hour, minute, tzinfo=TZ).astimezone(dt.timezone.utc)


@dataclass
class World:
    wf: sd.Workflow
    actors: dict[str, sd.Actor]
    ids: dict[str, int]  # departments, communities, cells, users by short name
    condition_id: int
    class_id: int
    cases: dict[str, int]
    clock: list[dt.datetime]

    def at(self, moment: dt.datetime) -> None:
        self.clock[0] = moment


def seed_reference(session) -> dict[str, int]:
    """Admin units, two cells, one class with a 4 working-hour condition, people."""
    district = AdminUnit(level="district", code="320481", name="溧阳市")
    street = AdminUnit(level="street", code="320481002", name="溧城街道", parent=district)
    c1 = AdminUnit(level="community", code="320481002001", name="第1社区", parent=street)
    c2 = AdminUnit(level="community", code="320481002002", name="第2社区", parent=street)
    session.add_all([district, street, c1, c2])
    session.flush()
    cells = {}
    for i, (name, comm) in enumerate((("A", c1), ("B", c2))):
        geom = box(119.47 + i * 0.01, 31.41, 119.48 + i * 0.01, 31.42)
        cell = GridCell(code=f"{comm.code}00{i + 1}", name=f"网格{name}", community_id=comm.id,
                        area_m2=10_000.0, geom=geom)
        cell.set_bbox_from(geom)
        cells[name] = cell
    edition = ClassEdition(code="GB/T 47678.5-2026", name="2026", class_code_length=5,
                           component_id_length=17)
    session.add_all([*cells.values(), edition])
    session.flush()
    cls = CaseClass(edition_id=edition.id, kind="event", major_code="10", major_name="市容环境",
                    code="10002", name="暴露垃圾", pinyin_initials="blljj")
    session.add(cls)
    session.flush()
    cond = FilingCondition(class_id=cls.id, code="1000201", text="成堆暴露垃圾",
                           closure_condition="清理干净")
    session.add(cond)
    session.flush()
    session.add(TimeLimit(condition_id=cond.id, urgency="normal", zone="",
                          value=Decimal("4"), unit="working_hours"))
    centre = Department(code="C001", name="市指挥中心", kind="city_centre")
    d1 = Department(code="D001", name="市政设施管理处")
    d2 = Department(code="D002", name="环境卫生管理处")
    session.add_all([centre, d1, d2])
    session.flush()
    ids = {"D1": d1.id, "D2": d2.id, "centre": centre.id, "C1": c1.id, "C2": c2.id,
           "street": street.id, "district": district.id, "A": cells["A"].id,
           "B": cells["B"].id, "class": cls.id, "condition": cond.id}
    people = [("acc", "acceptor", centre.id, "受理员甲"),
              ("lead", "shift_lead", centre.id, "值班长甲"),
              ("disp", "dispatcher", centre.id, "派遣员甲"), ("s1", "supervisor", None, "监督员一"),
              ("s2", "supervisor", None, "监督员二"), ("d1", "department", d1.id, "市政处"),
              ("d2", "department", d2.id, "环卫处")]
    for name, role, dept, display in people:
        user = User(username=name, display_name=display, password_hash="-", role=role,
                    department_id=dept)
        session.add(user)
        session.flush()
        ids[name] = user.id
    return ids


def make_world(engine) -> World:
    from seatdesk.models.db import session_factory

    with session_factory(engine).begin() as session:
        ids = seed_reference(session)
    depts = {"acc": ids["centre"], "lead": ids["centre"], "disp": ids["centre"],
             "d1": ids["D1"], "d2": ids["D2"]}
    roles = {"acc": "acceptor", "lead": "shift_lead", "disp": "dispatcher", "s1": "supervisor",
             "s2": "supervisor", "d1": "department", "d2": "department"}
    actors = {k: sd.Actor(ids[k], roles[k], depts.get(k), "坐席 01") for k in roles}
    clock = [local(2, "08:00")]
    wf = sd.Workflow(engine, clock=lambda: clock[0])
    return World(wf, actors, ids, ids["condition"], ids["class"], {}, clock)


#: department actions the engine allows only after 签收
SIGNED_FIRST = frozenset({"feedback", "request_extension", "request_suspension"})


class Script:
    """Runs actions on one case at given local times, tracking its version."""

    def __init__(self, world: World, name: str):
        self.w, self.name, self.version, self.case_id = world, name, 0, 0

    def do(self, day: int, hhmm: str, who: str, action: str, month: int = 6, **kw) -> Script:
        self.w.at(local(day, hhmm, month))
        if action in SIGNED_FIRST and not self._signed():  # 签收 comes first, same minute
            self.version = sd.sign(self.w.wf, self.w.actors[who], self.case_id,
                                   self.version).version
        fn = getattr(sd, action)
        change = fn(self.w.wf, self.w.actors[who], self.case_id, self.version, **kw)
        self.version = change.version
        return self

    def _signed(self) -> bool:
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from seatdesk.models import Case

        with Session(self.w.wf.engine) as session:
            return session.scalar(select(Case.signed_at).where(Case.id == self.case_id)) \
                is not None

    def register(self, day: int, hhmm: str, who: str, cell: str, source: str = "patrol",
                 month: int = 6) -> Script:
        self.w.at(local(day, hhmm, month))
        lon, lat = CELL_POINTS[cell]
        report = sd.Report(source=source, lon=lon, lat=lat, address=f"{self.name} 地址",
                           description=f"{self.name} 暴露垃圾", class_id=self.w.class_id,
                           caller_name="张三" if source != "patrol" else "",
                           caller_phone="13812345678" if source != "patrol" else "")
        change = sd.register(self.w.wf, self.w.actors[who], report)
        self.case_id, self.version = change.case_id, change.version
        self.w.cases[self.name] = change.case_id
        return self

    def through_filing(self, day: int, times: tuple[str, str], dept: str, dispatch_at: str,
                       ) -> Script:
        """受理, 立案 and 派遣 at the given times."""
        self.do(day, times[0], "acc", "accept")
        self.do(day, times[1], "lead", "file", condition_id=self.w.condition_id)
        return self.do(day, dispatch_at, "disp", "dispatch", department_id=self.w.ids[dept])

    def to_closure(self, day: int, times: tuple[str, str, str, str], dept: str,
                   checker: str = "s1") -> Script:
        """处置反馈, 派发核查, 核查通过, 结案 at the given times."""
        self.do(day, times[0], dept, "feedback", result="已处理")
        self.do(day, times[1], "acc", "send_check")
        self.do(day, times[2], checker, "check_pass")
        return self.do(day, times[3], "lead", "close")


def build_cases(world: World, after_may=None) -> World:
    """Run the thirteen cases of the module docstring (in time order per case);
    ``after_may(world)`` is called once May's part is written."""
    w = world
    # C10 first: May
    c10 = Script(w, "C10").register(30, "15:00", "s1", "A", month=5)
    c10.do(30, "15:05", "acc", "accept", month=5)
    c10.do(30, "15:10", "lead", "file", month=5, condition_id=w.condition_id)
    c10.do(30, "15:15", "disp", "dispatch", month=5, department_id=w.ids["D1"])
    if after_may is not None:
        after_may(w)
    _june_week_one(w)
    _june_week_two(w)
    c10.do(10, "09:00", "d1", "feedback", result="已处理")
    c10.do(10, "09:40", "acc", "send_check")
    c10.do(10, "09:50", "s1", "check_pass")
    c10.do(10, "09:55", "lead", "close")
    Script(w, "C12").register(30, "17:00", "s2", "B").through_filing(
        30, ("17:05", "17:10"), "D1", "17:20")
    Script(w, "C11").register(1, "09:00", "s1", "A", month=7)
    return w


def _june_week_one(w: World) -> None:
    # Monday 9 June … Thursday 12 June
    Script(w, "C1").register(9, "09:00", "s1", "A").through_filing(
        9, ("09:10", "09:20"), "D1", "09:30").to_closure(9, ("11:00", "11:10", "11:20", "11:25"),
                                                          "d1")
    c2 = Script(w, "C2").register(9, "09:00", "acc", "B", source="hotline_12319")
    c2.do(9, "09:05", "acc", "send_verification")
    c2.do(9, "10:00", "s2", "verify", confirmed=True)
    c2.through_filing(9, ("10:10", "10:50"), "D2", "11:00")
    c2.to_closure(10, ("09:00", "09:10", "09:20", "09:25"), "d2")
    c3 = Script(w, "C3").register(10, "09:00", "s1", "A").through_filing(
        10, ("09:05", "09:10"), "D1", "09:15")
    c3.do(10, "10:00", "d1", "request_extension", value=1, unit="working_days", reason="需采购")
    c3.do(10, "10:30", "disp", "approve_extension")
    c3.to_closure(11, ("10:00", "10:10", "10:40", "10:45"), "d1")
    c4 = Script(w, "C4").register(10, "09:30", "s1", "A").through_filing(
        10, ("09:35", "09:40"), "D2", "09:45")
    c4.do(10, "10:00", "d2", "request_suspension", reason="需施工")
    c4.do(10, "10:15", "disp", "approve_suspension")
    c4.do(12, "10:15", "disp", "resume")
    c4.to_closure(12, ("15:00", "15:10", "15:15", "15:20"), "d2")
    c4b = Script(w, "C4b").register(10, "11:00", "s1", "B").through_filing(
        10, ("11:05", "11:10"), "D2", "11:50")
    c4b.do(10, "14:30", "d2", "request_suspension", reason="季节性")
    c4b.do(10, "14:40", "disp", "approve_suspension")


def _june_week_two(w: World) -> None:
    c5 = Script(w, "C5").register(11, "09:00", "s1", "B").through_filing(
        11, ("09:05", "09:10"), "D1", "09:15")
    c5.do(11, "09:30", "d1", "request_return", reason="非本部门职责")
    c5.do(11, "09:40", "disp", "approve_return", dispatch_error=True)
    c5.do(11, "09:50", "disp", "dispatch", department_id=w.ids["D2"])
    c5.to_closure(11, ("11:00", "11:10", "11:20", "11:25"), "d2")
    c6 = Script(w, "C6").register(11, "14:00", "s2", "A").through_filing(
        11, ("14:05", "14:10"), "D1", "14:15")
    c6.do(11, "15:00", "d1", "feedback", result="已清理")
    c6.do(11, "15:10", "acc", "send_check")
    c6.do(11, "15:20", "s2", "check_fail", reason="仍有垃圾")
    c6.to_closure(12, ("08:00", "08:05", "08:10", "08:12"), "d1", checker="s2")
    c7 = Script(w, "C7").register(12, "09:00", "s1", "A")
    c7.do(12, "09:05", "acc", "accept")
    c7.do(12, "09:10", "lead", "file", condition_id=w.condition_id)
    c7.do(12, "09:20", "acc", "request_void", reason="重复上报")
    c7.do(12, "09:30", "lead", "approve_void")
    c8 = Script(w, "C8").register(12, "10:00", "acc", "B", source="online")
    c8.do(12, "10:05", "acc", "void", reason="无效举报")
    c9 = Script(w, "C9").register(13, "14:00", "s2", "B").through_filing(
        13, ("14:45", "14:50"), "D1", "14:55")
    c9.do(13, "15:30", "disp", "redispatch", department_id=w.ids["D2"], reason="属环卫职责")


# -- a module-scoped fixture: the cases built once per backend per test module -------------
@dataclass
class Built:
    backend: str
    engine: object
    world: World
    may_before_june: object  # the May evaluation taken before any June event existed

    def name_of(self, case_id: int) -> str:
        return {v: k for k, v in self.world.cases.items()}[case_id]

    def names(self, case_ids) -> list[str]:
        return sorted(self.name_of(i) for i in case_ids)


def _build(backend: str, template_store):
    from sqlalchemy.orm import Session

    from seatdesk.evaluation.indicators import Period, evaluate_all
    from tests.dbtemplates import open_database

    url = template_store.clone(backend, "empty")
    db = open_database(backend, url)
    holder = {}

    def after_may(world):
        with Session(db.engine) as session:
            holder["may"] = evaluate_all(session, Period.month(2025, 5))

    world = build_cases(make_world(db.engine), after_may)
    return db, Built(backend, db.engine, world, holder["may"])


def built_fixture():
    import pytest

    @pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                                    marks=pytest.mark.postgres)])
    def built(request, template_store):
        db, result = _build(request.param, template_store)
        yield result
        db.engine.dispose()
        template_store.drop(db.backend, db.url)

    return built


# -- a demo city for the screenshots (SQLite only, built once per session) ------------------
SCREEN_NOW = dt.datetime(2026, 6, 17, 2, 0, tzinfo=dt.timezone.utc)  # Wednesday 10:00 local
SCREEN_SEED = "evaluation_screens"


def _seed_screens(engine) -> None:
    """~1,500 demo cases over 60 days on a coarse grid: enough to fill every panel."""
    from seatdesk.data.demo import DemoSpec, build_demo

    build_demo(engine, DemoSpec(cells_target=400, components=500, cases=1500, days=60,
                                supervisors=4, now=SCREEN_NOW))


def screens_fixture():
    """A module fixture: a SQLite copy of the screenshot demo (``Database``)."""
    import pytest

    from tests.dbtemplates import open_database, register_seed

    register_seed(SCREEN_SEED)(_seed_screens)

    @pytest.fixture(scope="module")
    def screens(template_store):
        db = open_database("sqlite", template_store.clone("sqlite", SCREEN_SEED))
        yield db
        db.engine.dispose()

    return screens
