"""处置时限 text ↔ (value, unit): "4工作时", "7工作日", "2小时", "30分钟", "3自然日" …"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from seatdesk.models.enums import TimeUnit

# unit words as written in city tables → unit; the first word of each unit is canonical
UNIT_WORDS: dict[TimeUnit, tuple[str, ...]] = {
    TimeUnit.WORKING_HOURS: ("工作时", "工作小时"),
    TimeUnit.WORKING_DAYS: ("工作日", "工作天"),
    TimeUnit.WORKING_MINUTES: ("工作分钟",),
    TimeUnit.NATURAL_HOURS: ("小时", "自然时", "自然小时"),
    TimeUnit.NATURAL_MINUTES: ("分钟", "自然分钟"),
    TimeUnit.NATURAL_DAYS: ("自然日", "天", "日", "自然天"),
}
_WORD_TO_UNIT = {word: unit for unit, words in UNIT_WORDS.items() for word in words}
_PATTERN = re.compile(r"^(\d+(?:\.\d+)?)个?(" + "|".join(
    sorted(map(re.escape, _WORD_TO_UNIT), key=len, reverse=True)) + r")$")
EXAMPLES = "“4工作时”“7工作日”“30工作分钟”“2小时”“30分钟”“3自然日”"


class LimitParseError(ValueError):
    """The text is not a time limit; the message is Chinese and names the accepted forms."""


def parse_limit(text: str) -> tuple[Decimal, TimeUnit]:
    """Parse a 处置时限 such as "4工作时" or "0.5工作日" into (value, unit).

    Accepted units: 工作时/工作小时, 工作日, 工作分钟 (working time); 小时/自然时,
    分钟, 天/日/自然日 (natural time). Full-width digits, spaces and an optional 个
    ("2个工作日") are tolerated; anything else raises ``LimitParseError``.
    """
    raw = "" if text is None else str(text)
    norm = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
    if not norm:
        raise LimitParseError("处置时限为空：请填写数字加单位，如" + EXAMPLES)
    match = _PATTERN.match(norm)
    if match is None:
        raise LimitParseError(f"无法识别的处置时限“{raw}”：应为数字加单位，如{EXAMPLES}")
    try:
        value = Decimal(match.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise LimitParseError(f"处置时限“{raw}”的数值无效") from exc
    if value <= 0:
        raise LimitParseError(f"处置时限“{raw}”必须大于0")
    if value.as_tuple().exponent < -2:
        raise LimitParseError(f"处置时限“{raw}”最多保留两位小数")
    if value >= Decimal("100000000"):
        raise LimitParseError(f"处置时限“{raw}”数值过大")
    return value, _WORD_TO_UNIT[match.group(2)]


def format_limit(value: Decimal | int | float, unit: str | TimeUnit) -> str:
    """The canonical text of a limit, e.g. ``format_limit(Decimal("4"), "working_hours")``
    is "4工作时"."""
    number = Decimal(str(value)).normalize()
    shown = format(number, "f")
    return f"{shown}{UNIT_WORDS[TimeUnit(unit)][0]}"
