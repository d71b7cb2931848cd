"""Registering a point outside the city's extent: only after an explicit yes.

The intake server refuses such a point from a handset or a partner (``server.intake``
``OUTSIDE_CITY``). At a seat the call-taker is trusted and a report just beyond the edge
may be real, so the form warns as soon as the point is resolved (``LocationPicker``) and
the save asks with this prompt, whose default — Enter, Esc, closing it — is *not* to
register: back to the form, the report as it was.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


class OutsideCityPrompt(QMessageBox):
    def __init__(self, lon: float, lat: float, parent=None):
        super().__init__(parent)
        self.setObjectName("intakeOutsideCityPrompt")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(self.tr("Point outside the city"))
        self.setText(self.tr("The point (%1, %2) is outside the city's extent.")
                     .replace("%1", f"{lon:.6f}").replace("%2", f"{lat:.6f}"))
        self.setInformativeText(self.tr(
            "Check the location with the caller first: a point here is most likely "
            "misplaced. Registered anyway, the case has no grid cell and is placed by hand.")
            + "\n\n" + self.tr("Register the report at this point?"))
        self.back = self.addButton(self.tr("Back to the form"), QMessageBox.ButtonRole.RejectRole)
        self.back.setObjectName("outsideCityBack")
        self.register = self.addButton(self.tr("Register anyway"),
                                       QMessageBox.ButtonRole.AcceptRole)
        self.register.setObjectName("outsideCityRegister")
        self.setDefaultButton(self.back)
        self.setEscapeButton(self.back)
