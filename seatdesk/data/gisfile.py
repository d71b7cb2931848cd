"""Reading GeoPackage and Shapefile layers into the same ``Feature`` values the GeoJSON
reader gives, so grid cells and components can come straight from a surveying bureau's
GIS files.

GDAL does the reading (through pyogrio's bundled build; see docs/dependencies.md).
Geometries are reprojected to WGS84 lon/lat when the layer has another coordinate
reference system: Chinese survey data is usually CGCS2000 in a 3-degree Gauss–Krüger
zone (EPSG:4549 around Liyang). Shapefile attributes are decoded with the ``.cpg`` file
or the DBF language driver when present; otherwise UTF-8 if the table decodes as UTF-8,
else GB18030 (what a Chinese desktop GIS writes). Features have no line numbers: errors
name the feature (its 1-based position in the layer).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from .errors import ImportFailed, ImportIssue
from .geojson import GIS_LIMITS, Feature, check_feature_count, read_features
from .tables import size_text

GEOJSON = (".geojson", ".json")
#: DBF field names hold at most 10 characters, so a Shapefile (or any file) may use these
#: short names for the longer property names the importers read
SHORT_NAMES = {
    "comm_code": "community_code", "comm_name": "community_name", "street_cd": "street_code",
    "street": "street_name", "district": "district_name", "init_date": "initial_date",
    "chg_date": "changed_date", "source": "data_source", "owner_dept": "owner_dept_code",
    "prop_dept": "property_dept_code", "maint_dept": "maintainer_dept_code",
}
KINDS = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".zip": "Shapefile（zip压缩包）"}
_LONLAT = ("EPSG:4326", "EPSG:4490")  # WGS84 and CGCS2000 lon/lat: < 1 m apart
_DBF_LANGUAGE_BYTE = 29


def read_any(path: str | Path, layer: str | None = None) -> list[Feature]:
    """The features of a GeoJSON, GeoPackage or Shapefile (``.shp`` or zipped)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in GEOJSON:
        if layer:
            raise _failed("GeoJSON文件只有一个图层，不需要指定 --layer")
        features = read_features(path)
    elif suffix not in KINDS:
        raise _failed(f"不支持的文件类型“{path.suffix or path.name}”：请使用GeoJSON（.geojson）、"
                      "GeoPackage（.gpkg）或Shapefile（.shp，或含.shp的.zip）")
    elif not path.is_file():
        raise _failed(f"文件不存在：{path}")
    elif path.stat().st_size > GIS_LIMITS.max_bytes:
        raise _failed(f"文件过大（{size_text(path.stat().st_size)}）：一次最多导入"
                      f"{size_text(GIS_LIMITS.max_bytes)}，请拆分后分批导入")
    else:
        features = read_layer(path, layer)
    for feature in features:
        _long_names(feature.properties)
    return features


def _long_names(props: dict[str, Any]) -> None:
    """Add the long property names for the short ones a file used (long names win)."""
    for short, long in SHORT_NAMES.items():
        if short in props and long not in props:
            props[long] = props[short]


def read_layer(path: Path, layer: str | None = None) -> list[Feature]:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError
    from pyogrio.raw import read

    kind = KINDS[path.suffix.lower()]
    try:
        name = _choose_layer(path, kind, layer, pyogrio.list_layers(path))
        meta, _fids, wkb, columns = read(
            path, layer=name, encoding=_shapefile_encoding(path), return_fids=False)
    except (DataSourceError, DataLayerError, RuntimeError) as exc:
        raise _failed(f"无法读取{kind}文件：{_first_line(exc)}") from exc
    geoms = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    if not len(geoms):
        raise _failed(f"{kind}图层“{name}”中没有要素")
    check_feature_count(len(geoms))
    geoms = _to_lonlat(geoms, meta.get("crs"), kind)
    names = [str(n) for n in meta["fields"]]
    return [Feature(i + 1, None, None if geom is None else mapping(geom),
                    {n: _plain(col[i]) for n, col in zip(names, columns, strict=True)})
            for i, geom in enumerate(geoms)]


def _choose_layer(path: Path, kind: str, wanted: str | None, layers) -> str:
    spatial = [str(n) for n, geometry_type in layers if geometry_type]
    if wanted:
        if wanted not in spatial:
            raise _failed(f"{kind}中没有图层“{wanted}”；可用的图层：{'、'.join(spatial) or '无'}")
        return wanted
    if not spatial:
        raise _failed(f"{kind}中没有含几何的图层：{path.name}")
    if len(spatial) > 1:
        raise _failed(f"{kind}中有{len(spatial)}个图层（{'、'.join(spatial)}）：请用 --layer 指定"
                      "要导入的图层")
    return spatial[0]


def _shapefile_encoding(path: Path) -> str | None:
    """An encoding for a Shapefile GDAL cannot tell itself (no .cpg, no language byte)."""
    if path.suffix.lower() != ".shp" or path.with_suffix(".cpg").exists():
        return None
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()),
               None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    if len(data) > _DBF_LANGUAGE_BYTE and data[_DBF_LANGUAGE_BYTE] != 0:
        return None
    try:
        data[32:].decode("utf-8")
    except UnicodeDecodeError:
        return "GB18030"
    return "UTF-8"


def _to_lonlat(geoms: np.ndarray, crs: str | None, kind: str) -> np.ndarray:
    """The geometries in lon/lat: reprojected from the layer's CRS, or checked to look like
    lon/lat when the layer has none (a Shapefile without .prj)."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    if not crs:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        if -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90:
            return geoms
        raise _failed(f"{kind}没有坐标参考系（Shapefile缺少.prj文件），且坐标({xmin:g},{ymin:g})"
                      "不是经纬度：请附上.prj文件或导出为WGS84/CGCS2000经纬度")
    try:
        source = CRS.from_user_input(crs)
    except CRSError as exc:
        raise _failed(f"无法识别{kind}的坐标参考系：{_first_line(exc)}") from exc
    if source.to_string() in _LONLAT or source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return geoms
    move = Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(move.transform(xy[:, 0],
                                                                              xy[:, 1])))


def _plain(value: Any) -> Any:
    """A numpy cell as the Python value a GeoJSON property would be (NaN → None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()  # a DBF/GeoPackage date field
    return value


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _failed(message: str) -> ImportFailed:
    return ImportFailed([ImportIssue(None, message)])
