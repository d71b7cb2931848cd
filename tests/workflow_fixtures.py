"""A small world for workflow tests: admin units, grid cells, classes with filing
conditions and limits, departments on two command levels, one user per role — and a
``Driver`` that walks cases to any state through the real services.

The world is a seed ("workflow_world") of the shared template store, so every test gets
a fresh clone of it on each backend without depending on the reference-data loader.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import shapely
from sqlalchemy import select

from seatdesk.models import (
    AdminUnit,
    Case,
    CaseClass,
    ClassEdition,
    Component,
    Department,
    FilingCondition,
    GridCell,
    Responsibility,
    TimeLimit,
    User,
)
from seatdesk.models.db import session_factory
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from tests.conftest import BACKENDS
from tests.dbtemplates import open_database, register_seed

UTC = dt.UTC
MONDAY_0900 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai, a Monday
CELL1 = (119.480, 31.425, 119.482, 31.427)  # zone A, 溧城街道 / 县前街社区
CELL2 = (119.482, 31.425, 119.484, 31.427)  # no zone, 昆仑街道 / 城北社区
P1 = (119.4805, 31.4255)  # a point in cell 1
P2 = (119.4830, 31.4260)  # a point in cell 2
ROLES_USERS = {  # username → (role, department code)
    "acceptor": ("acceptor", None), "acceptor2": ("acceptor", None), "lead": ("shift_lead", None),
    "dispatcher": ("dispatcher", "CC"), "district": ("dispatcher", "DC"),
    "water": ("department", "SW"), "sanitation": ("department", "HW"),
    "street1": ("department", "D1"), "sup1": ("supervisor", None), "sup2": ("supervisor", None),
    "admin": ("admin", None), "wall": ("wall", None),
}


# -- the seed ----------------------------------------------------------------------------------
@register_seed("workflow_world")
def seed_world(engine) -> None:
    with session_factory(engine).begin() as s:
        county = AdminUnit(level="district", code="320481", name="溧阳市")
        st1 = AdminUnit(level="street", code="320481002", name="溧城街道", parent=county)
        st2 = AdminUnit(level="street", code="320481003", name="昆仑街道", parent=county)
        co1 = AdminUnit(level="community", code="320481002012", name="县前街社区", parent=st1)
        co2 = AdminUnit(level="community", code="320481003001", name="城北社区", parent=st2)
        s.add_all([county, st1, st2, co1, co2])
        s.add_all([_cell("320481002012001", co1, CELL1, "A"),
                   _cell("320481003001001", co2, CELL2, None)])
        classes = _classes(s)
        depts = _departments(s)
        s.flush()
        _responsibilities(s, classes, depts, st1)
        _users(s, depts)
        s.add(Component(code="32048101001000001", class_id=classes["井盖"].id, name="供水井盖",
                        owner_dept_id=depts["SW"].id, lon=P1[0], lat=P1[1],
                        geom=shapely.Point(*P1)))


def _cell(code, community, box, zone) -> GridCell:
    poly = shapely.box(*box)
    cell = GridCell(code=code, name=code[-3:] + "号网格", community=community, area_m2=40000.0,
                    zone=zone, geom=poly)
    cell.set_bbox_from(poly)
    return cell


def _classes(s) -> dict[str, CaseClass]:
    ed = ClassEdition(code="GB/T 47678.5-2026", name="管理部件和事项", class_code_length=5,
                      component_id_length=17)
    out = {
        "井盖": CaseClass(edition=ed, kind="component", major_code="01", major_name="市政公用设施",
                        code="01001", name="供水井盖"),
        "垃圾": CaseClass(edition=ed, kind="event", major_code="01", major_name="市容环境",
                        code="01001", name="暴露垃圾", duplicate_radius_m=100),
        "道路": CaseClass(edition=ed, kind="event", major_code="01", major_name="市容环境",
                        code="01002", name="道路不洁"),
        "无条件": CaseClass(edition=ed, kind="event", major_code="02", major_name="宣传广告",
                         code="02001", name="违规广告"),
    }
    _condition(out["井盖"], "0100101", "井盖破损、移位或缺失", "井盖完好归位",
               [("normal", "", 4, "working_hours"), ("normal", "A", 2, "working_hours"),
                ("urgent", "", 2, "natural_hours")])
    _condition(out["垃圾"], "0100101", "成堆暴露垃圾", "清理干净",
               [("normal", "", 4, "working_hours")])
    _condition(out["道路"], "0100201", "道路不洁", "路面干净", [("normal", "", 1, "working_days")])
    s.add_all(out.values())
    return out


def _condition(cls, code, text, closure, limits) -> None:
    cond = FilingCondition(case_class=cls, code=code, text=text, closure_condition=closure)
    for urgency, zone, value, unit in limits:
        cond.limits.append(TimeLimit(urgency=urgency, zone=zone, value=Decimal(value), unit=unit))


def _departments(s) -> dict[str, Department]:
    cc = Department(code="CC", name="溧阳市数字城管指挥中心", kind="city_centre")
    dc = Department(code="DC", name="溧城街道二级平台", kind="district_centre", parent=cc)
    out = {"CC": cc, "DC": dc,
           "SW": Department(code="SW", name="溧阳市水务集团"),
           "HW": Department(code="HW", name="市环卫处"),
           "D1": Department(code="D1", name="溧城街道城管科", parent=dc),
           "D2": Department(code="D2", name="溧城街道环卫所", parent=dc)}
    s.add_all(out.values())
    return out


def _responsibilities(s, classes, depts, street1) -> None:
    s.add_all([
        Responsibility(class_id=classes["井盖"].id, area_id=None, department_id=depts["SW"].id),
        Responsibility(class_id=classes["垃圾"].id, area_id=None, department_id=depts["HW"].id),
        Responsibility(class_id=classes["垃圾"].id, area_id=street1.id,
                       department_id=depts["D1"].id),
        Responsibility(class_id=classes["道路"].id, area_id=None, department_id=depts["HW"].id),
    ])


def _users(s, depts) -> None:
    for username, (role, dept) in ROLES_USERS.items():
        s.add(User(username=username, display_name=f"{username}用户", password_hash="x",
                   role=role, department_id=depts[dept].id if dept else None))


# -- the world a test sees -----------------------------------------------------------------------
class Clock:
    """A controllable clock for the workflow (aware UTC)."""

    def __init__(self, start: dt.datetime = MONDAY_0900):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def set(self, moment: dt.datetime) -> None:
        self.now = moment


@dataclass
class World:
    db: object
    wf: sd.Workflow
    clock: Clock
    actors: dict[str, sd.Actor]
    dept: dict[str, int]
    cls: dict[str, int]
    cond: dict[str, int]
    users: dict[str, int]
    drive: Driver = field(init=False)

    def __post_init__(self):
        self.drive = Driver(self)

    def a(self, name: str) -> sd.Actor:
        return self.actors[name]


def open_world(db) -> World:
    with db.Session() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        dept = {d.code: d.id for d in s.scalars(select(Department))}
        cls = {c.name: c.id for c in s.scalars(select(CaseClass))}
        cond = {c.case_class.name: c.id for c in s.scalars(select(FilingCondition))}
    actors = {name: sd.Actor(u.id, u.role, u.department_id, f"席位-{name}")
              for name, u in users.items()}
    clock = Clock()
    short = {"供水井盖": "井盖", "暴露垃圾": "垃圾", "道路不洁": "道路", "违规广告": "无条件"}
    return World(db, sd.Workflow(db.engine, clock=clock, cache_seconds=0), clock, actors, dept,
                 {short[k]: v for k, v in cls.items()}, {short[k]: v for k, v in cond.items()},
                 {k: u.id for k, u in users.items()})


@pytest.fixture(name="world")
def world_fixture(make_db) -> World:
    """A fresh world per test (for tests that change settings or count rows globally)."""
    return open_world(make_db("workflow_world"))


@pytest.fixture(scope="module", params=BACKENDS, name="shared_world")
def shared_world_fixture(request, template_store):
    """One world per backend for a whole module: tests use their own cases in it."""
    url = template_store.clone(request.param, "workflow_world")
    db = open_database(request.param, url)
    yield open_world(db)
    db.engine.dispose()
    template_store.drop(request.param, url)


def racing_twins_make_one_case(w: World, report: sd.Report, actor: str = "sup1",
                               twins: int = 4) -> list[sd.CaseChange]:
    """``twins`` threads register the same keyed ``report`` as ``actor`` at once (a barrier
    lets them go together: two uploads of one report racing) and exactly one case is made:
    none fails, every answer names the same case, one made it and the others were
    replayed, and the database holds that one case, with the report's key. The answers,
    for a test's own checks."""
    assert report.intake_key, "twins race on a key"
    results: list[sd.CaseChange] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(twins)

    def send():
        barrier.wait()
        try:
            results.append(sd.register(w.wf, w.a(actor), report))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(twins)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.case_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    with w.db.Session() as s:  # the one case, and no other
        assert s.execute(select(Case.id, Case.intake_key)).all() == [
            (results[0].case_id, report.intake_key)]
    return results


# -- walking cases through the loop ----------------------------------------------------------------
@dataclass
class Ref:
    """A case as a seat last saw it."""

    id: int
    version: int
    state: str

    def update(self, change: sd.CaseChange) -> Ref:
        self.version, self.state = change.version, change.new_state
        return self


class Driver:
    """Brings a fresh case to any state through the services (one minute per step)."""

    def __init__(self, w: World):
        self.w = w

    def do(self, ref: Ref, fn, actor: str, **kw) -> Ref:
        self.w.clock.advance(minutes=1)
        return ref.update(fn(self.w.wf, self.w.a(actor), ref.id, ref.version, **kw))

    def register(self, source="patrol", actor="acceptor", where=P1, klass="井盖", **kw) -> Ref:
        self.w.clock.advance(minutes=1)
        report = sd.Report(source=source, lon=where[0], lat=where[1],
                           class_id=self.w.cls[klass] if klass else None, **kw)
        change = sd.register(self.w.wf, self.w.a(actor), report)
        return Ref(change.case_id, change.version, change.new_state)

    def to(self, state: str, **kw) -> Ref:
        return getattr(self, f"_{state}")(**kw)

    # one method per state: the shortest legal path there
    def _reported(self, **kw):
        return self.register(**kw)

    def _pending_verification(self, **kw):
        ref = self.register(source="hotline_12319", caller_phone="13800001234", **kw)
        return self.do(ref, sd.send_verification, "acceptor")

    def _accepted(self, **kw):
        return self.do(self.register(**kw), sd.accept, "acceptor")

    def _voided(self, **kw):
        return self.do(self.register(**kw), sd.void, "acceptor", reason="无效上报")

    def _not_filed(self, **kw):
        return self.do(self._accepted(**kw), sd.refuse_filing, "lead", reason="不符合立案条件")

    def _filed(self, klass="井盖", **kw):
        ref = self._accepted(klass=klass, **kw)
        return self.do(ref, sd.file, "lead", condition_id=self.w.cond[klass])

    def _at_district(self, **kw):
        return self.do(self._filed(**kw), sd.dispatch, "dispatcher",
                       department_id=self.w.dept["DC"])

    def _dispatched(self, dept="SW", sign=True, **kw):
        """Dispatched to ``dept`` and, unless ``sign=False``, signed for (签收 comes first)."""
        ref = self.do(self._filed(**kw), sd.dispatch, "dispatcher",
                      department_id=self.w.dept[dept])
        return self.do(ref, sd.sign, DEPT_USER[dept]) if sign else ref

    def _return_requested(self, **kw):
        return self.do(self._dispatched(**kw), sd.request_return, "water", reason="非本单位职责")

    def _extension_requested(self, **kw):
        return self.do(self._dispatched(**kw), sd.request_extension, "water", value=1,
                       unit="working_days", reason="需要备料")

    def _suspension_requested(self, **kw):
        return self.do(self._dispatched(**kw), sd.request_suspension, "water", reason="需工程改造")

    def _suspended(self, **kw):
        return self.do(self._suspension_requested(**kw), sd.approve_suspension, "dispatcher")

    def _void_requested(self, **kw):
        return self.do(self._filed(**kw), sd.request_void, "acceptor", reason="重复立案")

    def _feedback(self, **kw):
        return self.do(self._dispatched(**kw), sd.feedback, "water", result="已更换井盖")

    def _pending_check(self, **kw):
        return self.do(self._feedback(**kw), sd.send_check, "acceptor")

    def _ready_to_close(self, **kw):
        return self.do(self._pending_check(**kw), sd.check_pass, "sup1")

    def _closed(self, **kw):
        return self.do(self._ready_to_close(**kw), sd.close, "lead")

    def sign(self, ref: Ref, dept: str = "SW") -> Ref:
        return self.do(ref, sd.sign, DEPT_USER[dept])

    def _merged(self, **kw):
        keep = self.register(**kw)
        dup = self.register(**kw)
        self.w.clock.advance(minutes=1)
        result = sd.merge(self.w.wf, self.w.a("acceptor"), dup.id, keep.id, version=dup.version)
        return dup.update(result.duplicate)


ALL_STATES = tuple(s.value for s in S)
#: the department user of each department of the world
DEPT_USER = {"SW": "water", "HW": "sanitation", "D1": "street1"}


# -- calling any action uniformly (for the forbidden-transition tables) ---------------------
ROLE_ACTOR = {"acceptor": "acceptor", "shift_lead": "lead", "dispatcher": "dispatcher",
              "department": "water", "supervisor": "sup1", "admin": "admin", "wall": "wall"}
REASON = "理由说明"


def action_calls(w: World) -> dict[str, tuple]:
    """action → (service function, keyword arguments) for a typical call."""
    d, c = w.dept, w.cond
    return {
        "send_verification": (sd.send_verification, {}),
        "verify": (sd.verify, {"confirmed": True}),
        "accept": (sd.accept, {}),
        "void": (sd.void, {"reason": REASON}),
        "file": (sd.file, {"condition_id": c["井盖"]}),
        "refuse_filing": (sd.refuse_filing, {"reason": REASON}),
        "dispatch": (sd.dispatch, {"department_id": d["SW"]}),
        "send_up": (sd.send_up, {"reason": REASON}),
        "redispatch": (sd.redispatch, {"department_id": d["HW"], "reason": REASON}),
        "urge": (sd.urge, {}),
        "sign": (sd.sign, {}),
        "request_return": (sd.request_return, {"reason": REASON}),
        "approve_return": (sd.approve_return, {}),
        "refuse_return": (sd.refuse_return, {"reason": REASON}),
        "request_extension": (sd.request_extension,
                              {"value": 1, "unit": "working_days", "reason": REASON}),
        "approve_extension": (sd.approve_extension, {}),
        "refuse_extension": (sd.refuse_extension, {"reason": REASON}),
        "request_suspension": (sd.request_suspension, {"reason": REASON}),
        "approve_suspension": (sd.approve_suspension, {}),
        "refuse_suspension": (sd.refuse_suspension, {"reason": REASON}),
        "resume": (sd.resume, {}),
        "feedback": (sd.feedback, {"result": REASON}),
        "send_check": (sd.send_check, {}),
        "check_pass": (sd.check_pass, {}),
        "check_fail": (sd.check_fail, {"reason": REASON}),
        "close": (sd.close, {}),
        "request_void": (sd.request_void, {"reason": REASON}),
        "approve_void": (sd.approve_void, {}),
        "refuse_void": (sd.refuse_void, {"reason": REASON}),
        "claim_task": (sd.claim_task, {}),
        "callback": (sd.callback, {"outcome": "satisfied"}),
    }


def call(w: World, action: str, actor: str, ref: Ref, **override):
    fn, kwargs = action_calls(w)[action]
    w.clock.advance(seconds=10)
    return fn(w.wf, w.a(actor), ref.id, ref.version, **{**kwargs, **override})


def case_row(w: World, case_id: int) -> dict:
    """The committed case row (tracked fields + version/ledger) as a dict."""
    from seatdesk.workflow.ledger import TRACKED

    with w.db.Session() as s:
        case = s.get(Case, case_id)
        row = {name: getattr(case, name) for name in TRACKED}
        row.update(version=case.version, ledger_seq=case.ledger_seq, ledger_head=case.ledger_head,
                   ledger_since=case.ledger_since)
        return row
