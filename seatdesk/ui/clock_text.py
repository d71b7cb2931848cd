"""The remaining-time text of a status light in the UI language.

The Qt-free core writes it in Chinese (``workflow.lights.remaining_text``: ``剩余 2工作时15分``,
``超期 1工作日3工作时``, ``剩余 不足1分``), in one fixed grammar. The UI reads that grammar back
and writes it again with the words the map's markers use (``map.labels.remaining_words``,
context ``MapPage``), so the table, the detail, the wall and the map say the same thing:
the Chinese UI shows exactly the core's text and ``SEATDESK_LANG=en`` gets "2 wh 15 min
left" (short: it fills a table column; wd/wh/wmin are working days, hours, minutes).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

from seatdesk.map.labels import CONTEXT, remaining_words
from seatdesk.workflow.lights import RemainingWords

_TOKEN = re.compile(r"(\d+)(工作日|工作时|工作分|天|小时|分)")
_UNIT = {"工作日": ("working", 0), "工作时": ("working", 1), "工作分": ("working", 2),
         "天": ("natural", 0), "小时": ("natural", 1), "分": ("natural", 2)}


def words() -> RemainingWords:
    return remaining_words(lambda text: QCoreApplication.translate(CONTEXT, text))


def _one(w: RemainingWords, n: str, unit: str, second: bool) -> str:
    if unit == "分" and second:  # minutes after hours (the core writes plain 分 there)
        return w.minutes.replace("%1", n)
    kind, i = _UNIT[unit]
    return getattr(w, kind)[i].replace("%1", n)


def remaining(core_text: str) -> str:
    """``剩余 2工作时15分`` → ``2 wh 15 min left`` (in English); any text that does not
    follow the grammar is returned as it is."""
    prefix, _, body = core_text.partition(" ")
    if prefix not in ("剩余", "超期") or not body:
        return core_text
    less = body.startswith("不足")
    tokens = _TOKEN.findall(body.removeprefix("不足"))
    if not tokens or len(tokens) > 2 or "".join(n + u for n, u in tokens) != \
            body.removeprefix("不足"):
        return core_text
    w = words()
    parts = [_one(w, n, unit, i == 1) for i, (n, unit) in enumerate(tokens)]
    amount = parts[0] if len(parts) == 1 else \
        w.pair.replace("%1", parts[0]).replace("%2", parts[1])
    if less:
        amount = w.under.replace("%1", amount)
    return (w.overdue if prefix == "超期" else w.left).replace("%1", amount)
