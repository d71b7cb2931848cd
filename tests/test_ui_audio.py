"""Listening to a case's recordings in the case detail (照片和录音 tab).

The real QMediaPlayer (QtMultimedia's FFmpeg backend; offscreen, no audio device needed)
plays a WAV written with ``wave`` from memory: to its end, or stopped in the middle; a
damaged "recording" is reported in the panel, which keeps working; another item or another
case stops the playback; no temporary file is written. The cases are registered through the
engine with the recordings as attachments and read back through the seat (both backends).
The screenshot docs/screenshots/case_detail_recording.png (zh_CN) is taken on SQLite.
"""

from __future__ import annotations

import io
import math
import random
import struct
import tempfile
import wave
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer

from seatdesk.ui.case.attachment_panel import AttachmentPanel, audio_available
from seatdesk.ui.screenshots import save
from seatdesk.workflow import services as sd
from tests.seat_helpers import (
    actors,
    city_fixture,  # noqa: F401 (fixture)
    open_case,
    open_seat,
    photo,
    place,
)

PLAY = "播放录音"
STOP = "停止"
SLOW = 20_000  # generous: the playback runs on a clock and the machine may be busy
State = QMediaPlayer.PlaybackState
Status = QMediaPlayer.MediaStatus


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch):
    """An empty temp directory for Python (tempfile) and Qt/FFmpeg (TMPDIR) alike, so files
    other processes put into the shared /tmp do not count."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setenv("TMPDIR", str(path))
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


def audio_files_under(root: Path, recording: bytes) -> list[Path]:
    """Files under ``root`` that hold the recording (by name or by its audio bytes). What the
    audio stack keeps there for itself (PulseAudio's ``pulse-*`` runtime folder) is not ours
    and does not count."""
    sample = recording[44:1044]  # a stretch of the PCM data after the RIFF header
    return [p for p in root.rglob("*") if p.is_file()
            and (p.suffix.lower() == ".wav" or sample in p.read_bytes())]


def wav(seconds: float = 1.5, rate: int = 8000) -> bytes:
    """A mono 16-bit 440 Hz tone."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                      for i in range(int(seconds * rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def case_with(db, *recordings: tuple[str, bytes], offset: int = 40) -> int:
    """A 12319 hotline case registered with a photo and ``recordings`` (name, bytes)."""
    lon, lat, class_id = place(db, offset)
    files = (sd.AttachmentIn("photo", "现场.png", "image/png", photo()),) + tuple(
        sd.AttachmentIn("audio", name, "audio/wav", content) for name, content in recordings)
    report = sd.Report(source="hotline_12319", lon=lon, lat=lat, address="燕山路 8 号",
                       description="雨水箅子破损，来电录音附后", class_id=class_id,
                       caller_name="张先生", caller_phone="13700001111", callback_wanted=True,
                       attachments=files)
    return sd.register(sd.Workflow(db.engine), actors(db)["shouli"], report).case_id


def recordings_tab(qtbot, db, case_id: int):
    """The call-taker's seat with the case open on its 照片和录音 tab."""
    window = open_seat(qtbot, db, "shouli")
    open_case(qtbot, window, case_id)
    detail = window.workspace.detail
    detail.side.setCurrentWidget(detail.attachments)
    return window, detail.attachments


def choose(qtbot, panel: AttachmentPanel, filename: str) -> None:
    """Click the item named ``filename`` in the list."""
    row = next(i for i, item in enumerate(panel.model.items()) if item.filename == filename)
    rect = panel.view.visualRect(panel.model.index(row))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.current().filename == filename


def start(qtbot, panel: AttachmentPanel) -> QMediaPlayer:
    """Press 播放录音 and wait until the recording plays."""
    qtbot.mouseClick(panel.player.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.player.is_playing, timeout=SLOW)
    return panel.player.player


def test_a_recording_plays_from_memory_to_its_end(city, qtbot, own_tempdir):
    assert audio_available()  # libpulse0 is installed: QtMultimedia must import
    recording = wav(1.5)
    case_id = case_with(city, ("来电录音.wav", recording))
    _window, panel = recordings_tab(qtbot, city, case_id)
    button, label = panel.player.button, panel.player.time
    assert panel.player.isVisible() and button.text() == PLAY and button.isEnabled()
    choose(qtbot, panel, "来电录音.wav")
    with qtbot.waitSignal(panel.player.ended, timeout=SLOW) as ended:  # at EndOfMedia
        media = start(qtbot, panel)
        assert button.text() == STOP and label.text().endswith(" / 0:01")
    position, duration = ended.args
    assert 1400 <= duration <= 1600 and position == duration
    assert media.mediaStatus() == Status.EndOfMedia
    assert media.playbackState() == State.StoppedState
    assert label.text() == "0:01 / 0:01" and button.text() == PLAY
    assert not panel.message.isVisible()
    with qtbot.waitSignal(panel.player.ended, timeout=SLOW):  # again, without a new fetch
        start(qtbot, panel)
    assert label.text() == "0:01 / 0:01" and button.text() == PLAY
    assert audio_files_under(own_tempdir, recording) == []  # played from memory: no file


def test_stop_in_the_middle_and_moving_on_stop_the_playback(city, qtbot):
    case_id = case_with(city, ("现场录音.wav", wav(4.0)))
    other = case_with(city, ("另一段.wav", wav(1.0)), offset=45)
    window, panel = recordings_tab(qtbot, city, case_id)
    choose(qtbot, panel, "现场录音.wav")
    media = start(qtbot, panel)
    detail = window.workspace.detail
    detail.reload()  # the case re-read (as after a change elsewhere): the recording plays on
    qtbot.waitUntil(window.workspace.seat.tasks.is_idle, timeout=SLOW)
    assert panel.player.is_playing()
    qtbot.waitUntil(lambda: media.position() >= 300, timeout=SLOW)
    assert panel.player.time.text().endswith(" / 0:04")
    with qtbot.waitSignal(media.playbackStateChanged, timeout=SLOW) as stopped:
        qtbot.mouseClick(panel.player.button, Qt.MouseButton.LeftButton)  # 停止
    assert stopped.args == [State.StoppedState]
    assert media.position() < media.duration()
    assert panel.player.button.text() == PLAY and panel.player.time.text() == "0:04"
    # choosing another item (the photo) stops and forgets the recording
    start(qtbot, panel)
    choose(qtbot, panel, "现场.png")
    qtbot.waitUntil(lambda: media.playbackState() == State.StoppedState, timeout=SLOW)
    assert panel.player.item_id is None and panel.player.time.text() == ""
    # so does leaving the tab
    choose(qtbot, panel, "现场录音.wav")
    start(qtbot, panel)
    detail.side.setCurrentWidget(detail.ledger_pane)
    qtbot.waitUntil(lambda: media.playbackState() == State.StoppedState, timeout=SLOW)
    detail.side.setCurrentWidget(panel)
    # and opening another case; its own recording then plays
    start(qtbot, panel)
    open_case(qtbot, window, other)
    qtbot.waitUntil(lambda: media.playbackState() == State.StoppedState, timeout=SLOW)
    assert panel.player.item_id is None
    choose(qtbot, panel, "另一段.wav")
    with qtbot.waitSignal(panel.player.ended, timeout=SLOW):
        start(qtbot, panel)
    assert panel.player.time.text() == "0:01 / 0:01"


def test_a_damaged_recording_is_reported_and_the_panel_keeps_working(city, qtbot):
    case_id = case_with(city, ("x.wav", random.Random(12319).randbytes(6000)),
                        ("call.wav", wav(1.5)))
    _window, panel = recordings_tab(qtbot, city, case_id)
    choose(qtbot, panel, "x.wav")
    qtbot.mouseClick(panel.player.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.message.isVisible, timeout=SLOW)
    assert panel.message.text().startswith("无法播放录音“x.wav”：文件已损坏或格式不受支持")
    assert panel.message.toolTip()  # the player's own words, for the support desk
    assert panel.player.button.text() == PLAY and panel.player.time.text() == ""
    assert not panel.player.is_playing()
    choose(qtbot, panel, "call.wav")
    assert not panel.message.isVisible()
    with qtbot.waitSignal(panel.player.ended, timeout=SLOW):
        start(qtbot, panel)
    assert panel.player.time.text() == "0:01 / 0:01" and not panel.message.isVisible()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_screenshot_of_a_recording_playing(city, qtbot):
    case_id = case_with(city, ("12319来电录音.wav", wav(8.0)))
    window, panel = recordings_tab(qtbot, city, case_id)
    window.resize(1600, 960)
    choose(qtbot, panel, "12319来电录音.wav")
    media = start(qtbot, panel)
    qtbot.waitUntil(lambda: media.position() >= 1000, timeout=SLOW)
    assert panel.player.time.text().endswith(" / 0:08") and panel.player.button.text() == STOP
    save(window.workspace.detail, "case_detail_recording")
    qtbot.mouseClick(panel.player.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.player.is_playing(), timeout=SLOW)
