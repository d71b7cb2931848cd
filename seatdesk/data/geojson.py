"""Reading GeoJSON FeatureCollections with the file line where each feature starts,
and turning their geometries into validated shapely objects (WGS84 lon/lat)."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from .errors import ImportFailed, ImportIssue, RowError
from .textfile import read_text

_WS = re.compile(r"[ \t\n\r]*")
_LONLAT_CRS = ("CRS84", "EPSG::4326", "EPSG:4326", "EPSG::4490", "EPSG:4490")
_VALIDITY = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "环自相交",
    "Too few points": "顶点太少",
    "Hole lies outside shell": "内环位于外环之外",
    "Nested holes": "内环相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "外环相互嵌套",
    "Duplicate Rings": "存在重复的环",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}


@dataclass(frozen=True)
class Feature:
    """One feature: ``index`` is 1-based, ``line`` the file line of its opening brace."""

    index: int
    line: int | None
    geometry: Any
    properties: dict[str, Any]


@dataclass(frozen=True)
class GisLimits:
    """What a GIS file may hold; beyond it the file is refused with a message."""

    max_bytes: int = 200 * 1024 * 1024
    max_features: int = 200_000
    max_depth: int = 32  # a MultiPolygon FeatureCollection nests 8 deep


GIS_LIMITS = GisLimits()


def read_features(path: str | Path, limits: GisLimits = GIS_LIMITS) -> list[Feature]:
    """Parse a FeatureCollection; a syntax error, a wrong structure or a file beyond
    ``limits`` (size, nesting depth, features) rejects the file."""
    text = read_text(path, limits.max_bytes)
    _check_depth(text, limits.max_depth)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed([ImportIssue(exc.lineno, f"GeoJSON格式错误（第{exc.colno}列）：{exc.msg}"
                                                    "——请检查逗号、引号和括号")]) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ImportFailed([ImportIssue(None, "文件不是GeoJSON要素集合（缺少 \"type\": "
                                              "\"FeatureCollection\"）")])
    _check_crs(doc.get("crs"))
    raw = doc.get("features")
    if not isinstance(raw, list) or not raw:
        raise ImportFailed([ImportIssue(None, "GeoJSON中没有要素（features为空）")])
    check_feature_count(len(raw), limits)
    lines = _feature_lines(text, len(raw))
    return [Feature(i + 1, lines[i], *_parts(item)) for i, item in enumerate(raw)]


def check_feature_count(count: int, limits: GisLimits = GIS_LIMITS) -> None:
    if count > limits.max_features:
        raise ImportFailed([ImportIssue(None, f"文件有{count:,}个要素，一次最多导入"
                                              f"{limits.max_features:,}个：请拆分后分批导入")])


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _check_depth(text: str, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` (the JSON parser would exhaust the stack)
    at the line where it happens, before parsing. Strings are blanked first (they hold no
    raw line breaks, so lines keep their numbers); the depth is a running sum."""
    data = np.frombuffer(_STRINGS.sub('""', text).encode("utf-8"), dtype=np.uint8)
    steps = np.zeros(len(data), dtype=np.int32)
    for byte, step in _BRACKETS.items():
        steps[data == byte] = step
    depth = np.cumsum(steps)
    too_deep = np.flatnonzero(depth > max_depth)
    if len(too_deep):
        line = int(np.count_nonzero(data[:too_deep[0]] == ord("\n"))) + 1
        raise ImportFailed([ImportIssue(line, f"括号嵌套超过{max_depth}层：这不是正常的"
                                              "GeoJSON（坐标最多嵌套4层）")])


def _parts(item: Any) -> tuple[Any, dict[str, Any]]:
    if not isinstance(item, dict) or item.get("type") != "Feature":
        return None, {"__error__": "不是GeoJSON要素（缺少 \"type\": \"Feature\"）"}
    props = item.get("properties")
    return item.get("geometry"), props if isinstance(props, dict) else {}


def _check_crs(crs: Any) -> None:
    """A named CRS must be lon/lat (WGS84/CGCS2000); anything malformed is refused."""
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str):
        shown = json.dumps(crs, ensure_ascii=False)[:80]
        raise ImportFailed([ImportIssue(None, f"坐标参考系（crs）格式不正确：{shown}；应为 "
                                              '{"type": "name", "properties": {"name": '
                                              '"urn:ogc:def:crs:OGC:1.3:CRS84"}}，或删除crs')])
    if not any(name.upper().endswith(tag) for tag in _LONLAT_CRS):
        raise ImportFailed([ImportIssue(None, f"坐标参考系“{name}”不是经纬度：请在GIS软件中"
                                              "导出为WGS84/CGCS2000经纬度（EPSG:4326）")])


def _feature_lines(text: str, count: int) -> list[int | None]:
    """Line of each element of the top-level "features" array (None if not found)."""
    offsets = _feature_offsets(text)
    if len(offsets) != count:
        return [None] * count
    newlines = [m.start() for m in re.finditer("\n", text)]
    return [bisect.bisect_right(newlines, off) + 1 for off in offsets]


def _feature_offsets(text: str) -> list[int]:
    decoder = json.JSONDecoder()
    pos = _WS.match(text, 0).end() + 1  # past the top-level "{"
    offsets: list[int] = []
    while True:
        pos = _WS.match(text, pos).end()
        if text[pos] == "}":
            return offsets
        key, pos = decoder.raw_decode(text, pos)
        pos = _WS.match(text, _WS.match(text, pos).end() + 1).end()  # past ":"
        if key == "features" and text[pos] == "[":
            offsets, pos = _array_offsets(text, pos, decoder)
        else:
            _, pos = decoder.raw_decode(text, pos)
        pos = _WS.match(text, pos).end()
        if text[pos] == ",":
            pos += 1


def _array_offsets(text: str, pos: int, decoder: json.JSONDecoder) -> tuple[list[int], int]:
    offsets = []
    pos = _WS.match(text, pos + 1).end()
    while text[pos] != "]":
        offsets.append(pos)
        _, pos = decoder.raw_decode(text, pos)
        pos = _WS.match(text, pos).end()
        if text[pos] == ",":
            pos = _WS.match(text, pos + 1).end()
    return offsets, pos + 1


# -- geometry -------------------------------------------------------------------------------

def feature_geometry(feature: Feature, allowed: tuple[str, ...]) -> shapely.Geometry:
    """The feature's 2-D shapely geometry in lon/lat, or ``RowError`` with a Chinese reason."""
    if "__error__" in feature.properties:
        raise RowError(feature.properties["__error__"])
    raw = feature.geometry
    if not isinstance(raw, dict) or raw.get("type") not in allowed:
        got = raw.get("type") if isinstance(raw, dict) else "无"
        raise RowError(f"几何类型为“{got}”，应为{'或'.join(allowed)}")
    try:
        geom = shapely.force_2d(shape(raw))
    except (ValueError, TypeError, IndexError, AttributeError, KeyError,
            shapely.errors.GEOSException) as exc:
        raise RowError(f"几何坐标格式错误：{exc}") from None
    if geom.is_empty:
        raise RowError("几何为空")
    _check_lonlat(geom)
    return geom


def _check_lonlat(geom: shapely.Geometry) -> None:
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise RowError(f"坐标({minx:g},{miny:g})不是经纬度：请导出为WGS84/CGCS2000经纬度"
                       "（EPSG:4326）")


def validity_problem(geom: shapely.Geometry) -> str | None:
    """A Chinese explanation of why a polygon is invalid (None when valid)."""
    if geom.is_valid:
        return None
    reason = explain_validity(geom)
    kind, _, where = reason.partition("[")
    label = _VALIDITY.get(kind.strip(), kind.strip())
    at = f"，位置约({where.rstrip(']').replace(' ', ',')})" if where else ""
    return f"几何图形无效：{label}{at}（{reason}）"


def single_polygon(geom: shapely.Geometry) -> shapely.Polygon:
    """A Polygon, or the only part of a MultiPolygon; more parts raise ``RowError``."""
    if isinstance(geom, shapely.MultiPolygon):
        if len(geom.geoms) != 1:
            raise RowError(f"多部件面（{len(geom.geoms)}个部分）：一个单元网格只能是一个连续的面")
        return geom.geoms[0]
    return geom


# -- properties -----------------------------------------------------------------------------

def text_property(props: dict[str, Any], key: str) -> str:
    """A property as stripped text ("" when absent or null)."""
    value = props.get(key)
    return "" if value is None else str(value).strip()


def code_property(props: dict[str, Any], key: str, label: str) -> tuple[str, bool]:
    """A code property as text, and whether the file wrote it as a JSON number.

    Integers are accepted (a length check catches lost leading zeros); floats are not.
    """
    value = props.get(key)
    if isinstance(value, (bool, float)):
        raise RowError(f"{label}（{key}）写成了小数“{value}”：请在源数据中把该字段设为文本")
    if isinstance(value, int):
        return str(value), True
    return ("" if value is None else str(value).strip()), False
