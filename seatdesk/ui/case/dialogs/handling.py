"""处置: the department's feedback and 延期 (request, approval) with deadline previews."""

from __future__ import annotations

import html
import zoneinfo
from decimal import Decimal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from seatdesk.models.enums import TimeUnit
from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.option_reads import extension_preview
from seatdesk.ui.case.dialogs.base import ActionDialog, FilePicker
from seatdesk.ui.case.dialogs.simple import pending_html

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


class FeedbackDialog(ActionDialog):
    """处置反馈: what was done (required), with photos; the case then waits for 核查."""

    action = "feedback"

    def reason_title(self) -> str:
        return self.tr("What was done")

    def build(self) -> None:
        self.files = FilePicker(self)
        self.form.addRow(self.tr("Photos"), self.files)

    def load(self) -> None:
        self.show_rules(self.tr("A supervisor will check on site against the closure "
                                "condition: %1").replace(
            "%1", html.escape(self.view.detail.closure_condition or "—")))

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        files = self.files.files()
        return lambda: sd.feedback(wf, actor, case_id, version, result=reason, attachments=files)


class _LengthDialog(ActionDialog):
    """A length (value + unit) with a live preview of the deadline it gives."""

    def length_row(self, title: str) -> None:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.value = QDoubleSpinBox(box)
        self.value.setObjectName("lengthValue")
        self.value.setRange(0, 999)
        self.value.setDecimals(1)
        self.unit = QComboBox(box)
        self.unit.setObjectName("lengthUnit")
        for unit in TimeUnit:
            self.unit.addItem(L.unit(unit.value), unit.value)
        self.unit.setCurrentIndex(self.unit.findData(TimeUnit.WORKING_DAYS.value))
        self.preview = QLabel(box)
        self.preview.setObjectName("deadlinePreview")
        row.addWidget(self.value)
        row.addWidget(self.unit)
        row.addWidget(self.preview, 1)
        self.form.addRow(title, box)
        self._debounce = QTimer(self, singleShot=True, interval=250, timeout=self._preview)
        self.value.valueChanged.connect(lambda _v: self._debounce.start())
        self.unit.currentIndexChanged.connect(lambda _i: self._debounce.start())

    def length(self) -> tuple[Decimal, str]:
        return Decimal(str(round(self.value.value(), 1))), self.unit.currentData()

    def _preview(self) -> None:
        value, unit = self.length()
        wf, case_id = self.wf, self.case_id
        self.seat.read(f"extension.preview.{id(self)}",
                       lambda: extension_preview(wf, case_id, value, unit), self._show_preview)

    def _show_preview(self, due) -> None:
        self.preview.setText("" if due is None else self.tr("new deadline %1").replace(
            "%1", f"{due.astimezone(TZ):%Y-%m-%d %H:%M}"))

    def deadline_text(self) -> str:
        due = self.view.detail.deadline_at
        return self.tr("Current deadline: %1").replace(
            "%1", f"{due.astimezone(TZ):%Y-%m-%d %H:%M}" if due else "—")


class RequestExtensionDialog(_LengthDialog):
    action, phrase_category = "request_extension", "extension_reason"

    def build(self) -> None:
        self.length_row(self.tr("Extend by"))

    def load(self) -> None:
        self.show_rules(self.deadline_text() + "<br>" + self.tr(
            "An extension needs approval; on-time handling is then judged against the approved "
            "deadline. Urgent cases count natural time."))

    def check(self) -> str:
        return self.tr("Enter how long the extension should be") if self.value.value() <= 0 \
            else ""

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        value, unit = self.length()
        return lambda: sd.request_extension(wf, actor, case_id, version, value=value, unit=unit,
                                            reason=reason)


class ApproveExtensionDialog(_LengthDialog):
    """批准延期 by the requested length (prefilled) or another one."""

    action = "approve_extension"

    def build(self) -> None:
        self.length_row(self.tr("Extend by"))
        asked = self.view.detail.pending_request or {}
        if asked.get("value"):
            self.value.setValue(float(asked["value"]))
            self.unit.setCurrentIndex(max(0, self.unit.findData(asked.get("unit"))))

    def load(self) -> None:
        self.show_rules(pending_html(self) + "<br>" + self.deadline_text())
        self._preview()

    def check(self) -> str:
        return self.tr("Enter how long the extension should be") if self.value.value() <= 0 \
            else ""

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        value, unit = self.length()
        return lambda: sd.approve_extension(wf, actor, case_id, version, value=value, unit=unit,
                                            note=reason)
