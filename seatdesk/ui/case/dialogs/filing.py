"""受理 and 立案: classifying the case and choosing its filing condition (立案条件).

The filing dialog lists every active filing condition of the chosen minor class with its
time limits (by urgency and timing zone) and its closure condition (结案条件), marks
placeholder values an administrator should still review, and says which limit this case
will get — the handling clock starts at dispatch. The limit of each urgency shows before
the shift lead chooses: in each condition's line and beside each urgency of the chosen
condition (a 紧急 limit derived by rule is marked; a missing one says so).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QListWidget, QListWidgetItem

from seatdesk.models.enums import Urgency
from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.intake.class_picker import ClassPicker
from seatdesk.ui.case.option_reads import ConditionInfo, class_entries, filing_conditions
from seatdesk.ui.case.dialogs.base import ActionDialog


def urgency_combo(parent, current: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName("urgencyCombo")
    for value in Urgency:
        combo.addItem(L.urgency(value.value), value.value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class _ClassifyingDialog(ActionDialog):
    """A dialog with the class picker (preset to the case's class) and the urgency."""

    uses_reason = False

    def build(self) -> None:
        self.class_picker = ClassPicker(self)
        self.urgency = urgency_combo(self, self.view.detail.urgency)
        self.form.addRow(self.tr("Class"), self.class_picker)
        self.form.addRow(self.tr("Urgency"), self.urgency)

    def load(self) -> None:
        seat, current = self.seat, self.view.detail.class_id

        def work():
            with seat.sessions() as session:
                return class_entries(session)

        def show(entries) -> None:
            self.class_picker.set_entries(entries)
            self.class_picker.set_current(current)
            self.class_changed(self.class_picker.current())

        self.seat.read(f"classes.{id(self)}", work, show)
        self.class_picker.class_chosen.connect(self.class_changed)

    def class_changed(self, entry) -> None:
        """The chosen class changed (None: no class)."""

    def chosen_class(self) -> int | None:
        entry = self.class_picker.current()
        return entry.id if entry else None


class AcceptDialog(_ClassifyingDialog):
    """受理: the report is valid; optionally (re)classify it and set the urgency."""

    action = "accept"

    def class_changed(self, entry) -> None:
        self.show_rules(self.rule_html())

    def rule_html(self) -> str:
        d = self.view.detail
        text = self.tr("Accepting makes the report a case awaiting filing by the shift lead.")
        if self.view.facts.verification == "confirmed":
            text += "<br>" + self.tr("核实: confirmed on site.")
        elif self.view.facts.verification == "refuted":
            text += "<br><b>" + self.tr("核实: NOT confirmed on site.") + "</b>"
        if d.reporters:
            text += "<br>" + self.tr("Callers: %1").replace("%1", str(len(d.reporters)))
        return text

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        class_id, urgency = self.chosen_class(), self.urgency.currentData()
        return lambda: sd.accept(wf, actor, case_id, version, class_id=class_id, urgency=urgency)


class FilingDialog(_ClassifyingDialog):
    """立案 under one of the class's filing conditions."""

    action = "file"

    def build(self) -> None:
        super().build()
        self.setMinimumWidth(780)
        self.conditions = QListWidget(self)
        self.conditions.setObjectName("conditionList")
        self.conditions.setWordWrap(True)
        self.conditions.setMinimumHeight(110)
        self.conditions.currentRowChanged.connect(lambda _row: self._condition_changed())
        self.urgency.currentIndexChanged.connect(lambda _i: self.show_rules(self.rule_html()))
        self.form.addRow(self.tr("Filing condition"), self.conditions)
        self.options: tuple[ConditionInfo, ...] = ()

    def class_changed(self, entry) -> None:
        self.options = ()
        self.conditions.clear()
        self.show_rules(self.rule_html())
        if entry is None:
            return
        seat, class_id = self.seat, entry.id

        def work():
            with seat.sessions() as session:
                return filing_conditions(session, class_id)

        self.seat.read(f"conditions.{id(self)}", work, self._conditions)

    def _condition_changed(self) -> None:
        self._label_urgencies()
        self.show_rules(self.rule_html())

    def _label_urgencies(self) -> None:
        """Each urgency with the chosen condition's limit for the case's zone."""
        cond = self.chosen_condition()
        for i in range(self.urgency.count()):
            value = self.urgency.itemData(i)
            text = L.urgency(value)
            if cond is not None:
                text += f"（{self._limit_text(cond.limit_for(value, self.view.facts.zone))}）"
            self.urgency.setItemText(i, text)

    def _limit_text(self, limit) -> str:
        if limit is None:
            return self.tr("no time limit")
        text = L.amount(limit.value, limit.unit)
        return text + self.tr(", derived") if limit.is_default else text

    def _limits_line(self, cond: ConditionInfo) -> str:
        """``一般 6 小时 · 紧急 2 小时`` for the case's zone."""
        return " · ".join(f"{L.urgency(u.value)} "
                          f"{self._limit_text(cond.limit_for(u.value, self.view.facts.zone))}"
                          for u in Urgency)

    def _conditions(self, options: tuple[ConditionInfo, ...]) -> None:
        self.options = options
        self.conditions.clear()
        for cond in options:
            flag = " ⚠" if cond.is_default else ""
            item = QListWidgetItem(f"{cond.code} {cond.text}{flag}\n    {self._limits_line(cond)}")
            item.setData(Qt.ItemDataRole.UserRole, cond.id)
            self.conditions.addItem(item)
        if len(options) == 1:
            self.conditions.setCurrentRow(0)
        self._condition_changed()

    def chosen_condition(self) -> ConditionInfo | None:
        row = self.conditions.currentRow()
        return self.options[row] if 0 <= row < len(self.options) else None

    def rule_html(self) -> str:
        if self.class_picker.current() is None:
            return self.tr("Choose the minor class first: filing needs one of its filing "
                           "conditions, which sets the time limit and the closure condition.")
        if not self.options:
            return self.tr("This class has no active filing condition: an administrator must "
                           "add one before cases of it can be filed.")
        rows = "".join(self._condition_row(c) for c in self.options)
        return (self.tr("Filing conditions of this class (time limit by urgency and zone; "
                        "closure condition):") + f"<table cellspacing=4>{rows}</table>"
                + self._chosen_html())

    def _condition_row(self, cond: ConditionInfo) -> str:
        limits = "、".join(
            f"{L.urgency(x.urgency)}{('·' + x.zone + self.tr(' zone')) if x.zone else ''} "
            f"{L.amount(x.value, x.unit)}{self.tr(', derived') if x.is_default else ''}"
            for x in cond.limits) or self.tr("no limit set")
        review = self.tr("placeholder value, to be reviewed")
        mark = f" <i>({review})</i>" if cond.is_default else ""
        bold = "b" if cond is self.chosen_condition() else "span"
        return (f"<tr><td><{bold}>{html.escape(cond.text)}</{bold}>{mark}</td>"
                f"<td>{html.escape(limits)}</td><td>{html.escape(cond.closure_condition)}</td></tr>")

    def _chosen_html(self) -> str:
        cond = self.chosen_condition()
        if cond is None:
            return ""
        limit = cond.limit_for(self.urgency.currentData(), self.view.facts.zone)
        if limit is None:
            return "<br><b>" + self.tr("No time limit for this urgency: filing will be "
                                       "refused until an administrator adds one.") + "</b>"
        return "<br><b>" + self.tr("This case gets %1, counted from the dispatch; it closes "
                                   "when: %2").replace("%1", L.amount(limit.value, limit.unit)) \
            .replace("%2", html.escape(cond.closure_condition)) + "</b>"

    def check(self) -> str:
        if self.class_picker.current() is None:
            return self.tr("Choose the minor class")
        if self.chosen_condition() is None:
            return self.tr("Choose the filing condition")
        return ""

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        cond, class_id = self.chosen_condition().id, self.chosen_class()
        urgency = self.urgency.currentData()
        return lambda: sd.file(wf, actor, case_id, version, condition_id=cond, class_id=class_id,
                               urgency=urgency)
