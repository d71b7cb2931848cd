"""Which encoding a text file from a Chinese office is in, and its text (Qt-free).

Accepted: UTF-8 with or without a byte-order mark, and GB18030 — the superset of GBK and
GB2312 that Excel and WPS on a Chinese Windows write when a table is saved as plain
"CSV (逗号分隔)". A file that is neither is refused with the reason: UTF-16 ("Unicode
文本" from Excel), Big5, or bytes that are not text at all.

GB18030 decodes many byte sequences that were never GB text (Big5 and Shift-JIS files
decode to nonsense), so a decoded file is accepted as GB18030 only when it reads like
simplified Chinese: no private-use characters and at least ``GB2312_SHARE`` of its
non-ASCII characters within GB2312's 6,763 common characters and symbols.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .errors import ImportFailed, ImportIssue

UTF8 = "UTF-8"
UTF8_BOM = "UTF-8（带BOM）"
GB18030 = "GB18030（GBK）"
GB2312_SHARE = 0.9
SAVE_AS = ("请用Excel/WPS“另存为”→“CSV UTF-8（逗号分隔）”或“Excel工作簿（.xlsx）”，"
           "或在文本编辑器中另存为UTF-8编码后重新导入")
_ASCII = re.compile(r"[\x00-\x7f]+")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # UTF8, UTF8_BOM or GB18030: named in the import's result


def decode_text(data: bytes) -> Decoded:
    """The text of ``data`` and the encoding it was in; ``ImportFailed`` when it is not
    UTF-8 or GB18030 text (the line and byte where decoding fails are named)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refused(None, "文件是UTF-16编码（Excel的“Unicode文本”）")
    if data.startswith(codecs.BOM_UTF8):
        decoded = Decoded(_utf8(data[3:], offset=3), UTF8_BOM)
    else:
        try:
            decoded = Decoded(data.decode("utf-8"), UTF8)
        except UnicodeDecodeError as exc:
            decoded = Decoded(_gb18030(data, exc), GB18030)
    _check_controls(decoded.text)
    return decoded


def _utf8(data: bytes, offset: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _refused(line, f"文件开头标明是UTF-8，但从第{exc.start + offset + 1}字节起"
                             "无法按UTF-8解码（文件可能损坏或混用了编码）") from exc


def _gb18030(data: bytes, utf8_error: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, utf8_error.start) + 1
    where = f"从第{utf8_error.start + 1}字节起无法按UTF-8解码"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _refused(line, f"文件既不是UTF-8也不是GBK/GB18030编码（{where}）") from None
    if not _reads_as_simplified_chinese(text):
        guess = "，看起来是繁体Big5编码" if _decodes(data, "big5") else ""
        raise _refused(line, f"文件不是UTF-8编码，按GBK/GB18030解码得到的是乱码（{where}{guess}）")
    return text


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _reads_as_simplified_chinese(text: str) -> bool:
    wide = _ASCII.sub("", text)
    if _PRIVATE_USE.search(wide):
        return False
    common = wide.encode("gb2312", "ignore").decode("gb2312")
    return len(common) >= GB2312_SHARE * len(wide)


def _check_controls(text: str) -> None:
    """Binary data decodes as "text" full of control characters: refuse it by its first one."""
    found = _CONTROL.search(text)
    if found is not None:
        ch, line = found.group(), text.count("\n", 0, found.start()) + 1
        name = "NUL（空字符）" if ch == "\0" else f"控制字符U+{ord(ch):04X}"
        raise ImportFailed([ImportIssue(line, f"文件含有{name}：这不是文本表格文件，或文件已损坏")])


def _refused(line: int | None, reason: str) -> ImportFailed:
    return ImportFailed([ImportIssue(line, f"{reason}。{SAVE_AS}")])
