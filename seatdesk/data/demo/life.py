"""One demo case's life as a sequence of workflow actions (the rows of its 电子台账).

Actions, states, arguments and field changes mirror the services of
``seatdesk.workflow`` (registration, filing, dispatch, handling, closing, merging): the
step clocks move with ``timelimits.enter_state``, handling deadlines with the working
calendar, and each event records the case fields it changed, so replaying the kept
events (``seatdesk.workflow.ledger.replay``) rebuilds the case row.

A life is generated in full and then cut at "now" (and at a forced ``hold`` state), so
old cases end closed and recent ones stop in whatever step they have reached.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import timelimits
from seatdesk.workflow.context import WorkflowSettings
from seatdesk.workflow.worktime import WorkCalendar

from seatdesk.data.demo.events import NO_FILES, DispatchRow, Draft, Event, Resumed, Staff, View, Who

HOUR = 3600.0


class Life:
    """Builds the events of one case; ``cur`` holds the case fields as they evolve."""

    def __init__(self, cal: WorkCalendar, settings: WorkflowSettings, staff: Staff, d: Draft):
        self.cal, self.settings, self.staff, self.d = cal, settings, staff, d
        self.cur: dict[str, Any] = {"state": ""}
        self.view = View(urgency=d.fields.get("urgency", "normal"))
        self.events: list[Event] = []
        self.dispatches: list[DispatchRow] = []
        self.t: dt.datetime = d.fields["reported_at"]
        self.k = 0

    # -- plumbing ---------------------------------------------------------------------
    def later(self, low_min: float, high_min: float, cap: float | None = None) -> None:
        """Move the clock on by a random delay between ``low_min`` and ``high_min`` minutes
        (at most ``cap`` seconds when given)."""
        u = self.d.u
        x = u[self.k % (len(u) - 1)]
        self.k += 1
        seconds = (low_min + (high_min - low_min) * x * x) * 60
        if cap is not None:
            seconds = min(seconds, cap)
        self.t = self.t + dt.timedelta(seconds=max(round(seconds), 1))

    def emit(self, action: str, target: str, who: Who, reason: str = "",
             args: dict[str, Any] | None = None, **changes: Any) -> Event:
        old, cur, view = self.cur["state"], self.cur, self.view
        view.deadline_at = changes.get("deadline_at", cur.get("deadline_at"))
        timelimits.enter_state(self.cal, self.settings, view, old, target, self.t)
        new = dict(changes, state=target, step_started_at=view.step_started_at,
                   step_deadline_at=view.step_deadline_at, updated_at=self.t)
        diff = {k: v for k, v in new.items() if (cur[k] != v if k in cur else v is not None)}
        if "step_started_at" in diff:  # as workflow.ledger.changes: a step start states its deadline
            diff.setdefault("step_deadline_at", new["step_deadline_at"])
        cur.update(new)
        event = Event(self.t, action, old, target, who, reason, args or {}, diff)
        self.events.append(event)
        return event

    def pending(self, kind: str, who: Who, reason: str, **extra: Any) -> str:
        body = {"kind": kind, "by": who[0], "at": self.t.isoformat(), "reason": reason, **extra}
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    @property
    def state(self) -> str:
        return self.cur["state"]

    # -- the path ---------------------------------------------------------------------
    def run(self) -> list[Event]:
        d, st = self.d, self.staff
        self.emit("register", S.REPORTED, d.register_by, args={
            "source": d.fields["source"], "component_code": d.component_code,
            "attachments": NO_FILES}, **d.fields)
        if d.public:
            self._verification()
        if d.merge_into is not None:
            self.later(2, 15)
            self.emit("merge", S.MERGED, st.acceptor, args={
                "into_case_id": d.merge_into[0], "into_number": d.merge_into[1]},
                merged_into_id=d.merge_into[0])
            return self.events
        if "void" in d.flags:
            self.later(2, 20)
            self.emit("void", S.VOIDED, st.acceptor, "非城市管理问题，不予受理", task_user_id=None)
            return self.events
        self.later(1, 12)
        self.emit("accept", S.ACCEPTED, st.acceptor, args={"class_id": None, "urgency": None},
                  accepted_at=self.t)
        self.later(3, 25)
        if "refuse" in d.flags:
            self.emit("refuse_filing", S.NOT_FILED, st.shift_lead, "不符合立案条件")
            return self.events
        self._file()
        self._dispatch_phase()
        if self.state == S.DISPATCHED:
            self._handling_phase()
        return self.events

    def _verification(self) -> None:
        sup = self.d.supervisor
        self.later(2, 12)
        self.emit("send_verification", S.PENDING_VERIFICATION, self.staff.acceptor,
                  args={"supervisor_id": sup[0]}, task_user_id=sup[0], verification="")
        self.later(15, 90)
        self.emit("verify", S.REPORTED, sup, args={"confirmed": True, "attachments": NO_FILES},
                  verification="confirmed", verified_at=self.t, task_user_id=None)

    def _file(self) -> None:
        cid, value, unit, closure = self.d.condition
        unit = timelimits.effective_unit(unit, self.view.urgency)
        self.view.limit_value, self.view.limit_unit = value, unit
        self.emit("file", S.FILED, self.staff.shift_lead,
                  args={"condition_id": cid, "class_id": None, "urgency": None},
                  condition_id=cid, limit_value=value, limit_unit=unit,
                  closure_condition=closure, filed_at=self.t)

    def _dispatch_phase(self) -> None:
        d, st = self.d, self.staff
        self.later(3, 30)
        if d.wrong_department is not None:
            self._wrong_department(*d.wrong_department)
        if d.district is not None and d.district_user is not None:
            self._send(d.district, st.dispatcher, "city", centre_id=d.district, department_id=None)
            self.later(5, 45)
            self._send(d.department, d.district_user, "district")
        else:
            self._send(d.department, st.dispatcher, "city")
        if "void_late" in d.flags:
            self.later(20, 120)
            reason = "重复立案，申请作废"
            self.emit("request_void", S.VOID_REQUESTED, st.dispatcher, reason,
                      pending_request=self.pending("void", st.dispatcher, reason,
                                                   **{"from": S.DISPATCHED.value}))
            self.later(10, 60)
            self._end_dispatch(self.emit("approve_void", S.VOIDED, st.shift_lead,
                                         pending_request="", task_user_id=None), "voided")

    def _wrong_department(self, wrong: int, wrong_user: Who) -> None:
        st = self.staff
        self._send(wrong, st.dispatcher, "city")
        self.later(30, 240)
        reason = "非本单位职责，请改派"
        self.emit("request_return", S.RETURN_REQUESTED, wrong_user, reason,
                  pending_request=self.pending("return", wrong_user, reason))
        self.later(10, 40)
        ev = self.emit("approve_return", S.FILED, st.dispatcher, args={"dispatch_error": True},
                       return_count=self.cur["return_count"] + 1, department_id=None,
                       pending_request="", signed_at=None)
        self._end_dispatch(ev, "returned", dispatch_error=True)
        self.later(3, 20)

    def _send(self, target: int, who: Who, level: str, **changes: Any) -> None:
        """A dispatch: the handling clock starts at the first one (改派 keeps it)."""
        d = self.d
        had_department = any(r.values["department_id"] != d.district for r in self.dispatches)
        kind = "redispatch" if had_department else "dispatch"
        if self.cur.get("dispatched_at") is None or (
                kind == "redispatch" and not self.settings.redispatch_keeps_deadline):
            changes.update(self._restart())
        if "centre_id" in changes:
            target_state = S.AT_DISTRICT
        else:
            target_state = S.DISPATCHED
            changes.update(department_id=target, signed_at=None)
        ev = self.emit("dispatch", target_state, who, args={
            "department_id": target, "suggested_department_id": d.department}, **changes)
        self._end_dispatch(ev, "dispatched_on")
        self.dispatches.append(DispatchRow(ev, {
            "department_id": target, "by_user_id": who[0], "level": level, "kind": kind,
            "suggested_department_id": d.department, "suggestion_reason": d.suggestion}))

    def _end_dispatch(self, ev: Event, outcome: str, dispatch_error: bool = False) -> None:
        for row in reversed(self.dispatches):
            if row.end is None:
                row.end = ev
                row.end_values = {"outcome": outcome, "dispatch_error": dispatch_error}
                return

    def _restart(self) -> dict[str, Any]:
        """The handling clock (re)started now (``timelimits.start_handling``)."""
        changes = {"dispatched_at": self.t, "deadline_at": self._deadline(self.t)}
        if self.cur.get("suspended_seconds"):
            changes["suspended_seconds"] = 0
        return changes

    def _deadline(self, start: dt.datetime) -> dt.datetime:
        return self.cal.add(start, self.view.limit_value, self.view.limit_unit)

    def _handling_phase(self) -> None:
        d = self.d
        start = self.cur["dispatched_at"]
        self.later(5, 90)
        self.emit("sign", S.DISPATCHED, d.dept_user, signed_at=self.t)
        if "extension" in d.flags:
            self._extension(start)
        if "suspension" in d.flags:
            self._suspension(start)
        due, ratio = self.cur["deadline_at"], self._ratio()
        target = start + (due - start) * ratio
        if self.d.hold is not None:  # a held case reaches its later states within a day
            target = min(target, self.t + dt.timedelta(hours=12))
        self.t = max(self.t + dt.timedelta(minutes=5), target.replace(microsecond=0))
        # on-time work is checked and closed on time as well
        self._feedback_and_check((due - self.t).total_seconds() / 4 if ratio < 1 else None)
        self._callback()

    def _ratio(self) -> float:
        x = self.d.u[-1]
        if self.d.hold is not None:
            return 0.05 + 0.1 * x
        if x < 0.90:  # on time
            return 0.08 + 0.87 * x / 0.90
        if x < 0.98:  # late
            return 1.0 + (x - 0.90) / 0.08
        return 2.0 + 200 * (x - 0.98)  # long overdue

    def _request_time(self, start: dt.datetime) -> None:
        span = (self.cur["deadline_at"] - start).total_seconds()
        self.t = max(self.t, start + dt.timedelta(seconds=round(min(0.3 * span, 20 * HOUR))))
        self.later(30, 180)

    def _extension(self, start: dt.datetime) -> None:
        d, days = self.d, 2 + int(self.d.u[3] * 4)
        self._request_time(start)
        reason = "需协调相关单位，申请延期"
        asked = {"value": str(days), "unit": "working_days"}
        self.emit("request_extension", S.EXTENSION_REQUESTED, d.dept_user, reason, args=asked,
                  pending_request=self.pending("extension", d.dept_user, reason, **asked))
        requested = json.loads(self.cur["pending_request"])
        self.later(10, 90)
        unit = timelimits.effective_unit("working_days", self.view.urgency)
        due = self.cal.add(self.cur["deadline_at"], Decimal(days), unit)
        self.emit("approve_extension", S.DISPATCHED, self.staff.dispatcher,
                  args={"value": None, "unit": None, "requested": requested,
                        "deadline_at": due.isoformat()},
                  deadline_at=due, extension_count=self.cur["extension_count"] + 1,
                  pending_request="")

    def _suspension(self, start: dt.datetime) -> None:
        d, st = self.d, self.staff
        self._request_time(start)
        reason = "涉及工程改造，需列入计划实施"
        self.emit("request_suspension", S.SUSPENSION_REQUESTED, d.dept_user, reason,
                  pending_request=self.pending("suspension", d.dept_user, reason))
        self.later(20, 120)
        since = self.t
        self.emit("approve_suspension", S.SUSPENDED, st.dispatcher, suspended_at=since,
                  pending_request="")
        self.later(3 * 1440, 15 * 1440)
        view = self.view
        view.deadline_at = self.cur["deadline_at"]
        resumed = Resumed(since, self.cur["suspended_seconds"], view.deadline_at,
                           view.limit_unit)
        timelimits.resume(self.cal, resumed, self.t)
        self.emit("resume", S.DISPATCHED, st.dispatcher, suspended_at=None,
                  suspended_seconds=resumed.suspended_seconds, deadline_at=resumed.deadline_at)

    def _feedback_and_check(self, cap: float | None, rework: bool | None = None) -> None:
        d, st = self.d, self.staff
        rework = "rework" in d.flags if rework is None else rework
        for attempt in range(2 if rework else 1):
            ev = self.emit("feedback", S.FEEDBACK, d.dept_user, "已按要求处置完毕",
                           args={"attachments": NO_FILES}, feedback_at=self.t)
            self._end_dispatch(ev, "feedback")
            self.later(3, 30, cap)
            self.emit("send_check", S.PENDING_CHECK, st.acceptor,
                      args={"supervisor_id": d.supervisor[0]}, task_user_id=d.supervisor[0])
            self.later(15, 150, cap)
            if attempt == 0 and rework:
                self._rework()
        self.emit("check_pass", S.READY_TO_CLOSE, d.supervisor, args={"attachments": NO_FILES},
                  checked_at=self.t, task_user_id=None)
        self.later(5, 45, cap)
        closure = timelimits.closure_type("normal", self.t, self.cur["deadline_at"])
        self.emit("close", S.CLOSED, st.shift_lead, args={"requested_type": "normal"},
                  closed_at=self.t, closure_type=closure)

    def _callback(self, again: bool = False) -> None:
        """回访 of a caller who asked for it, hours after 结案 (``workflow.callbacks``): most
        are satisfied; 无法联系 is tried again the next day; 不满意 reopens the case to the
        same department (the default setting), which handles it again, and is called back
        after the new 结案. One row stands for every caller of the case (the demo does not
        know the ids the callers' rows get at load: ``reporter_id`` is null)."""
        if not (self.d.fields.get("callback_wanted") and self.d.fields.get("caller_phone")):
            return
        x = 0.0 if again else self.d.u[-2]
        outcome = ("satisfied" if x < 0.70 else "basically_satisfied" if x < 0.88
                   else "unreachable" if x < 0.95 else "dissatisfied")
        self.later(60, 6 * 60)
        if outcome == "unreachable":
            self._call("unreachable", 1)
            self.later(20 * 60, 28 * 60)
            outcome = "satisfied"
        if outcome == "dissatisfied":
            self._reopen()
            return
        self._call(outcome, 2 if x >= 0.88 else 1)

    def _call(self, outcome: str, attempt: int) -> Event:
        note = {"satisfied": "来电人对处置结果表示满意",
                "basically_satisfied": "问题已解决，但认为处置时间较长",
                "unreachable": "电话无人接听"}[outcome]
        return self.emit("callback", S.CLOSED, self.staff.acceptor, note, args={
            "reporter_id": None, "outcome": outcome, "attempt": attempt, "reopened": False})

    def _reopen(self) -> None:
        changes: dict[str, Any] = {"rework_count": self.cur["rework_count"] + 1,
                                   "closed_at": None, "closure_type": None, "feedback_at": None,
                                   "checked_at": None, **self._restart()}
        ev = self.emit("callback", S.DISPATCHED, self.staff.acceptor, "来电人反映问题仍未解决",
                       args={"reporter_id": None, "outcome": "dissatisfied", "attempt": 1,
                             "reopened": True}, **changes)
        level = self.dispatches[-1].values["level"] if self.dispatches else "city"
        self.dispatches.append(DispatchRow(ev, {
            "department_id": self.cur["department_id"], "by_user_id": self.staff.acceptor[0],
            "level": level, "kind": "rework", "suggested_department_id": None,
            "suggestion_reason": "回访不满意，退回重办"}))
        self.later(120, 24 * 60)
        self._feedback_and_check(None, rework=False)
        self._callback(again=True)

    def _rework(self) -> None:
        d = self.d
        changes: dict[str, Any] = {"checked_at": self.t, "task_user_id": None,
                                   "rework_count": self.cur["rework_count"] + 1}
        if not self.settings.rework_keeps_deadline:
            changes.update(self._restart())
        ev = self.emit("check_fail", S.DISPATCHED, d.supervisor, "现场核查未处置到位，返工",
                       args={"attachments": NO_FILES}, **changes)
        level = self.dispatches[-1].values["level"] if self.dispatches else "city"
        self.dispatches.append(DispatchRow(ev, {
            "department_id": self.cur["department_id"], "by_user_id": d.supervisor[0],
            "level": level, "kind": "rework", "suggested_department_id": None,
            "suggestion_reason": "核查不通过，返工"}))
        self.later(60, 24 * 60)
