"""回访: the acceptor calls back a caller who asked for it, after 结案.

The dialog lists the callers still waiting (name, phone, attempts so far), takes the
outcome — 满意 / 基本满意 / 不满意 / 无法联系 — and a note (the caller's words; required for
不满意), and says what the outcome does under the centre's settings: 不满意 reopens the
case to the same department (``callback_dissatisfied_reopens``), 无法联系 is tried again
up to ``callback_max_attempts`` times. The engine records one ``callback`` ledger row.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QButtonGroup, QComboBox, QGridLayout, QRadioButton, QWidget

from seatdesk.models import get_setting
from seatdesk.models.enums import CallbackOutcome
from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.dialogs.base import ActionDialog


class CallbackDialog(ActionDialog):
    """回访 one caller of a closed case."""

    action = "callback"
    phrase_category = "callback_note"

    def build(self) -> None:
        self.caller = QComboBox(self)
        self.caller.setObjectName("callbackCaller")
        for r in self.view.detail.reporters:
            if r.callback_due:
                tried = self.tr(" · %1 attempts so far").replace("%1", str(r.callback_attempts)) \
                    if r.callback_attempts else ""
                self.caller.addItem(f"{r.name or self.tr('anonymous')} {r.phone}{tried}", r.id)
        self.form.addRow(self.tr("Caller"), self.caller)
        box = QWidget(self)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.outcomes = QButtonGroup(self)
        self.outcome_buttons: dict[str, QRadioButton] = {}
        for i, outcome in enumerate(CallbackOutcome):
            button = QRadioButton(L.callback(outcome.value), box)
            button.setObjectName(f"callback_{outcome.value}")
            self.outcomes.addButton(button)
            self.outcome_buttons[outcome.value] = button
            grid.addWidget(button, i // 2, i % 2)
        self.outcome_buttons["satisfied"].setChecked(True)
        self.form.addRow(self.tr("Outcome"), box)
        self.settings = (3, True)

    def load(self) -> None:
        seat = self.seat

        def work():
            with seat.sessions() as session:
                return (int(get_setting(session, "callback_max_attempts")),
                        bool(get_setting(session, "callback_dissatisfied_reopens")))

        self.show_rules(self.rule_html())
        self.seat.read(f"callback.{id(self)}", work, self._settings)

    def _settings(self, settings) -> None:
        self.settings = settings
        self.show_rules(self.rule_html())

    def rule_html(self) -> str:
        attempts, reopens = self.settings
        dissatisfied = self.tr("不满意 sends the case back to the same department to be handled "
                               "again (返工); the caller is called back after the next closure.") \
            if reopens else self.tr("不满意 is recorded; the case stays closed.")
        return "<br>".join([
            self.tr("The caller asked to be called back once the case was closed. Record what "
                    "the caller says about the result: %1").replace(
                "%1", html.escape(self.view.detail.closure_condition or "—")),
            dissatisfied,
            self.tr("无法联系 is tried again later, %1 attempts in all.").replace(
                "%1", str(attempts))])

    def outcome(self) -> str:
        return next(v for v, b in self.outcome_buttons.items() if b.isChecked())

    def check(self) -> str:
        if self.caller.count() == 0:
            return self.tr("No caller of this case waits for a callback")
        if self.outcome() == CallbackOutcome.DISSATISFIED and not self.reason.value():
            return self.tr("Write down what the dissatisfied caller says")
        return ""

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        outcome, caller = self.outcome(), self.caller.currentData()
        return lambda: sd.callback(wf, actor, case_id, version, outcome=outcome,
                                   reporter_id=caller, note=reason)
