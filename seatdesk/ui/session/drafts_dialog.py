"""What the user sees of drafts: the list offered at sign-in (坐席 → 草稿 at any time), and
the question before signing out or closing the window with unsaved work."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from seatdesk.ui import enum_labels as L
from seatdesk.ui.session.draft_store import Draft

DRAFT_ROLE = Qt.ItemDataRole.UserRole + 1


class DraftsDialog(QDialog):
    """The user's drafts, newest first: restore one, discard some, or decide later."""

    restore_requested = Signal(object)  # Draft
    discard_requested = Signal(tuple)  # draft keys

    def __init__(self, drafts: Sequence[Draft], parent=None):
        super().__init__(parent)
        self.setObjectName("draftsDialog")
        self.setWindowTitle(self.tr("Unsaved drafts"))
        self.setMinimumWidth(640)
        self.intro = QLabel(self.tr("This work was typed but not saved (before a sign-out, a "
                                    "closed window or a crash). Restore it or discard it; "
                                    "what you leave here is offered again at the next "
                                    "sign-in (Seat → Unsaved drafts)."), self)
        self.intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("draftList")
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemActivated.connect(lambda _item: self._restore())
        self.buttons = QDialogButtonBox(self)
        self.restore = self._button(self.tr("Restore"), QDialogButtonBox.ButtonRole.AcceptRole,
                                    self._restore, "draftRestore")
        self.discard = self._button(self.tr("Discard"), QDialogButtonBox.ButtonRole.DestructiveRole,
                                    self._discard, "draftDiscard")
        self.later = self._button(self.tr("Later"), QDialogButtonBox.ButtonRole.RejectRole,
                                  self.reject, "draftLater")
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.set_drafts(drafts)

    def _button(self, text: str, role, slot: Callable[[], None], name: str) -> QPushButton:
        button = self.buttons.addButton(text, role)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def set_drafts(self, drafts: Sequence[Draft]) -> None:
        self.list.clear()
        for draft in drafts:
            item = QListWidgetItem(self.describe(draft))
            item.setData(DRAFT_ROLE, draft)
            self.list.addItem(item)
        if drafts:
            self.list.setCurrentRow(0)

    def describe(self, draft: Draft) -> str:
        at = f"{draft.updated_at.astimezone():%m-%d %H:%M}"
        if draft.kind == "intake":
            return self.tr("%1 · Hotline report · %2").replace("%1", at).replace(
                "%2", draft.summary or "—")
        number = draft.payload.get("number", "")
        return self.tr("%1 · %2 on case %3 · %4").replace("%1", at).replace(
            "%2", L.action(draft.action)).replace("%3", number).replace("%4", draft.summary)

    def drafts(self) -> list[Draft]:
        return [self.list.item(i).data(DRAFT_ROLE) for i in range(self.list.count())]

    def _chosen(self) -> list[Draft]:
        return [item.data(DRAFT_ROLE) for item in self.list.selectedItems()]

    def _restore(self) -> None:
        chosen = self._chosen()
        if chosen:
            self.accept()
            self.restore_requested.emit(chosen[0])

    def _discard(self) -> None:
        chosen = self._chosen()
        if not chosen:
            return
        self.discard_requested.emit(tuple(d.key for d in chosen))
        left = [d for d in self.drafts() if d not in chosen]
        self.set_drafts(left)
        if not left:
            self.accept()


class LeavePrompt(QMessageBox):
    """Sign-out or close with unsaved work: 保存草稿 / 放弃 / 取消."""

    def __init__(self, unsaved: Sequence[tuple[str, str]], signing_out: bool, parent=None):
        super().__init__(parent)
        self.setObjectName("leavePrompt")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(self.tr("Unsaved work"))
        self.setText(self.tr("Sign out with unsaved work?") if signing_out
                     else self.tr("Close with unsaved work?"))
        self.setInformativeText("\n".join(f"• {what}" for _key, what in unsaved) + "\n\n" + self.tr(
            "Keep as draft: it is offered to you at your next sign-in on this computer."))
        self.keep = self.addButton(self.tr("Keep as draft"), QMessageBox.ButtonRole.AcceptRole)
        self.keep.setObjectName("leaveKeep")
        self.drop = self.addButton(self.tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        self.drop.setObjectName("leaveDiscard")
        self.stay = self.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        self.stay.setObjectName("leaveCancel")
        self.setDefaultButton(self.keep)
        self.setEscapeButton(self.stay)
