"""The frame every workflow action dialog shares.

``ActionDialog`` shows the case it acts on, the rules that apply (a shaded box), the
subclass's fields, a reason or note with the centre's common phrases (常用语), and an
error line. Submitting validates locally first (a reason where the engine's transition
table demands one, plus the subclass's checks), then runs the service as an operation
off the GUI thread. The engine's refusal is shown in the dialog as it is; a
``StaleCase`` (someone else changed the case first) is explained, the case is reloaded
behind the dialog and the dialog can only be closed.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from seatdesk.workflow import services as sd
from seatdesk.workflow.states import rows_for

from seatdesk.ui import enum_labels as L
from seatdesk.ui.inputs import watch_inputs
from seatdesk.ui.case.reads import CaseView
from seatdesk.ui.operations import OpFailure
from seatdesk.ui.case.option_reads import phrases
from seatdesk.ui.session.seat import Seat

ERROR_STYLE = "color: #c62828; font-weight: 600;"
STALE_STYLE = "background: #fff3cd; color: #5d4200; padding: 6px; border: 1px solid #e0c36b;"
RULES_MAX_HEIGHT = 240
RULES_STYLE = "background: #eef3fa; color: #1f2d3d; padding: 6px; border: 1px solid #c9d6ea;"


def needs_reason(action: str, state: str) -> bool:
    """Whether the engine's transition table demands a reason for ``action`` from ``state``."""
    return any(r.reason for r in rows_for(action) if r.source == state)


class ReasonField(QWidget):
    """A reason/note text with a combo of the centre's common phrases for its category."""

    def __init__(self, seat: Seat, category: str | None, parent=None):
        super().__init__(parent)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("reasonText")
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(70)
        self.phrases = QComboBox(self)
        self.phrases.setObjectName("phraseCombo")
        self.phrases.addItem(self.tr("— common phrases —"), "")
        self.phrases.setVisible(category is not None)
        self.phrases.activated.connect(self._picked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.phrases)
        layout.addWidget(self.text)
        self.setFocusProxy(self.text)
        if category is not None:
            seat.read(f"phrases.{category}.{id(self)}",
                      lambda: _phrases(seat, category), self.set_phrases)

    def set_phrases(self, texts: tuple[str, ...]) -> None:
        for text in texts:
            self.phrases.addItem(text, text)

    def _picked(self, index: int) -> None:
        phrase = self.phrases.itemData(index)
        if phrase:
            self.text.setPlainText(phrase)
            self.text.setFocus()

    def value(self) -> str:
        return self.text.toPlainText().strip()


def _phrases(seat: Seat, category: str) -> tuple[str, ...]:
    with seat.sessions() as session:
        return phrases(session, category)


class FilePicker(QWidget):
    """Photos and other files to store with the action (bytes go to the database)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[sd.AttachmentIn] = []
        self.list = QListWidget(self)
        self.list.setObjectName("fileList")
        self.list.setFixedHeight(56)
        self.add = QPushButton(self.tr("Add photos or files…"), self)
        self.add.clicked.connect(self.ask)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addWidget(self.add)

    def ask(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Add photos or files"))
        for path in paths:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> None:
        self.add_bytes(path.name, path.read_bytes())

    def add_bytes(self, filename: str, content: bytes) -> None:
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        kind = "photo" if mime.startswith("image/") else "audio" if mime.startswith(
            "audio/") else "other"
        self.items.append(sd.AttachmentIn(kind, filename, mime, content))
        self.list.addItem(f"{L.label('attachment', kind)} · {filename}")

    def files(self) -> tuple[sd.AttachmentIn, ...]:
        return tuple(self.items)


def _label(parent, name: str, style: str = "") -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    if style:
        label.setStyleSheet(style)
    return label


class ActionDialog(QDialog):
    """Subclasses set ``action`` and may set ``phrase_category``/``reason_title``, add
    rows in ``build()``, load options in ``load()``, check in ``check()`` and return the
    service call in ``call(reason)``."""

    action = ""
    phrase_category: str | None = None
    uses_reason = True
    finished_with = Signal(object)  # the service's result

    def __init__(self, seat: Seat, view: CaseView, parent=None):
        super().__init__(parent)
        self.seat, self.view = seat, view
        self.case_id, self.version = view.case_id, view.version
        self.result_value: Any = None
        self.stale = False
        self._rechecking = False  # after a validation message: re-validate on every change
        self.setObjectName(f"dialog_{self.action}")
        self.setWindowTitle(self.tr("%1 — case %2").replace("%1", L.action(self.action))
                            .replace("%2", view.detail.number))
        self.setMinimumWidth(560)
        self._frame()
        self.build()
        self._finish()
        self.load()

    # -- layout -------------------------------------------------------------------------------
    def _frame(self) -> None:
        d, f = self.view.detail, self.view.facts
        self.header = _label(self, "dialogHeader")
        self.header.setText(f"<b>{d.number}</b> · {L.state(d.state)} · "
                            f"{f.class_code} {f.class_name} · {d.address}")
        self._rules_box()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.reason = ReasonField(self.seat, self.phrase_category, self)
        self.reason_required = needs_reason(self.action, d.state)
        self.error = _label(self, "dialogError", ERROR_STYLE)
        self.notice = _label(self, "staleNotice", STALE_STYLE)
        self.notice.hide()
        self._buttons()

    def _rules_box(self) -> None:
        self.rules = _label(self, "dialogRules", RULES_STYLE)
        self.rules.setTextFormat(Qt.TextFormat.RichText)
        self.rules.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.rules_area = QScrollArea(self)
        self.rules_area.setObjectName("dialogRulesArea")
        self.rules_area.setWidgetResizable(True)
        self.rules_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.rules_area.setMaximumHeight(RULES_MAX_HEIGHT)
        self.rules_area.setWidget(self.rules)
        self.rules_area.hide()

    def _buttons(self) -> None:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(L.action(self.action))
        self.cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def _finish(self) -> None:
        if self.uses_reason:
            title = self.reason_title()
            if self.reason_required:
                title += " *"
            self.form.addRow(title, self.reason)
        else:
            self.reason.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.rules_area)
        layout.addLayout(self.form)
        layout.addWidget(self.notice)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def reason_title(self) -> str:
        return self.tr("Reason") if self.reason_required else self.tr("Note")

    def show_rules(self, html: str) -> None:
        self.rules.setText(html)
        self.rules_area.setVisible(bool(html))
        self._fit_rules()

    def _fit_rules(self) -> None:
        """The rules box as tall as its text at the current width (scrolls beyond a limit)."""
        width = max(self.rules_area.viewport().width(), self.minimumWidth() - 40)
        self.rules_area.setFixedHeight(min(RULES_MAX_HEIGHT,
                                           self.rules.heightForWidth(width) + 16))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        QTimer.singleShot(0, self._fit_rules)  # once the layout has placed the box

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        QTimer.singleShot(0, self._fit_rules)

    # -- hooks for subclasses -------------------------------------------------------------------
    def build(self) -> None:
        """Add the action's own rows to ``self.form``."""

    def load(self) -> None:
        """Start reading the options the dialog needs (``self.seat.read``)."""

    def check(self) -> str:
        """A message when the input is not acceptable (shown, nothing sent)."""
        return ""

    def call(self, reason: str) -> Callable[[], Any]:
        raise NotImplementedError

    # -- submitting ---------------------------------------------------------------------------
    def validate(self) -> str:
        if self.uses_reason and self.reason_required and not self.reason.value():
            return self.tr("「%1」 needs a reason").replace("%1", L.action(self.action))
        return self.check()

    def submit(self) -> None:
        if self.stale:
            self.reject()
            return
        problem = self.validate()
        if problem:
            self._show_problem(problem)
            return
        self.error.clear()
        self.set_busy(True)
        self.seat.ops.run(self.action, self.call(self.reason.value()), self._succeeded,
                          self._failed)

    def _show_problem(self, problem: str) -> None:
        """A validation message stays only while the input is wrong: every change checks
        again and shows the next problem, or nothing once it is fixed."""
        self.error.setText(problem)
        if not self._rechecking:
            self._rechecking = True
            watch_inputs(self, self._recheck)

    def _recheck(self, *_args) -> None:
        if self._rechecking and not self.stale and self.ok.isEnabled():
            self.error.setText(self.validate())

    def set_busy(self, busy: bool) -> None:
        self.ok.setEnabled(not busy)
        if busy:
            self.error.setText(self.tr("Saving…"))

    def _succeeded(self, result: Any) -> None:
        self.result_value = result
        self.error.clear()
        self.finished_with.emit(result)
        self.accept()

    def _failed(self, failure: OpFailure) -> None:
        self.set_busy(False)
        if failure.stale:
            self.show_stale(failure.message)
            return
        self.error.setText(failure.message)

    def show_stale(self, message: str) -> None:
        """Someone else got there first: explain, and only let the dialog be closed."""
        self.stale = True
        self.error.clear()
        self.notice.setText(message + "\n" + self.tr(
            "The case has been reloaded with its current state; check it and act again "
            "if still needed. Nothing you entered here was saved."))
        self.notice.show()
        self.ok.setEnabled(False)
        self.cancel.setText(self.tr("Close"))

    @property
    def wf(self) -> sd.Workflow:
        return self.seat.wf

    @property
    def actor(self) -> sd.Actor:
        return self.seat.actor
