"""Watching what a user types: one call connects every input under a widget."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)


def watch_inputs(root: QWidget, changed: Callable[..., None]) -> None:
    """Call ``changed`` whenever any input under ``root`` changes (text, choice, tick, value,
    items of a file list)."""
    for edit in root.findChildren(QLineEdit):
        edit.textChanged.connect(changed)
    for edit in root.findChildren(QPlainTextEdit):
        edit.textChanged.connect(changed)
    for combo in root.findChildren(QComboBox):
        combo.currentIndexChanged.connect(changed)
    for button in root.findChildren(QAbstractButton):
        if button.isCheckable():
            button.toggled.connect(changed)
    for spin in root.findChildren(QAbstractSpinBox):
        if isinstance(spin, (QSpinBox, QDoubleSpinBox)):
            spin.valueChanged.connect(changed)
    for listing in root.findChildren(QListWidget):
        listing.model().rowsInserted.connect(changed)
        listing.model().rowsRemoved.connect(changed)
