"""Generating demo cases chunk by chunk: drafts → lives → rows for cases, the ledger,
dispatches and reporters (ready for ``demo_load.write``).

Each chunk has its own random stream (seed, chunk number), so the output depends only
on the seed, the counts and ``now``, never on timing or on how the chunks are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from shapely.geometry import Point

from seatdesk.models import Case
from seatdesk.models.enums import CaseState as S
from seatdesk.models.ledger import GENESIS, canonical_payload, entry_hash
from seatdesk.workflow.context import WorkflowSettings
from seatdesk.workflow.ledger import TRACKED, to_json
from seatdesk.workflow.states import MERGE_TARGET_STATES
from seatdesk.workflow.worktime import WorkCalendar

from seatdesk.data.demo.cases import CALLERS, COMPONENT_SHARE, PUBLIC, SOURCES, ClassInfo
from seatdesk.data.demo.events import Draft, Event, Who, cut, dispatch_rows
from seatdesk.data.demo.life import Life
from seatdesk.data.demo.roads import PointSampler, networks
from seatdesk.data.demo.world import CaseWorld

UTC = dt.timezone.utc
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
_PREFIXES = ("139", "138", "137", "136", "135", "150", "151", "158", "159", "187", "188", "180")


@dataclass
class CaseBatch:
    """Rows of one chunk, as dicts keyed by column name, for the four case tables."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    reporters: list[dict[str, Any]] = field(default_factory=list)


class _Spot(NamedTuple):
    cls: ClassInfo
    cell: int
    point: tuple[float, float]
    place: tuple[str, str]  # address (without 溧阳市), description
    component: int | None = None
    comp_code: str | None = None


@dataclass
class _Pending:
    draft: Draft
    life: Life
    point: tuple[float, float]
    caller: bool
    merged_callers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class CaseGenerator:
    """Turns report instants (``ts``) into cases, ledger chains, dispatches and reporters."""

    def __init__(self, world: CaseWorld, sampler: PointSampler, cal: WorkCalendar,
                 settings: WorkflowSettings, seed: int, now: dt.datetime, first_id: int,
                 ts: np.ndarray, numbers: list[str], holds: dict[int, str]):
        self.w, self.sampler, self.cal, self.settings = world, sampler, cal, settings
        self.seed, self.now, self.first_id = seed, now, first_id
        self.ts, self.numbers, self.holds = ts, numbers, holds
        self.road = networks()["road"]

    def chunks(self, size: int) -> Iterator[tuple[int, int, int]]:
        """(chunk number, first case index, end index) of every chunk of ``size`` cases."""
        for c, start in enumerate(range(0, len(self.ts), size)):
            yield c, start, min(start + size, len(self.ts))

    # -- one chunk --------------------------------------------------------------------
    def batch(self, c: int, a: int, b: int) -> CaseBatch:
        rng = np.random.default_rng([self.seed, 10, c])
        r = _Randoms(rng, b - a, self)
        pending: list[_Pending] = []
        last_by_class: dict[int, int] = {}
        for k in range(b - a):
            item = self._case(r, a, k)
            cls_id = item.draft.fields["class_id"]
            if item.draft.hold == S.MERGED:  # any earlier open case will do
                for j in range(k - 1, max(k - 20, -1), -1):
                    if self._maybe_merge(item, pending, j):
                        break
            elif r.f[k, 7] < 0.015:  # a duplicate of the last case of the same class
                self._maybe_merge(item, pending, last_by_class.get(cls_id, k - 1 if k else None))
            last_by_class[cls_id] = k
            pending.append(item)
        out = CaseBatch()
        for item in pending:
            self._finish(item, out)
        return out

    def _case(self, r: _Randoms, a: int, k: int) -> _Pending:
        i, w = a + k, self.w
        hold = self.holds.get(i)
        source = r.source[k] if hold is None else _HOLD_SOURCE.get(hold, "patrol")
        spot = self._spot(r, k, hold)
        dept, suggestion = _responsible(w, spot.cls.id, int(w.cell_street[spot.cell]),
                                        spot.comp_code)
        district = w.district_centre if dept in w.district_depts else None
        urgency = "urgent" if r.urgent[k] else "normal"
        cond = spot.cls.conditions[_pick(r.u[k, 20], len(spot.cls.conditions))]
        value, unit = cond.limit(urgency, w.cell_zone[spot.cell])
        sup = w.supervisors[int(w.cell_beat[spot.cell])]
        patrol, caller = source == "patrol", source in CALLERS
        fields = _register_fields(self.numbers[i], source, urgency, spot, w,
                                  sup if patrol else None,
                                  _caller(r, k, hold) if caller else ("", "", False),
                                  dt.datetime.fromtimestamp(int(self.ts[i]), UTC))
        flags = _flags(r.f[k], source, hold)
        draft = Draft(
            id=self.first_id + i, fields=fields, public=source in PUBLIC,
            register_by=sup if patrol else w.staff.acceptor, supervisor=sup, department=dept,
            dept_user=w.dept_users[dept], suggestion=suggestion, district=district,
            district_user=w.district_user if district else None,
            condition=(cond.id, value, unit, cond.closure), u=r.u[k].tolist(), flags=flags,
            component_code=spot.comp_code, hold=hold,
            wrong_department=_wrong(w, dept, r.u[k, 21]) if "return" in flags else None)
        return _Pending(draft, self._live(draft), spot.point, caller)

    def _spot(self, r: _Randoms, k: int, hold: str | None) -> _Spot:
        """What is reported where: a district case, a component, or an event on a street."""
        w = self.w
        if hold == S.AT_DISTRICT and w.district_events and w.district_cells.size:
            cell = int(w.district_cells[int(r.u[k, 22] * w.district_cells.size)])
            place = (f"{w.cell_street_name[cell]}{self.sampler.cell_name(cell)}", "")
            return _Spot(w.events[w.district_events[0]], cell, self.sampler.representative(cell),
                         place)
        if r.comp[k]:
            j = int(r.comp_idx[k])
            cell = int(w.comp_cell[j])
            place = (f"{w.cell_street_name[cell]}{w.comp_name[j]}处",
                     f"{w.comp_name[j]}（{w.comp_code[j]}）损坏或缺失")
            return _Spot(w.component_classes[w.comp_class_code[j]], cell,
                         (float(w.comp_lon[j]), float(w.comp_lat[j])), place,
                         int(w.comp_ids[j]), w.comp_code[j])
        cls, cell = w.events[int(r.ev[k])], int(r.cell[k])
        road, house = self.road.names[int(r.line[k])], int(r.house[k])
        place = (f"{w.cell_street_name[cell]}{road}{house}号附近",
                 f"{road}{house}号附近发现{cls.name}")
        return _Spot(cls, cell, (float(r.lon[k]), float(r.lat[k])), place)

    def _live(self, draft: Draft) -> Life:
        life = Life(self.cal, self.settings, self.w.staff, draft)
        life.run()
        return life

    # -- duplicates -------------------------------------------------------------------
    def _maybe_merge(self, item: _Pending, pending: list[_Pending], j: int | None) -> bool:
        """Merge ``item`` into ``pending[j]`` if that case is open when the merge happens."""
        if j is None or item.draft.hold not in (None, S.MERGED):
            return False
        survivor = pending[j]
        if survivor.draft.hold is not None:
            return False
        item.draft.merge_into = (survivor.draft.id, survivor.draft.fields["number"])
        trial = self._live(item.draft)
        at = trial.events[-1].at
        state = _state_at(survivor.life.events, at)
        if at > self.now or state not in MERGE_TARGET_STATES:
            item.draft.merge_into = None
            return False
        item.life = trial
        _insert_merge_in(survivor, item, at, self.w.staff.acceptor)
        return True

    # -- rows -------------------------------------------------------------------------
    def _finish(self, item: _Pending, out: CaseBatch) -> None:
        d = item.draft
        kept = cut(item.life.events, self.now, d.hold)
        number = d.fields["number"]
        fields: dict[str, Any] = dict.fromkeys(TRACKED)
        prev = GENESIS
        for seq, ev in enumerate(kept, start=1):
            fields.update(ev.changes)
            payload = canonical_payload({"args": ev.args,
                                         "set": _json_set(ev.changes)})
            digest = entry_hash(prev_hash=prev, case_number=number, seq=seq, at=ev.at,
                                actor_id=ev.who[0], actor_role=ev.who[1], seat=ev.who[2],
                                action=ev.action, from_state=ev.source, to_state=ev.target,
                                reason=ev.reason, payload=payload)
            out.ledger.append({
                "case_id": d.id, "seq": seq, "at": ev.at, "actor_id": ev.who[0],
                "actor_role": ev.who[1], "seat": ev.who[2], "action": ev.action,
                "from_state": ev.source, "to_state": ev.target, "reason": ev.reason,
                "payload": payload, "prev_hash": prev, "hash": digest})
            prev = digest
        fields.update(id=d.id, version=len(kept), geom=Point(item.point), ledger_head=prev,
                      ledger_seq=len(kept), ledger_since=kept[0].at if kept else None)
        out.cases.append(fields)
        out.dispatches += dispatch_rows(d.id, item.life.dispatches, kept)
        called = _callback_state(kept, fields["state"])
        if item.caller:
            out.reporters.append(_reporter(d.id, None, fields, called))
        for origin_id, caller in item.merged_callers:  # copied from merged duplicates
            out.reporters.append(_reporter(d.id, origin_id, caller, called))


class _Randoms:
    """Vectorised random draws of one chunk."""

    def __init__(self, rng: np.random.Generator, k: int, gen: CaseGenerator):
        w = gen.w
        self.rng = rng
        names = [s for s, _ in SOURCES]
        self.source = [names[i] for i in rng.choice(len(names), k, p=[p for _, p in SOURCES])]
        have_comps = w.comp_ids.size > 0 and bool(w.component_classes)
        self.comp = (rng.random(k) < COMPONENT_SHARE) & have_comps
        self.ev = rng.choice(len(w.events), k, p=w.event_p)
        self.comp_idx = rng.choice(w.comp_ids.size, k, p=w.comp_p) if have_comps else np.zeros(k)
        s = gen.sampler.sample(rng, gen.road, k, (0.0, 25.0))
        self.lon, self.lat, self.cell = s.lon, s.lat, s.cell
        self.line, self.house = s.line, s.house_no
        self.urgent = rng.random(k) < np.where(self.comp, 0.10, 0.03)
        self.u = rng.random((k, 24))
        self.f = rng.random((k, 10))
        self.caller_digits = rng.integers(0, 100_000_000, k)
        self.caller_pick = rng.integers(0, 10_000, k)

    def caller(self, k: int) -> tuple[str, str, bool]:
        pick = int(self.caller_pick[k])
        name = _SURNAMES[pick % len(_SURNAMES)] + ("先生" if pick % 2 else "女士")
        phone = f"{_PREFIXES[pick % len(_PREFIXES)]}{int(self.caller_digits[k]):08d}"
        return name, phone, bool(self.f[k, 8] < 0.6)


def _caller(r: _Randoms, k: int, hold: str | None) -> tuple[str, str, bool]:
    """The caller; the case held at 结案 is one whose caller asked for a callback."""
    name, phone, wanted = r.caller(k)
    return name, phone, wanted or hold == S.CLOSED


def _pick(x: float, n: int) -> int:
    """Mostly the first 立案条件 (70 %), otherwise one of the others."""
    if n == 1 or x < 0.7:
        return 0
    return 1 + int((x - 0.7) / 0.3 * (n - 1)) % (n - 1)


# held cases come from patrol (quick to accept) unless the state needs a public report
_HOLD_SOURCE = {S.PENDING_VERIFICATION: "hotline_12319", S.CLOSED: "hotline_12345"}
_HOLD_FLAGS = {
    S.VOIDED: "void", S.NOT_FILED: "refuse", S.VOID_REQUESTED: "void_late",
    S.RETURN_REQUESTED: "return", S.EXTENSION_REQUESTED: "extension",
    S.SUSPENSION_REQUESTED: "suspension", S.SUSPENDED: "suspension",
}


def _wrong(w: CaseWorld, dept: int, x: float) -> tuple[int, Who]:
    """A wrong first department (派遣差错, returned with 回退)."""
    choices = [d for d in w.city_depts if d != dept]
    wrong = choices[int(x * len(choices)) % len(choices)]
    return wrong, w.dept_users[wrong]


def _flags(f: np.ndarray, source: str, hold: str | None) -> frozenset[str]:
    if hold is not None:
        return frozenset({_HOLD_FLAGS[hold]} if hold in _HOLD_FLAGS else ())
    flags = set()
    if f[0] < (0.08 if source in PUBLIC else 0.03):
        flags.add("void")
    for col, name, p in ((1, "refuse", 0.02), (2, "return", 0.03), (3, "void_late", 0.005),
                         (4, "extension", 0.03), (5, "suspension", 0.01), (6, "rework", 0.06)):
        if f[col] < p:
            flags.add(name)
    return frozenset(flags)


_TEMPLATE = {c.key: (c.default.arg if c.default is not None and c.default.is_scalar else None)
             for c in Case.__table__.columns if c.key in TRACKED}


def _register_fields(number: str, source: str, urgency: str, spot: _Spot, w: CaseWorld,
                     sup: Who | None, caller, reported_at: dt.datetime) -> dict[str, Any]:
    """The case as registered (column defaults included, as ``apply_defaults`` does)."""
    cell, place = spot.cell, spot.place
    fields = dict(_TEMPLATE)
    fields.update({
        "number": number, "source": source, "kind": spot.cls.kind, "class_id": spot.cls.id,
        "urgency": urgency, "lon": spot.point[0], "lat": spot.point[1],
        "grid_cell_id": int(w.cell_ids[cell]), "community_id": int(w.cell_community[cell]),
        "street_id": int(w.cell_street[cell]), "district_id": int(w.cell_district[cell]),
        "zone": w.cell_zone[cell], "address": "溧阳市" + place[0], "description": place[1],
        "component_id": spot.component, "reporter_id": sup[0] if sup else None,
        "caller_name": caller[0], "caller_phone": caller[1], "callback_wanted": caller[2],
        "reported_at": reported_at,
    })
    return fields


def _responsible(w: CaseWorld, class_id: int, street: int, comp_code: str | None):
    """Department and suggestion reason, as ``routing.suggest_department`` finds them."""
    if (class_id, street) in w.resp_area:
        return w.resp_area[(class_id, street)], "责任矩阵：本类别在所在街道的责任单位"
    if comp_code is not None:
        return w.resp_city[class_id], f"部件 {comp_code} 的主管单位"
    return w.resp_city[class_id], "责任矩阵：本类别的全市责任单位"


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _json_value(value: Any) -> Any:
    if type(value) is dt.datetime and value.tzinfo is UTC:
        return value.isoformat()  # what ledger.to_json gives for a UTC datetime
    return to_json(value)


def _json_set(changes: dict[str, Any]) -> dict[str, Any]:
    """``ledger.to_json`` of each value (plain values pass through untouched)."""
    return {k: v if type(v) in _PLAIN else _json_value(v) for k, v in changes.items()}


def _state_at(events: list[Event], at: dt.datetime) -> str:
    state = ""
    for ev in events:
        if ev.at > at:
            break
        state = ev.target
    return state


def _insert_merge_in(survivor: _Pending, dup: _Pending, at: dt.datetime, who: Who) -> None:
    """The survivor's "merge_in" row; ``merged_count`` counts merges in time order."""
    events = survivor.life.events
    pos = next((n for n, ev in enumerate(events) if ev.at > at), len(events))
    state = events[pos - 1].target
    copied = 1 if dup.caller else 0
    events.insert(pos, Event(at, "merge_in", state, state, who, "", {
        "duplicate_case_id": dup.draft.id, "duplicate_number": dup.draft.fields["number"],
        "reporters_copied": copied}, {"updated_at": at}))
    count = 0
    for ev in events:
        if ev.action == "merge_in":
            count += 1
            ev.changes["merged_count"] = count
    if dup.caller:
        survivor.merged_callers.append((dup.draft.id, dup.draft.fields))


def _callback_state(kept: list[Event], state: str) -> dict[str, Any]:
    """Where the 回访 of a case's callers stands after its kept events (as
    ``workflow.callbacks`` leaves the callers' rows): due while closed and not yet reached
    in this round; a reopening 回访 starts a new round."""
    calls = [ev for ev in kept if ev.action == "callback"]
    last_close = max((i for i, ev in enumerate(kept) if ev.action == "close"), default=-1)
    this_round = [ev for ev in kept[last_close + 1:] if ev.action == "callback"]
    out: dict[str, Any] = {"called_back_at": calls[-1].at if calls else None,
                           "satisfied": None, "callback_outcome": "",
                           "callback_attempts": 0, "callback_due": state == S.CLOSED}
    if calls and calls[-1].args["outcome"] != "unreachable":
        out["satisfied"] = calls[-1].args["outcome"] in ("satisfied", "basically_satisfied")
    if state == S.CLOSED and this_round:
        last = this_round[-1].args
        out.update(callback_outcome=last["outcome"], callback_attempts=last["attempt"],
                   callback_due=last["outcome"] == "unreachable" and last["attempt"] < 3)
    return out


def _reporter(case_id: int, origin_id: int | None, caller: dict,
              called: dict[str, Any]) -> dict:
    """A ``case_reporters`` row; callers who want it are called back (回访) after closure
    (``_callback_state``)."""
    wanted = bool(caller["callback_wanted"])
    row = {"case_id": case_id, "origin_case_id": origin_id, "name": caller["caller_name"],
           "phone": caller["caller_phone"], "callback_wanted": wanted,
           "called_back_at": None, "satisfied": None, "callback_outcome": "",
           "callback_attempts": 0, "callback_due": False}
    return {**row, **called} if wanted else row
