"""The organisation importers refuse bad files whole, naming each line; ``seatdesk check``
names what is missing once something is taken away from a ready centre (both backends)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select, update

from seatdesk.cli import main
from seatdesk.data.org_export import write_table
from seatdesk.data.org_templates import DEPARTMENTS, RESPONSIBILITIES, UNITS, USERS
from seatdesk.data.readiness import readiness
from seatdesk.models import AdminUnit, Beat, Department, Responsibility, User
from tests.yunxi import YUNXI


def _failed(url: str, kind: str, path: Path, capsys) -> str:
    assert main(["--database", url, "import", kind, str(path)]) == 1
    return capsys.readouterr().err


def _count(db, model) -> int:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_units_and_departments_name_every_bad_line(make_db, tmp_path, capsys):
    db = make_db("yunxi")
    units = write_table(UNITS, [["330785003", "新城街道", "街道/镇", ""],
                                ["320481001001", "别市社区", "社区", ""],
                                ["330785004001", "孤儿社区", "社区", ""],
                                ["330785003", "重复", "", ""]], tmp_path)
    err = _failed(db.url, "units", units, capsys)
    assert "第3行" in err and "不以本市行政区划代码“330785”开头" in err
    assert "第4行" in err and "上级代码“330785004”不存在" in err
    assert "第5行" in err and "与第2行重复" in err
    assert _count(db, AdminUnit) == 8
    depts = write_table(DEPARTMENTS, [["A1", "甲", "专业部门", "B1", "", "", ""],
                                      ["B1", "乙", "专业部门", "A1", "", "", ""],
                                      ["C1", "丙", "外包公司", "NOPE", "999", "", "也许"]],
                        tmp_path, "csv")
    err = _failed(db.url, "departments", depts, capsys)
    assert "成环" in err and "类型“外包公司”无效" in err and "上级部门代码“NOPE”不存在" in err
    assert "启用“也许”应为“是”或“否”" in err and "所属区域代码“999”" in err
    assert _count(db, Department) == 10


def test_users_responsibilities_and_beats_refuse_unknown_references(make_db, tmp_path,
                                                                    capsys):
    db = make_db("yunxi")
    users = write_table(USERS, [["new one", "甲", "受理员", "", "", ""],
                                ["dept_user", "乙", "专业部门", "", "", ""],
                                ["boss", "丙", "老板", "", "", ""],
                                ["yx_admin", "周敏", "受理员", "", "", ""]], tmp_path)
    err = _failed(db.url, "users", users, capsys)
    assert "不能有空格" in err and "专业部门用户必须填写部门代码" in err
    assert "角色“老板”无效" in err and "导入后将没有启用的管理员" in err
    assert _count(db, User) == 17
    resp = write_table(RESPONSIBILITIES, [["事件", "9999", "", "全市", "YXHW", ""],
                                          ["事件", "0102", "道路不洁", "全市", "YXHW", ""],
                                          ["部件", "0101", "", "全市", "YXDH", ""]], tmp_path)
    err = _failed(db.url, "responsibilities", resp, capsys)
    assert "小类代码“9999”不是GB/T 30428.2-2013中的事件小类" in err
    assert "小类名称“道路不洁”与小类0102“暴露垃圾”不符" in err
    assert "部门代码“YXDH”不是启用的专业部门" in err
    beats = tmp_path / "beats.geojson"
    beats.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                     '"properties": {"code": "X1", "name": "x", "supervisors": "yx_shouli"}, '
                     '"geometry": {"type": "Point", "coordinates": [119.9, 29.2]}}]}',
                     encoding="utf-8")
    err = _failed(db.url, "beats", beats, capsys)
    assert "第1个要素" in err and "监督员“yx_shouli”不存在、已停用或角色不是监督员" in err
    assert "几何类型为“Point”" in err
    assert _count(db, Beat) == 3


def test_importing_the_same_files_again_changes_nothing(make_db, capsys):
    db = make_db("yunxi")
    capsys.readouterr()  # the seed's own import, when this test is the first to build it
    for kind, name in (("units", "admin_units.xlsx"), ("departments", "departments.xlsx"),
                       ("responsibilities", "responsibilities.xlsx"),
                       ("users", "users.csv"), ("beats", "beats.geojson")):
        assert main(["--database", db.url, "import", kind, str(YUNXI / name)]) == 0
    out = capsys.readouterr().out
    assert "行政区划 0" in out and "责任关系 0，更新 0" in out and "用户 0，更新 17" in out
    assert "新用户的初始密码" not in out and "责任网格 0，更新 3" in out


def test_check_names_what_a_ready_centre_lost(make_db, capsys):
    db = make_db("yunxi")
    assert main(["--database", db.url, "check", "--on", "2026-12-04"]) == 0
    with db.Session.begin() as s:
        donghu = s.scalar(select(AdminUnit.id).where(AdminUnit.code == "330785002"))
        s.execute(delete(Responsibility).where(Responsibility.area_id == donghu))
        city_wide = select(Responsibility.id).where(Responsibility.area_id.is_(None))
        s.execute(delete(Responsibility).where(Responsibility.id.in_(
            select(city_wide.subquery().c.id).limit(1))))
        s.execute(update(User).where(User.username.in_(["yx_jd_sun", "yx_yxld"]))
                  .values(active=False))
    capsys.readouterr()
    assert main(["--database", db.url, "check", "--on", "2026-12-04"]) == 1
    out = capsys.readouterr().out
    assert "YXLD 云溪市路灯管理所" in out and "部门没有启用的用户" in out
    assert "YX-B03 东湖街道片" in out and "责任网格没有启用的监督员" in out
    assert "社区没有“" in out and "330785002001 东湖社区" in out
    with db.Session() as s:
        failed = {c.code for c in readiness(s, None) if not c.ok}
    assert {"departments", "beats", "responsibility"} <= failed


def test_templates_are_written_in_both_formats(tmp_path, capsys):
    import openpyxl

    assert main(["export", "templates", str(tmp_path / "x")]) == 0
    book = openpyxl.load_workbook(tmp_path / "x" / "users.xlsx")
    assert [c.value for c in book["用户"][1]] == list(USERS.header)
    assert book["说明"]["A1"].value == "用户"
    assert main(["export", "templates", str(tmp_path / "c"), "--format", "csv"]) == 0
    assert (tmp_path / "c" / "departments.csv").read_text(encoding="utf-8-sig").startswith(
        "部门代码,部门名称,类型")
