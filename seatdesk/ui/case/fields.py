"""The field grid of the case detail: every field of the case as label/value rows.

Labels are created once and their values replaced on each load, so a live update of the
shown case never moves the scroll position. Caller phones arrive masked for the
viewer's role (the engine's ``mask_phone``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.reads import CaseView

DEFAULT_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


class CaseFields(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.tz: dt.tzinfo = DEFAULT_TZ
        self.form = QFormLayout(self)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        titles = self._titles()
        for key, title in titles.items():
            value = QLabel(self)
            value.setObjectName(f"field_{key}")
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            self.form.addRow(title, value)
        self.values["times"].setWordWrap(False)  # one step per line

    def _titles(self) -> dict[str, str]:
        return {
            "source": self.tr("Source"), "class": self.tr("Class"), "urgency": self.tr("Urgency"),
            "address": self.tr("Address"), "grid": self.tr("Grid cell"),
            "area": self.tr("Community / street"), "component": self.tr("Component"),
            "location": self.tr("Coordinates"), "caller": self.tr("Caller"),
            "phone": self.tr("Caller phone"), "callback": self.tr("Callback wanted"),
            "reporters": self.tr("All callers"), "description": self.tr("Description"),
            "verification": self.tr("Verification result"),
            "condition": self.tr("Filing condition"), "limit": self.tr("Handling limit"),
            "closure_condition": self.tr("Closure condition"),
            "department": self.tr("Department"), "centre": self.tr("District centre"),
            "deadline": self.tr("Deadline"), "step_deadline": self.tr("Step deadline"),
            "pending": self.tr("Open request"), "counts": self.tr("Rework rounds"),
            "closure": self.tr("Closure type"), "times": self.tr("Steps"),
        }

    def time(self, value: dt.datetime | None) -> str:
        return "" if value is None else value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def show_view(self, view: CaseView) -> None:
        d, f = view.detail, view.facts
        values = {
            "source": L.source_name(d.source, f.source_name),
            "class": f"{f.class_code} {f.class_name}" + (f"（{f.major_name}）" if f.major_name
                                                          else "") if f.class_code else "—",
            "urgency": L.urgency(d.urgency), "address": d.address or "—",
            "grid": f"{f.grid_code} {f.grid_name}".strip() or self.tr("outside every grid cell"),
            "area": " / ".join(x for x in (f.community, f.street) if x) or "—",
            "component": f"{f.component_code} {f.component_name}".strip() or "—",
            "location": f"{f.lon:.6f}, {f.lat:.6f}",
            "caller": d.caller_name or (self.tr("anonymous") if d.source != "patrol" and
                                        not d.caller_phone else "—"),
            "phone": d.caller_phone or "—",
            "callback": self._callback(view),
            "reporters": self._reporters(view), "description": d.description or "—",
            "verification": self._verification(f.verification),
            "condition": f.condition_text or "—",
            "limit": L.amount(*f.limit) if f.limit else "—",
            "closure_condition": d.closure_condition or "—",
            "department": f.department or "—", "centre": f.centre or "—",
            "deadline": self.time(d.deadline_at) or "—",
            "step_deadline": self.time(d.step_deadline_at) or "—",
            "pending": self._pending(d.pending_request), "counts": f"{d.rework_count}",
            "closure": L.label("closure", d.closure_type) if d.closure_type else "—",
            "times": self._times(f.times),
        }
        for key, text in values.items():
            self.values[key].setText(text)

    def _reporters(self, view: CaseView) -> str:
        people = [f"{r.name or self.tr('anonymous')} {r.phone}".strip()
                  + (" ↺" if r.callback_wanted else "")
                  + (f"（{L.callback(r.callback_outcome)}）" if r.callback_outcome else "")
                  for r in view.detail.reporters]
        return "；".join(people) or "—"

    def _callback(self, view: CaseView) -> str:
        """Whether a caller asked for 回访, and where it stands."""
        wanted = [r for r in view.detail.reporters if r.callback_wanted]
        if not wanted:
            return self.tr("no")
        due = sum(r.callback_due for r in wanted)
        done = [L.callback(r.callback_outcome) for r in wanted
                if r.callback_outcome and not r.callback_due]
        parts = [self.tr("%1 waiting").replace("%1", str(due))] if due else []
        return "；".join([self.tr("yes")] + parts + done)

    def _verification(self, value: str) -> str:
        return {"confirmed": self.tr("confirmed on site"),
                "refuted": self.tr("not confirmed")}.get(value, "—")

    def _pending(self, request: dict) -> str:
        if not request:
            return "—"
        kinds = {"return": self.tr("Return request"), "extension": self.tr("Extension request"),
                 "suspension": self.tr("Suspension request"),
                 "void": self.tr("Voiding request")}
        return f"{kinds.get(request.get('kind'), '')}：{request.get('reason', '')}"

    def _times(self, times) -> str:
        names = {"reported_at": self.tr("reported"), "verified_at": self.tr("verified"),
                 "accepted_at": self.tr("accepted"), "filed_at": self.tr("filed"),
                 "dispatched_at": self.tr("dispatched"), "signed_at": self.tr("signed"),
                 "feedback_at": self.tr("feedback"), "checked_at": self.tr("checked"),
                 "closed_at": self.tr("closed"), "suspended_at": self.tr("suspended")}
        return "\n".join(f"{names[k]} {self.time(v)}" for k, v in times) or "—"
