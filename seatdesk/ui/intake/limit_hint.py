"""The intake's time-limit hint: what the chosen class's filing conditions allow for the
chosen urgency, and a warning when none of them has a limit for it (the shift lead could
not file the case until an administrator adds one)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.option_reads import ConditionInfo, filing_conditions
from seatdesk.ui.session.seat import Seat

WARN_STYLE = "color: #b26a00; font-weight: 600;"
INFO_STYLE = "color: #455a64;"


class LimitHint(QLabel):
    """Shows the limits of ``class_id`` for ``urgency``; read off the GUI thread."""

    def __init__(self, seat: Seat, parent=None):
        super().__init__(parent)
        self.seat = seat
        self.setObjectName("intakeLimitHint")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.conditions: tuple[ConditionInfo, ...] = ()
        self.class_id: int | None = None
        self.urgency = "normal"

    def show_for(self, class_id: int | None, urgency: str) -> None:
        self.urgency = urgency or "normal"
        if class_id == self.class_id:
            self._render()
            return
        self.class_id, self.conditions = class_id, ()
        self._render()
        if class_id is None:
            return
        seat = self.seat

        def work():
            with seat.sessions() as session:
                return filing_conditions(session, class_id)

        seat.read("intake.limits", work, lambda found, c=class_id: self._loaded(c, found))

    def _loaded(self, class_id: int, conditions: tuple[ConditionInfo, ...]) -> None:
        if class_id == self.class_id:
            self.conditions = conditions
            self._render()

    def missing(self) -> bool:
        """A class is chosen, its conditions are read and none has a limit for the urgency."""
        return self.class_id is not None and bool(self.conditions) and not self._limits()

    def _limits(self) -> list[str]:
        seen: dict[str, None] = {}
        for cond in self.conditions:
            for limit in cond.limits:
                if limit.urgency == self.urgency:
                    seen.setdefault(L.amount(limit.value, limit.unit))
        return list(seen)

    def _render(self) -> None:
        if self.class_id is None or not self.conditions:
            self.clear()
            return
        limits, urgency = self._limits(), L.urgency(self.urgency)
        if not limits:
            self.setStyleSheet(WARN_STYLE)
            self.setText(self.tr("⚠ No filing condition of this class has a time limit for "
                                 "“%1”: the shift lead cannot file it until an administrator "
                                 "adds one.").replace("%1", urgency))
            return
        self.setStyleSheet(INFO_STYLE)
        self.setText(self.tr("Time limits of this class for “%1”: %2").replace(
            "%1", urgency).replace("%2", "、".join(limits)))
