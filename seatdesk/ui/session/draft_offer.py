"""Offering the user's drafts back: at sign-in (only when there are any) and from
坐席 → 草稿; restoring one puts an intake draft into the form, or opens the case and the
action dialog, which then gets its text back from the store (``DraftKeeper``)."""

from __future__ import annotations

import json

from PySide6.QtCore import QObject

from seatdesk.ui import enum_labels as L
from seatdesk.ui.session.draft_store import Draft
from seatdesk.ui.session.drafts_dialog import DraftsDialog
from seatdesk.ui.session.offline_queue import IntakeDraft


class DraftOffer(QObject):
    def __init__(self, workspace):
        super().__init__(workspace)
        self.ws = workspace
        self.dialog: DraftsDialog | None = None
        self._only_if_any = True
        self._pending_action: tuple[int, str] | None = None
        workspace.drafts.drafts_loaded.connect(self._loaded)
        workspace.detail.case_loaded.connect(self._case_loaded)

    def ask(self, only_if_any: bool = False) -> None:
        """Read the user's drafts and show them (at sign-in: only if there are any)."""
        self._only_if_any = only_if_any
        self.ws.drafts.load()

    def _loaded(self, drafts: list[Draft]) -> None:
        on_screen = {key for key, _what in self.ws.drafts.unsaved()}
        drafts = [d for d in drafts if d.key not in on_screen]
        if not drafts and self._only_if_any:
            return
        self.dialog = DraftsDialog(drafts, self.ws)
        self.dialog.restore_requested.connect(self.restore)
        self.dialog.discard_requested.connect(lambda keys: self.ws.drafts.discard(*keys))
        self.dialog.open()

    def restore(self, draft: Draft) -> None:
        if draft.kind == "intake":
            self._restore_intake(draft)
        else:
            self._pending_action = (draft.case_id, draft.action)
            self.ws.open_case(draft.case_id)

    def _restore_intake(self, draft: Draft) -> None:
        ws = self.ws
        if ws.intake is None:
            self._tell(self.tr("A hotline report draft needs the hotline intake page, which "
                               "your role does not have."))
            return
        ws.drafts.flush()  # what the form holds now stays a draft of its own
        ws.show_page("intake")
        ws.intake.load_draft(IntakeDraft.from_json(json.dumps(draft.payload)))
        ws.intake.show_status(self.tr("Draft restored: check it and save (Ctrl+S)"))

    def _case_loaded(self, view) -> None:
        pending, self._pending_action = self._pending_action, None
        if pending is None or pending[0] != view.case_id:
            return
        if pending[1] in view.allowed:
            self.ws.detail.start_action(pending[1])
            return
        self._tell(self.tr("Your draft of “%1” cannot be used now: the case is %2. Discard it "
                           "in Seat → Unsaved drafts.").replace("%1", L.action(pending[1]))
                   .replace("%2", L.state(view.detail.state)))

    def _tell(self, text: str) -> None:
        self.ws.detail.notice.setText(text)
        self.ws.detail.notice.show()
