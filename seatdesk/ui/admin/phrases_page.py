"""Common phrases (常用语) by category: reasons for voiding, returns, extensions …"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox

from seatdesk.data import admin

from seatdesk.ui.admin.base import AdminPage, button_row, make_table, select_key, set_combo_data
from seatdesk.ui.admin.record_model import Column


class PhrasesPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.editing: int | None = None
        self.table, self.model = make_table(self, [
            Column(self.tr("Category"), lambda p: p.category_label),
            Column(self.tr("Order"), lambda p: p.sort_order),
            Column(self.tr("Phrase"), lambda p: p.text),
        ], stretch=2)
        self.category = QComboBox(self)
        for key, label in admin.PHRASE_CATEGORIES.items():
            self.category.addItem(label, key)
        self.text = QLineEdit(self)
        self.order = QSpinBox(self)
        self.order.setRange(0, 999)
        form = QFormLayout()
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Phrase"), self.text)
        form.addRow(self.tr("Order"), self.order)
        buttons, _ = button_row(self, (self.tr("New phrase"), self.new_phrase),
                                (self.tr("Save"), self.save), (self.tr("Delete"), self.delete))
        self.assemble_record_page(form, buttons)

    def load(self, select: int | None = None) -> None:
        def show(phrases):
            self.model.set_records(phrases)
            if select is not None:
                select_key(self.table, self.model, select)

        self.read("load", admin.list_phrases, show)

    def edit(self, row: int) -> None:
        phrase = self.model.record(row)
        self.editing = phrase.id
        set_combo_data(self.category, phrase.category)
        self.text.setText(phrase.text)
        self.order.setValue(phrase.sort_order)

    def new_phrase(self) -> None:
        self.editing = None
        self.table.clearSelection()
        self.text.clear()
        self.order.setValue(0)
        self.text.setFocus()

    def save(self) -> None:
        values = dict(category=self.category.currentData(), text=self.text.text(),
                      sort_order=self.order.value(), phrase_id=self.editing)

        def saved(phrase):
            self.editing = phrase.id
            self.load(select=phrase.id)
            self.changed.emit("phrases")

        self.write(lambda s: admin.save_phrase(s, self.actor, **values), saved)

    def delete(self) -> None:
        if self.editing is None:
            return
        phrase_id = self.editing

        def deleted(_):
            self.editing = None
            self.load()
            self.changed.emit("phrases")

        self.write(lambda s: admin.delete_phrase(s, self.actor, phrase_id), deleted,
                   self.tr("Deleted"))
