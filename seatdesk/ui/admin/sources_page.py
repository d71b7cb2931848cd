"""Case sources (案件来源): enable, rename, order, public or not, needs 核实 or not, new ones.

What the intake form offers, the order it offers them in, and the rules the engine reads
(``case_sources``): a public source counts in 漏报 and 监督举报率; a source that needs 核实
is accepted only after a supervisor confirmed the report on site.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLineEdit, QWidget

from seatdesk.data import admin_sources
from seatdesk.models.sources import list_sources
from seatdesk.ui import enum_labels as L
from seatdesk.ui.admin.base import AdminPage, button_row, make_table, select_key
from seatdesk.ui.admin.record_model import Column


class SourcesPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.editing: str | None = None
        yes = self.tr("yes")
        self.table, self.model = make_table(self, [
            Column(self.tr("Order"), lambda s: s.sort_order),
            Column(self.tr("Code"), lambda s: s.code),
            Column(self.tr("Name"), lambda s: L.source_name(s.code, s.name)),
            Column(self.tr("Offered"), lambda s: yes if s.enabled else ""),
            Column(self.tr("Public"), lambda s: yes if s.public else ""),
            Column(self.tr("Needs 核实"), lambda s: yes if s.needs_verification else ""),
        ], stretch=2)
        self.code, self.name = QLineEdit(self), QLineEdit(self)
        self.code.setObjectName("sourceCode")
        self.name.setObjectName("sourceName")
        self.enabled = QCheckBox(self.tr("Offered at intake"), self)
        self.public = QCheckBox(self.tr("A report from the public (漏报, 监督举报率)"), self)
        self.verify = QCheckBox(self.tr("Needs 核实 before 受理"), self)
        flags = QWidget(self)
        row = QHBoxLayout(flags)
        row.setContentsMargins(0, 0, 0, 0)
        for box in (self.enabled, self.public, self.verify):
            row.addWidget(box)
        row.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Code"), self.code)
        form.addRow(self.tr("Name"), self.name)
        form.addRow("", flags)
        buttons, _ = button_row(self, (self.tr("New source"), self.new_source),
                                (self.tr("Save"), self.save), (self.tr("Move up"), self.up),
                                (self.tr("Move down"), self.down))
        self.assemble_record_page(form, buttons)

    def load(self, select: str | None = None) -> None:
        def show(sources):
            self.model.set_records(sources)
            if select is not None:
                select_key(self.table, self.model, select)

        self.read("load", list_sources, show)

    def edit(self, row: int) -> None:
        source = self.model.record(row)
        self.editing = source.code
        self.code.setText(source.code)
        self.code.setReadOnly(True)  # cases keep the code: only the name changes
        self.name.setText(source.name)
        self.enabled.setChecked(source.enabled)
        self.public.setChecked(source.public)
        self.verify.setChecked(source.needs_verification)

    def new_source(self) -> None:
        self.editing = None
        self.table.clearSelection()
        self.code.setReadOnly(False)
        for edit in (self.code, self.name):
            edit.clear()
        self.enabled.setChecked(True)
        self.public.setChecked(True)
        self.verify.setChecked(True)
        self.code.setFocus()

    def save(self) -> None:
        values = dict(code=self.code.text(), name=self.name.text(),
                      enabled=self.enabled.isChecked(), public=self.public.isChecked(),
                      needs_verification=self.verify.isChecked(), new=self.editing is None)
        self.write(lambda s: admin_sources.save_source(s, self.actor, **values), self._saved)

    def up(self) -> None:
        self._move(-1)

    def down(self) -> None:
        self._move(1)

    def _move(self, step: int) -> None:
        if self.editing is None:
            return
        code = self.editing
        self.write(lambda s: admin_sources.move_source(s, self.actor, code, step), self._saved)

    def _saved(self, source) -> None:
        self.editing = source.code
        self.load(select=source.code)
        self.changed.emit("sources")
