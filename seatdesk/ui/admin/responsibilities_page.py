"""Responsibility matrix: minor class × area (or the whole city) → department."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout

from seatdesk.data import admin, admin_rules
from seatdesk.models.enums import AdminLevel, ClassKind

from seatdesk.ui.admin.base import (
    AdminPage,
    button_row,
    fill_combo,
    make_table,
    searchable,
    select_key,
    set_combo_data,
)
from seatdesk.ui.admin.record_model import Column


class ResponsibilitiesPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.table, self.model = make_table(self, [
            Column(self.tr("Class code"), lambda r: r.class_code),
            Column(self.tr("Class"), lambda r: r.class_name),
            Column(self.tr("Kind"), lambda r: ClassKind(r.class_kind).label),
            Column(self.tr("Area"), lambda r: r.area_name),
            Column(self.tr("Responsible department"), lambda r: r.department_name),
        ], stretch=4)
        self.case_class = searchable(QComboBox(self))
        self.area, self.department = searchable(QComboBox(self)), QComboBox(self)
        form = QFormLayout()
        form.addRow(self.tr("Class"), self.case_class)
        form.addRow(self.tr("Area"), self.area)
        form.addRow(self.tr("Responsible department"), self.department)
        buttons, (self.set_button, self.remove_button) = button_row(
            self, (self.tr("Set responsibility"), self.save), (self.tr("Remove"), self.remove))
        self.assemble_record_page(form, buttons)

    def load(self, select: int | None = None) -> None:
        def fetch(session):
            return (admin_rules.list_responsibilities(session), admin_rules.list_classes(session),
                    admin_rules.list_areas(session), admin.list_departments(session))

        def show(result):
            rows, classes, areas, departments = result
            fill_combo(self.case_class, [(c.title, c.id) for c in classes])
            fill_combo(self.area, [(self.tr("Whole city"), None)] + [
                (f"{a.code} {a.name}（{AdminLevel(a.level).label}）", a.id) for a in areas])
            fill_combo(self.department, [(d.name, d.id) for d in departments if d.active])
            self.model.set_records(rows)
            if select is not None:
                select_key(self.table, self.model, select)

        self.read("load", fetch, show)

    def edit(self, row: int) -> None:
        record = self.model.record(row)
        set_combo_data(self.case_class, record.class_id)
        set_combo_data(self.area, record.area_id)
        set_combo_data(self.department, record.department_id)

    def save(self) -> None:
        class_id, area_id = self.case_class.currentData(), self.area.currentData()
        department_id = self.department.currentData()

        def saved(record):
            self.load(select=record.id)
            self.changed.emit("responsibilities")

        self.write(lambda s: admin_rules.set_responsibility(s, self.actor, class_id, area_id,
                                                            department_id), saved)

    def remove(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        record_id = self.model.record(index.row()).id

        def removed(_):
            self.load()
            self.changed.emit("responsibilities")

        self.write(lambda s: admin_rules.remove_responsibility(s, self.actor, record_id), removed,
                   self.tr("Removed"))
