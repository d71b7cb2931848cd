"""Listening to a case's recordings (12319 hotline calls, field audio) in the case detail.

The bytes are played from memory: QMediaPlayer reads a QBuffer (``setSourceDevice``; the
file name in the URL only hints the format), so nothing is written to disk. One button
toggles 播放录音/停止 and returns to 播放录音 at the end; a label shows position / duration
while playing and the duration once loaded; a file the player cannot decode (damaged,
unsupported) is reported through ``failed`` instead of raising.

The player is driven through queued signals connected to its own C++ slots (``_Commands``),
never by calling ``play``/``stop``/``setSource…`` from Python. Those calls tear down or
build the player's worker threads, and a worker being torn down may wait for the Python
GIL (PySide looks up Python overrides of the ``QAudioOutput``/``QBuffer`` wrappers) while
holding a lock the call needs: called from Python, with the GIL held, ``stop()`` can
deadlock the seat. Queued, they run from the event loop, which does not hold the GIL.

QtMultimedia needs the system's audio libraries (Debian: libpulse0), so ``audio_available()``
says whether it can be imported here. A machine without an audio *device* still plays
(silently, on the system clock): only a missing library hides the player.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, QUrl, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

QUEUED = Qt.ConnectionType.QueuedConnection


@functools.cache
def audio_available() -> bool:
    """QtMultimedia importable here (it needs the system's audio libraries)."""
    try:
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer  # noqa: F401
    except ImportError:
        return False
    return True


def clock(ms: int) -> str:
    """``m:ss`` of a position or duration in milliseconds (whole seconds, rounded down)."""
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class _Commands(QObject):
    """Requests to the player, each connected (queued) to the player's C++ slot."""

    play = Signal()
    stop = Signal()
    load = Signal(QIODevice, QUrl)  # setSourceDevice
    unload = Signal(QUrl)  # setSource(QUrl()): drop the source and the worker threads

    def connect_to(self, player) -> None:
        self.play.connect(player.play, QUEUED)
        self.stop.connect(player.stop, QUEUED)
        self.load.connect(player.setSourceDevice, QUEUED)
        self.unload.connect(player.setSource, QUEUED)


class RecordingPlayer(QWidget):
    """A 播放录音/停止 button and a position / duration label; one recording at a time."""

    play_requested = Signal()  # the button was pressed while nothing plays
    failed = Signal(str, str)  # message for the user, the player's own (English) detail
    ended = Signal(int, int)  # position and duration when the recording played to its end

    def __init__(self, parent=None):
        super().__init__(parent)
        self.item_id: int | None = None  # the attachment in the player
        self.filename = ""
        self.failed_to_play = False
        self.player = None  # QMediaPlayer, made on first use
        self._commands = _Commands(self)
        self._buffer: QBuffer | None = None
        self.button = QPushButton(self)
        self.button.setObjectName("playButton")
        self.button.clicked.connect(self._clicked)
        self.time = QLabel(self)
        self.time.setObjectName("playerTime")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.time)
        self._fit_button()

    def _fit_button(self) -> None:
        """Wide enough for both texts, so the row does not jump when it toggles."""
        widths = []
        for text in (self.tr("Stop"), self.tr("Play recording")):
            self.button.setText(text)
            widths.append(self.button.sizeHint().width())
        self.button.setMinimumWidth(max(widths))

    def is_playing(self) -> bool:
        from PySide6.QtMultimedia import QMediaPlayer

        return self.player is not None and \
            self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def play(self, item_id: int, filename: str, content: bytes) -> None:
        """Play ``content`` (the bytes of attachment ``item_id``) from memory."""
        self._ensure_player()
        self.unload()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(content))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.item_id, self.filename, self.failed_to_play = item_id, filename, False
        self._commands.load.emit(self._buffer, QUrl(filename))
        self._commands.play.emit()

    def holds(self, item_id: int) -> bool:
        """Attachment ``item_id`` is loaded and playable (play it again with ``replay``)."""
        return self.item_id == item_id and not self.failed_to_play

    def replay(self) -> None:
        """Play the loaded recording again from its start."""
        if self.item_id is not None:
            self._commands.play.emit()

    def stop(self) -> None:
        self._commands.stop.emit()

    def unload(self) -> None:
        """Stop and forget the recording (another item or case was chosen, or the panel
        was left); the buffer goes once the player has let go of it."""
        self.item_id, self.filename = None, ""
        self.time.clear()
        if self.player is not None:
            self._commands.unload.emit(QUrl())
        if self._buffer is not None:
            self._buffer.deleteLater()  # posted after the unload, so handled after it
            self._buffer = None

    def _clicked(self) -> None:
        if self.is_playing():
            self.stop()
        else:
            self.play_requested.emit()

    def _ensure_player(self) -> None:
        if self.player is not None:
            return
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(QAudioOutput(self.player))
        self.player.playbackStateChanged.connect(self._state_changed)
        self.player.positionChanged.connect(self._show_time)
        self.player.durationChanged.connect(self._show_time)
        self.player.mediaStatusChanged.connect(self._status_changed)
        self.player.errorOccurred.connect(self._error)
        self._commands.connect_to(self.player)

    def _state_changed(self, _state) -> None:
        self.button.setText(self.tr("Stop") if self.is_playing() else self.tr("Play recording"))
        self._show_time()

    def _status_changed(self, status) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.MediaStatus.EndOfMedia and self.item_id is not None:
            self.ended.emit(self.player.position(), self.player.duration())

    def _show_time(self, *_args) -> None:
        """Position / duration while playing or at the end; the duration alone when loaded
        (or stopped, which rewinds)."""
        player = self.player
        if player is None or self.item_id is None or player.duration() <= 0:
            return
        if self.is_playing() or player.position() > 0:
            self.time.setText(f"{clock(player.position())} / {clock(player.duration())}")
        else:
            self.time.setText(clock(player.duration()))

    def _error(self, error, detail: str) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if error == QMediaPlayer.Error.NoError or self.item_id is None:
            return
        self.failed_to_play = True
        self.time.clear()
        self.button.setText(self.tr("Play recording"))
        self.failed.emit(self.tr("“%1” cannot be played: the file is damaged or in a format "
                                 "the seat cannot play. Save it and open it with another "
                                 "player.").replace("%1", self.filename), detail)
