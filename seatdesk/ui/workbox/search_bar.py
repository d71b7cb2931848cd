"""The work-box search bar: every ``CaseFilter`` field, Enter searches, Esc clears."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from seatdesk.models.queues import CaseFilter
from seatdesk.models.sources import SHIPPED

from seatdesk.ui.source_combo import fill_sources

NO_DATE = QDate(2000, 1, 1)  # the minimum date shows as blank and means "any"
TEXT_FIELDS = ("number", "text", "address", "caller_phone", "grid_code", "component_code",
               "class_code")
COMPACT_BELOW = 1000  # the bar's width in pixels below which it folds to one row
WIDE_ROWS = (("number", "text", "address", "caller_phone", "source"),
             ("grid_code", "component_code", "class_code", "from", "to"))
COMPACT_ROWS = (("number", "text", "source"), ("address", "caller_phone", "grid_code"),
                ("component_code", "class_code", "from", "to"))


class SearchBar(QWidget):
    search_requested = Signal(object)  # CaseFilter

    def __init__(self, parent=None, tz: dt.tzinfo = zoneinfo.ZoneInfo("Asia/Shanghai")):
        super().__init__(parent)
        self.tz = tz
        self.fields: dict[str, QLineEdit] = {}
        placeholders = {
            "number": self.tr("Case number"), "text": self.tr("Description or address"),
            "address": self.tr("Address"), "caller_phone": self.tr("Caller phone"),
            "grid_code": self.tr("Grid code"), "component_code": self.tr("Component code"),
            "class_code": self.tr("Code, name or pinyin"),
        }
        for name in TEXT_FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"search_{name}")
            edit.setPlaceholderText(placeholders[name])
            edit.setClearButtonEnabled(True)
            # never narrower than its placeholder (with the clear button): no "案…"
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(placeholders[name]) + 40)
            edit.returnPressed.connect(self.submit)
            self.fields[name] = edit
        self.source = QComboBox(self)
        self.source.setObjectName("search_source")
        self.source.setSizeAdjustPolicy(  # as wide as "any source", not the longest source
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(8)
        self.set_sources(SHIPPED)  # the configured list replaces it once read
        self.date_from = self._date_edit("search_from")
        self.date_to = self._date_edit("search_to")
        self.search_button = QPushButton(self.tr("Search"), self)
        self.search_button.clicked.connect(self.submit)
        self.clear_button = QPushButton(self.tr("Clear"), self)
        self.clear_button.clicked.connect(self.clear)
        self._class_model = QStringListModel(self)
        completer = QCompleter(self._class_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.fields["class_code"].setCompleter(completer)
        self._lay_out()

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText(" ")
        edit.setDate(NO_DATE)
        return edit

    def _lay_out(self) -> None:
        """Two rows of five fields when there is room; below ``COMPACT_BELOW`` pixels (a
        1280×720 screen with the map) or what the two rows need in the UI language the number, text and source stay in one row with the
        buttons, and the other fields fold away behind “More filters”, so no field shrinks
        below what its text needs."""
        f = self.fields
        captions = {"number": self.tr("Number"), "text": self.tr("Text"),
                    "address": self.tr("Address"), "caller_phone": self.tr("Phone"),
                    "source": self.tr("Source"), "grid_code": self.tr("Grid"),
                    "component_code": self.tr("Component"), "class_code": self.tr("Class"),
                    "from": self.tr("From"), "to": self.tr("To")}
        widgets = {**f, "source": self.source, "from": self.date_from, "to": self.date_to}
        self.pairs: dict[str, tuple[QLabel, QWidget]] = {}
        for key, widget in widgets.items():
            caption = QLabel(captions[key], self)
            caption.setBuddy(widget)
            self.pairs[key] = (caption, widget)
        self.more = QPushButton(self.tr("More filters"), self)
        self.more.setObjectName("searchMore")
        self.more.setCheckable(True)
        self.more.toggled.connect(lambda _on: self._arrange(self.compact))
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.compact = False
        self._arrange(False)
        # what the two full rows need in this language (English needs more than 1000 px);
        # the bar may be narrower than that (then it folds), so its parent is never widened
        self.wide_min = self.outer.minimumSize().width()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        order = [f["number"], f["text"], f["address"], f["caller_phone"], self.source,
                 f["grid_code"], f["component_code"], f["class_code"], self.date_from,
                 self.date_to, self.search_button, self.clear_button, self.more]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _arrange(self, compact: bool) -> None:
        """Wide: one grid, so the two rows' fields line up. Compact: a row layout per row
        (a shared grid would make the first row's fields as narrow as the folded rows')."""
        self.compact = compact
        _empty(self.outer)
        rows = COMPACT_ROWS if compact else WIDE_ROWS
        folded = compact and not (self.more.isChecked() or self._extra_in_use())
        rows = rows[:1] if folded else rows
        grid = QGridLayout()
        self.outer.addLayout(grid)
        for r, keys in enumerate(rows):
            line = QHBoxLayout() if compact else None
            if line is not None:
                self.outer.addLayout(line)
            for c, key in enumerate(keys):
                caption, widget = self.pairs[key]
                if line is not None:
                    line.addWidget(caption)
                    line.addWidget(widget, 2 if key == "text" else 1)  # the main search field
                else:
                    grid.addWidget(caption, r, 2 * c, Qt.AlignmentFlag.AlignRight)
                    grid.addWidget(widget, r, 2 * c + 1)
                    grid.setColumnStretch(2 * c + 1, 1)
            if line is not None and r == 0:
                for button in (self.search_button, self.clear_button, self.more):
                    line.addWidget(button)
        if not compact:
            grid.addWidget(self.search_button, 0, 10)
            grid.addWidget(self.clear_button, 1, 10)
        placed = {key for keys in rows for key in keys}
        for key, (caption, widget) in self.pairs.items():
            caption.setVisible(key in placed)
            widget.setVisible(key in placed)
        self.more.setVisible(compact)

    def _extra_in_use(self) -> bool:
        extra = {key for keys in COMPACT_ROWS[1:] for key in keys}
        return any(key in self.fields and self.fields[key].text() for key in extra) or \
            self.date_from.date() != NO_DATE or self.date_to.date() != NO_DATE

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        compact = event.size().width() < max(COMPACT_BELOW, self.wide_min)
        if compact != self.compact:
            self._arrange(compact)

    # -- public -------------------------------------------------------------------------------
    def set_phone_allowed(self, allowed: bool) -> None:
        """Roles that may not see callers' numbers may not search by them either."""
        self.fields["caller_phone"].setEnabled(allowed)
        if not allowed:
            self.fields["caller_phone"].clear()

    def set_sources(self, sources) -> None:
        """Every configured source (disabled ones too: old cases keep them)."""
        fill_sources(self.source, sources, patrol=True, first=(self.tr("Any source"), ""))

    def set_classes(self, entries: Sequence[str]) -> None:
        """Completion entries such as ``"01001 供水井盖 gsjg"``."""
        self._class_model.setStringList(list(entries))

    def focus_search(self) -> None:
        self.fields["text"].setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.fields["text"].selectAll()

    def filters(self) -> CaseFilter:
        values = {name: edit.text().strip() for name, edit in self.fields.items()}
        values["class_code"] = self._class_code(values["class_code"])
        return CaseFilter(**values, source=self.source.currentData() or "",
                          reported_from=self._moment(self.date_from, 0),
                          reported_to=self._moment(self.date_to, 1))

    def _class_code(self, text: str) -> str:
        """``"01001 供水井盖 gsjg"`` → ``01001``; a name or pinyin → the first class matching."""
        word = text.split(" ")[0]
        if not word or word.isdigit():
            return word
        for entry in self._class_model.stringList():
            if word.lower() in entry.lower():
                return entry.split(" ")[0]
        return word

    def submit(self) -> None:
        self.search_requested.emit(self.filters())

    def clear(self) -> None:
        for edit in self.fields.values():
            edit.clear()
        self.source.setCurrentIndex(0)
        self.date_from.setDate(NO_DATE)
        self.date_to.setDate(NO_DATE)
        self.submit()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            return
        super().keyPressEvent(event)

    def _moment(self, edit: QDateEdit, days: int) -> dt.datetime | None:
        """Local midnight of the chosen day (+ ``days``) as an aware UTC datetime."""
        if edit.date() == NO_DATE:
            return None
        day = edit.date().toPython() + dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.tz).astimezone(dt.timezone.utc)


def _empty(layout) -> None:
    """Take every item out of ``layout``, deleting nested layouts but not the widgets."""
    while layout.count():
        item = layout.takeAt(0)
        if item.layout() is not None:
            _empty(item.layout())
            item.layout().deleteLater()
