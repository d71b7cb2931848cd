"""The city profile (城市配置): the grid code length (14, 15, or following the
classification edition) and the city's extent that grid imports are checked against."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QVBoxLayout,
)

from seatdesk.data import city_profile as cp

from seatdesk.ui.admin.base import AdminPage, button_row, set_combo_data

_AXES = ((-180.0, 180.0), (-90.0, 90.0), (-180.0, 180.0), (-90.0, 90.0))


class CityPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.profile: cp.CityProfile | None = None
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.length = QComboBox(self)
        self.length.addItem(self.tr("Follow the classification edition"), None)
        self.length.addItem(self.tr("14 digits (CJ/T 213-2005)"), 14)
        self.length.addItem(self.tr("15 digits (GB/T 30428.1-2013 / GB/T 47678)"), 15)
        self.check_extent = QCheckBox(self.tr("Refuse grid cells outside this box"), self)
        self.bounds = [self._coordinate(low, high) for low, high in _AXES]
        box = QGridLayout()
        for col, text in enumerate((self.tr("min. longitude"), self.tr("min. latitude"),
                                    self.tr("max. longitude"), self.tr("max. latitude"))):
            box.addWidget(QLabel(text, self), 0, col)
            box.addWidget(self.bounds[col], 1, col)
        self.check_extent.toggled.connect(lambda on: [b.setEnabled(on) for b in self.bounds])
        form = QFormLayout()
        form.addRow(self.tr("Grid cell codes"), self.length)
        form.addRow(self.tr("City extent"), self.check_extent)
        form.addRow("", box)
        buttons, _ = button_row(self, (self.tr("Save"), self.save))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.load()

    def _coordinate(self, low: float, high: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setRange(low, high)
        spin.setDecimals(5)
        spin.setSingleStep(0.01)
        return spin

    def load(self) -> None:
        self.read("load", cp.load_profile, self.show_profile)

    def show_profile(self, profile: cp.CityProfile) -> None:
        self.profile = profile
        self.summary.setText("\n".join(profile.lines()))
        set_combo_data(self.length, None if profile.follows_edition else
                       profile.grid_code_length)
        self.check_extent.setChecked(profile.extent is not None)
        for spin, value in zip(self.bounds, profile.extent or (0.0,) * 4, strict=True):
            spin.setValue(value)
            spin.setEnabled(profile.extent is not None)

    def save(self) -> None:
        length = self.length.currentData()
        extent = [b.value() for b in self.bounds] if self.check_extent.isChecked() else None

        def change(session):
            cp.set_grid_code_length(session, self.actor, length)
            return cp.set_extent(session, self.actor, extent)

        def saved(profile: cp.CityProfile) -> None:
            self.show_profile(profile)
            self.changed.emit("city")

        self.write(change, saved)
