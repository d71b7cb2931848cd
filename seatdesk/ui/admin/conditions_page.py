"""立案条件 per minor class with their 结案条件 and 处置时限 (by urgency and timing zone)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
)

from seatdesk.data import admin_rules
from seatdesk.models.enums import Urgency

from seatdesk.ui.admin.base import AdminPage, button_row, fill_combo, make_table, searchable, select_key
from seatdesk.ui.admin.record_model import Column


class ConditionsPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.editing: int | None = None
        self.case_class = searchable(QComboBox(self))
        self.case_class.setObjectName("conditionClass")
        self.case_class.currentIndexChanged.connect(lambda _i: self.load_conditions())
        self.table, self.model = make_table(self, [
            Column(self.tr("Code"), lambda c: c.code),
            Column(self.tr("Filing condition"), lambda c: c.text),
            Column(self.tr("Closure condition"), lambda c: c.closure_condition),
            Column(self.tr("Time limits"),
                   lambda c: "；".join(self._limit_text(t) for t in c.limits)),
            Column(self.tr("Review"), self._review),
        ], stretch=1)
        self.limit_table, self.limit_model = make_table(self, [
            Column(self.tr("Urgency"), lambda t: Urgency(t.urgency).label),
            Column(self.tr("Zone"), lambda t: t.zone or self.tr("All zones")),
            Column(self.tr("Time limit"), lambda t: t.text),
            Column(self.tr("Review"), lambda t: self.tr("Derived by rule")
                   if t.is_default else ""),
        ], stretch=2)
        self._build_forms()
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: current.isValid() and self.edit(current.row()))
        self.load_classes()

    def _build_forms(self) -> None:
        self.code, self.text = QLineEdit(self), QLineEdit(self)
        self.closure, self.unit = QLineEdit(self), QLineEdit(self)
        self.active = QCheckBox(self.tr("Active"), self)
        self.active.setChecked(True)
        form = QFormLayout()
        for label, widget in ((self.tr("Code"), self.code),
                              (self.tr("Filing condition"), self.text),
                              (self.tr("Closure condition"), self.closure),
                              (self.tr("Responsible unit"), self.unit), ("", self.active)):
            form.addRow(label, widget)
        cond_buttons, _ = button_row(self, (self.tr("New condition"), self.new_condition),
                                     (self.tr("Save condition"), self.save))
        self.urgency, self.zone = QComboBox(self), QComboBox(self)
        for urgency in Urgency:
            self.urgency.addItem(urgency.label, urgency.value)
        for zone in admin_rules.ZONES:
            self.zone.addItem(zone or self.tr("All zones"), zone)
        self.limit_text = QLineEdit(self)
        self.limit_text.setPlaceholderText(self.tr("e.g. 4工作时, 7工作日, 2小时"))
        limit_form = QFormLayout()
        limit_form.addRow(self.tr("Urgency"), self.urgency)
        limit_form.addRow(self.tr("Zone"), self.zone)
        limit_form.addRow(self.tr("Time limit"), self.limit_text)
        limit_buttons, _ = button_row(self, (self.tr("Set time limit"), self.set_limit),
                                      (self.tr("Remove time limit"), self.remove_limit))
        limits_box = QGroupBox(self.tr("Time limits of the selected condition"), self)
        box_layout = QVBoxLayout(limits_box)
        box_layout.addWidget(self.limit_table, 1)
        box_layout.addLayout(limit_form)
        box_layout.addLayout(limit_buttons)
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left.addLayout(form)
        left.addLayout(cond_buttons)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addWidget(limits_box, 2)
        layout = QVBoxLayout(self)
        top = QFormLayout()
        top.addRow(self.tr("Class"), self.case_class)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)

    def _review(self, condition) -> str:
        if condition.is_default:
            return self.tr("Default value, to review")
        if any(t.is_default for t in condition.limits):
            return self.tr("Urgent limit derived")
        return ""

    def _limit_text(self, limit) -> str:
        zone = f"{limit.zone}区" if limit.zone else ""
        return f"{Urgency(limit.urgency).label}{zone} {limit.text}"

    # -- loading ------------------------------------------------------------------------------
    def load_classes(self) -> None:
        def show(classes):
            fill_combo(self.case_class, [(c.title, c.id) for c in classes])
            self.load_conditions()

        self.read("classes", admin_rules.list_classes, show)

    def load_conditions(self, select: int | None = None) -> None:
        class_id = self.case_class.currentData()
        if class_id is None:
            return

        def show(conditions):
            self.model.set_records(conditions)
            self.limit_model.set_records(())
            if select is not None:
                select_key(self.table, self.model, select)
            elif conditions:
                self.table.selectRow(0)

        self.read("conditions", lambda s: admin_rules.list_conditions(s, class_id), show)

    def edit(self, row: int) -> None:
        condition = self.model.record(row)
        self.editing = condition.id
        self.code.setText(condition.code)
        self.text.setText(condition.text)
        self.closure.setText(condition.closure_condition)
        self.unit.setText(condition.responsible_unit)
        self.active.setChecked(condition.active)
        self.limit_model.set_records(condition.limits)

    # -- changes ------------------------------------------------------------------------------
    def new_condition(self) -> None:
        self.editing = None
        self.table.clearSelection()
        for edit in (self.code, self.text, self.closure, self.unit):
            edit.clear()
        self.limit_model.set_records(())
        self.code.setFocus()

    def save(self) -> None:
        class_id, condition_id = self.case_class.currentData(), self.editing
        values = dict(code=self.code.text(), text=self.text.text(),
                      closure_condition=self.closure.text(), responsible_unit=self.unit.text(),
                      active=self.active.isChecked())
        self.write(lambda s: admin_rules.save_condition(s, self.actor, class_id,
                                                         condition_id=condition_id, **values),
                   self._saved)

    def _saved(self, condition) -> None:
        self.editing = condition.id
        self.load_conditions(select=condition.id)
        self.changed.emit("conditions")

    def set_limit(self) -> None:
        if self.editing is None:
            self.show_message(self.tr("Select or save a filing condition first"), error=True)
            return
        condition_id, text = self.editing, self.limit_text.text()
        urgency, zone = self.urgency.currentData(), self.zone.currentData()
        self.write(lambda s: admin_rules.set_time_limit(s, self.actor, condition_id, urgency, zone,
                                                         text), self._saved)

    def remove_limit(self) -> None:
        index = self.limit_table.currentIndex()
        if not index.isValid() or self.editing is None:
            return
        limit_id, condition_id = self.limit_model.record(index.row()).id, self.editing

        def removed(_):
            self.load_conditions(select=condition_id)
            self.changed.emit("conditions")

        self.write(lambda s: admin_rules.remove_time_limit(s, self.actor, limit_id), removed,
                   self.tr("Removed"))
