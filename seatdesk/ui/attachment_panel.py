"""Photos and recordings of a case: thumbnails, a larger view, saving, and playing audio.

The bytes live in the database (``attachments``). Photos arrive with the case detail
(``case_reads.attachments_of``) and are shown as thumbnails; other files are fetched off
the GUI thread when saved or played. Audio plays through QtMultimedia when this Qt build
and the machine provide it (``audio_available()``); otherwise recordings can be saved and
played with any player.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt, QUrl
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from . import enum_labels as L
from .case_reads import AttachmentInfo
from .pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
THUMB = 96
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def audio_available() -> bool:
    """QtMultimedia importable here (it needs the system's audio libraries)."""
    try:
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer  # noqa: F401
    except ImportError:
        return False
    return True


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
        self.empty = QLabel(self.tr("No photos or recordings"), self)
        self.save_button = QPushButton(self.tr("Save…"), self)
        self.save_button.clicked.connect(self.save_current)
        self.play_button = QPushButton(self.tr("Play recording"), self)
        self.play_button.clicked.connect(self.play_current)
        self.play_button.setVisible(audio_available())
        self.player = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.play_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def set_items(self, items: Sequence[AttachmentInfo]) -> None:
        self.model.set_items(items)
        has = bool(items)
        self.empty.setVisible(not has)
        self.save_button.setEnabled(has)
        self.play_button.setEnabled(any(i.kind == "audio" for i in items))

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

    def play_current(self) -> None:
        item = self.current()
        if item is not None and item.kind == "audio":
            self.play(item)

    def play(self, item: AttachmentInfo) -> None:
        if not audio_available():
            return
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        def start(content: bytes) -> None:
            suffix = Path(item.filename).suffix or ".wav"
            with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
                handle.write(content)
            self.player = QMediaPlayer(self)
            self.player.setAudioOutput(QAudioOutput(self.player))
            self.player.setSource(QUrl.fromLocalFile(handle.name))
            self.player.play()

        self.fetch(item.id, start)
