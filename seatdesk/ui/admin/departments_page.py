"""Departments and command centres: code, name, kind, parent, phone, active."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit

from seatdesk.data import admin
from seatdesk.models.enums import DepartmentKind

from seatdesk.ui.admin.base import AdminPage, button_row, fill_combo, make_table, select_key, set_combo_data
from seatdesk.ui.admin.record_model import Column


class DepartmentsPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.editing: int | None = None
        self.table, self.model = make_table(self, [
            Column(self.tr("Code"), lambda d: d.code),
            Column(self.tr("Name"), lambda d: d.name),
            Column(self.tr("Kind"), lambda d: d.kind_label),
            Column(self.tr("Parent"), lambda d: d.parent_name),
            Column(self.tr("Phone"), lambda d: d.phone),
            Column(self.tr("Status"),
                   lambda d: self.tr("Active") if d.active else self.tr("Disabled")),
        ], stretch=1)
        self.code, self.name, self.phone = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        self.kind, self.parent_combo = QComboBox(self), QComboBox(self)
        for kind in DepartmentKind:
            self.kind.addItem(kind.label, kind.value)
        self.active = QCheckBox(self.tr("Active"), self)
        self.active.setChecked(True)
        form = QFormLayout()
        for label, widget in ((self.tr("Code"), self.code), (self.tr("Name"), self.name),
                              (self.tr("Kind"), self.kind), (self.tr("Parent"), self.parent_combo),
                              (self.tr("Phone"), self.phone), ("", self.active)):
            form.addRow(label, widget)
        buttons, (self.new_button, self.save_button) = button_row(
            self, (self.tr("New department"), self.new_department), (self.tr("Save"), self.save))
        self.assemble_record_page(form, buttons)

    def load(self, select: int | None = None) -> None:
        def show(departments):
            self.model.set_records(departments)
            fill_combo(self.parent_combo, [(self.tr("(none)"), None)] + [
                (f"{d.code} {d.name}", d.id) for d in departments])
            if select is not None:
                select_key(self.table, self.model, select)

        self.read("load", admin.list_departments, show)

    def edit(self, row: int) -> None:
        dept = self.model.record(row)
        self.editing = dept.id
        self.code.setText(dept.code)
        self.name.setText(dept.name)
        self.phone.setText(dept.phone)
        self.active.setChecked(dept.active)
        set_combo_data(self.kind, dept.kind)
        set_combo_data(self.parent_combo, dept.parent_id)

    def new_department(self) -> None:
        self.editing = None
        self.table.clearSelection()
        for edit in (self.code, self.name, self.phone):
            edit.clear()
        self.active.setChecked(True)
        set_combo_data(self.kind, DepartmentKind.DEPARTMENT.value)
        self.code.setFocus()

    def save(self) -> None:
        values = dict(code=self.code.text(), name=self.name.text(), kind=self.kind.currentData(),
                      parent_id=self.parent_combo.currentData(), phone=self.phone.text(),
                      active=self.active.isChecked(), department_id=self.editing)

        def saved(dept):
            self.editing = dept.id
            self.load(select=dept.id)
            self.changed.emit("departments")

        self.write(lambda s: admin.save_department(s, self.actor, **values), saved)
