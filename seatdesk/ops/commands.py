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
    return {"setup": cmd_setup, "check": cmd_check}


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
