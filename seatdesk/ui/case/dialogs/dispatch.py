"""派遣 and 改派: the department, the engine's suggestion and why, and the resulting deadline.

The department list is what this dispatcher's level may use (a district centre: its own
departments; the city: departments and district centres). The suggestion comes from
``suggest_department`` (部件 owner/maintainer, then the responsibility matrix) and is
preselected; the deadline shown is the handling limit counted from now on the working
calendar (改派 keeps the running deadline when the centre is configured so). The list can
be searched by typing; what is dispatched is the department whose name the box shows —
typed text that names no department is refused with a message (and the departments it
partly matches), never replaced by the suggestion.
"""

from __future__ import annotations

import html
import zoneinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox

from seatdesk.models.enums import DepartmentKind
from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.option_reads import DispatchOptions, dispatch_options
from seatdesk.ui.case.dialogs.base import ActionDialog

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


class DispatchDialog(ActionDialog):
    action = "dispatch"

    def build(self) -> None:
        self.options: DispatchOptions | None = None
        self.department = QComboBox(self)
        self.department.setObjectName("departmentCombo")
        self.department.setEditable(True)
        self.department.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.department.completer()
        completer.setFilterMode(completer.filterMode().MatchContains)
        self.department.currentIndexChanged.connect(lambda _i: self.show_rules(self.rule_html()))
        self.form.addRow(self.tr("Department"), self.department)

    def load(self) -> None:
        self.show_rules(self.tr("Reading the departments and the suggestion…"))
        wf, actor, case_id = self.wf, self.actor, self.case_id
        self.seat.read(f"dispatch.{id(self)}", lambda: dispatch_options(wf, actor, case_id),
                       self._options)

    def _options(self, options: DispatchOptions) -> None:
        self.options = options
        self.department.clear()
        for dept in options.departments:
            suffix = " " + self.tr("(district centre)") \
                if dept.kind == DepartmentKind.DISTRICT_CENTRE else ""
            self.department.addItem(dept.name + suffix, dept.id)
        chosen = options.suggestion.department_id if options.suggestion else None
        if self.action == "redispatch":
            chosen = None  # 改派 means somewhere else: nothing preselected
        self.department.setCurrentIndex(self.department.findData(chosen) if chosen else -1)
        self.show_rules(self.rule_html())

    def rule_html(self) -> str:
        o = self.options
        if o is None:
            return ""
        parts = []
        if o.suggestion is not None:
            parts.append(self.tr("Suggested: <b>%1</b> — %2").replace(
                "%1", html.escape(o.suggestion.department_name)).replace(
                "%2", html.escape(o.suggestion.reason)))
        else:
            parts.append(self.tr("No suggestion: neither a component owner nor the "
                                 "responsibility matrix names a department for this case."))
        parts.append(self._deadline_html(o))
        return "<br>".join(p for p in parts if p)

    def _deadline_html(self, o: DispatchOptions) -> str:
        if o.limit is None:
            return self.tr("The case has no handling limit (it was not filed under a condition).")
        limit = L.amount(*o.limit)
        if self.action == "redispatch" and o.keeps_deadline and o.current_deadline:
            due = o.current_deadline.astimezone(TZ)
            return self.tr("Handling limit %1; redispatch keeps the deadline %2").replace(
                "%1", limit).replace("%2", f"{due:%Y-%m-%d %H:%M}")
        if o.deadline_if_now is None:
            return ""
        due = o.deadline_if_now.astimezone(TZ)
        return self.tr("Handling limit %1: dispatched now, the deadline is <b>%2</b>").replace(
            "%1", limit).replace("%2", f"{due:%Y-%m-%d %H:%M}")

    def chosen(self) -> int | None:
        """The department whose name the box shows exactly (typed or picked), else None."""
        text = self.department.currentText().strip()
        index = self.department.findText(text, Qt.MatchFlag.MatchExactly) if text else -1
        return self.department.itemData(index) if index >= 0 else None

    def check(self) -> str:
        text = self.department.currentText().strip()
        if not text:
            return self.tr("Choose the department")
        if self.chosen() is None:
            close = [self.department.itemText(i) for i in range(self.department.count())
                     if text in self.department.itemText(i)]
            message = self.tr("「%1」 is not a department you may dispatch to: choose one from "
                              "the list").replace("%1", text)
            if close:
                message += self.tr(" (matching: %1)").replace("%1", "、".join(close[:5]))
            return message
        return ""

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        dept = self.chosen()
        return lambda: sd.dispatch(wf, actor, case_id, version, department_id=dept, note=reason)


class RedispatchDialog(DispatchDialog):
    """改派 to another department, with a reason; a wrong dispatch can be marked."""

    action = "redispatch"

    def build(self) -> None:
        super().build()
        self.dispatch_error = QCheckBox(self.tr("The previous dispatch was an error"), self)
        self.dispatch_error.setObjectName("dispatchError")
        self.form.addRow("", self.dispatch_error)

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        dept, error = self.chosen(), self.dispatch_error.isChecked()
        return lambda: sd.redispatch(wf, actor, case_id, version, department_id=dept,
                                     reason=reason, dispatch_error=error)
