"""Photos and recordings of a case: thumbnails, a larger view, saving, and listening.

The bytes live in the database (``attachments``). Photos arrive with the case detail
(``case_reads.attachments_of``) and are shown as thumbnails; other files are fetched off
the GUI thread when saved or played. Recordings play from memory in the panel
(``audio_player.RecordingPlayer``) when this Qt build has QtMultimedia
(``audio_available()``); otherwise they can be saved and played with any player.
Choosing another item, another case, or leaving the panel stops the playback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.audio_player import RecordingPlayer, audio_available
from seatdesk.ui.case.reads import AttachmentInfo
from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
THUMB = 96
ID_ROLE = Qt.ItemDataRole.UserRole + 1
MESSAGE_STYLE = "color: #b3261e;"


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class AttachmentModel(QAbstractListModel):
    def __init__(self, parent=None):
        keep_none_alive()
        super().__init__(parent)
        self._items: tuple[AttachmentInfo, ...] = ()
        self._icons: dict[int, QIcon] = {}

    def set_items(self, items: Sequence[AttachmentInfo]) -> None:
        items = tuple(items)
        if tuple(i.id for i in items) == tuple(i.id for i in self._items):
            return
        self.beginResetModel()
        self._items = items
        self._icons = {i.id: self._thumbnail(i) for i in items}
        self.endResetModel()

    def item(self, row: int) -> AttachmentInfo:
        return self._items[row]

    def items(self) -> tuple[AttachmentInfo, ...]:
        return self._items

    def _thumbnail(self, item: AttachmentInfo) -> QIcon:
        if item.kind == "audio":
            return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume)
        image = QImage.fromData(item.preview) if item.preview else QImage()
        if image.isNull():
            return QIcon()
        return QIcon(QPixmap.fromImage(image.scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)))

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{L.label('attachment', item.kind)}\n{item.filename}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.filename} · {item.mime_type} · {size_text(item.size)}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons.get(item.id) or None
        if role == ID_ROLE:
            return item.id
        return None


class PhotoDialog(QDialog):
    """A photo at a readable size."""

    def __init__(self, item: AttachmentInfo, parent=None):
        super().__init__(parent)
        self.setWindowTitle(item.filename)
        label = QLabel(self)
        image = QImage.fromData(item.preview)
        label.setPixmap(QPixmap.fromImage(image.scaled(
            900, 700, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)))
        QVBoxLayout(self).addWidget(label)


class AttachmentPanel(QWidget):
    """Thumbnails and files of a case, with Open, Save and (if possible) Play."""

    def __init__(self, fetch: Callable[[int, Callable[[bytes], None]], None], parent=None):
        super().__init__(parent)
        self.fetch = fetch  # fetch(attachment_id, done(bytes)) off the GUI thread
        self._pending: int | None = None  # the recording being fetched to play
        self.model = AttachmentModel(self)
        self.view = QListView(self)
        self.view.setObjectName("attachmentList")
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setGridSize(QSize(THUMB + 40, THUMB + 44))
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setWordWrap(True)
        self.view.setMinimumHeight(THUMB + 52)
        self.view.doubleClicked.connect(lambda index: self.open_item(index.row()))
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.empty = QLabel(self.tr("No photos or recordings"), self)
        self.message = QLabel(self)
        self.message.setObjectName("attachmentMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(MESSAGE_STYLE)
        self.message.hide()
        self.save_button = QPushButton(self.tr("Save…"), self)
        self.save_button.clicked.connect(self.save_current)
        self.player = RecordingPlayer(self)
        self.player.setVisible(audio_available())
        self.player.play_requested.connect(self.play_current)
        self.player.failed.connect(self._show_failure)
        self._lay_out()

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.player)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def set_items(self, items: Sequence[AttachmentInfo]) -> None:
        items = tuple(items)
        held = {self.player.item_id, self._pending} - {None}
        if not held <= {i.id for i in items}:
            self._forget_playback()  # another case, or the case was closed
        self.model.set_items(items)
        has = bool(items)
        self.empty.setVisible(not has)
        self.save_button.setEnabled(has)
        self.player.button.setEnabled(any(i.kind == "audio" for i in items))

    def current(self) -> AttachmentInfo | None:
        index = self.view.currentIndex()
        if not index.isValid() and self.model.rowCount():
            return self.model.item(0)
        return self.model.item(index.row()) if index.isValid() else None

    def open_item(self, row: int) -> None:
        item = self.model.item(row)
        if item.kind == "photo" and item.preview:
            PhotoDialog(item, self).open()
        elif item.kind == "audio":
            self.play(item)

    def save_current(self) -> None:
        item = self.current()
        if item is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save attachment"), item.filename)
        if path:
            self.save_to(item, Path(path))

    def save_to(self, item: AttachmentInfo, path: Path) -> None:
        if item.preview:
            path.write_bytes(item.preview)
            return
        self.fetch(item.id, path.write_bytes)

    # -- listening ------------------------------------------------------------------------
    def play_current(self) -> None:
        """Play the chosen recording, or the first one when a photo is chosen."""
        item = self.current()
        if item is None or item.kind != "audio":
            item = next((i for i in self.model.items() if i.kind == "audio"), None)
        if item is not None:
            self.play(item)

    def play(self, item: AttachmentInfo) -> None:
        """Play ``item``: again if it is loaded, else fetched off the GUI thread (unless the
        seat has moved on to another item or case by the time the bytes arrive)."""
        if not audio_available():
            return
        self.view.setCurrentIndex(self.model.index(self.model.items().index(item)))
        self.message.hide()
        if self.player.holds(item.id):
            self.player.replay()
            return
        self._pending = item.id

        def start(content: bytes) -> None:
            if self._pending == item.id:
                self._pending = None
                self.player.play(item.id, item.filename, content)

        self.fetch(item.id, start)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        chosen = self.model.item(current.row()).id if current.isValid() else None
        if chosen != self.player.item_id:
            self._forget_playback()

    def _forget_playback(self) -> None:
        self._pending = None
        self.player.unload()
        self.message.hide()

    def _show_failure(self, message: str, detail: str) -> None:
        self.message.setText(message)
        self.message.setToolTip(detail)
        self.message.show()

    def hideEvent(self, event) -> None:
        """Leaving the panel (another tab or page, the window closed) stops the playback
        and lets the recording go; minimising the window does not."""
        if not event.spontaneous():
            self._forget_playback()
        super().hideEvent(event)
