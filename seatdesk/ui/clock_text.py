"""The remaining-time text of a status light in the UI language.

The Qt-free core writes it in Chinese (``workflow.lights.remaining_text``: ``剩余 2工作时15分``,
``超期 1工作日3工作时``, ``剩余 不足1分``), in one fixed grammar. The UI reads that grammar back
and says it through Qt Linguist (context ``ClockText``), so the Chinese UI shows exactly the
core's text and ``SEATDESK_LANG=en`` gets "2 work h 15 min left" (short: it fills a
table column).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

CONTEXT = "ClockText"
_TOKEN = re.compile(r"(\d+)(工作日|工作时|工作分|天|小时|分)")


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 (the name lupdate knows)
    return text


#: one amount of a unit, and the two pairs of units the core writes (days + hours,
#: hours + minutes — after working hours the core writes plain 分)
_ONE = {
    "工作日": QT_TRANSLATE_NOOP("ClockText", "%1 work d"),
    "工作时": QT_TRANSLATE_NOOP("ClockText", "%1 work h"),
    "工作分": QT_TRANSLATE_NOOP("ClockText", "%1 work min"),
    "天": QT_TRANSLATE_NOOP("ClockText", "%1 d"),
    "小时": QT_TRANSLATE_NOOP("ClockText", "%1 h"),
    "分": QT_TRANSLATE_NOOP("ClockText", "%1 min"),
}
_TWO = {
    ("工作日", "工作时"): QT_TRANSLATE_NOOP("ClockText", "%1 work d %2 h"),
    ("工作时", "分"): QT_TRANSLATE_NOOP("ClockText", "%1 work h %2 min"),
    ("天", "小时"): QT_TRANSLATE_NOOP("ClockText", "%1 d %2 h"),
    ("小时", "分"): QT_TRANSLATE_NOOP("ClockText", "%1 h %2 min"),
}
_FRAMES = {
    "剩余": QT_TRANSLATE_NOOP("ClockText", "%1 left"),
    "超期": QT_TRANSLATE_NOOP("ClockText", "overdue %1"),
    "不足": QT_TRANSLATE_NOOP("ClockText", "under %1"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def _amount(tokens: list[tuple[str, str]]) -> str | None:
    if len(tokens) == 1:
        (n, unit), = tokens
        return _tr(_ONE[unit]).replace("%1", n)
    (n1, u1), (n2, u2) = tokens[:2]
    pair = _TWO.get((u1, u2))
    return None if pair is None else _tr(pair).replace("%1", n1).replace("%2", n2)


def remaining(core_text: str) -> str:
    """``剩余 2工作时15分`` → ``2 work h 15 min left`` (in English); any text that does not
    follow the grammar is returned as it is."""
    prefix, _, body = core_text.partition(" ")
    if prefix not in ("剩余", "超期") or not body:
        return core_text
    less = body.startswith("不足")
    tokens = _TOKEN.findall(body.removeprefix("不足"))
    if not tokens:
        return core_text
    amount = _amount(tokens)
    if amount is None:
        return core_text
    if less:
        amount = _tr(_FRAMES["不足"]).replace("%1", amount)
    return _tr(_FRAMES[prefix]).replace("%1", amount)
