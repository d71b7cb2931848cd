"""Every action of the seat in one registry (Picard's ``mainwindow/actions.py``).

Each action is data — a name, its text in the UI language, a shortcut and whether it is
a workflow action — and becomes one ``QAction`` on the main window, so every action has
its shortcut wherever the focus is in the window. Workflow actions are enabled only
while the shown case allows them (the detail's allowed actions); the command palette
lists whatever is enabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from seatdesk.ui import enum_labels as L

#: one shortcut per workflow action; approvals and refusals of a request share its letter
WORKFLOW_SHORTCUTS: dict[str, str] = {
    "send_verification": "Ctrl+Shift+V", "verify": "Ctrl+Shift+Y", "accept": "Ctrl+Shift+A",
    "void": "Ctrl+Shift+X", "file": "Ctrl+Shift+L", "refuse_filing": "Ctrl+Shift+N",
    "dispatch": "Ctrl+Shift+D", "send_up": "Ctrl+Shift+U", "redispatch": "Ctrl+Shift+R",
    "urge": "Ctrl+Shift+B", "sign": "Ctrl+Shift+Q", "request_return": "Ctrl+Shift+T",
    "approve_return": "Ctrl+Alt+T", "refuse_return": "Ctrl+Alt+Shift+T",
    "request_extension": "Ctrl+Shift+E", "approve_extension": "Ctrl+Alt+E",
    "refuse_extension": "Ctrl+Alt+Shift+E", "request_suspension": "Ctrl+Shift+G",
    "approve_suspension": "Ctrl+Alt+G", "refuse_suspension": "Ctrl+Alt+Shift+G",
    "resume": "Ctrl+Shift+H", "feedback": "Ctrl+Shift+F", "send_check": "Ctrl+Shift+K",
    "check_pass": "Ctrl+Shift+P", "check_fail": "Ctrl+Shift+W", "close": "Ctrl+Shift+C",
    "request_void": "Ctrl+Shift+Z", "approve_void": "Ctrl+Alt+Z",
    "refuse_void": "Ctrl+Alt+Shift+Z", "merge": "Ctrl+Shift+M",
    "claim_task": "Ctrl+Shift+J", "callback": "Ctrl+Shift+O",
}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    shortcut: str
    workflow: bool = False


def workflow_specs() -> list[ActionSpec]:
    return [ActionSpec(name, L.action(name), key, True) for name, key in WORKFLOW_SHORTCUTS.items()]


class ActionRegistry(QObject):
    triggered = Signal(str)  # the action's name

    def __init__(self, window: QWidget, specs: Iterable[ActionSpec]):
        super().__init__(window)
        self.window = window
        self.specs: dict[str, ActionSpec] = {}
        self.actions: dict[str, QAction] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: ActionSpec) -> QAction:
        action = QAction(spec.text, self.window)
        action.setObjectName(f"qaction_{spec.name}")
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setEnabled(not spec.workflow)
        action.triggered.connect(lambda _checked=False, n=spec.name: self.triggered.emit(n))
        self.window.addAction(action)
        self.specs[spec.name], self.actions[spec.name] = spec, action
        return action

    def set_allowed(self, names: Iterable[str]) -> None:
        """Enable exactly the workflow actions the shown case allows now."""
        allowed = set(names)
        for name, spec in self.specs.items():
            if spec.workflow:
                self.actions[name].setEnabled(name in allowed)

    def enabled(self) -> list[ActionSpec]:
        return [s for n, s in self.specs.items() if self.actions[n].isEnabled()]

    def shortcut_text(self, name: str) -> str:
        spec = self.specs.get(name)
        if spec is None or not spec.shortcut:
            return ""
        return QKeySequence(spec.shortcut).toString(QKeySequence.SequenceFormat.NativeText)

    def trigger(self, name: str) -> None:
        action = self.actions.get(name)
        if action is not None and action.isEnabled():
            action.trigger()
