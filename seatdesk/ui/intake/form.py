"""The hotline intake form (热线受理) for call-takers: who calls, where, what, how urgent.

Tab order follows the call: source → caller name → phone → anonymous → callback →
location search → map pick → address → component → class → description → common
phrase → urgency → attachments → save. Everything is reachable without the mouse:
Ctrl+S saves, Ctrl+M merges into the chosen duplicate, F9 picks on the map,
Ctrl+Shift+Backspace starts a new form.

As soon as the location (and the class or component) is known the form asks the engine for
duplicate candidates and shows the recent history of the same grid cell and component. The panel
always belongs to the location on screen: moving the location drops the old candidates at once,
and an answer for an earlier location or description is ignored (``LocationModel`` keeps the
location's views in step). Saving with candidates on screen asks once more (Ctrl+S again saves a
new case; Ctrl+M merges instead: the report is registered and merged into the chosen case, so
the caller joins its callback list). A point outside the city's extent is said in red as
soon as it is resolved, and saving or merging it asks once more (``OutsideCityPrompt``: the
default is not to register; the report stays in the form as it was). A save that cannot reach
the database goes to the outbox (``offline_queue``) and is submitted when the connection
returns.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from seatdesk.models.enums import Urgency
from seatdesk.workflow.validation import InvalidInput, checked_report

from seatdesk.ui import enum_labels as L
from seatdesk.ui.inputs import watch_inputs
from seatdesk.ui.intake.class_picker import ClassPicker
from seatdesk.ui.case.dialogs.base import FilePicker, ReasonField
from seatdesk.ui.intake.checks import Precheck, precheck
from seatdesk.ui.intake.models import CASE_ID_ROLE, DuplicateModel, HistoryModel
from seatdesk.ui.intake.submit import IntakeSubmitter
from seatdesk.ui.intake.limit_hint import LimitHint
from seatdesk.ui.intake.location_picker import LocationPicker
from seatdesk.ui.intake.outside_city import OutsideCityPrompt
from seatdesk.ui.session.offline_queue import DraftFile, IntakeDraft, Outbox, new_intake_key
from seatdesk.ui.source_combo import load_sources
from seatdesk.ui.case.option_reads import class_entries
from seatdesk.ui.session.seat import Seat

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,19}$")
CHECK_DELAY_MS = 300
ERROR_STYLE = "color: #c62828; font-weight: 600;"
OK_STYLE = "color: #2e7d32; font-weight: 600;"


class IntakeForm(QWidget):
    case_registered = Signal(int)  # the case the call ended in (new, or the merge survivor)
    pick_requested = Signal(bool)

    def __init__(self, seat: Seat, outbox: Outbox, parent=None):
        super().__init__(parent)
        self.seat, self.outbox = seat, outbox
        self.checked: Precheck | None = None
        self.warned_key: tuple | None = None
        self.confirmed_key: tuple | None = None  # registering outside the city: said yes to
        self.outside_prompt: OutsideCityPrompt | None = None
        self._after_check = None  # the save waiting for the duplicate check's reply
        self.origin: str | None = None  # the outbox entry (intake key) this form came from
        self.intake_key = new_intake_key()  # this report's identity, kept to its registration
        self.submitter = IntakeSubmitter(self)
        self._build()
        self._lay_out()
        self._shortcuts()
        self._timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS,
                             timeout=self.run_precheck)
        self._watch()
        self._load_classes()

    # -- construction -----------------------------------------------------------------------
    def _build(self) -> None:
        self.source = QComboBox(self)
        self.source.setObjectName("intakeSource")
        load_sources(self.seat, self.source, patrol=False, enabled_only=True)
        self.caller_name = QLineEdit(self)
        self.caller_name.setObjectName("intakeCallerName")
        self.caller_phone = QLineEdit(self)
        self.caller_phone.setObjectName("intakeCallerPhone")
        self.anonymous = QCheckBox(self.tr("Anonymous caller"), self)
        self.anonymous.setObjectName("intakeAnonymous")
        self.callback = QCheckBox(self.tr("Caller wants a callback"), self)
        self.callback.setObjectName("intakeCallback")
        self.location = LocationPicker(self.seat, self)
        self.class_picker = ClassPicker(self)
        self.description = ReasonField(self.seat, "description", self)
        self.description.text.setObjectName("intakeDescription")
        self.description.text.setPlaceholderText(self.tr("What the caller reports"))
        self.urgency = QComboBox(self)
        self.urgency.setObjectName("intakeUrgency")
        for value in Urgency:
            self.urgency.addItem(L.urgency(value.value), value.value)
        self.limit_hint = LimitHint(self.seat, self)
        self.files = FilePicker(self)
        self._build_buttons()
        self._build_checks()

    def _build_buttons(self) -> None:
        self.save_button = QPushButton(self.tr("Save (Ctrl+S)"), self)
        self.save_button.setObjectName("intakeSave")
        self.merge_button = QPushButton(self.tr("Merge into the chosen case (Ctrl+M)"), self)
        self.merge_button.setObjectName("intakeMerge")
        self.clear_button = QPushButton(self.tr("New form (Ctrl+Shift+Backspace)"), self)
        self.status = QLabel(self)
        self.status.setObjectName("intakeStatus")
        self.status.setWordWrap(True)

    def _build_checks(self) -> None:
        """The check panel: duplicate candidates, the chosen one's explanation, history."""
        self.duplicates = DuplicateModel(self)
        self.duplicate_view = self._table(self.duplicates, "intakeDuplicates", 4)
        self.why = QLabel(self)
        self.why.setObjectName("intakeWhy")
        self.why.setWordWrap(True)
        self.why.setStyleSheet("color: #37474f;")
        self.history = HistoryModel(self)
        self.history_view = self._table(self.history, "intakeHistory", 5)
        self.check_title = QLabel(self.tr("Possible duplicates"), self)
        self.check_title.setStyleSheet("font-weight: 600;")
        self.history_title = QLabel(self.tr("Recent cases in the same grid cell or component"),
                                    self)
        self.history_title.setStyleSheet("font-weight: 600;")

    def _table(self, model, name: str, stretch: int) -> QTableView:
        view = QTableView(self)
        view.setObjectName(name)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        view.setWordWrap(False)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return view

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.save_button, self.merge_button, self.clear_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        left = QVBoxLayout()
        left.addLayout(self._form())
        left.addLayout(buttons)
        left.addWidget(self.status)
        left.addStretch(1)
        right = QVBoxLayout()
        for widget in (self.check_title, self.duplicate_view, self.why, self.history_title,
                       self.history_view):
            right.addWidget(widget)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self._tab_order()

    def _form(self) -> QFormLayout:
        caller = QHBoxLayout()
        caller.addWidget(self.caller_name, 2)
        caller.addWidget(self.caller_phone, 2)
        caller.addWidget(self.anonymous)
        caller.addWidget(self.callback)
        self.caller_name.setPlaceholderText(self.tr("Name"))
        self.caller_phone.setPlaceholderText(self.tr("Phone number"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Source"), self.source)
        form.addRow(self.tr("Caller"), caller)
        form.addRow(self.tr("Location"), self.location)
        form.addRow(self.tr("Class"), self.class_picker)
        form.addRow(self.tr("Description"), self.description)
        form.addRow(self.tr("Urgency"), self.urgency)
        form.addRow("", self.limit_hint)
        form.addRow(self.tr("Attachments"), self.files)
        return form

    def _tab_order(self) -> None:
        """The order of the call: who, where, what, how urgent, then save."""
        order = [self.source, self.caller_name, self.caller_phone, self.anonymous, self.callback,
                 self.location.search.line, self.location.map_button, self.location.address,
                 self.location.component, self.class_picker.line, self.description.text,
                 self.description.phrases, self.urgency, self.files.add, self.save_button,
                 self.merge_button, self.duplicate_view, self.clear_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+S"), self, self.save, context=context)
        QShortcut(QKeySequence("Ctrl+M"), self, self.merge, context=context)
        QShortcut(QKeySequence("F9"), self, self.location.map_button.toggle, context=context)
        QShortcut(QKeySequence("Ctrl+Shift+Backspace"), self, self.clear, context=context)
        self.save_button.clicked.connect(self.save)
        self.merge_button.clicked.connect(self.merge)
        self.clear_button.clicked.connect(self.clear)

    def _watch(self) -> None:
        self.anonymous.toggled.connect(self._anonymous)
        self.duplicate_view.selectionModel().currentRowChanged.connect(self._explain)
        self.location.pick_requested.connect(self.pick_requested)
        self.location.model.changed.connect(self._location_changed)
        self.class_picker.class_chosen.connect(lambda _c: self._timer.start())
        self.description.text.textChanged.connect(self._timer.start)
        self.class_picker.class_chosen.connect(lambda _c: self._limits())
        self.urgency.currentIndexChanged.connect(lambda _i: self._limits())
        self.merge_button.setEnabled(False)
        watch_inputs(self, self._recheck)
        self.location.location_changed.connect(self._recheck)

    def _load_classes(self) -> None:
        seat = self.seat

        def work():
            with seat.sessions() as session:
                return class_entries(session)

        seat.read("intake.classes", work, self.class_picker.set_entries)

    def _limits(self) -> None:
        """Show the class's limits for the urgency; warn when it has none (item 5)."""
        entry = self.class_picker.current()
        self.limit_hint.show_for(entry.id if entry else None, self.urgency.currentData())

    def _anonymous(self, on: bool) -> None:
        for widget in (self.caller_name, self.caller_phone, self.callback):
            widget.setEnabled(not on)

    # -- the draft ----------------------------------------------------------------------------
    def draft(self) -> IntakeDraft:
        entry = self.class_picker.current()
        files = tuple(DraftFile(f.kind, f.filename, f.mime_type, f.content)
                      for f in self.files.files())
        return IntakeDraft(
            source=self.source.currentData(), caller_name=self.caller_name.text().strip(),
            caller_phone=self.caller_phone.text().strip(), anonymous=self.anonymous.isChecked(),
            callback_wanted=self.callback.isChecked(), address=self.location.address.text().strip(),
            lon=self.location.lon, lat=self.location.lat, class_id=entry.id if entry else None,
            class_text=entry.text if entry else "", component_code=self.location.component_code(),
            description=self.description.value(), urgency=self.urgency.currentData(),
            attachments=files, user_id=self.seat.user.user_id, intake_key=self.intake_key)

    def load_draft(self, draft: IntakeDraft, origin: str | None = None) -> None:
        """Restore a draft (from the outbox or the local drafts) into the form, every field
        as typed, with its intake key."""
        self.clear()
        self.origin = origin
        self.intake_key = draft.intake_key
        self.source.setCurrentIndex(max(0, self.source.findData(draft.source)))
        self.caller_name.setText(draft.caller_name)
        self.caller_phone.setText(draft.caller_phone)
        self.anonymous.setChecked(draft.anonymous)
        self.callback.setChecked(draft.callback_wanted)
        self.class_picker.set_current(draft.class_id)
        self.description.text.setPlainText(draft.description)
        self.urgency.setCurrentIndex(max(0, self.urgency.findData(draft.urgency)))
        self._limits()
        for f in draft.attachments:
            self.files.add_bytes(f.filename, f.content)
        if draft.located:
            self.location.set_point(draft.lon, draft.lat, draft.component_code)
        self.location.address.setText(draft.address)

    def is_blank(self) -> bool:
        return self.draft().is_empty()

    def key(self, draft: IntakeDraft) -> tuple:
        """What the duplicate check depends on."""
        return (draft.lon, draft.lat, draft.class_id, draft.component_code, draft.description)

    def validate(self, draft: IntakeDraft) -> str:
        if not draft.located:
            return self.tr("Choose the location: search an address or pick it on the map (F9)")
        if not draft.description and draft.class_id is None:
            return self.tr("Describe the problem or choose its class")
        if not draft.anonymous:
            if not draft.caller_phone:
                return self.tr("Enter the caller's phone number, or tick “Anonymous caller”")
            if not PHONE.match(draft.caller_phone):
                return self.tr("The phone number is not valid: digits, spaces and dashes only")
        try:  # the engine's own text rules, so the call-taker hears of a problem at once
            checked_report(draft.to_report())
        except InvalidInput as exc:
            return str(exc)
        return ""

    # -- duplicate check ----------------------------------------------------------------------
    def _location_changed(self, loc) -> None:
        """A new point (or component) makes the candidates on screen wrong: drop them now."""
        shown = self.checked.draft if self.checked is not None else None
        if shown is None or (shown.lon, shown.lat, shown.component_code) != (
                loc.lon, loc.lat, loc.component_code):
            self._show_candidates(None)
        if loc.located:
            self._timer.start()

    def run_precheck(self, then=None) -> None:
        """Check the report on screen; ``then`` (a save waiting for the check) runs after
        the reply. Only the newest reply arrives (``Seat.read``): a check started later —
        the typing's timer firing while the save's check is out — takes the waiting save
        over, so the save is never dropped with the older reply."""
        draft = self.draft()
        if not draft.located:
            return
        wf, user = self.seat.wf, self.seat.user
        if then is not None:
            self._timer.stop()  # this check covers what the typing's would
            self._after_check = then

        def waiting():
            after, self._after_check = self._after_check, None
            return after

        def done(result: Precheck) -> None:
            self.show_precheck(result)
            after = waiting()
            if after is not None and self.key(self.draft()) == self.key(result.draft):
                after()

        def failed(exc, _trace) -> None:
            after = waiting()
            if after is not None and not self.seat.monitor.online:
                after()  # offline: the check happens when the outbox is submitted

        self.seat.read("intake.precheck", lambda: precheck(wf, user, draft), done, failed)

    def show_precheck(self, result: Precheck) -> None:
        if self.key(result.draft) != self.key(self.draft()):
            return  # the answer for a location or report the form no longer shows
        self._show_candidates(result)

    def _show_candidates(self, result: Precheck | None) -> None:
        """The check panel for ``result``; None empties it (nothing checked for this)."""
        self.checked = result
        self.duplicates.set_rows(result.candidates if result else ())
        rows = [("cell", r) for r in result.cell_history] if result else []
        seen = {r.id for _, r in rows}
        rows += [("component", r) for r in (result.component_history if result else ())
                 if r.id not in seen]
        self.history.set_rows(rows)
        count = len(result.candidates) if result else 0
        self.check_title.setText(self.tr("Possible duplicates: %1").replace("%1", str(count))
                                 if result else self.tr("Possible duplicates"))
        self.merge_button.setEnabled(count > 0)
        self.why.clear()  # the explanation belongs to a candidate; a new list picks again
        if count:
            self.duplicate_view.selectRow(0)

    def _explain(self, current, _previous) -> None:
        """The chosen candidate's score, part by part, as the engine explains it."""
        if not current.isValid():
            self.why.clear()
            return
        candidate = self.duplicates.row_value(current.row())
        self.why.setText(self.tr("%1 — score %2: %3").replace("%1", candidate.number)
                         .replace("%2", f"{candidate.score:.0f}")
                         .replace("%3", candidate.explanation))

    def chosen_candidate(self) -> int | None:
        index = self.duplicate_view.currentIndex()
        if not index.isValid() and self.duplicates.rowCount():
            index = self.duplicates.index(0, 0)
        return index.data(CASE_ID_ROLE) if index.isValid() else None

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> None:
        draft = self.draft()
        problem = self.validate(draft)
        if problem:
            self.show_problem(problem)
            return
        if not self.seat.monitor.online:
            self.submitter.keep_offline(draft)
            return
        if self.checked is None or self.key(self.checked.draft) != self.key(draft):
            self.show_status(self.tr("Checking for duplicates…"))
            self.run_precheck(then=self.save)
            return
        if self.checked.candidates and self.warned_key != self.key(draft):
            self.warned_key = self.key(draft)
            self.duplicate_view.setFocus()
            self.show_status(self.tr("%1 possible duplicates: choose one and press Ctrl+M to "
                                     "merge, or press Ctrl+S again to save a new case")
                             .replace("%1", str(len(self.checked.candidates))), error=True)
            return
        if self.ask_outside_city(draft, self.save):
            return
        self.submitter.register(draft)

    def merge(self) -> None:
        draft, into = self.draft(), self.chosen_candidate()
        problem = self.validate(draft) or ("" if into else self.tr("No duplicate chosen"))
        if problem:
            self.show_problem(problem)
            return
        if self.ask_outside_city(draft, self.merge):
            return
        self.submitter.register(draft, merge_into=into)

    def outside_city(self, draft: IntakeDraft) -> bool:
        """Whether the draft's point lies outside the city's extent, as the check at the
        save (or, before one, the point's resolution) found it."""
        if self.checked is not None and self.key(self.checked.draft) == self.key(draft):
            return self.checked.outside_city
        pick = self.location.pick
        return pick is not None and pick.outside_city

    def ask_outside_city(self, draft: IntakeDraft, again) -> bool:
        """A point outside the city: ask before registering it (True: asked, the save
        waits). Yes runs ``again`` (the save or merge, checked afresh); the default, no,
        keeps the report in the form as it is, with what to do."""
        key = self.key(draft)
        if not self.outside_city(draft) or self.confirmed_key == key:
            return False
        self.outside_prompt = prompt = OutsideCityPrompt(draft.lon, draft.lat, self)

        def answered(button) -> None:
            self.outside_prompt = None
            if button is prompt.register and self.key(self.draft()) == key:
                self.confirmed_key = key
                again()
                return
            self.show_status(self.tr("Not registered: the point is outside the city's extent. "
                                     "Check the location (search or pick it on the map, F9); "
                                     "the report stays in the form"), error=True)
            self.location.search.line.setFocus()

        prompt.buttonClicked.connect(answered)
        prompt.open()
        return True

    def clear(self) -> None:
        self.origin, self.checked, self.warned_key = None, None, None
        self.confirmed_key = self._after_check = None
        self.intake_key = new_intake_key()
        for edit in (self.caller_name, self.caller_phone):
            edit.clear()
        self.anonymous.setChecked(False)
        self.callback.setChecked(False)
        self.location.clear()
        self.class_picker.set_current(None)
        self.description.text.clear()
        self.urgency.setCurrentIndex(0)
        self.files.items.clear()
        self.files.list.clear()
        self._show_candidates(None)
        self._limits()
        self.source.setFocus()

    def show_problem(self, problem: str) -> None:
        """A validation message stays only while the report is incomplete: each change
        checks again and shows the next problem, or clears it once the report is fine."""
        self.show_status(problem, error=True)
        self._problem_shown = True

    def _recheck(self, *_args) -> None:
        if getattr(self, "_problem_shown", False):
            problem = self.validate(self.draft())
            self.show_status(problem, error=True)
            self._problem_shown = bool(problem)

    def show_status(self, text: str, error: bool = False) -> None:
        self._problem_shown = False
        self.status.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self.status.setText(text)
