"""Grid imports against the city profile: GeoJSON limits (depth, size, features), a
malformed crs, the overlap check that stops at the issue cap, the grid code length (14,
15, or following the edition — the command and the admin screen), community codes derived
from the cell code, cells outside the city refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from seatdesk.cli import main
from seatdesk.data.city_profile import load_profile, set_grid_code_length
from seatdesk.data.errors import MAX_ISSUES, ImportFailed
from seatdesk.data.geojson import GisLimits, read_features
from seatdesk.data.importers import import_grid
from seatdesk.models import GridCell, get_setting, set_setting
from seatdesk.workflow.auth import LoggedIn
from tests.test_importers import load, messages, rejected


def square(x: float, y: float, size: float = 0.001) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def cell(code: str, x: float, y: float, **props) -> dict:
    props = {"code": code, "name": f"网格{code[-3:]}", "community_name": "县前街社区",
             "street_name": "溧城街道", "district_name": "溧阳市", **props}
    return {"type": "Feature", "properties": props, "geometry": square(x, y)}


def geojson(tmp_path: Path, features: list[dict], name: str = "g.geojson", **top) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", **top, "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


# -- limits and malformed files ------------------------------------------------------------------

def test_deep_nesting_is_refused_with_its_line_before_parsing(db, tmp_path):
    path = tmp_path / "deep.geojson"
    path.write_text('{"type": "FeatureCollection",\n"features": ' + "[" * 100_000
                    + "]" * 100_000 + "}", encoding="utf-8")
    (issue,) = rejected(db, import_grid, path).issues
    assert issue.line == 2 and "括号嵌套超过32层" in issue.message


@pytest.mark.parametrize("crs", [{"type": "name", "properties": ["EPSG:4326"]}, "EPSG:4326",
                                 {"type": "name"}, {"properties": {"name": 4326}}])
def test_a_malformed_crs_is_refused_clearly(db, tmp_path, crs):
    path = geojson(tmp_path, [cell("320481002012001", 119.48, 31.425)], crs=crs)
    (text,) = messages(rejected(db, import_grid, path))
    assert text.startswith("坐标参考系（crs）格式不正确")


def test_size_and_feature_limits(tmp_path):
    path = geojson(tmp_path, [cell(f"320481002012{i:03d}", 119.48 + i / 1000, 31.425)
                              for i in range(1, 6)])
    with pytest.raises(ImportFailed, match="一次最多导入4个"):
        read_features(path, GisLimits(max_features=4))
    with pytest.raises(ImportFailed, match="文件过大"):
        read_features(path, GisLimits(max_bytes=100))
    assert len(read_features(path)) == 5


def test_identical_cells_are_reported_up_to_the_cap_each_once(db, tmp_path):
    path = geojson(tmp_path, [cell(f"3204810020{i // 900 + 12}{i % 900 + 1:03d}", 119.48, 31.425,
                                   community_name=f"社区{i // 900}") for i in range(1500)])
    failure = rejected(db, import_grid, path)
    assert len(failure.issues) == MAX_ISSUES and failure.truncated
    named = [m.split("“")[1].split("”")[0] for m in messages(failure)]
    assert len(set(named)) == MAX_ISSUES  # fifty different cells, not fifty times the first
    assert all("重叠约" in m for m in messages(failure))


def test_cells_sharing_edges_are_not_overlaps_and_slivers_are_tolerated(db, tmp_path):
    features = [cell(f"320481002012{i + 1:03d}", 119.48 + i * 0.001, 31.425) for i in range(20)]
    features[5]["geometry"]["coordinates"][0][1][0] += 1e-9  # a digitising sliver
    path = geojson(tmp_path, features)
    assert load(db, import_grid, path).count("grid_cells") == 20


# -- the city profile ----------------------------------------------------------------------------

def test_community_code_is_derived_from_the_cell_code(db, tmp_path):
    load(db, import_grid, "grid_good.geojson")
    path = geojson(tmp_path, [{"type": "Feature", "properties": {
        "code": "320481002012004", "name": "县前街004"}, "geometry": square(119.483, 31.425)}])
    assert load(db, import_grid, path).count("admin_units") == 0
    with db.Session() as s:
        new = s.scalar(select(GridCell).where(GridCell.code == "320481002012004"))
        old = s.scalar(select(GridCell).where(GridCell.code == "320481002012001"))
        assert new.community_id == old.community_id


def test_cells_outside_the_city_are_refused_naming_the_feature(db, tmp_path, capsys):
    path = geojson(tmp_path, [cell("320481002012001", 119.48, 31.425),
                              cell("320481002012002", 121.47, 31.23)])  # 上海, not 溧阳
    (text,) = messages(rejected(db, import_grid, path))
    assert text.startswith("第2个要素（文件第1行）：位置(121.47050,31.23050)不在本市范围内"
                           "（经度119.11–119.62，纬度31.13–31.7）")
    assert main(["--database", db.url, "city", "set", "extent", "none"]) == 0
    assert "本市范围：未设置（不检查）" in capsys.readouterr().out
    assert load(db, import_grid, path).count("grid_cells") == 2


def test_grid_code_length_follows_the_edition_unless_set(make_db, tmp_path, capsys):
    db = make_db("reference")
    with db.Session.begin() as s:
        assert (load_profile(s).grid_code_length, load_profile(s).follows_edition) == (15, True)
        set_setting(s, "class_edition", "GB/T 30428.2-2013")
        assert load_profile(s).grid_code_length == 14
    fourteen = geojson(tmp_path, [cell("32048100201201", 119.48, 31.425)])
    assert load(db, import_grid, fourteen).count("grid_cells") == 1
    fifteen = geojson(tmp_path, [cell("320481002012002", 119.49, 31.425)], "g15.geojson")
    (text,) = messages(rejected(db, import_grid, fifteen))
    assert text.endswith("应为14位数字（本市按CJ/T 213-2005设置为14位，见 seatdesk city show）")
    assert main(["--database", db.url, "city", "set", "grid-code-length", "15"]) == 0
    assert "单元网格代码：15位（已单独设置" in capsys.readouterr().out
    assert load(db, import_grid, fifteen).count("grid_cells") == 1
    assert main(["--database", db.url, "city", "set", "grid-code-length", "16"]) == 1
    assert "单元网格代码位数“16”无效" in capsys.readouterr().err
    assert main(["--database", db.url, "city", "set", "grid-code-length", "edition"]) == 0
    assert main(["--database", db.url, "city", "show"]) == 0
    assert "单元网格代码：14位（跟随分类版本，CJ/T 213-2005）" in capsys.readouterr().out


def test_the_admin_screen_sets_the_profile_and_only_for_administrators(make_db, qtbot):
    from seatdesk.data.admin import AdminPermissionError
    from seatdesk.ui.admin.city_page import CityPage
    from seatdesk.ui.session.app import make_application
    from seatdesk.ui.tasks import TaskRunner
    from seatdesk.workflow.accounts import create_account

    make_application(language="zh_CN")
    db = make_db("reference")
    with db.Session.begin() as s:  # a real administrator: the role is checked on the live record
        admin_id = create_account(s, username="chief", display_name="管理员", role="admin",
                                  password="correct horse battery")
        clerk_id = create_account(s, username="shouli", display_name="受理员", role="acceptor",
                                  password="correct horse battery")
    admin = LoggedIn(admin_id, "chief", "管理员", "admin", None, False)
    page = CityPage(db.Session, admin, TaskRunner())
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.profile is not None, timeout=30_000)
    assert "单元网格代码：15位（跟随分类版本" in page.summary.text()
    page.length.setCurrentIndex(page.length.findData(14))
    page.bounds[0].setValue(119.2)
    page.save()
    qtbot.waitUntil(lambda: page.message.text() == "已保存", timeout=30_000)
    with db.Session() as s:
        assert get_setting(s, "grid_code_length") == 14
        assert get_setting(s, "city_extent")[0] == pytest.approx(119.2)
    with db.Session() as s, pytest.raises(AdminPermissionError):
        set_grid_code_length(s, LoggedIn(clerk_id, "shouli", "受理员", "acceptor", None, False), 15)
