"""The go-live subcommands: ``setup``, ``check`` (and later ``export``, ``backup``,
``restore``). ``register`` adds their parsers to the ``seatdesk`` command; each handler
takes the parsed arguments and the resolved database and returns the exit status."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from seatdesk.config import ResolvedDatabase


class OpsError(Exception):
    """A refusal with a message for the operator (printed as 错误：…, exit status 2)."""


def register(sub) -> dict:
    """Add the parsers; return {command: handler}."""
    setup = sub.add_parser("setup", help="record the city profile and load its reference data")
    setup.add_argument("--profile", type=Path, help="a city profile (TOML); without it, ask")
    setup.add_argument("--save", type=Path, help="also write the profile to this file")
    check = sub.add_parser("check", help="list what blocks go-live; non-zero until ready")
    check.add_argument("--on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                       help="check for this day (the calendar of its year and the next)")
    kiosk = sub.add_parser("kiosk", help="on a wall machine: run the wall display and restart "
                           "it whenever it exits (the package's autostart entry)")
    kiosk.add_argument("--max-starts", type=int, help="stop after this many starts (testing)")
    kiosk.add_argument("--pause", type=float, default=2.0, help="seconds before a restart")
    bk = sub.add_parser("backup", help="back up the database (pg_dump custom format), the "
                        "attachments list and the latest ledger checkpoint into DIR")
    bk.add_argument("directory", type=Path, help="a new (or empty) directory")
    bk.add_argument("--checkpoint", type=Path,
                    help="the ledger checkpoint file (or directory of checkpoints) to include")
    rs = sub.add_parser("restore", help="restore a backup DIR into an empty database and "
                        "verify it (row counts, attachments, ledger)")
    rs.add_argument("directory", type=Path)
    ex = sub.add_parser("export", help="write the organisation templates, or the current "
                        "configuration in the same layouts").add_subparsers(
        dest="export_command", required=True)
    for name, text in (("templates", "empty templates to fill in"),
                       ("config", "the current configuration (profile, units, grid, "
                                  "departments, users, responsibilities, beats, calendar)")):
        one = ex.add_parser(name, help=text)
        one.add_argument("directory", type=Path)
        one.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    return {"setup": cmd_setup, "check": cmd_check, "kiosk": cmd_kiosk, "backup": cmd_backup,
            "restore": cmd_restore, "export": cmd_export}


def _engine(database: ResolvedDatabase):
    from seatdesk.models.db import make_engine

    return make_engine(database.url)


def require_schema(database: ResolvedDatabase) -> None:
    """Refuse unless the database has exactly this release's schema."""
    from seatdesk.models.versions import schema_fit

    engine = _engine(database)
    try:
        fit = schema_fit(engine, database.url)
    finally:
        engine.dispose()
    if not fit.ok:
        raise OpsError(fit.message)


def cmd_setup(args: argparse.Namespace, database: ResolvedDatabase) -> int:
    from seatdesk.data.profile import ProfileError, read_profile
    from seatdesk.data.settings_ledger import who_runs_this
    from seatdesk.data.setup import apply_profile, profile_from_settings, write_profile
    from seatdesk.models.db import write_transaction
    from seatdesk.ops.interactive import ask_profile

    require_schema(database)
    engine = _engine(database)
    try:
        if args.profile is not None:
            profile = read_profile(args.profile)
        else:
            with write_transaction(engine) as session:
                current = profile_from_settings(session)
            profile = ask_profile(current)
        with write_transaction(engine) as session:
            report = apply_profile(session, profile, changed_by=who_runs_this(),
                                   via=f"setup {args.profile.name}" if args.profile else "setup")
    except ProfileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.save is not None:
        write_profile(profile, args.save)
        print(f"城市档案已写入 {args.save}")
    print(f"{profile.name}（{profile.admin_code}，{profile.class_edition}）")
    print(report)
    return 0


def cmd_check(args: argparse.Namespace, database: ResolvedDatabase) -> int:
    from seatdesk.data.readiness import is_ready, readiness
    from seatdesk.models.db import session_factory

    require_schema(database)
    engine = _engine(database)
    try:
        with session_factory(engine)() as session:
            checks = readiness(session, args.on)
    finally:
        engine.dispose()
    for check in checks:
        print("\n".join(check.lines()))
    failed = sum(not c.ok for c in checks)
    print(f"就绪：可以上线（{len(checks)}项检查全部通过）" if not failed
          else f"未就绪：{failed}项检查未通过（共{len(checks)}项）")
    return 0 if is_ready(checks) else 1


def cmd_kiosk(args: argparse.Namespace, database: ResolvedDatabase) -> int:
    from seatdesk.ops.kiosk import run_kiosk

    return run_kiosk(args.database, args.max_starts, args.pause)


def cmd_backup(args: argparse.Namespace, database: ResolvedDatabase) -> int:
    from seatdesk.ops.backup import BackupError, backup

    require_schema(database)
    try:
        manifest = backup(database.url, args.directory, args.checkpoint)
    except BackupError as exc:
        raise OpsError(str(exc)) from None
    counts = "，".join(f"{k} {v}" for k, v in manifest["counts"].items())
    print(f"备份完成：{args.directory}（结构版本 {manifest['revision']}，{counts}，"
          f"附件清单 {manifest['attachments']} 项"
          + (f"，账本检查点 {manifest['checkpoint']}" if "checkpoint" in manifest else "")
          + "）")
    return 0


def cmd_restore(args: argparse.Namespace, database: ResolvedDatabase) -> int:
    from seatdesk.ops.backup import BackupError, restore

    try:
        report = restore(database.url, args.directory)
    except BackupError as exc:
        raise OpsError(str(exc)) from None
    counts = "，".join(f"{k} {v}" for k, v in report.counts.items())
    print(f"已恢复到结构版本 {report.revision}：{counts}；核对附件 {report.attachments_checked} 个")
    if report.ok:
        print("核对通过：行数、附件和账本哈希链与备份一致（ledger intact）")
        return 0
    print(f"核对失败：{len(report.problems)} 处不一致")
    for problem in report.problems:
        print(f"  {problem}")
    return 1


def import_result(result, passwords: Path | None) -> str:
    """What ``seatdesk import`` prints: the report; for users, the initial passwords once
    (on the terminal, or into ``passwords`` with mode 0600)."""
    shown = getattr(result, "passwords", None)
    if shown is None:
        return str(result)
    lines = [str(result.report)]
    if not shown:
        return lines[0]
    table = "\n".join(f"{user}\t{password}" for user, password in shown)
    if passwords is not None:
        passwords.touch(mode=0o600)
        passwords.chmod(0o600)
        passwords.write_text("用户名\t初始密码\n" + table + "\n", encoding="utf-8")
        lines.append(f"{len(shown)}个新用户的初始密码已写入 {passwords}（只此一次；"
                     "首次登录时必须修改）")
    else:
        lines += [f"{len(shown)}个新用户的初始密码（只显示这一次；首次登录时必须修改）：", table]
    return "\n".join(lines)


def cmd_export(args: argparse.Namespace, database: ResolvedDatabase) -> int:
    from seatdesk.data.org_export import export_config, write_templates
    from seatdesk.models.db import session_factory

    if args.export_command == "templates":
        paths = write_templates(args.directory, args.format)
    else:
        require_schema(database)
        engine = _engine(database)
        try:
            with session_factory(engine)() as session:
                paths = export_config(session, args.directory, args.format)
        finally:
            engine.dispose()
    for path in paths:
        print(path)
    return 0
