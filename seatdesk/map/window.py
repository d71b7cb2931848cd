"""A standalone map window: the MapView, a pick-mode toggle and what a pick resolved to."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from .pick import PickResult
from .view import MapView, TaskSubmitter

MAX_COMPONENTS_SHOWN = 5


class MapWindow(QMainWindow):
    """Hosts a ``MapView`` over ``sessions``; the label under it shows the last pick."""

    def __init__(self, sessions, tasks: TaskSubmitter, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Map — grid cells, components, cases and supervisors"))
        self.resize(1200, 800)
        self.map = MapView(tasks, self)
        self.setCentralWidget(self.map)
        toolbar = self.addToolBar(self.tr("Map"))
        toolbar.setMovable(False)
        self.pick_action = QAction(self.tr("Pick a location"), self, checkable=True)
        self.pick_action.toggled.connect(self.map.set_pick_mode)
        toolbar.addAction(self.pick_action)
        self.pick_label = QLabel(self.tr("Turn on “Pick a location” and click the map"))
        self.pick_label.setWordWrap(True)
        self.statusBar().addWidget(self.pick_label, 1)
        self.map.pick_resolved.connect(self.show_pick)
        self.map.case_clicked.connect(self._case_clicked)
        self.map.failed.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.map.load(sessions)

    def show_pick(self, result: PickResult) -> None:
        self.pick_label.setText(self.pick_text(result))

    def pick_text(self, result: PickResult) -> str:
        """One line: grid cell, community, street, the nearest road and components — first
        a warning when the point is outside the city's extent."""
        text = ""
        if result.outside_city:
            text = self.tr("Outside the city's extent: check the location") + " · "
        if result.in_grid:
            text += (
                self.tr("Grid cell %1 (%2) · community %3 · street %4")
                .replace("%1", result.cell_code)
                .replace("%2", result.cell_name)
                .replace("%3", result.community)
                .replace("%4", result.street)
            )
        else:
            text += self.tr("Outside every grid cell")
        if result.road:
            text += " · " + self.tr("road %1 (%2 m)").replace("%1", result.road).replace(
                "%2", f"{result.road_distance_m:.0f}")
        if result.components:
            near = "、".join(
                f"{c.name or c.class_name} {c.code} ({c.distance_m:.0f} m)"
                for c in result.components[:MAX_COMPONENTS_SHOWN]
            )
            text += " · " + self.tr("nearby components: %1").replace("%1", near)
        else:
            text += " · " + self.tr("no components nearby")
        return text

    def _case_clicked(self, case_id: int) -> None:
        self.statusBar().showMessage(self.tr("Case %1 selected").replace("%1", str(case_id)), 5000)
