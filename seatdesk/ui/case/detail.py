"""The case detail: every field, the status light and deadline, photos and recordings,
the full ledger as a timeline, and exactly the actions this user may take now.

The case is read off the GUI thread (``case_reads.load_case_view``, one reply per
request; a late reply for another case is dropped). Action buttons come from the
engine's allowed actions; each opens its dialog (``dialogs.dialog_for``). The panel
listens to the seat's "what changed" hub: when the shown case changes anywhere it is
reloaded in place (fields updated, scroll kept) and a note says so.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from seatdesk.models import dberrors

from seatdesk.ui import enum_labels as L
from seatdesk.ui.clock_text import remaining
from seatdesk.ui.case.attachment_panel import AttachmentPanel
from seatdesk.ui.case.fields import CaseFields
from seatdesk.ui.case.reads import CaseView, attachment_content, load_case_view
from seatdesk.ui.case.dialogs import ActionDialog, dialog_for
from seatdesk.ui.case.ledger_timeline import LedgerPane
from seatdesk.ui.session.live_updates import CaseChanges
from seatdesk.ui.operations import OpFailure
from seatdesk.ui.session.seat import Seat

LIGHT_COLOURS = {"green": "#2e9d4d", "yellow": "#d39e00", "red": "#d9363e"}
NOTICE_STYLE = "background: #fff3cd; color: #5d4200; padding: 4px; border: 1px solid #e0c36b;"


class CaseDetailPanel(QWidget):
    case_loaded = Signal(object)  # CaseView
    actions_changed = Signal(tuple)  # the actions allowed now (names)
    dialog_opened = Signal(object)  # ActionDialog

    def __init__(self, seat: Seat, parent=None, shortcuts: dict[str, str] | None = None):
        super().__init__(parent)
        self.seat = seat
        self.shortcuts = shortcuts or {}
        self.case_id: int | None = None
        self.view: CaseView | None = None
        self.active_dialog: ActionDialog | None = None
        self._closed_dialog: ActionDialog | None = None
        self._build()
        seat.hub.cases_changed.connect(self.on_cases_changed)
        seat.ops.failed.connect(self._operation_failed)
        self._show_empty()

    # -- construction -----------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel(self)
        self.title.setObjectName("detailTitle")
        self.title.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.light = QLabel(self)
        self.light.setObjectName("detailLight")
        self.notice = QLabel(self)
        self.notice.setObjectName("detailNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.hide()
        self.action_bar = QWidget(self)
        self.action_bar.setObjectName("actionBar")
        self.action_row = QHBoxLayout(self.action_bar)
        self.action_row.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        body = self._body()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.light)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.notice)
        layout.addWidget(self.action_bar)
        layout.addWidget(body, 1)

    def _body(self) -> QSplitter:
        """The fields (scrolling) beside the ledger timeline and the attachments."""
        self.fields = CaseFields(self)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.fields)
        self.ledger_pane = LedgerPane(self)
        self.timeline = self.ledger_pane.timeline
        self.attachments = AttachmentPanel(self._fetch_attachment, self)
        self.side = QTabWidget(self)
        self.side.addTab(self.ledger_pane, self.tr("Ledger"))
        self.side.addTab(self.attachments, self.tr("Photos and recordings"))
        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(self.scroll)
        body.addWidget(self.side)
        body.setSizes([520, 420])
        return body

    # -- loading ----------------------------------------------------------------------------
    def show_case(self, case_id: int) -> None:
        if case_id != self.case_id:
            self.notice.hide()
        self.case_id = case_id
        self.reload()

    def reload(self) -> None:
        if self.case_id is None:
            return
        wf, actor, case_id = self.seat.wf, self.seat.actor, self.case_id
        self.seat.read("detail.case", lambda: (case_id, load_case_view(wf, actor, case_id)),
                       self._loaded, self._load_failed)

    def _load_failed(self, exc: Exception, _trace: str) -> None:
        self.notice.setText(self.tr("The case could not be read: %1").replace(
            "%1", dberrors.user_message(exc)))
        self.notice.show()

    def _loaded(self, result: tuple[int, CaseView | None]) -> None:
        case_id, view = result
        if case_id != self.case_id:
            return  # the seat moved on to another case
        if view is None:
            self.view = None
            self._show_empty(self.tr("Case %1 does not exist or is not visible to you")
                             .replace("%1", str(case_id)))
            return
        previous, self.view = self.view, view
        if previous is not None and previous.case_id == view.case_id and \
                previous.version != view.version and not self.notice.isVisible():
            self._note_change(view)
        self._show(view)
        self.case_loaded.emit(view)

    def _show(self, view: CaseView) -> None:
        d = view.detail
        self.title.setText(self.tr("Case %1 · %2").replace("%1", d.number)
                           .replace("%2", L.state(d.state)))
        self._show_light(view)
        self.fields.show_view(view)
        self.ledger_pane.set_history(view.history, view.archived)
        self.attachments.set_items(view.attachments)
        self._show_actions(view.allowed)

    def _show_light(self, view: CaseView) -> None:
        light = view.light
        if light is None:
            self.light.setText(self.tr("no running clock"))
            self.light.setStyleSheet("color: #607d8b;")
            return
        colour = LIGHT_COLOURS[light.light.value]
        self.light.setText(f"● {L.label('light', light.light.value)} "
                           f"{remaining(light.remaining_text)}")
        self.light.setStyleSheet(f"color: {colour}; font-weight: 600; font-size: 15px;")

    def _show_actions(self, allowed: tuple[str, ...]) -> None:
        while self.action_row.count():
            widget = self.action_row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        for name in allowed:
            key = self.shortcuts.get(name, "")
            button = QPushButton(L.action(name) + (f"  ({key})" if key else ""), self.action_bar)
            button.setObjectName(f"action_{name}")
            button.clicked.connect(lambda _checked=False, n=name: self.start_action(n))
            self.action_row.addWidget(button)
            self.buttons[name] = button
        if not allowed:
            self.action_row.addWidget(self._no_actions_label())
        self.action_row.addStretch(1)
        self.actions_changed.emit(tuple(allowed))

    def _no_actions_label(self) -> QLabel:
        label = QLabel(self.tr("Nothing for you to do on this case now"), self.action_bar)
        label.setObjectName("noActions")
        return label

    def _show_empty(self, text: str = "") -> None:
        self.title.setText(text or self.tr("Choose a case in a work box (Enter opens it)"))
        self.light.clear()
        self.ledger_pane.set_history((), None)
        self.attachments.set_items(())
        self._show_actions(())

    # -- actions ----------------------------------------------------------------------------
    def allowed(self) -> tuple[str, ...]:
        return self.view.allowed if self.view else ()

    def start_action(self, name: str) -> ActionDialog | None:
        """Open the dialog of ``name`` on the shown case (only when allowed now)."""
        if self.view is None or name not in self.view.allowed:
            return None
        if self._closed_dialog is not None:
            self._closed_dialog.deleteLater()  # the previous one, kept until now for callers
            self._closed_dialog = None
        dialog = dialog_for(name, self.seat, self.view, self)
        dialog.finished_with.connect(self._action_done)
        dialog.finished.connect(lambda _code, d=dialog: self._dialog_closed(d))
        self.active_dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)
        return dialog

    def _dialog_closed(self, dialog: ActionDialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None
        self._closed_dialog = dialog

    def _action_done(self, result) -> None:
        duplicates = getattr(result, "duplicates", ())
        if duplicates:
            self.notice.setText(self.tr("%1 possible duplicates nearby: use “%2” if this case "
                                        "repeats one of them.").replace("%1", str(len(duplicates)))
                                .replace("%2", L.action("merge")))
            self.notice.show()

    def _operation_failed(self, failure: OpFailure) -> None:
        if failure.stale and failure.exc.case_id == self.case_id:
            self.notice.setText(failure.message + " " + self.tr("(reloaded)"))
            self.notice.show()

    def _fetch_attachment(self, attachment_id: int, done) -> None:
        wf = self.seat.wf
        self.seat.read(f"attachment.{attachment_id}", lambda: attachment_content(wf, attachment_id),
                       done)

    # -- live updates -------------------------------------------------------------------------
    def on_cases_changed(self, changes: CaseChanges) -> None:
        if self.case_id is not None and (changes.everything or self.case_id in changes.ids):
            self.reload()

    def _note_change(self, view: CaseView) -> None:
        last = view.history[-1] if view.history else None
        mine = last is not None and last.actor_name == self.seat.user.display_name and \
            last.seat == self.seat.actor.seat
        if last is None or mine:
            return  # this seat's own action: nothing to point out
        at = last.at.astimezone(self.fields.tz).strftime("%H:%M:%S")
        self.notice.setText(self.tr("Updated at %1 by %2: %3").replace("%1", at)
                            .replace("%2", last.actor_name or L.role(last.actor_role))
                            .replace("%3", L.action(last.action)))
        self.notice.show()

    def now(self) -> dt.datetime:
        return self.seat.wf.now()
