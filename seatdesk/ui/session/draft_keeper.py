"""Keep the seat's unsaved work as local drafts while it is typed (``draft_store``).

Watched: the intake form (every field, its attachments and its ``intake_key``) and every
action dialog that has typed text (its reason and its named fields). A change starts a
short debounce; then the values are read on the GUI thread and written by a worker of
their own (writes stay in order, the GUI thread never waits on the disk); while typing
goes on, a write follows at most ``DEBOUNCE_MS`` after the first unwritten change. A draft ends
when its work is saved (the report registered or put in the outbox, the action done) or
when its text is cleared; a dialog closed with Cancel keeps its draft and gets it back
the next time the same action is opened on the same case.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from seatdesk.ui.inputs import watch_inputs
from seatdesk.ui.session.draft_store import (
    Draft,
    DraftStore,
    Owner,
    action_key_of,
    intake_key_of,
)
from seatdesk.ui.session.offline_queue import IntakeDraft
from seatdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
DEBOUNCE_MS = 400
_WRITES = itertools.count(1)


def _named(root: QWidget, *kinds) -> list[tuple[str, QWidget]]:
    """Named inputs of ``root`` (Qt's own ``qt_…`` parts left out), names made unique."""
    seen: dict[str, int] = {}
    found = []
    for widget in (w for kind in kinds for w in root.findChildren(kind)):
        name = widget.objectName()
        if not name or name.startswith("qt_"):
            continue
        seen[name] = seen.get(name, 0) + 1
        found.append((name if seen[name] == 1 else f"{name}#{seen[name]}", widget))
    return found


def dialog_values(dialog: QWidget) -> tuple[dict, bool]:
    """The named fields of an action dialog and whether any text was typed in it."""
    values: dict = {}
    typed = False
    for name, edit in _named(dialog, QLineEdit, QPlainTextEdit):
        if isinstance(edit.parent(), QComboBox) or isinstance(edit.parent(), QAbstractSpinBox):
            continue  # a combo's or spin box's own line edit: the combo/spin box says it
        text = edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()
        values[name] = text
        typed = typed or bool(text.strip())
    for name, combo in _named(dialog, QComboBox):
        values[name] = {"data": _plain(combo.currentData()), "text": combo.currentText()}
    for name, button in _named(dialog, QAbstractButton):
        if button.isCheckable():
            values[name] = button.isChecked()
    for name, spin in _named(dialog, QSpinBox, QDoubleSpinBox):
        values[name] = spin.value()
    return values, typed


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def restore_dialog(dialog: QWidget, values: dict) -> None:
    """Put a dialog draft back; combos whose options arrive later are set when they do."""
    for name, edit in _named(dialog, QLineEdit, QPlainTextEdit):
        if isinstance(values.get(name), str):
            if isinstance(edit, QLineEdit):
                edit.setText(values[name])
            else:
                edit.setPlainText(values[name])
    for name, button in _named(dialog, QAbstractButton):
        if button.isCheckable() and isinstance(values.get(name), bool):
            button.setChecked(values[name])
    for name, spin in _named(dialog, QSpinBox, QDoubleSpinBox):
        if isinstance(values.get(name), (int, float)):
            spin.setValue(values[name])
    for name, combo in _named(dialog, QComboBox):
        if isinstance(values.get(name), dict):
            _ComboRestorer(combo, values[name])


class _ComboRestorer(QObject):
    """Chooses the saved entry now, or when the combo's options are (re)loaded."""

    def __init__(self, combo: QComboBox, saved: dict):
        super().__init__(combo)
        self.combo, self.saved = combo, saved
        combo.model().rowsInserted.connect(lambda *_a: QTimer.singleShot(0, self.apply))
        combo.activated.connect(lambda _i: self.deleteLater())  # the user chose: done
        self.apply()

    def apply(self) -> None:
        data, text = self.saved.get("data"), self.saved.get("text") or ""
        index = self.combo.findData(data) if data is not None else -1
        if index < 0 and text:
            index = self.combo.findText(text)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        elif text and self.combo.isEditable():
            self.combo.setEditText(text)


def intake_summary(draft: IntakeDraft) -> str:
    parts = [draft.caller_name or draft.caller_phone, draft.address, draft.class_text,
             draft.description]
    return " · ".join(p for p in parts if p)[:120]


class DraftKeeper(QObject):
    """One per workspace: watches, debounces, writes; lists and restores at sign-in."""

    drafts_loaded = Signal(object)  # list[Draft]
    failed = Signal(str)  # a message for the status bar (the disk is full, …)

    def __init__(self, seat, store: DraftStore | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.seat = seat
        self.store = store or DraftStore()
        url = seat.wf.engine.url.render_as_string(hide_password=True)
        self.owner = Owner(url, seat.user.user_id)
        self.writer = TaskRunner(self, max_threads=1)
        self.form = None
        self._intake_saved: str | None = None
        self._dialogs: dict[str, QWidget] = {}  # draft key → open dialog
        self._dirty: set[str] = set()
        self.timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS, timeout=self.flush)

    # -- watching --------------------------------------------------------------------------------
    def watch_intake(self, form) -> None:
        self.form = form
        watch_inputs(form, lambda *_a: self._changed("intake"))
        form.location.location_changed.connect(lambda *_a: self._changed("intake"))

    def watch_dialog(self, dialog) -> None:
        """A dialog just opened: keep what is typed in it, and give it its draft back (read
        off the GUI thread; put back only if nothing was typed meanwhile)."""
        key, owner, store = action_key_of(dialog.case_id, dialog.action), self.owner, self.store
        self._dialogs[key] = dialog
        watch_inputs(dialog, lambda *_a, k=key: self._changed(k))
        dialog.finished_with.connect(lambda _r, k=key: self._done(k))
        dialog.finished.connect(lambda _c, k=key: self._closed(k))
        self.writer.submit(f"draft.read.{next(_WRITES)}", lambda: store.get(owner, key),
                           lambda draft: self._restore(dialog, key, draft), self._failed)

    def _restore(self, dialog, key: str, draft: Draft | None) -> None:
        if draft is None or self._dialogs.get(key) is not dialog or dialog_values(dialog)[1]:
            return
        restore_dialog(dialog, draft.payload.get("values", {}))
        dialog.notice.setText(self.tr("Your draft is back (kept at %1). Cancel keeps it; clear "
                                      "the text to drop it.")
                              .replace("%1", f"{draft.updated_at.astimezone():%m-%d %H:%M}"))
        dialog.notice.show()

    def _changed(self, key: str) -> None:
        """Not a restarting debounce: steady typing would never be written. The first change
        starts the timer, later ones ride along, so what is typed is on disk within
        ``DEBOUNCE_MS`` (plus one write) however fast or long the typing goes on."""
        self._dirty.add(key)
        if not self.timer.isActive():
            self.timer.start()

    def _done(self, key: str) -> None:
        """The action was saved: its draft is no longer needed."""
        self._dirty.discard(key)
        self._dialogs.pop(key, None)
        self._write(lambda store, owner: store.delete(owner, key))

    def _closed(self, key: str) -> None:
        if key in self._dialogs:  # cancelled: keep what was typed
            self.flush()
            self._dialogs.pop(key, None)

    # -- writing ---------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every pending change now (read on the GUI thread, written by the worker)."""
        self.timer.stop()
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            if key == "intake":
                self._snapshot_intake()
            elif key in self._dialogs:
                self._snapshot_dialog(key, self._dialogs[key])

    def flush_and_wait(self, msecs: int = 5000) -> bool:
        self.flush()
        return self.writer.wait(msecs)

    def _write(self, fn: Callable[[DraftStore, Owner], object]) -> None:
        store, owner = self.store, self.owner
        self.writer.submit(f"draft.write.{next(_WRITES)}", lambda: fn(store, owner),
                           lambda _r: None, self._failed)

    def _failed(self, exc: Exception, trace: str) -> None:
        log.error("drafts: %s", trace)
        self.failed.emit(self.tr("Drafts cannot be kept on this computer: %1").replace(
            "%1", f"{type(exc).__name__}: {exc}"))

    def _snapshot_intake(self) -> None:
        if self.form is None:
            return
        draft = self.form.draft()
        key = intake_key_of(draft.intake_key)
        if draft.is_empty():
            gone, self._intake_saved = self._intake_saved, None
            self._write(lambda store, owner: store.delete(owner, *{key, gone} - {None}))
            return
        self._intake_saved = key
        payload, summary = json.loads(draft.to_json()), intake_summary(draft)
        self._write(lambda store, owner: store.save(owner, key, "intake", summary, payload))

    def _snapshot_dialog(self, key: str, dialog) -> None:
        values, typed = dialog_values(dialog)
        if not typed:
            self._write(lambda store, owner: store.delete(owner, key))
            return
        number = dialog.view.detail.number
        summary = f"{dialog.windowTitle()} · {dialog.reason.value()}"[:120]
        payload = {"values": values, "number": number}
        case_id, action = dialog.case_id, dialog.action
        self._write(lambda store, owner: store.save(owner, key, "action", summary, payload,
                                                    case_id=case_id, action=action))

    # -- the user's drafts -----------------------------------------------------------------------
    def load(self) -> None:
        """Read this user's drafts (``drafts_loaded``)."""
        store, owner = self.store, self.owner
        self.writer.submit("draft.list", lambda: store.drafts(owner), self.drafts_loaded.emit,
                           self._failed)

    def discard(self, *keys: str) -> None:
        for key in keys:
            self._dirty.discard(key)
            if key == self._intake_saved:
                self._intake_saved = None
        self._write(lambda store, owner: store.delete(owner, *keys))

    def abandon(self, keys) -> None:
        """Leaving (sign-out, close) and the user said 放弃: stop keeping this work."""
        keys = set(keys)
        if self.form is not None and intake_key_of(self.form.intake_key) in keys:
            self.form = None
            self._dirty.discard("intake")
        for key in keys:
            self._dialogs.pop(key, None)
        self.discard(*keys)

    def unsaved(self) -> list[tuple[str, str]]:
        """(draft key, what it is) of the work on screen that is not saved."""
        found = []
        if self.form is not None and not self.form.is_blank():
            draft = self.form.draft()
            found.append((intake_key_of(draft.intake_key),
                          self.tr("Hotline report: %1").replace("%1", intake_summary(draft))))
        for key, dialog in self._dialogs.items():
            if dialog.isVisible() and dialog_values(dialog)[1]:
                found.append((key, dialog.windowTitle()))
        return found

    def stop(self) -> None:
        self.flush_and_wait(10_000)
