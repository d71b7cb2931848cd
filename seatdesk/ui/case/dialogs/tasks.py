"""核实 and 核查: sending the task to a supervisor, and the supervisor's answer.

Sending offers the active supervisors with the one last seen nearest the case
preselected (``suggest_supervisor``); "any supervisor" leaves the task open to all. The
answers take a note (a reason when the answer is negative) and photos.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QRadioButton, QWidget

from seatdesk.models.enums import CaseSource
from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.option_reads import supervisor_options
from seatdesk.ui.case.dialogs.base import ActionDialog, FilePicker


class SendTaskDialog(ActionDialog):
    """派发核实 / 派发核查 to a supervisor."""

    action = "send_verification"
    fn = sd.send_verification

    def build(self) -> None:
        self.supervisor = QComboBox(self)
        self.supervisor.setObjectName("supervisorCombo")
        self.supervisor.addItem(self.tr("Any supervisor"), None)
        self.form.addRow(self.tr("Supervisor"), self.supervisor)

    def load(self) -> None:
        self.show_rules(self.rule_html())
        wf, case_id = self.wf, self.case_id
        self.seat.read(f"supervisors.{id(self)}", lambda: supervisor_options(wf, case_id),
                       self._people)

    def rule_html(self) -> str:
        source = self.view.detail.source
        if self.action == "send_check":
            return self.tr("核查: a supervisor checks on site whether the closure condition is "
                           "met: %1").replace("%1", html.escape(self.view.detail.closure_condition
                                                                or "—"))
        public = source in {s.value for s in CaseSource if s.is_public}
        return self.tr("核实: a supervisor confirms on site that the reported problem exists. "
                       "Reports from the public, hotlines, mailboxes and media need a confirmed "
                       "核实 before they can be accepted.") + (
            "<br><b>" + self.tr("This report's source (%1) needs it.").replace(
                "%1", L.source(source)) + "</b>" if public else "")

    def _people(self, result) -> None:
        people, suggested = result
        for person in people:
            text = person.name
            if person.id == suggested:
                text += " " + self.tr("(suggested: last seen nearest)")
            self.supervisor.addItem(text, person.id)
        if suggested is not None:
            self.supervisor.setCurrentIndex(self.supervisor.findData(suggested))

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        who, fn = self.supervisor.currentData(), type(self).fn
        return lambda: fn(wf, actor, case_id, version, supervisor_id=who, note=reason)


class SendCheckDialog(SendTaskDialog):
    action = "send_check"
    fn = sd.send_check


class VerifyDialog(ActionDialog):
    """核实回复: the problem exists (confirmed) or not (refuted, with a note)."""

    action = "verify"

    def build(self) -> None:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.confirmed = QRadioButton(self.tr("Confirmed: the problem exists"), box)
        self.refuted = QRadioButton(self.tr("Not confirmed"), box)
        self.confirmed.setObjectName("verifyConfirmed")
        self.refuted.setObjectName("verifyRefuted")
        group = QButtonGroup(self)
        group.addButton(self.confirmed)
        group.addButton(self.refuted)
        self.confirmed.setChecked(True)
        row.addWidget(self.confirmed)
        row.addWidget(self.refuted)
        self.form.addRow(self.tr("Result"), box)
        self.files = FilePicker(self)
        self.form.addRow(self.tr("Photos"), self.files)

    def load(self) -> None:
        self.show_rules(self.tr("Describe what you found on site. A report that is not "
                                "confirmed needs a note."))

    def check(self) -> str:
        if self.refuted.isChecked() and not self.reason.value():
            return self.tr("Say what you found when the report is not confirmed")
        return ""

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        confirmed, files = self.confirmed.isChecked(), self.files.files()
        return lambda: sd.verify(wf, actor, case_id, version, confirmed=confirmed, note=reason,
                                 attachments=files)


class CheckDialog(ActionDialog):
    """核查通过 / 核查不通过(返工): judged against the case's closure condition."""

    action = "check_pass"

    def build(self) -> None:
        self.files = FilePicker(self)
        self.form.addRow(self.tr("Photos"), self.files)

    def load(self) -> None:
        feedback = next((r for r in reversed(self.view.history) if r.action == "feedback"), None)
        text = self.tr("Closure condition: %1").replace(
            "%1", html.escape(self.view.detail.closure_condition or "—"))
        if feedback is not None:
            text += "<br>" + self.tr("Department's feedback: %1").replace(
                "%1", html.escape(feedback.reason))
        if self.action == "check_fail":
            text += "<br>" + self.tr("A failed check sends the case back to the same department "
                                     "for rework (counted as a rework round).")
        self.show_rules(text)

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        files = self.files.files()
        if self.action == "check_fail":
            return lambda: sd.check_fail(wf, actor, case_id, version, reason=reason,
                                         attachments=files)
        return lambda: sd.check_pass(wf, actor, case_id, version, note=reason, attachments=files)


class CheckFailDialog(CheckDialog):
    action = "check_fail"
    phrase_category = "check_fail_reason"
