"""Grid cells and components from GeoPackage and Shapefile: the same validation as GeoJSON,
reprojection from survey coordinates, Chinese attributes without a .cpg file, layer
choice, and clear refusals that write nothing. The files are written here with GDAL
(pyogrio) from the GeoJSON test files, so every format carries the same data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy import select

from seatdesk.cli import main
from seatdesk.data.gisfile import SHORT_NAMES
from seatdesk.data.importers import import_components, import_grid, import_roads
from seatdesk.models import AdminUnit, Component, GridCell, Road
from tests.test_importers import (
    DATA,
    city_fixture,  # noqa: F401 (fixture)
    load,
    messages,
    rejected,
)

GAUSS_KRUGER_120E = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E (Liyang)


def convert(source: Path, target: Path, *, driver: str, layer: str | None = None,
            crs: str | None = "EPSG:4326", to: str | None = None,
            encoding: str | None = None) -> Path:
    """Write a GeoJSON test file's features with GDAL (reprojected ``to`` a CRS)."""
    features = json.loads(source.read_text("utf-8"))["features"]
    geoms = [shape(f["geometry"]) for f in features]
    if to:
        move = Transformer.from_crs("EPSG:4326", to, always_xy=True)
        geoms = [shapely.transform(g, lambda xy: np.column_stack(move.transform(xy[:, 0],
                                                                                xy[:, 1])))
                 for g in geoms]
    names = list(dict.fromkeys(k for f in features for k in f["properties"]))
    columns = [np.array([_text(f["properties"].get(n)) for f in features], dtype=object)
               for n in names]
    if driver == "ESRI Shapefile":  # DBF names hold 10 characters: use the short ones
        short = {long: short for short, long in SHORT_NAMES.items()}
        names = [short.get(n, n) for n in names]
    kind = "MultiPolygon" if geoms[0].geom_type.endswith("Polygon") else geoms[0].geom_type
    write(target, np.array(shapely.to_wkb(geoms), dtype=object), columns, fields=names,
          crs=to or crs, driver=driver, geometry_type=kind, layer=layer, encoding=encoding,
          promote_to_multi=kind == "MultiPolygon")
    return target


def _text(value):
    return None if value is None else str(value)


def grid(db) -> dict[str, GridCell]:
    with db.Session() as s:
        return {c.code: c for c in s.scalars(select(GridCell))}


def test_geopackage_grid_imports_like_geojson(db, tmp_path):
    path = convert(DATA / "grid_good.geojson", tmp_path / "grid.gpkg", driver="GPKG",
                   layer="cells")
    assert load(db, import_grid, path).count("grid_cells") == 3
    cells = grid(db)
    assert sorted(cells) == ["320481002012001", "320481002012002", "320481002012003"]
    first = cells["320481002012001"]
    assert (first.min_lon, first.min_lat, first.max_lon, first.max_lat) == pytest.approx(
        (119.48, 31.425, 119.481, 31.426))
    assert first.zone == "A" and first.name == "县前街001"
    assert {c.geom.geom_type for c in cells.values()} == {"Polygon"}


def test_survey_coordinates_are_reprojected_to_lonlat(db, tmp_path):
    path = convert(DATA / "grid_good.geojson", tmp_path / "grid.shp", driver="ESRI Shapefile",
                   to=GAUSS_KRUGER_120E, encoding="UTF-8")
    assert load(db, import_grid, path).count("grid_cells") == 3
    first = grid(db)["320481002012001"]
    assert (first.min_lon, first.min_lat, first.max_lon, first.max_lat) == pytest.approx(
        (119.48, 31.425, 119.481, 31.426), abs=1e-7)
    assert 10_000 < first.area_m2 < 11_000


def test_gbk_shapefile_without_cpg_keeps_its_chinese_names(db, tmp_path):
    """What a Chinese desktop GIS often hands over: GBK attributes, no .cpg, no language
    byte in the DBF header."""
    path = convert(DATA / "grid_good.geojson", tmp_path / "grid.shp", driver="ESRI Shapefile",
                   encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0
    dbf.write_bytes(bytes(data))
    assert "县前街".encode("gbk") in data  # really GBK on disk
    load(db, import_grid, path)
    assert grid(db)["320481002012001"].name == "县前街001"
    with db.Session() as s:
        assert s.scalar(select(AdminUnit.name).where(AdminUnit.code == "320481002012")) == (
            "县前街社区")


def test_zipped_shapefile_imports(db, tmp_path):
    shp = convert(DATA / "grid_good.geojson", tmp_path / "grid.shp", driver="ESRI Shapefile",
                  encoding="UTF-8")
    archive = tmp_path / "grid.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("grid.*"):
            if part != archive:
                z.write(part, part.name)
    shp.unlink()
    assert load(db, import_grid, archive).count("grid_cells") == 3


def test_several_layers_need_a_choice(city, tmp_path):
    path = convert(DATA / "components_good.geojson", tmp_path / "city.gpkg", driver="GPKG",
                   layer="components")
    convert(DATA / "grid_good.geojson", path, driver="GPKG", layer="cells")
    failure = rejected(city, import_components, path)
    assert messages(failure) == [
        "GeoPackage中有2个图层（components、cells）：请用 --layer 指定要导入的图层"]
    failure = rejected(city, lambda s, p: import_components(s, p, layer="roads"), path)
    assert messages(failure) == ["GeoPackage中没有图层“roads”；可用的图层：components、cells"]
    with city.Session.begin() as s:
        assert import_components(s, path, layer="components").count("components") == 3
    with city.Session() as s:
        lamp = s.scalar(select(Component).where(Component.code == "32048101037000001"))
        assert (lamp.status, lamp.lon, lamp.lat) == ("damaged", pytest.approx(119.4815),
                                                     pytest.approx(31.4255))


def test_bad_features_are_named_by_their_position(city, tmp_path):
    """The same reasons as for the GeoJSON file, by feature number (no lines here)."""
    path = convert(DATA / "components_bad.geojson", tmp_path / "bad.gpkg", driver="GPKG")
    failure = rejected(city, import_components, path)
    as_geojson = rejected(city, import_components, DATA / "components_bad.geojson")
    without_lines = [m.replace(f"（文件第{i.line}行）", "") for m, i in
                     zip(messages(as_geojson), as_geojson.issues, strict=True)]
    assert messages(failure) == without_lines
    assert messages(failure)[0].startswith("第1个要素：标识码（code）“3204810100100001”为16位")


def test_files_that_cannot_be_used_are_refused_whole(db, tmp_path):
    metres = convert(DATA / "grid_good.geojson", tmp_path / "noprj.shp",
                     driver="ESRI Shapefile", to=GAUSS_KRUGER_120E, encoding="UTF-8")
    metres.with_suffix(".prj").unlink()
    (tmp_path / "broken.gpkg").write_bytes(b"not a geopackage at all" * 100)
    (tmp_path / "cells.kml").write_text("<kml/>", "utf-8")
    expected = {
        metres: "没有坐标参考系（Shapefile缺少.prj文件），且坐标(",
        tmp_path / "broken.gpkg": "无法读取GeoPackage文件：",
        tmp_path / "cells.kml": "不支持的文件类型“.kml”",
        tmp_path / "missing.gpkg": "文件不存在：",
    }
    for path, start in expected.items():
        failure = rejected(db, import_grid, path)
        assert len(failure.issues) == 1 and start in str(failure.issues[0]), failure


def test_cli_imports_a_geopackage_layer(city, tmp_path, capsys):
    path = convert(DATA / "components_good.geojson", tmp_path / "city.gpkg", driver="GPKG",
                   layer="components")
    convert(DATA / "grid_good.geojson", path, driver="GPKG", layer="cells")
    assert main(["--database", city.url, "import", "components", str(path)]) == 1
    assert "请用 --layer 指定" in capsys.readouterr().err
    assert main(["--database", city.url, "import", "classes", str(path),
                 "--layer", "cells"]) == 2
    assert main(["--database", city.url, "import", "components", str(path),
                 "--layer", "components"]) == 0
    with city.Session() as s:
        assert len(s.scalars(select(Component)).all()) == 3


# -- roads ------------------------------------------------------------------------------------

def _roads_file(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _line(name, coords, **props) -> dict:
    return {"type": "Feature", "properties": {"name": name, **props},
            "geometry": {"type": "LineString", "coordinates": coords}}


def test_roads_import_from_geojson_and_a_geopackage_and_are_replaced(db, tmp_path, capsys):
    """Roads (lines with a name) import all or nothing; the CLI reads a GeoPackage and
    ``--replace`` swaps the stored roads for a new edition; a bad file is refused whole."""
    good = _roads_file(tmp_path / "roads.geojson", [
        _line("燕山路", [[119.47, 31.405], [119.50, 31.405]], code="R001"),
        {"type": "Feature", "properties": {"name": "育才路"}, "geometry": {
            "type": "MultiLineString",
            "coordinates": [[[119.47, 31.42], [119.47, 31.43]],
                            [[119.47, 31.44], [119.47, 31.45]]]}},
    ])
    report = load(db, import_roads, good)
    assert report.count("roads") == 2 and "道路 2" in str(report)
    with db.Session() as s:
        yanshan = s.scalar(select(Road).where(Road.name == "燕山路"))
        assert (yanshan.code, yanshan.geom.geom_type) == ("R001", "MultiLineString")
        assert (yanshan.min_lon, yanshan.max_lon) == (119.47, 119.50)
    bad = _roads_file(tmp_path / "bad.geojson", [
        _line("", [[119.47, 31.40], [119.48, 31.40]]),
        {"type": "Feature", "properties": {"name": "广场"},
         "geometry": {"type": "Point", "coordinates": [119.47, 31.40]}},
    ])
    found = messages(rejected(db, import_roads, bad))
    assert [m.split("）：", 1)[0].split("（")[0] for m in found] == ["第1个要素", "第2个要素"]
    assert [m.split("）：", 1)[1] for m in found] == [
        "缺少路名（name）", "几何类型为“Point”，应为LineString或MultiLineString"]
    lines = _roads_file(tmp_path / "lines.geojson", [  # one geometry type per GPKG layer
        _line("燕山路", [[119.47, 31.405], [119.50, 31.405]]),
        _line("育才路", [[119.47, 31.42], [119.47, 31.45]])])
    gpkg = convert(lines, tmp_path / "roads.gpkg", driver="GPKG", layer="roads")
    assert main(["--database", db.url, "import", "roads", str(gpkg), "--replace"]) == 0
    assert "道路 2" in capsys.readouterr().out
    assert main(["--database", db.url, "import", "grid", str(gpkg), "--replace"]) == 2
    with db.Session() as s:
        assert sorted(s.scalars(select(Road.name))) == ["燕山路", "育才路"]  # replaced, not added
