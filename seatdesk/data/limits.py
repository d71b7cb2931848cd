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


# -- the 紧急 limit derived from the normal one (where no published figure exists) ----------

#: nominal length of each unit in hours, for comparing limits of different units only
#: (a working day counts as 8 hours here whatever the calendar's working day)
NOMINAL_HOURS: dict[TimeUnit, Decimal] = {
    TimeUnit.WORKING_MINUTES: Decimal(1) / 60, TimeUnit.WORKING_HOURS: Decimal(1),
    TimeUnit.WORKING_DAYS: Decimal(8), TimeUnit.NATURAL_MINUTES: Decimal(1) / 60,
    TimeUnit.NATURAL_HOURS: Decimal(1), TimeUnit.NATURAL_DAYS: Decimal(24),
}
#: the steps a derived 紧急 limit is rounded down to, in hours (30 分钟 … 24 小时)
URGENT_STEPS_HOURS = (Decimal("0.5"), Decimal(1), Decimal(2), Decimal(4), Decimal(8),
                      Decimal(24))
URGENT_RULE = ("紧急时限默认值 = 一般时限的四分之一（1工作日按8小时计），连续计时，向下取整到"
               "30分钟、1、2、4、8或24小时；一般时限不超过30分钟时与其相同")


def derived_urgent_limit(value: Decimal | int | str, unit: str | TimeUnit
                         ) -> tuple[Decimal, TimeUnit]:
    """The 紧急 limit of a condition that has only a normal one (``URGENT_RULE``).

    A quarter of the normal limit in nominal hours, counted continuously (urgent limits
    run on natural time), rounded down to 30 分钟 / 1 / 2 / 4 / 8 / 24 小时; a normal
    limit of 30 minutes or less is kept as it is (in natural time). E.g. 5工作日 → 8小时,
    3自然日 → 8小时, 1工作日 → 2小时, 4工作时 → 1小时, 2工作时 → 30分钟, 15自然日 → 24小时.
    """
    amount, unit = Decimal(str(value)), TimeUnit(unit)
    hours = amount * NOMINAL_HOURS[unit]
    if hours <= URGENT_STEPS_HOURS[0]:
        return amount, TimeUnit(unit.value.replace("working_", "natural_"))
    step = max(h for h in URGENT_STEPS_HOURS if h <= max(hours / 4, URGENT_STEPS_HOURS[0]))
    if step < 1:
        return Decimal(30), TimeUnit.NATURAL_MINUTES
    return step, TimeUnit.NATURAL_HOURS
