"""核实 and 核查: sending the task to a supervisor, and the supervisor's answer.

Sending offers the active supervisors (with the account each signs in with) and
preselects the suggested one with the reason (the beat's supervisor, or the one last
seen nearest: ``supervisor_suggestion``); "any supervisor" sends the task to the case's
pool, whose members the dialog names — each of them sees it in 我的核实/核查任务 until one
takes it (``models/pools.py``). A supervisor takes a pooled task with 领取. The answers
take a note (a reason when the answer is negative) and photos.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QRadioButton, QWidget

from seatdesk.workflow import services as sd

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
        self.pool_text = ""

    def load(self) -> None:
        self.show_rules(self.rule_html())
        wf, case_id = self.wf, self.case_id
        self.seat.read(f"supervisors.{id(self)}", lambda: supervisor_options(wf, case_id),
                       self._people)

    def rule_html(self) -> str:
        return self._task_html() + self.pool_text

    def _task_html(self) -> str:
        if self.action == "send_check":
            return self.tr("核查: a supervisor checks on site whether the closure condition is "
                           "met: %1").replace("%1", html.escape(self.view.detail.closure_condition
                                                                or "—"))
        needed = self.view.facts.source_needs_verification
        return self.tr("核实: a supervisor confirms on site that the reported problem exists. "
                       "Reports of the sources that need it (public, hotlines, mailboxes, "
                       "media) are accepted only after a confirmed 核实.") + (
            "<br><b>" + self.tr("This report's source (%1) needs it.").replace(
                "%1", html.escape(self.view.facts.source_name)) + "</b>" if needed else "")

    def _people(self, options) -> None:
        suggestion = options.suggestion
        for person in options.people:
            text = f"{person.name}（{person.username}）"
            if suggestion is not None and person.id == suggestion.user_id:
                text += " · " + self.tr("suggested: %1").replace("%1", self._why(suggestion))
            self.supervisor.addItem(text, person.id)
        names = "、".join(options.pool) or "—"
        self.supervisor.setItemText(0, self.tr("Any supervisor (%1)").replace("%1", names))
        self.pool_text = "<br>" + self.tr("Sent to any supervisor, the task shows in the task "
                                          "box of each of %1 until one of them takes it.") \
            .replace("%1", html.escape(names))
        if suggestion is not None:
            self.supervisor.setCurrentIndex(self.supervisor.findData(suggestion.user_id))
        self.show_rules(self.rule_html())

    def _why(self, suggestion) -> str:
        return {"beat_nearest": self.tr("supervisor of this beat, last seen nearest"),
                "beat": self.tr("supervisor of this beat"),
                "nearest": self.tr("last seen nearest")}.get(suggestion.basis,
                                                              suggestion.reason)

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        who, fn = self.supervisor.currentData(), type(self).fn
        return lambda: fn(wf, actor, case_id, version, supervisor_id=who, note=reason)


class SendCheckDialog(SendTaskDialog):
    action = "send_check"
    fn = sd.send_check


class ClaimTaskDialog(ActionDialog):
    """领取: a supervisor takes a task sent to 任一监督员; the others no longer see it."""

    action, uses_reason = "claim_task", False

    def load(self) -> None:
        self.show_rules(self.tr("This task was sent to any supervisor of the case's pool. "
                                "Taking it makes it yours: it leaves the other supervisors' "
                                "task boxes. A task is taken once."))

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        return lambda: sd.claim_task(wf, actor, case_id, version)


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
