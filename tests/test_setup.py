"""``seatdesk setup`` and the city profile, ``seatdesk check`` on an empty centre, and version
safety (a seat older or newer than the schema), on both backends."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from seatdesk import __version__
from seatdesk.cli import main
from seatdesk.data.profile import ProfileError, read_profile
from seatdesk.data.settings_ledger import setting_history
from seatdesk.data.setup import profile_from_settings, profile_toml
from seatdesk.models import CaseClass, ClassEdition, FilingCondition, SettingChange, get_setting
from seatdesk.models.sources import list_sources, source_info

CITY = Path(__file__).parent / "data" / "yunxi" / "city.toml"


def _changes(db) -> int:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(SettingChange))


def test_setup_records_the_profile_and_loads_only_its_edition(db, capsys):
    assert main(["--database", db.url, "setup", "--profile", str(CITY)]) == 0
    out = capsys.readouterr().out
    assert "云溪市（330785，GB/T 30428.2-2013）" in out and "分类 135" in out
    with db.Session() as s:
        assert get_setting(s, "admin_code") == "330785"
        assert get_setting(s, "grid_code_length") == 14
        assert get_setting(s, "city_extent") == [119.90, 29.20, 119.94, 29.22]
        assert get_setting(s, "step_limits")["check"] == [2, "working_hours"]
        assert get_setting(s, "working_day_hours") == 7.5
        assert [(src.code, src.needs_verification) for src in list_sources(s, True)] == [
            ("patrol", False), ("hotline_12345", True), ("hotline_12319", True),
            ("superior", False)]
        assert not source_info(s, "video").enabled  # not in the profile
        editions = s.scalars(select(ClassEdition.code).join(CaseClass).distinct()).all()
        assert editions == ["GB/T 30428.2-2013"]
        assert s.scalar(select(func.count()).select_from(FilingCondition)) == 239
        assert profile_from_settings(s) == read_profile(CITY)
    first = _changes(db)
    assert first == 13


def test_setup_again_changes_only_what_changed(db, tmp_path, capsys):
    assert main(["--database", db.url, "setup", "--profile", str(CITY)]) == 0
    before = _changes(db)
    assert main(["--database", db.url, "setup", "--profile", str(CITY)]) == 0
    assert "更新 0 项（无变化）" in capsys.readouterr().out
    assert _changes(db) == before
    edited = tmp_path / "city.toml"
    edited.write_text(CITY.read_text(encoding="utf-8").replace('check = "2工作时"',
                                                               'check = "90工作分钟"'),
                      encoding="utf-8")
    assert main(["--database", db.url, "setup", "--profile", str(edited)]) == 0
    assert "更新 1 项（step_limits）" in capsys.readouterr().out
    with db.Session() as s:
        last = setting_history(s, "step_limits")[-1]
    assert last.old_value["check"] == [2, "working_hours"]
    assert last.new_value["check"] == [90, "working_minutes"]
    assert last.via == "setup city.toml" and last.changed_by


def test_a_bad_profile_names_every_problem_and_writes_nothing(db, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[city]\nname = "坏市"\nadmin_code = "12345"\nclass_edition = "GB 1"\n'
                   'grid_code_length = 16\ntime_zone = "Mars/Olympus"\n'
                   '[step_limits]\naccept = "四个工作日"\nlunch = "1小时"\n'
                   '[working_time]\nperiods = [["12:00", "08:00"]]\n', encoding="utf-8")
    assert main(["--database", db.url, "setup", "--profile", str(bad)]) == 2
    err = capsys.readouterr().err
    for expected in ("admin_code“12345”应为6位", "class_edition“GB 1”无效",
                     "grid_code_length“16”无效", "time_zone“Mars/Olympus”",
                     "accept（受理）：无法识别的处置时限“四个工作日”", "未知环节“lunch”",
                     "结束时间必须晚于开始时间"):
        assert expected in err
    assert _changes(db) == 0
    broken = tmp_path / "broken.toml"
    broken.write_text("[city\nname=", encoding="utf-8")
    with pytest.raises(ProfileError, match="不是有效的TOML"):
        read_profile(broken)


def test_interactive_setup_keeps_defaults_on_enter(db, monkeypatch, tmp_path, capsys):
    answers = ["青石市", "330786", "", "GB/T 47678.5-2026", "", "", "08:00-12:00, 13:00-17:00",
               "", "", "", "", "2工作时", "", "patrol, hotline_12345"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    saved = tmp_path / "saved.toml"
    assert main(["--database", db.url, "setup", "--save", str(saved)]) == 0
    profile = read_profile(saved)
    assert profile.name == "青石市" and profile.admin_code == "330786"
    assert profile.centre_name == "溧阳市数字化城市管理监督指挥中心"  # Enter kept the default
    assert profile.grid_code_length is None  # follows the edition
    assert profile.step_limits["check"] == "2工作时"
    assert [s.code for s in profile.sources] == ["patrol", "hotline_12345"]
    assert profile.working_periods == (("08:00", "12:00"), ("13:00", "17:00"))
    with db.Session() as s:
        assert get_setting(s, "city_name") == "青石市"
        assert get_setting(s, "working_day_hours") == 8


def test_profile_round_trips_through_toml(tmp_path):
    profile = read_profile(CITY)
    again = tmp_path / "again.toml"
    again.write_text(profile_toml(profile), encoding="utf-8")
    assert read_profile(again) == profile


def test_check_on_an_empty_centre_lists_the_blockers(db, capsys):
    assert main(["--database", db.url, "check", "--on", "2026-12-04"]) == 1
    out = capsys.readouterr().out
    for expected in ("✗ 城市档案已设置", "没有单元网格", "没有专业部门", "没有启用的管理员",
                     "没有监督员责任网格", "2027年：节假日未录入", "未就绪：8项检查未通过"):
        assert expected in out, out
    assert main(["--database", db.url, "setup", "--profile", str(CITY)]) == 0
    capsys.readouterr()
    assert main(["--database", db.url, "check", "--on", "2026-12-04"]) == 1
    out = capsys.readouterr().out
    assert "✓ 城市档案已设置" in out  # and the shipped catalogue files every urgency:
    assert "✓ 每个小类有立案条件和各紧急程度的处置时限" in out


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_setting_changes_are_append_only_on_postgresql(db):
    assert main(["--database", db.url, "setup", "--profile", str(CITY)]) == 0
    for sql in ("UPDATE setting_changes SET new_value = '1'", "DELETE FROM setting_changes",
                "TRUNCATE setting_changes"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))


# -- version safety -------------------------------------------------------------------------

def test_a_seat_older_than_the_schema_names_the_release_it_needs(db, capsys):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        conn.execute(text("INSERT INTO schema_releases (revision, app_version, upgraded_at) "
                          "VALUES ('0099', '9.1.0', CURRENT_TIMESTAMP)"))
    for command in (["gui"], ["wall", "--windowed"], ["check"], ["db", "upgrade"]):
        assert main(["--database", db.url, *command]) == 2
        err = capsys.readouterr().err
        assert "早于数据库结构（版本 0099）" in err and "需要 seatdesk 9.1.0 或更新版本" in err
    # doctor says the same, not that the database needs `db upgrade` (which refuses it)
    assert main(["--database", db.url, "doctor"]) == 1
    out = capsys.readouterr().out
    assert "schema revision: 0099 — newer than this seatdesk" in out
    assert "需要 seatdesk 9.1.0 或更新版本" in out and "db upgrade" not in out
    # a newer build of this very version number upgraded it: not "needs <our version>"
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE schema_releases SET app_version = :v"
                          " WHERE revision = '0099'"), {"v": __version__})
    assert main(["--database", db.url, "gui"]) == 2
    err = capsys.readouterr().err
    assert f"需要 seatdesk {__version__} 或更新版本" not in err
    assert "需要比本工作站更新的 seatdesk 构建（它带有版本 0099 的数据库结构）" in err


def test_a_seat_newer_than_the_schema_asks_for_db_upgrade(backend, template_store, tmp_path,
                                                         capsys):
    url = template_store._new_empty(backend, f"sdold_{tmp_path.name[-10:].lower()}") \
        if backend == "postgresql" else f"sqlite:///{tmp_path / 'old.sqlite3'}"
    assert main(["--database", url, "db", "upgrade", "--revision", "0005"]) == 0
    capsys.readouterr()
    assert main(["--database", url, "gui"]) == 2
    assert "请管理员运行 `seatdesk db upgrade`" in capsys.readouterr().err
    assert main(["--database", url, "db", "upgrade"]) == 0
    from seatdesk.models.db import make_engine
    from seatdesk.models.versions import schema_fit

    engine = make_engine(url)
    try:
        assert schema_fit(engine, url).ok
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT revision, app_version FROM schema_releases")).all()
    finally:
        engine.dispose()
    from seatdesk.models.db import head_revision

    assert [tuple(r) for r in rows] == [(head_revision(url), __version__)]
    if backend == "postgresql":
        template_store.drop(backend, url)


def test_profile_values_are_json_in_the_ledger(db):
    assert main(["--database", db.url, "setup", "--profile", str(CITY)]) == 0
    with db.Session() as s:
        row = s.scalars(select(SettingChange).where(SettingChange.key == "admin_code")).one()
    assert row.old_value is None and json.loads(row.new_value) == "330785"


# -- the workstation's config file ----------------------------------------------------------

def test_system_config_is_used_when_the_user_has_none(monkeypatch, tmp_path):
    from seatdesk import config

    system = tmp_path / "etc" / "seatdesk.toml"
    system.parent.mkdir()
    system.write_text('database_url = "postgresql://seat@db/centre"\nprofile = "wall"\n')
    monkeypatch.setattr(config, "SYSTEM_CONFIG", system)
    monkeypatch.delenv("SEATDESK_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))
    assert config.config_file() == system
    assert config.resolve_database().url == "postgresql+psycopg://seat@db/centre"
    assert config.workstation_profile() == "wall"
    user = tmp_path / "home-config" / "seatdesk" / "seatdesk.toml"
    user.parent.mkdir(parents=True)
    user.write_text('profile = "seat"\n')
    assert config.config_file() == user and config.workstation_profile() == "seat"


def test_profile_decides_what_seatdesk_alone_starts(monkeypatch, tmp_path, capsys):
    import seatdesk.cli as cli

    started = []
    monkeypatch.setitem(cli.COMMANDS, "wall", lambda args, db: started.append(
        ("wall", args.windowed)) or 0)
    monkeypatch.setitem(cli.COMMANDS, "gui", lambda args, db: started.append(("gui",)) or 0)
    cfg = tmp_path / "seatdesk.toml"
    cfg.write_text('profile = "wall"\n')
    assert main([]) == 0
    cfg.write_text('profile = "seat"\n')
    assert main([]) == 0
    assert started == [("wall", False), ("gui",)]
    cfg.write_text('profile = "desk"\n')
    assert main([]) == 2
    assert 'profile = "desk" 无效' in capsys.readouterr().err
    cfg.write_text('profile = \n')
    assert main([]) == 2
    assert "无法读取" in capsys.readouterr().err
