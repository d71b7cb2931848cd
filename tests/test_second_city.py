"""A second city, built from nothing with commands and files only, then worked.

云溪市 (``tests/data/yunxi/``, invented; see its ``make_files.py``) is set up on an empty
database of each backend with ``seatdesk db upgrade``, ``setup --profile``, the imports and
the calendar commands; ``seatdesk check`` must then pass. Its users sign in with the
generated passwords (changing them, as the first sign-in requires), and a hotline report
runs through the whole loop with the workflow services, as the seats would call them.
Exporting the configuration and importing it into another empty database gives the same
files again (the round trip).
"""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import openpyxl

import pytest
from sqlalchemy import select

from seatdesk.cli import main
from seatdesk.data.org_export import IMPORT_ORDER
from seatdesk.models import CaseClass, ClassEdition, Department, FilingCondition, User
from seatdesk.models.db import make_engine, session_factory
from seatdesk.workflow import services as sd
from seatdesk.workflow.auth import change_password, login

YUNXI = Path(__file__).parent / "data" / "yunxi"
ON = "2026-12-04"  # the day readiness is checked for: the files carry 2027's calendar
IMPORTS = {"units": "admin_units.xlsx", "grid": "grid.geojson",
           "departments": "departments.xlsx", "users": "users.csv",
           "responsibilities": "responsibilities.xlsx", "beats": "beats.geojson",
           "calendar": "calendar_2027.csv"}
CHENGZHONG = (119.9155, 29.2105)  # a point in 城中社区, 云溪街道
DONGHU = (119.9215, 29.2105)  # a point in 东湖社区, 东湖街道

pytestmark = pytest.mark.slow


@pytest.fixture
def empty_url(backend, template_store, tmp_path):
    """A database with nothing in it (PostgreSQL: PostGIS created, as the superuser would)."""
    urls = []

    def make(name: str) -> str:
        url = (template_store._new_empty(backend, f"sd2c_{name}_{uuid.uuid4().hex[:8]}")
               if backend == "postgresql" else f"sqlite:///{tmp_path / (name + '.sqlite3')}")
        urls.append(url)
        return url

    yield make
    if backend == "postgresql":
        for url in urls:
            template_store.drop(backend, url)


def exported_names(fmt: str) -> dict[str, str]:
    """The files ``seatdesk export config`` writes, by import kind."""
    tables = {"units": "admin_units", "departments": "departments", "users": "users",
              "responsibilities": "responsibilities"}
    return {**{k: f"{v}.{fmt}" for k, v in tables.items()}, "grid": "grid.geojson",
            "beats": "beats.geojson", "calendar": "calendar.csv"}


def build_city(url: str, files: Path, passwords: Path, capsys,
               names: dict[str, str] = IMPORTS) -> None:
    """Everything a centre's administrator runs, in the order docs/operations.md gives."""
    def run(*args: str) -> str:
        code = main(["--database", url, *args])
        out = capsys.readouterr()
        assert code == 0, f"seatdesk {' '.join(args)}: {out.out}{out.err}"
        return out.out

    run("db", "upgrade")
    run("setup", "--profile", str(files / "city.toml"))
    assert main(["--database", url, "check", "--on", ON]) == 1  # not ready yet
    capsys.readouterr()
    for kind in IMPORT_ORDER:
        path = str(files / names[kind])
        if kind == "calendar":
            run("calendar", "import", path)
        else:
            run("import", kind, path, *(["--passwords", str(passwords)] if kind == "users"
                                        else []))
    run("calendar", "complete", "2027")
    out = run("check", "--on", ON)
    assert "就绪：可以上线" in out, out


def _passwords(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t") for line in lines)


def sign_in(sessions, username: str, password: str) -> sd.Actor:
    """The first sign-in: the generated password must be changed."""
    with sessions.begin() as s:
        first = login(s, username, password)
        assert first.must_change_password
        change_password(s, first.user_id, password, password + "-new")
    with sessions.begin() as s:
        who = login(s, username, password + "-new")
    return sd.Actor(who.user_id, who.role, who.department_id, f"云溪-{username}")


def test_second_city_from_nothing_runs_a_case_through_the_loop(empty_url, tmp_path, capsys):
    url = empty_url("yunxi")
    passwords = tmp_path / "passwords.tsv"
    build_city(url, YUNXI, passwords, capsys)
    assert passwords.stat().st_mode & 0o777 == 0o600
    initial = _passwords(passwords)
    assert len(initial) == 17
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        who = {name: sign_in(sessions, name, initial[name]) for name in (
            "yx_shouli", "yx_zhibanzhang", "yx_paiqian", "yx_jd_zhao", "yx_yxhw")}
        case_id = _run_loop(sd.Workflow(engine), sessions, who)
        with sessions() as s:
            assert sd.verify_ledger(s, [case_id]) == []
            detail = sd.case_detail(s, who["yx_zhibanzhang"], case_id)
            assert detail.state == "closed" and detail.closure_type == "normal"
            garbage = _garbage_class(s).id
        donghu = _register(sd.Workflow(engine), who["yx_shouli"], DONGHU, "东湖社区门口暴露垃圾",
                           garbage)
        with sessions() as s:  # 东湖街道's own department, dispatched by its 二级平台
            hint = sd.suggest_department(s, donghu)
            assert hint.department_name == "东湖街道环卫所"
            centre = s.scalar(select(Department.id).where(Department.code == "YXDH"))
            assert hint.district_centre_id == centre
    finally:
        engine.dispose()
    assert main(["--database", url, "ledger", "verify"]) == 0


def _garbage_class(session) -> CaseClass:
    """暴露垃圾 (event 0102 of GB/T 30428.2-2013, the city's edition)."""
    return session.scalar(select(CaseClass).join(ClassEdition).where(
        ClassEdition.code == "GB/T 30428.2-2013", CaseClass.kind == "event",
        CaseClass.code == "0102"))


def _register(wf, acceptor, point, text: str, class_id: int | None = None) -> int:
    change = sd.register(wf, acceptor, sd.Report(
        source="hotline_12345", lon=point[0], lat=point[1], address="云溪市城中路8号",
        class_id=class_id,
        description=text, caller_name="陈女士", caller_phone="13905799999",
        callback_wanted=False))
    return change.case_id


def _run_loop(wf, sessions, who) -> int:
    with sessions() as s:
        cls = _garbage_class(s)
        condition = s.scalars(select(FilingCondition.id).where(
            FilingCondition.class_id == cls.id, FilingCondition.active.is_(True))).first()
    case_id = _register(wf, who["yx_shouli"], CHENGZHONG, "城中路人行道旁暴露垃圾成堆")
    with sessions() as s:
        version = sd.case_detail(s, who["yx_shouli"], case_id).version
    change = sd.send_verification(wf, who["yx_shouli"], case_id, version,
                                  supervisor_id=who["yx_jd_zhao"].user_id)
    change = sd.verify(wf, who["yx_jd_zhao"], case_id, change.version, confirmed=True,
                       note="现场确认")
    change = sd.accept(wf, who["yx_shouli"], case_id, change.version, class_id=cls.id)
    change = sd.file(wf, who["yx_zhibanzhang"], case_id, change.version,
                     condition_id=condition)
    with sessions() as s:
        hint = sd.suggest_department(s, case_id)
    assert hint.department_name == "云溪市环境卫生管理处"
    assert hint.department_id == who["yx_yxhw"].department_id
    change = sd.dispatch(wf, who["yx_paiqian"], case_id, change.version,
                         department_id=hint.department_id)
    change = sd.sign(wf, who["yx_yxhw"], case_id, change.version)
    change = sd.feedback(wf, who["yx_yxhw"], case_id, change.version, result="已清运")
    change = sd.send_check(wf, who["yx_shouli"], case_id, change.version,
                           supervisor_id=who["yx_jd_zhao"].user_id)
    change = sd.check_pass(wf, who["yx_jd_zhao"], case_id, change.version, note="已清理干净")
    sd.close(wf, who["yx_zhibanzhang"], case_id, change.version)
    return case_id


# -- the configuration export, imported again ----------------------------------------------

def _contents(directory: Path) -> dict[str, object]:
    out = {}
    for path in sorted(directory.iterdir()):
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            out[path.name] = [[list(r) for r in ws.iter_rows(values_only=True)]
                              for ws in book.worksheets]
        elif path.suffix == ".geojson":
            out[path.name] = json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".csv":
            out[path.name] = list(csv.reader(path.open(encoding="utf-8-sig")))
        else:
            out[path.name] = path.read_text(encoding="utf-8")
    return out


def test_export_config_round_trips(empty_url, tmp_path, capsys):
    _round_trip(empty_url, tmp_path, capsys, "xlsx")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # same code on both backends
def test_export_config_round_trips_as_csv(empty_url, tmp_path, capsys):
    _round_trip(empty_url, tmp_path, capsys, "csv")


def _round_trip(empty_url, tmp_path, capsys, fmt: str) -> None:
    first, second = empty_url("first"), empty_url("second")
    build_city(first, YUNXI, tmp_path / "pw1.tsv", capsys)
    exported, again = tmp_path / "export1", tmp_path / "export2"
    assert main(["--database", first, "export", "config", str(exported), "--format", fmt]) == 0
    capsys.readouterr()
    build_city(second, exported, tmp_path / "pw2.tsv", capsys, exported_names(fmt))
    assert main(["--database", second, "export", "config", str(again), "--format", fmt]) == 0
    assert _contents(again) == _contents(exported)
    engine = make_engine(second)
    try:
        with engine.connect() as conn:
            users = conn.execute(select(User.username, User.must_change_password)).all()
    finally:
        engine.dispose()
    assert len(users) == 17 and all(flag for _name, flag in users)
