"""The city profile (城市档案): what ``seatdesk setup`` records about a centre (Qt-free).

A profile is a small TOML file a centre keeps with its configuration::

    [city]
    name = "青溪市"                      # 城市名称
    admin_code = "330127"               # 6位县级行政区划代码 (GB/T 2260)
    centre_name = "青溪市数字化城市管理监督指挥中心"
    class_edition = "GB/T 30428.2-2013"  # or "GB/T 47678.5-2026"
    grid_code_length = 14               # 14 (CJ/T 213-2005) or 15; absent: follow the edition
    extent = [118.30, 29.50, 118.55, 29.75]  # min lon, min lat, max lon, max lat: grid cells
                                        # outside are refused; absent: not checked
    time_zone = "Asia/Shanghai"
    map_center = [29.61, 118.41]        # optional: lat, lon of the map's first view
    map_zoom = 13

    [working_time]
    periods = [["08:30", "12:00"], ["14:00", "17:30"]]

    [step_limits]                       # 环节时限, written as city tables write them
    accept = "30工作分钟"                 # 受理
    verify = "1工作时"                    # 核实
    file = "30工作分钟"                   # 立案
    dispatch = "30工作分钟"               # 派遣
    check = "2工作时"                     # 核查
    close = "30工作分钟"                  # 结案

    [[sources]]                         # the sources in use (案件来源), in this order
    code = "hotline_12345"
    name = "12345政务服务便民热线"
    public = true                       # a report from the public (漏报, 监督举报率)
    needs_verification = true          # 核实 before 受理 (default: as public)

    [readiness]                         # classes that must have a department everywhere
    common_events = ["0102", "0104"]
    common_components = ["0101"]

``read_profile`` validates everything and raises ``ProfileError`` listing every problem
with where it is (``[city] admin_code``); ``profile_settings`` turns a profile into the
settings it stands for; ``profile_from_settings`` reads it back from a database.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seatdesk.models.sources import PATROL, SHIPPED
from seatdesk.workflow.worktime import parse_periods

from .city_profile import GRID_CODE_LENGTHS
from .classes import EDITIONS
from .limits import LimitParseError, format_limit, parse_limit

STEPS = {"accept": "受理", "verify": "核实", "file": "立案", "dispatch": "派遣",
         "check": "核查", "close": "结案"}
EDITION_CODES = tuple(e.code for e in EDITIONS)
#: classes most cities file every day: go-live needs a department for them everywhere
COMMON_CLASSES = {
    "GB/T 30428.2-2013": {
        "event": ("0102", "0103", "0104", "0110", "0201", "0501", "0504", "0505", "0506",
                  "0507"),
        "component": ("0101", "0102", "0103", "0118", "0211", "0305", "0402"),
    },
    "GB/T 47678.5-2026": {
        "event": ("06010", "06011", "06012", "06013", "06036", "07001", "09001", "09005",
                  "09009", "09010"),
        "component": ("01001", "01002", "01003", "01037", "02017", "03005", "04002"),
    },
}
_SOURCE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,19}$")
_ADMIN_CODE = re.compile(r"^[1-8]\d{5}$")


class ProfileError(ValueError):
    """The profile is refused; ``problems`` lists every problem (Chinese, with its place)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("城市档案有误：\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    public: bool
    needs_verification: bool


@dataclass(frozen=True)
class CityProfile:
    name: str
    admin_code: str
    centre_name: str
    class_edition: str
    grid_code_length: int | None  # None: follow the edition (data/city_profile.py)
    time_zone: str = "Asia/Shanghai"
    working_periods: tuple[tuple[str, str], ...] = (("08:00", "12:00"), ("14:00", "18:00"))
    step_limits: dict[str, str] = field(default_factory=dict)  # step → "30工作分钟"
    sources: tuple[Source, ...] = ()
    map_center: tuple[float, float] | None = None
    extent: tuple[float, float, float, float] | None = None  # None: not checked
    map_zoom: int = 13
    common_events: tuple[str, ...] = ()
    common_components: tuple[str, ...] = ()


def default_sources() -> tuple[Source, ...]:
    """The sources seatdesk ships (``seatdesk.models.sources.SHIPPED``, 12345 among them)."""
    return tuple(Source(s.code, s.name, s.public, s.needs_verification) for s in SHIPPED)


def read_profile(path: str | Path) -> CityProfile:
    """Read and validate a profile file (every problem reported at once)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ProfileError([f"无法读取城市档案 {path}：{exc.strerror or exc}"]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError([f"城市档案 {path} 不是有效的TOML（UTF-8）文件：{exc}"]) from exc
    return parse_profile(data)


def parse_profile(data: dict[str, Any]) -> CityProfile:
    problems: list[str] = []
    city = _table(data, "city", problems)
    name = _text(city, "name", "[city] name 城市名称", problems)
    edition = str(city.get("class_edition", "GB/T 47678.5-2026"))
    if edition not in EDITION_CODES:
        problems.append(f"[city] class_edition“{edition}”无效：应为{' 或 '.join(EDITION_CODES)}")
    values = dict(
        name=name, admin_code=_admin_code(city, problems),
        centre_name=str(city.get("centre_name") or f"{name}数字化城市管理监督指挥中心"),
        class_edition=edition, grid_code_length=_grid_length(city, problems),
        extent=_extent(city, problems),
        time_zone=_time_zone(city, problems),
        working_periods=_periods(_table(data, "working_time", problems), problems),
        step_limits=_step_limits(_table(data, "step_limits", problems), problems),
        sources=_sources(data.get("sources"), problems),
        map_center=_center(city, problems), map_zoom=_int(city, "map_zoom", 13, problems),
    )
    readiness = _table(data, "readiness", problems)
    common = COMMON_CLASSES.get(edition, {})
    values["common_events"] = _codes(readiness, "common_events", common.get("event", ()),
                                     problems)
    values["common_components"] = _codes(readiness, "common_components",
                                         common.get("component", ()), problems)
    if problems:
        raise ProfileError(problems)
    return CityProfile(**values)


def _table(data: dict, key: str, problems: list[str]) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"[{key}] 应为一个表（[{key}] 段）")
        return {}
    return value


def _text(table: dict, key: str, label: str, problems: list[str]) -> str:
    value = str(table.get(key) or "").strip()
    if not value:
        problems.append(f"{label}不能为空")
    elif len(value) > 100:
        problems.append(f"{label}不能超过100个字符")
    return value


def _admin_code(city: dict, problems: list[str]) -> str:
    code = str(city.get("admin_code") or "").strip()
    if not _ADMIN_CODE.match(code):
        problems.append(f"[city] admin_code“{code}”应为6位县级行政区划代码（GB/T 2260），"
                        "如 320481")
    return code


def _grid_length(city: dict, problems: list[str]) -> int | None:
    value = city.get("grid_code_length")
    if value is not None and value not in GRID_CODE_LENGTHS:
        problems.append(f"[city] grid_code_length“{value}”无效：应为14（CJ/T 213-2005）或15，"
                        "或不写（跟随分类版本）")
        return None
    return value


def _extent(city: dict, problems: list[str]) -> tuple[float, float, float, float] | None:
    raw = city.get("extent")
    if raw is None:
        return None
    try:
        minx, miny, maxx, maxy = (float(v) for v in raw)
    except (TypeError, ValueError):
        problems.append("[city] extent 应为 [最小经度, 最小纬度, 最大经度, 最大纬度]")
        return None
    if not (73 <= minx < maxx <= 136 and 3 <= miny < maxy <= 54):
        problems.append(f"[city] extent {list(raw)} 无效：应为中国境内的 [最小经度, 最小纬度, "
                        "最大经度, 最大纬度]，最小值小于最大值")
    return minx, miny, maxx, maxy


def _time_zone(city: dict, problems: list[str]) -> str:
    name = str(city.get("time_zone") or "Asia/Shanghai")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f"[city] time_zone“{name}”不是有效的时区（如 Asia/Shanghai）")
    return name


def _periods(table: dict, problems: list[str]) -> tuple[tuple[str, str], ...]:
    raw = table.get("periods", [["08:00", "12:00"], ["14:00", "18:00"]])
    try:
        if not isinstance(raw, list) or any(not isinstance(p, list) or len(p) != 2 for p in raw):
            raise ValueError("工作时段应写成 [[\"08:00\", \"12:00\"], …]")
        periods = parse_periods(raw)
    except ValueError as exc:
        problems.append(f"[working_time] periods：{exc}")
        return ()
    return tuple((f"{a:%H:%M}", f"{b:%H:%M}") for a, b in periods)


def _step_limits(table: dict, problems: list[str]) -> dict[str, str]:
    limits = {}
    for key, value in table.items():
        if key not in STEPS:
            problems.append(f"[step_limits] 未知环节“{key}”：应为 "
                            + "、".join(f"{k}（{v}）" for k, v in STEPS.items()))
            continue
        try:
            limits[key] = format_limit(*parse_limit(str(value)))
        except LimitParseError as exc:
            problems.append(f"[step_limits] {key}（{STEPS[key]}）：{exc}")
    return limits


def _sources(raw: Any, problems: list[str]) -> tuple[Source, ...]:
    if raw is None:
        return default_sources()
    if not isinstance(raw, list) or not raw:
        problems.append("[[sources]] 至少需要一个案件来源")
        return ()
    out, seen = [], set()
    for n, item in enumerate(raw, start=1):
        code = str(item.get("code", "")) if isinstance(item, dict) else ""
        if not _SOURCE_CODE.match(code):
            problems.append(f"[[sources]] 第{n}项：code“{code}”应为小写英文字母、数字和下划线")
            continue
        if code in seen:
            problems.append(f"[[sources]] 第{n}项：code“{code}”重复")
            continue
        seen.add(code)
        name = str(item.get("name") or "").strip()
        if not name or len(name) > 100:
            problems.append(f"[[sources]] 第{n}项（{code}）：name 不能为空，最多100个字符")
        public = bool(item.get("public", False))
        out.append(Source(code, name, public, bool(item.get("needs_verification", public))))
    if out and PATROL not in seen:
        problems.append(f"[[sources]] 必须包含监督员巡查（code = \"{PATROL}\"）：监督员上报用它")
    return tuple(out)


def _center(city: dict, problems: list[str]) -> tuple[float, float] | None:
    raw = city.get("map_center")
    if raw is None:
        return None
    try:
        lat, lon = (float(v) for v in raw)
    except (TypeError, ValueError):
        problems.append("[city] map_center 应为 [纬度, 经度]")
        return None
    if not (3 <= lat <= 54 and 73 <= lon <= 136):
        problems.append(f"[city] map_center [{lat}, {lon}] 不在中国境内（应为 [纬度, 经度]）")
    return lat, lon


def _int(table: dict, key: str, default: int, problems: list[str]) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(f"{key}“{value}”应为整数")
        return default
    return value


def _codes(table: dict, key: str, default: tuple[str, ...], problems: list[str]
           ) -> tuple[str, ...]:
    raw = table.get(key, list(default))
    if not isinstance(raw, list) or not all(isinstance(c, str) and c.isdigit() for c in raw):
        problems.append(f"[readiness] {key} 应为小类代码（字符串）的列表，如 [\"0102\"]")
        return ()
    return tuple(raw)


def working_day_hours(periods: tuple[tuple[str, str], ...]) -> float:
    """Length of a working day: the sum of the periods, in hours."""
    total = sum((dt.datetime.combine(dt.date.min, dt.time.fromisoformat(b))
                 - dt.datetime.combine(dt.date.min, dt.time.fromisoformat(a))).total_seconds()
                for a, b in periods)
    return round(total / 3600, 2)
