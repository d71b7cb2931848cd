"""结案 (with the 核查 result and its photos) and merging a duplicate into another case."""

from __future__ import annotations

import html
import zoneinfo

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QComboBox, QListView, QListWidget, QListWidgetItem

from seatdesk.models.enums import ClosureType
from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.attachment_panel import THUMB, AttachmentModel
from seatdesk.ui.case.dialogs.base import ActionDialog

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
CHOOSABLE = (ClosureType.NORMAL, ClosureType.ERROR, ClosureType.SPECIAL)


class CloseDialog(ActionDialog):
    """结案 after a passed 核查: shows who checked, when, the note and the photos."""

    action = "close"

    def build(self) -> None:
        self.closure = QComboBox(self)
        self.closure.setObjectName("closureCombo")
        for value in CHOOSABLE:
            self.closure.addItem(L.label("closure", value.value), value.value)
        self.form.addRow(self.tr("Closure type"), self.closure)
        # whose photos: the department's with its feedback, the supervisor's with the check
        self.handling_photos, self.handling_model = self._photo_row(
            "handlingPhotos", self.tr("Handling photos (department)"))
        self.check_photos, self.check_model = self._photo_row(
            "checkPhotos", self.tr("Check photos (supervisor)"))

    def _photo_row(self, name: str, title: str) -> tuple[QListView, AttachmentModel]:
        view = QListView(self)
        view.setObjectName(name)
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setIconSize(QSize(THUMB, THUMB))
        view.setFixedHeight(THUMB + 44)
        model = AttachmentModel(self)
        view.setModel(model)
        self.form.addRow(title, view)
        return view, model

    def reason_title(self) -> str:
        return self.tr("Reason (for error or special closure)")

    def load(self) -> None:
        check = self._last("check_pass")
        feedback = self._last("feedback")
        for model, entry in ((self.handling_model, feedback), (self.check_model, check)):
            seq = entry.seq if entry is not None else None
            model.set_items([a for a in self.view.attachments if a.ledger_seq == seq])
        self.show_rules(self.rule_html(check))

    def _last(self, action: str):
        return next((r for r in reversed(self.view.history) if r.action == action), None)

    def rule_html(self, check) -> str:
        if check is None:
            text = self.tr("No passed check is recorded for this case.")
        else:
            at = check.at.astimezone(TZ)
            text = self.tr("Check passed by %1 at %2").replace("%1", html.escape(
                check.actor_name)).replace("%2", f"{at:%Y-%m-%d %H:%M}")
            if check.reason:
                text += "<br>" + self.tr("Check note: %1").replace("%1", html.escape(check.reason))
        due = self.view.detail.deadline_at
        if due is not None and due < self.wf.now():
            text += "<br><b>" + self.tr("The deadline has passed: a normal closure is recorded "
                                        "as an overdue closure.") + "</b>"
        return text + "<br>" + self.tr("Closure condition: %1").replace(
            "%1", html.escape(self.view.detail.closure_condition or "—"))

    def check(self) -> str:
        if self.closure.currentData() != ClosureType.NORMAL.value and not self.reason.value():
            return self.tr("An error or special closure needs a reason")
        return ""

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        kind = self.closure.currentData()
        return lambda: sd.close(wf, actor, case_id, version, closure_type=kind, reason=reason)


class MergeDialog(ActionDialog):
    """合并: this case is a duplicate of another; its callers move to the surviving case."""

    action = "merge"

    def build(self) -> None:
        self.candidates = QListWidget(self)
        self.candidates.setObjectName("candidateList")
        self.candidates.setWordWrap(True)
        self.candidates.setMinimumHeight(140)
        self.form.addRow(self.tr("Merge into"), self.candidates)

    def load(self) -> None:
        self.show_rules(self.tr("The case ends as merged; its callers are added to the "
                                "surviving case so the callback reaches them all."))
        wf, case_id = self.wf, self.case_id
        self.seat.read(f"merge.{id(self)}", lambda: sd.duplicate_candidates(wf, case_id),
                       self._candidates)

    def _candidates(self, found) -> None:
        self.candidates.clear()
        for c in found:
            item = QListWidgetItem(f"{c.number} · {L.state(c.state)} · {c.score:.0f}\n"
                                   f"{c.explanation}")
            item.setData(256, c.case_id)
            self.candidates.addItem(item)
        if found:
            self.candidates.setCurrentRow(0)
        else:
            self.error.setText(self.tr("No duplicate candidates near this case"))

    def check(self) -> str:
        return "" if self.candidates.currentItem() else self.tr("Choose the case to merge into")

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        into = self.candidates.currentItem().data(256)
        return lambda: sd.merge(wf, actor, case_id, into, version=version, reason=reason)
