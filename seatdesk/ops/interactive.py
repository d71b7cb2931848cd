"""Interactive ``seatdesk setup``: ask for each item of the city profile on the terminal.

Every question shows the value the database holds now (or the built-in default) in
brackets; Enter keeps it. The answers go through the same validation as a profile file,
so a mistake is reported with the same message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seatdesk.data.profile import STEPS, CityProfile, default_sources, parse_profile

Ask = Callable[[str], str]

QUESTIONS = (
    ("city", "name", "城市名称"),
    ("city", "admin_code", "6位县级行政区划代码"),
    ("city", "centre_name", "中心名称"),
    ("city", "class_edition", "分类版本（GB/T 30428.2-2013 或 GB/T 47678.5-2026）"),
    ("city", "grid_code_length", "单元网格代码位数（14 或 15；None 为跟随分类版本）"),
    ("city", "time_zone", "时区"),
)


def ask_profile(current: CityProfile, ask: Ask = input) -> CityProfile:
    """Ask for every item, starting from ``current``; raises ``ProfileError`` on bad input."""
    data: dict[str, Any] = {"city": {}, "working_time": {}, "step_limits": {}}
    for table, key, label in QUESTIONS:
        old = getattr(current, key)
        answer = ask(f"{label} [{old}]: ").strip()
        value = _typed(key, answer) if answer else old
        if value is not None:
            data[table][key] = value
    periods = ", ".join(f"{a}-{b}" for a, b in current.working_periods)
    answer = ask(f"工作时段（如 08:30-12:00, 14:00-17:30） [{periods}]: ").strip()
    data["working_time"]["periods"] = _periods(answer or periods)
    for step, label in STEPS.items():
        old = current.step_limits.get(step, "")
        answer = ask(f"{label}环节时限（如 30工作分钟、2工作时） [{old}]: ").strip()
        if answer or old:
            data["step_limits"][step] = answer or old
    sources = ", ".join(s.code for s in current.sources)
    answer = ask(f"使用的案件来源代码（逗号分隔） [{sources}]: ").strip()
    codes = [c.strip() for c in (answer or sources).split(",") if c.strip()]
    known = {s.code: s for s in (*default_sources(), *current.sources)}
    data["sources"] = [{"code": c, "name": known[c].name, "public": known[c].public,
                        "needs_verification": known[c].needs_verification} if c in known
                       else {"code": c, "name": c, "public": True} for c in codes]
    if current.map_center is not None:
        data["city"]["map_center"] = list(current.map_center)
        data["city"]["map_zoom"] = current.map_zoom
    if current.extent is not None:
        data["city"]["extent"] = list(current.extent)
    data["readiness"] = {"common_events": list(current.common_events),
                         "common_components": list(current.common_components)}
    if data["city"]["class_edition"] != current.class_edition:
        data.pop("readiness")  # the other edition's common classes
    return parse_profile(data)


def _typed(key: str, answer: str) -> Any:
    if key == "grid_code_length":
        if answer.lower() in ("none", "edition", "跟随分类版本"):
            return None
        return int(answer) if answer.isdigit() else answer
    return answer


def _periods(text: str) -> list[list[str]]:
    out = []
    for part in text.replace("，", ",").split(","):
        start, _, end = part.strip().partition("-")
        out.append([start.strip(), end.strip()])
    return out
