"""Files sent by handsets and partners: size limits, type checked by content, safe names.

A photo must decode as JPEG, PNG or WebP (Pillow reads it, whatever its name or
declared type says); a voice note must be audio by its magic bytes (``filetype``). The
stored MIME type is the one found in the content. Files are kept in the database with
their case (``attachments``), never written under a name or path the client chose; the
client's file name is kept only as a label, cleaned of paths and control characters.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from PIL import Image, UnidentifiedImageError

from seatdesk.models.enums import AttachmentKind
from seatdesk.workflow import services as sd

from .errors import ApiError

IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
               "WEBP": ("image/webp", "webp")}
AUDIO_TYPES = {"audio/mpeg", "audio/mp4", "audio/m4a", "audio/x-m4a", "audio/aac",
               "audio/ogg", "audio/x-wav", "audio/wav", "audio/amr", "audio/webm",
               "video/webm", "audio/x-flac"}
MAX_PIXELS = 60_000_000
NAME_MAX = 100


def photo(data: bytes, filename: str, max_bytes: int) -> sd.AttachmentIn:
    """A photo checked by decoding it; refused with 413/415 and a plain message."""
    _check_size(data, max_bytes, "照片")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                if image.width * image.height > MAX_PIXELS:
                    raise ApiError(415, "bad_photo", "照片像素过多")
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApiError(415, "bad_photo",
                       f"{label(filename)} 不是可识别的照片（JPEG/PNG/WebP）") from None
    if kind not in IMAGE_TYPES:
        raise ApiError(415, "bad_photo", f"{label(filename)} 的格式 {kind} 不受支持")
    mime, ext = IMAGE_TYPES[kind]
    return sd.AttachmentIn(AttachmentKind.PHOTO, safe_name(filename, ext), mime, data)


def voice(data: bytes, filename: str, max_bytes: int) -> sd.AttachmentIn:
    _check_size(data, max_bytes, "录音")
    guess = filetype.guess(data)
    if guess is None or guess.mime not in AUDIO_TYPES:
        raise ApiError(415, "bad_audio", f"{label(filename)} 不是可识别的录音")
    mime = "audio/webm" if guess.mime == "video/webm" else guess.mime
    return sd.AttachmentIn(AttachmentKind.AUDIO, safe_name(filename, guess.extension), mime, data)


def safe_name(filename: str, ext: str) -> str:
    """The client's file name as a label: last path part, printable, bounded, with the
    extension of the content actually found."""
    base = PureWindowsPath(PurePosixPath(filename or "").name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if ch.isprintable() and ch not in '<>:"/\\|?*')
    stem = base.rsplit(".", 1)[0].strip(". ") or "file"
    return f"{stem[:NAME_MAX - len(ext) - 1]}.{ext}"


def _check_size(data: bytes, max_bytes: int, what: str) -> None:
    if not data:
        raise ApiError(422, "empty_file", f"{what}文件为空")
    if len(data) > max_bytes:
        raise ApiError(413, "too_large", f"{what}超过 {max_bytes // (1024 * 1024)} MB")


def label(filename: str) -> str:
    """The client's file name as it may appear in a message: its last path part,
    printable, bounded, extension and all ("serve.log 不是可识别的照片")."""
    base = PureWindowsPath(PurePosixPath(filename or "").name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable()).strip()
    return base[:NAME_MAX] or "文件"
