"""The ``seatdesk`` command: the GUI by default, plus administration subcommands."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from seatdesk import cli_security
from seatdesk.config import (
    ConfigError,
    ResolvedDatabase,
    load_config,
    resolve_database,
    workstation_profile,
)
from seatdesk.ops import commands as ops_commands
from seatdesk.server import commands as server_commands

IMPORT_KINDS = ("grid", "components", "roads", "classes", "conditions", "calendar", "units",
                "departments", "users", "responsibilities", "beats")
GIS_KINDS = ("grid", "components", "roads", "beats")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="seatdesk", description="数字城管 seat-operator workstation")
    p.add_argument("--database", help="database URL (default: $SEATDESK_DATABASE_URL, the config "
                   "file, or the embedded SQLite file in the user's data directory)")
    p.add_argument("--read-database", metavar="URL",
                   help="streaming replica for the wall, KPI panels, reports, map and 全部案件 "
                        "(default: $SEATDESK_READ_DATABASE_URL, the config file, or none)")
    p.add_argument("--listen-database", metavar="URL",
                   help="direct connection to the primary for live updates when --database "
                        "goes through a transaction pooler (default: "
                        "$SEATDESK_LISTEN_DATABASE_URL, the config file, or --database)")
    p.add_argument("--lang", help="UI language: zh_CN (default) or en")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("gui", help="launch the desktop application (default)")
    wall = sub.add_parser("wall", help="the fullscreen read-only wall display for shift leads")
    wall.add_argument("--windowed", action="store_true", help="not fullscreen (for testing)")
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="create or upgrade the schema")
    up.add_argument("--revision", default="head")
    db.add_parser("current", help="print the schema revision")
    cli_security.add_parsers(db)
    nq = db.add_parser("notify-queue", help="PostgreSQL's notification queue: how full, and "
                       "the sessions that may hold it (docs/operations.md)")
    nq.add_argument("--older-than", type=float, default=60.0, metavar="SECONDS",
                    help="name sessions in ClientWrite or idle in a transaction this long")
    nq.add_argument("--end", action="store_true",
                    help="terminate them (a superuser or pg_signal_backend)")
    nq.add_argument("--pid", type=int, action="append", metavar="PID",
                    help="only this session (repeatable): the one named and looked at")
    demo = sub.add_parser("demo", help="load or regenerate the demo city")
    demo.add_argument("--if-empty", action="store_true", help="only when no grid is loaded yet")
    demo.add_argument("--seed", type=int)
    demo.add_argument("--cases", type=int, help="bulk case history size")
    demo.add_argument("--components", type=int)
    demo.add_argument("--small", action="store_true", help="the small test-sized city")
    imp = sub.add_parser("import", help="import a data file (one transaction)")
    imp.add_argument("kind", choices=IMPORT_KINDS)
    imp.add_argument("file", type=Path,
                     help="CSV or Excel (.xlsx); for grid/components/roads/beats GeoJSON, "
                          "GeoPackage (.gpkg) or Shapefile (.shp or a .zip holding one)")
    imp.add_argument("--layer", help="the layer of a GeoPackage with several "
                     "(grid/components/roads/beats)")
    imp.add_argument("--sheet", help="the sheet of an Excel workbook (default: the first sheet "
                     "with the expected header)")
    imp.add_argument("--passwords", type=Path, help="users: write the new users' initial "
                     "passwords to this file (mode 0600) instead of showing them")
    imp.add_argument("--replace", action="store_true",
                     help="roads: delete the stored roads first (a new edition of the data)")
    cal = sub.add_parser("calendar", help="holiday calendar").add_subparsers(
        dest="cal_command", required=True)
    st = cal.add_parser("status", help="which years the calendar knows")
    st.add_argument("years", type=int, nargs="*")
    add = cal.add_parser("add", help="enter a holiday or make-up working day")
    add.add_argument("day", help="YYYY-MM-DD (also YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, "
                     "YYYY年M月D日 — every form the calendar import takes)")
    add.add_argument("kind", help="holiday/节假日 or workday/调休工作日")
    add.add_argument("name", nargs="?", default="")
    cc = cal.add_parser("complete", help="confirm that a year's holidays are fully entered")
    cc.add_argument("year", type=int)
    ci = cal.add_parser("import", help="import a calendar table, CSV or .xlsx (日期,类型,名称)")
    ci.add_argument("file", type=Path)
    ci.add_argument("--sheet", help="the sheet of an Excel workbook")
    city = sub.add_parser("city", help="the city profile: grid code length, the city's extent"
                          ).add_subparsers(dest="city_command", required=True)
    city.add_parser("show", help="the centre, its codes and the city's extent")
    cs = city.add_parser("set", help="set the grid code length or the city's extent")
    cs.add_argument("what", choices=["grid-code-length", "extent"])
    cs.add_argument("values", nargs="+", help="grid-code-length: 14, 15 or edition (follow the "
                    "classification edition); extent: MINLON MINLAT MAXLON MAXLAT, or none")
    user = sub.add_parser("user", help="users").add_subparsers(dest="user_command", required=True)
    ua = user.add_parser("add", help="create a user (the first administrator, for example)")
    ua.add_argument("username")
    ua.add_argument("--role", required=True)
    ua.add_argument("--name", help="display name")
    ua.add_argument("--department", help="department code (department users)")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ledger = sub.add_parser("ledger", help="the case ledger").add_subparsers(
        dest="ledger_command", required=True)
    cli_security.add_ledger_parsers(ledger)
    history = sub.add_parser("history", help="supervisors' positions and attachments by "
                             "month").add_subparsers(dest="history_command", required=True)
    cli_security.add_history_parsers(history)
    sub.add_parser("doctor", help="report the database, schema revision, PostGIS and Qt status")
    COMMANDS.update(ops_commands.register(sub))
    COMMANDS.update(server_commands.register(sub))  # serve, partner
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        database = resolve_database(args.database, args.read_database, args.listen_database)
        # without a subcommand: what the workstation is (profile = "seat" | "wall")
        command = args.command or ("wall" if workstation_profile() == "wall" else "gui")
        if command == "wall" and args.command is None:
            args.windowed = False
        args.lang = args.lang or load_config().get("language")
        return COMMANDS[command](args, database)
    except KeyboardInterrupt:
        return 130
    except (CommandError, ops_commands.OpsError, ConfigError, server_commands.ServeError,
            cli_security.SecurityCommandError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        message = _plain_message(exc)
        if message is None:
            raise  # a programming error: the traceback is for the developers
        print(f"错误：{message}", file=sys.stderr)
        return 1


def _plain_message(exc: Exception) -> str | None:
    """A refusal or a database exception as a plain message (None: neither)."""
    from seatdesk.models import dberrors

    if getattr(exc, "user_facing", False) or dberrors.explain(exc) is not None:
        return dberrors.user_message(exc)
    return None


class CommandError(Exception):
    """A refusal with a message for the operator."""


def _engine(database: ResolvedDatabase):
    from seatdesk.models.db import make_engine

    return make_engine(database.url)


def cmd_gui(args, database: ResolvedDatabase) -> int:
    ops_commands.require_schema(database)  # older or newer than this seat: say which
    from seatdesk.ui.session.app import run_gui

    return run_gui(database, language=args.lang)


def cmd_wall(args, database: ResolvedDatabase) -> int:
    ops_commands.require_schema(database)
    from seatdesk.ui.wall.sign_in import run_wall

    return run_wall(database, language=args.lang, fullscreen=not args.windowed)


def cmd_db(args, database: ResolvedDatabase) -> int:
    from seatdesk.models.db import current_revision, upgrade
    from seatdesk.models.versions import Fit, schema_fit

    if args.db_command in ("logins", "intake-login"):
        return cli_security.run(args, database)
    if args.db_command == "notify-queue":
        from seatdesk.ops import notify_queue

        engine = _engine(database)
        try:
            return notify_queue.run(engine, older_than=args.older_than, terminate=args.end,
                                    pids=args.pid)
        finally:
            engine.dispose()
    if args.db_command == "upgrade":
        engine = _engine(database)
        try:
            fit = schema_fit(engine, database.url)
        finally:
            engine.dispose()
        if fit.fit is Fit.SEAT_TOO_OLD:
            raise CommandError(fit.message)
        upgrade(database.url, args.revision)
    engine = _engine(database)
    print(f"schema revision: {current_revision(engine)} ({database.origin})")
    engine.dispose()
    return 0


def cmd_demo(args, database: ResolvedDatabase) -> int:
    from seatdesk.data.demo import DemoSpec, build_demo, demo_is_loaded

    engine = _engine(database)
    try:
        if args.if_empty and demo_is_loaded(engine):
            print("demo city already loaded")
            return 0
        spec = DemoSpec.small() if args.small else DemoSpec()
        overrides = {k: v for k, v in (("seed", args.seed), ("cases", args.cases),
                                       ("components", args.components)) if v is not None}
        spec = type(spec)(**{**spec.__dict__, **overrides})
        summary = build_demo(engine, spec, progress=_print_progress)
        print(summary)
    finally:
        engine.dispose()
    return 0


def _print_progress(phase: str, done: int = 0, total: int = 0) -> None:
    print(f"{phase} {done:,}/{total:,}" if total else phase, flush=True)


def cmd_import(args, database: ResolvedDatabase) -> int:
    from seatdesk.data import importers
    from seatdesk.data.errors import ImportFailed
    from seatdesk.models.db import session_factory

    fn = getattr(importers, f"import_{args.kind}")
    gis = args.kind in GIS_KINDS
    if args.layer and not gis:
        raise CommandError(
            f"--layer 只用于 grid、components、roads 和 beats 的GIS文件，不用于 {args.kind}")
    if args.sheet and gis:
        raise CommandError(f"--sheet 只用于Excel表格，不用于 {args.kind}")
    if args.replace and args.kind != "roads":
        raise CommandError(f"--replace 只用于 roads，不用于 {args.kind}")
    options = {"layer": args.layer} if args.layer else {"sheet": args.sheet} if args.sheet else {}
    if args.replace:
        options["replace"] = True
    engine = _engine(database)
    try:
        with session_factory(engine).begin() as session:
            report = fn(session, args.file, **options)
    except ImportFailed as exc:
        print(f"导入失败，文件未导入任何数据：{args.file}", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        if exc.truncated:
            print(f"  ……（仅列出前{len(exc.issues)}处错误）", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(ops_commands.import_result(report, args.passwords))
    return 0


def cmd_calendar(args, database: ResolvedDatabase) -> int:
    import datetime as dt

    from seatdesk.data import calendar as cal
    from seatdesk.models.db import session_factory

    engine = _engine(database)
    try:
        with session_factory(engine).begin() as session:
            if args.cal_command == "add":
                day, kind = _calendar_day(args.day, args.kind)
                try:
                    cal.add_day(session, day, kind, args.name)
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
                print(f"{day.isoformat()} {kind.label} {args.name}".rstrip())
            elif args.cal_command == "complete":
                cal.mark_year_complete(session, args.year)
                print(cal.calendar_status(session, args.year))
            elif args.cal_command == "import":
                print(cal.import_calendar_csv(session, args.file, args.sheet))
            else:
                years = args.years or [dt.date.today().year, dt.date.today().year + 1]
                for year in years:
                    print(cal.calendar_status(session, year))
    finally:
        engine.dispose()
    return 0


def _calendar_day(text: str, kind_text: str):
    from seatdesk.data import calendar as cal
    from seatdesk.data.errors import RowError

    try:
        return cal.parse_date(text), cal.parse_day_kind(kind_text)
    except RowError as exc:
        raise CommandError(str(exc)) from None


def cmd_user(args, database: ResolvedDatabase) -> int:
    """``user add``: validated as the administrators' screen does; every account but the
    first administrator must change its password at first sign-in. On PostgreSQL the
    user's own login is created too (run as the schema owner or an administrator)."""
    from seatdesk.data.admin import AdminValidationError, check_role, valid_username
    from seatdesk.models.db import session_factory
    from seatdesk.models.enums import Role
    from seatdesk.models.textrules import clean_text
    from seatdesk.workflow import accounts
    from seatdesk.workflow.auth import password_problem

    username = clean_text("users.username", args.username)  # TextRefused: a plain message
    try:
        username = valid_username(username)  # and the screen's rule: ASCII, no whitespace
    except AdminValidationError as exc:
        raise CommandError(str(exc)) from None
    display_name = clean_text("users.display_name", args.name or username)
    if args.role not in {r.value for r in Role}:
        raise CommandError(f"未知角色 {args.role!r}；可选：{', '.join(r.value for r in Role)}")
    password = (sys.stdin.readline().rstrip("\n") if args.password_stdin
                else getpass.getpass("密码: "))
    if problem := password_problem(password):
        raise CommandError(problem)
    engine = _engine(database)
    try:
        with session_factory(engine).begin() as session:
            first_admin = args.role == Role.ADMIN and not accounts.count_admins(session)
            dept_id = _department_id(session, args)
            try:
                check_role(session, args.role, dept_id)
                if session.scalar(_user_named(username)) is not None:
                    raise CommandError(f"用户 {username} 已存在")
                accounts.create_account(session, username=username, display_name=display_name,
                                        role=args.role, password=password,
                                        department_id=dept_id, must_change=not first_admin)
            except (AdminValidationError, accounts.AccountRefused) as exc:
                raise CommandError(str(exc)) from None
    finally:
        engine.dispose()
    change = "" if first_admin else "；首次登录须修改密码"
    print(f"created user {username} ({Role(args.role).label}){change}")
    return 0


def _user_named(username: str):
    from sqlalchemy import select

    from seatdesk.models import User

    return select(User.id).where(User.username == username)


def _department_id(session, args) -> int | None:
    from sqlalchemy import select

    from seatdesk.models import Department

    if not args.department:
        return None
    dept = session.scalar(select(Department).where(Department.code == args.department))
    if dept is None:
        raise CommandError(f"部门代码 {args.department} 不存在")
    return dept.id


def cmd_city(args, database: ResolvedDatabase) -> int:
    from seatdesk.data import city_profile as cp
    from seatdesk.models.db import session_factory

    engine = _engine(database)
    try:
        with session_factory(engine).begin() as session:
            if args.city_command == "show":
                profile = cp.load_profile(session)
            elif args.what == "grid-code-length":
                profile = cp.set_grid_code_length(session, None, _one(args.values))
            elif [v.lower() for v in args.values] == ["none"]:
                profile = cp.set_extent(session, None, None)
            else:
                profile = cp.set_extent(session, None, _numbers(args.values))
    finally:
        engine.dispose()
    print("\n".join(profile.lines()))
    return 0


def _one(values: list[str]) -> str:
    if len(values) != 1:
        raise CommandError("grid-code-length 只需要一个值：14、15 或 edition")
    return values[0]


def _numbers(values: list[str]) -> list[float]:
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        raise CommandError("extent 需要四个数：最小经度 最小纬度 最大经度 最大纬度") from None
    if len(numbers) != 4:
        raise CommandError("extent 需要四个数：最小经度 最小纬度 最大经度 最大纬度")
    return numbers


def cmd_ledger(args, database: ResolvedDatabase) -> int:
    return cli_security.run_ledger(args, database)


def cmd_history(args, database: ResolvedDatabase) -> int:
    return cli_security.run_history(args, database)


def cmd_doctor(args, database: ResolvedDatabase) -> int:
    from seatdesk.doctor import doctor

    return doctor(database)


COMMANDS = {
    "gui": cmd_gui,
    "wall": cmd_wall,
    "db": cmd_db,
    "demo": cmd_demo,
    "import": cmd_import,
    "calendar": cmd_calendar,
    "city": cmd_city,
    "user": cmd_user,
    "ledger": cmd_ledger,
    "history": cmd_history,
    "doctor": cmd_doctor,
}
