"""Paints the status light (绿/黄/红) as a coloured dot followed by the remaining time."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from seatdesk.ui.workbox.case_table_model import LIGHT_ROLE

COLOURS = {"green": QColor("#2e9d4f"), "yellow": QColor("#e0a800"), "red": QColor("#d93025")}
DOT = 12


class LightDelegate(QStyledItemDelegate):
    """Dot + text; overdue (red) text is drawn in red so it stands out without colour too."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        light = index.data(LIGHT_ROLE)
        if light is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        dot = QRectF(rect.left() + 6, rect.center().y() - DOT / 2 + 1, DOT, DOT)
        painter.setPen(QPen(COLOURS[light].darker(130), 1))
        painter.setBrush(QBrush(COLOURS[light]))
        painter.drawEllipse(dot)
        text_rect = rect.adjusted(DOT + 12, 0, -2, 0)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if light == "red" and not selected:
            painter.setPen(COLOURS["red"])
        else:
            painter.setPen(opt.palette.color(
                opt.palette.ColorRole.HighlightedText if selected else opt.palette.ColorRole.Text))
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + DOT + 12, max(size.height(), DOT + 6))
