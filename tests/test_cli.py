"""The ``seatdesk`` command on both backends: upgrade, doctor, users, configuration."""

from __future__ import annotations

import io

from seatdesk.cli import build_parser, main
from seatdesk.config import resolve_database
from seatdesk.workflow.auth import LoginError, login


def test_db_upgrade_creates_schema_from_empty(backend, template_store, capsys, tmp_path):
    url = template_store._new_empty(backend, f"sdcli_{tmp_path.name[-12:].lower()}") \
        if backend == "postgresql" else f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert main(["--database", url, "db", "upgrade"]) == 0
    assert "schema revision: " in capsys.readouterr().out
    assert main(["--database", url, "db", "current"]) == 0
    out = capsys.readouterr().out
    from seatdesk.models.db import head_revision

    assert f"schema revision: {head_revision(url)}" in out


def test_doctor_reports_backend_revision_postgis_and_qt(db, capsys):
    code = main(["--database", db.url, "doctor"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"backend: {db.backend}" in out
    assert "up to date" in out
    if db.backend == "postgresql":
        assert "PostGIS: POSTGIS=\"3." in out
    else:
        assert "PostGIS: not used" in out
    assert "Qt: ok" in out
    assert "QtWebEngine: ok" in out


def test_doctor_flags_an_unmigrated_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert main(["--database", url, "doctor"]) == 1
    assert "none (empty database)" in capsys.readouterr().out


def test_user_add_creates_a_working_admin(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["--database", db.url, "user", "add", "chief", "--role", "admin",
                 "--password-stdin"]) == 0
    with db.Session.begin() as s:
        who = login(s, "chief", "correct horse battery")
        assert who.role == "admin"
    with db.Session.begin() as s:
        try:
            login(s, "chief", "wrong password")
        except LoginError as exc:
            assert "用户名或密码错误" in str(exc)
        else:
            raise AssertionError("a wrong password logged in")


def test_user_add_refuses_bad_input(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--database", db.url, "user", "add", "x", "--role", "admin",
                 "--password-stdin"]) == 2
    assert "密码至少" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pw\n"))
    assert main(["--database", db.url, "user", "add", "x", "--role", "boss",
                 "--password-stdin"]) == 2
    assert "未知角色" in capsys.readouterr().err


def test_database_resolution_order(monkeypatch, tmp_path):
    cfg = tmp_path / "seatdesk.toml"
    monkeypatch.setenv("SEATDESK_CONFIG", str(cfg))
    monkeypatch.setenv("SEATDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SEATDESK_DATABASE_URL", raising=False)
    default = resolve_database()
    assert default.origin == "embedded default"
    assert default.url == f"sqlite:///{tmp_path / 'data' / 'seatdesk.sqlite3'}"
    cfg.write_text('database_url = "postgresql://seat@db.centre/seatdesk"\n')
    assert resolve_database().url == "postgresql+psycopg://seat@db.centre/seatdesk"
    assert resolve_database().origin.startswith("config file")
    monkeypatch.setenv("SEATDESK_DATABASE_URL", "postgres://env@h/d")
    assert resolve_database().url == "postgresql+psycopg://env@h/d"
    assert resolve_database("sqlite:///x.db").origin == "command line"


def test_replica_and_listen_urls_resolve_like_the_database(monkeypatch, tmp_path):
    cfg = tmp_path / "seatdesk.toml"
    monkeypatch.setenv("SEATDESK_CONFIG", str(cfg))
    for name in ("SEATDESK_READ_DATABASE_URL", "SEATDESK_LISTEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    cfg.write_text('database_url = "postgresql://seat@pooler/seatdesk"\n'
                   'read_database_url = "postgresql://seat@db1,db2/seatdesk'
                   '?target_session_attrs=prefer-standby"\n'
                   'listen_database_url = "postgresql://seat@db1/seatdesk"\n')
    conf = resolve_database()
    assert conf.read_url == ("postgresql+psycopg://seat@db1,db2/seatdesk"
                             "?target_session_attrs=prefer-standby")
    assert conf.listen == conf.listen_url == "postgresql+psycopg://seat@db1/seatdesk"
    monkeypatch.setenv("SEATDESK_READ_DATABASE_URL", "postgres://env@replica/d")
    assert resolve_database().read_url == "postgresql+psycopg://env@replica/d"
    cli = resolve_database(None, "postgresql://cli@replica/d", "postgresql://cli@primary/d")
    assert (cli.read_url, cli.listen_url) == ("postgresql+psycopg://cli@replica/d",
                                              "postgresql+psycopg://cli@primary/d")
    cfg.write_text('database_url = "postgresql://seat@db/seatdesk"\n')
    monkeypatch.delenv("SEATDESK_READ_DATABASE_URL")
    plain = resolve_database()
    assert plain.read_url is None and plain.listen == plain.url  # no replica, LISTEN direct
    args = build_parser().parse_args(["--read-database", "postgresql://r/d",
                                      "--listen-database", "postgresql://l/d", "wall"])
    assert (args.read_database, args.listen_database) == ("postgresql://r/d", "postgresql://l/d")


def test_calendar_commands_beyond_the_bundled_years(make_db, capsys):
    db = make_db("reference")
    assert main(["--database", db.url, "calendar", "status", "2026", "2027"]) == 0
    out = capsys.readouterr().out
    assert "2027" in out and "仅按周一至周五规则" in out
    assert main(["--database", db.url, "calendar", "add", "2027-01-01", "holiday", "元旦"]) == 0
    assert main(["--database", db.url, "calendar", "complete", "2027"]) == 0
    capsys.readouterr()
    assert main(["--database", db.url, "calendar", "status", "2027"]) == 0
    assert "仅按周一至周五规则" not in capsys.readouterr().out
    from seatdesk.workflow.worktime import WorkCalendar
    import datetime as dt

    with db.Session() as s:
        cal = WorkCalendar.from_session(s)
    assert not cal.is_working_day(dt.date(2027, 1, 1))  # a Friday, entered as a holiday
    assert 2027 in cal.known_years


def test_import_command_reports_line_numbers_and_loads_nothing(make_db, capsys, tmp_path):
    db = make_db("reference")
    bad = tmp_path / "conditions.csv"
    bad.write_text("大类代码,大类名称,小类代码,小类名称,立案条件,处置时限,结案条件,责任单位\n"
                   "06,市容环境类,06010,暴露垃圾,成堆垃圾,4工作时,清除,环卫处\n"
                   "06,市容环境类,99999,不存在,x,4工作时,y,z\n", encoding="utf-8")
    assert main(["--database", db.url, "import", "conditions", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "第3行" in err and "未导入任何数据" in err


def test_demo_command_loads_once_and_ledger_verifies(db, capsys):
    assert main(["--database", db.url, "demo", "--small", "--if-empty"]) == 0
    out = capsys.readouterr().out
    assert "DemoSummary(" in out and "grid_cells=" in out
    assert main(["--database", db.url, "demo", "--small", "--if-empty"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert main(["--database", db.url, "ledger", "verify"]) == 0
    assert "ledger intact" in capsys.readouterr().out
