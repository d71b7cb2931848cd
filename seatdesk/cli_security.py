"""The security commands (docs/security.md): ``seatdesk db logins`` and ``db intake-login``
(the per-operator logins of a PostgreSQL database, run as the schema owner) and
``seatdesk ledger verify|keygen|checkpoint`` (both backends), ``ledger partitions|archive|
reattach`` and ``history archive|reattach`` (positions and attachments; PostgreSQL)."""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

from sqlalchemy import select, text

from seatdesk.config import ResolvedDatabase

#: initial passwords: 12 characters without look-alikes (0/O, 1/l/I)
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class SecurityCommandError(Exception):
    """A refusal with a message for the operator."""


def new_password(length: int = 12) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def add_parsers(db_sub) -> None:
    lg = db_sub.add_parser("logins", help="create the per-operator PostgreSQL logins from the "
                           "users table (after demo, a restore or a clone)")
    lg.add_argument("users", nargs="*", help="user names (default: every active user whose "
                    "login is missing or belongs to another database)")
    lg.add_argument("--all", action="store_true", help="recreate every active user's login")
    lg.add_argument("--prefix", help="login name prefix for this database (default: the "
                    "database name and a dot)")
    lg.add_argument("--password-stdin", action="store_true",
                    help="one initial password for all, read from stdin (training)")
    il = db_sub.add_parser("intake-login", help="the intake server's login (NOINHERIT, may SET "
                           "ROLE to supervisors and partners)")
    il.add_argument("name")
    il.add_argument("--password-stdin", action="store_true")


def run(args, database: ResolvedDatabase) -> int:
    from seatdesk.models.db import make_engine, session_factory

    engine = make_engine(database.url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise SecurityCommandError(
            "嵌入式SQLite模式没有数据库登录账号（单机信任，见 docs/security.md）")
    try:
        with session_factory(engine).begin() as session:
            if args.db_command == "logins":
                return _logins(session, args)
            return _intake(session, args)
    finally:
        engine.dispose()


def _logins(session, args) -> int:
    from seatdesk.models import User
    from seatdesk.workflow import accounts

    if args.prefix is not None:
        accounts.set_login_prefix(session, args.prefix)
    prefix = accounts.login_prefix(session)
    shared = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if shared is not None and not shared.strip():
        raise SecurityCommandError("密码不能为空")
    users = session.execute(select(User.id, User.username, User.db_login, User.partner)
                            .where(User.active.is_(True)).order_by(User.username)).all()
    chosen = [u for u in users if _wanted(u, args, prefix)]
    unknown = set(args.users) - {u.username for u in users}
    if unknown:
        raise SecurityCommandError(f"没有这些在用用户：{', '.join(sorted(unknown))}")
    print(f"login prefix: {prefix}")
    for user in chosen:
        # a partner system's login has no password: only the intake server becomes it
        password = None if user.partner else shared or new_password()
        try:
            login = accounts.create_login(session, user.id, password, must_change=True)
        except accounts.AccountRefused as exc:
            raise SecurityCommandError(f"{user.username}: {exc}") from None
        shown = ("(partner: no password, never signs in)" if user.partner
                 else "(stdin)" if shared else password)
        print(f"{user.username:<24} {login:<40} {shown}")
    print(f"{len(chosen)} login(s); each initial password must be changed at first sign-in")
    return 0


def _wanted(user, args, prefix: str) -> bool:
    if args.users:
        return user.username in args.users
    return args.all or user.db_login != prefix + user.username


def _intake(session, args) -> int:
    from seatdesk.workflow import accounts, dbrules
    from seatdesk.workflow.dbrules import grants

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,63}", args.name):
        raise SecurityCommandError("登录名只能包含字母、数字、点、下划线和连字符（最多63个）")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    session.execute(text("SELECT seatdesk_set_intake_login(:n)"), {"n": args.name})
    former = grants.former_intake_logins(session.connection(), args.name)
    # its grants at once, not at the next db upgrade; and a former intake login's taken
    dbrules.apply(session.connection())
    if password:
        verifier = accounts.scram_verifier(session, password, args.name)
        session.connection().exec_driver_sql(
            f"ALTER ROLE \"{args.name}\" PASSWORD '{verifier}'")
    print(f"intake login {args.name}: NOINHERIT, may SET ROLE to every active supervisor "
          f"and partner login of this database")
    for name in former:
        print(f"former intake login {name}: no longer a member of any login of this database "
              f"nor of {dbrules.OPEN311_READER} (unless another database's), its grants and "
              f"CONNECT here revoked")
    return 0


# -- the ledger ------------------------------------------------------------------------------
def add_ledger_parsers(ledger_sub) -> None:
    ve = ledger_sub.add_parser("verify", help="hash chains, transitions and every case field; "
                               "with --against, a signed checkpoint too")
    ve.add_argument("--against", metavar="CHECKPOINT",
                    help="a checkpoint file, or a witness database URL (its latest checkpoint)")
    ve.add_argument("--public-key", type=Path, help="the trusted public key (KEYFILE.pub)")
    kg = ledger_sub.add_parser("keygen", help="an Ed25519 key pair for signing checkpoints")
    kg.add_argument("keyfile", type=Path, help="private key file to create (KEYFILE.pub too)")
    kg.add_argument("--passphrase-stdin", action="store_true", help="encrypt the private key")
    cp = ledger_sub.add_parser("checkpoint", help="sign the chain heads (daily)")
    cp.add_argument("--key", type=Path, required=True, help="the private key file")
    cp.add_argument("--out", type=Path, help="checkpoint file to write")
    cp.add_argument("--witness", metavar="URL", help="also store it in this witness database")
    cp.add_argument("--passphrase-stdin", action="store_true")
    pa = ledger_sub.add_parser("partitions", help="make the month partitions of the ledger, "
                               "positions and attachments ahead (PostgreSQL, daily)")
    pa.add_argument("--ahead", type=int, default=3, help="months after this one (default 3)")
    ar = ledger_sub.add_parser("archive", help="archive the ledger's months before YYYY-MM to "
                               "files with a signed checkpoint, then drop them (PostgreSQL)")
    ar.add_argument("--before", required=True, metavar="YYYY-MM",
                    help="archive every month before this one (at most the setting "
                    "ledger_archive_after_months before the current month)")
    ar.add_argument("--to", required=True, type=Path, metavar="DIR", help="archive directory")
    ar.add_argument("--key", type=Path, required=True, help="the administrator's private key")
    ar.add_argument("--passphrase-stdin", action="store_true")
    ra = ledger_sub.add_parser("reattach", help="bring an archived month back online for an "
                               "audit (PostgreSQL)")
    ra.add_argument("file", type=Path, help="the month's .manifest.json (or its .csv.gz)")
    ra.add_argument("--public-key", type=Path, required=True,
                    help="the trusted public key (KEYFILE.pub)")


def run_ledger(args, database: ResolvedDatabase) -> int:
    from seatdesk.workflow.checkpoint import CheckpointError
    from seatdesk.workflow.ledger_archive import ArchiveError

    try:
        return {"verify": _verify, "keygen": _keygen, "checkpoint": _checkpoint,
                "partitions": _partitions, "archive": _archive,
                "reattach": _reattach}[args.ledger_command](args, database)
    except (CheckpointError, ArchiveError) as exc:
        raise SecurityCommandError(str(exc)) from None


def _passphrase(args) -> bytes | None:
    if not args.passphrase_stdin:
        return None
    return sys.stdin.readline().rstrip("\n").encode() or None


def _keygen(args, database) -> int:
    from seatdesk.workflow.checkpoint import keygen

    if args.keyfile.exists():
        raise SecurityCommandError(f"{args.keyfile} 已存在，不会覆盖")
    public = keygen(args.keyfile, _passphrase(args))
    print(f"private key: {args.keyfile} (0600; keep it with the centre's administrator, "
          f"never on a seat or the database server)\npublic key:  {public}")
    return 0


def _checkpoint(args, database: ResolvedDatabase) -> int:
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow import checkpoint

    if not args.out and not args.witness:
        raise SecurityCommandError("请用 --out 和/或 --witness 指定检查点写到哪里")
    key = checkpoint.load_private(args.key, _passphrase(args))
    engine = make_engine(database.url)
    try:
        with session_factory(engine)() as session:
            made = checkpoint.make(session, key, _database_name(engine))
    finally:
        engine.dispose()
    if args.out:
        checkpoint.save_file(made, args.out)
    if args.witness:
        checkpoint.save_witness(made, args.witness)
    h = made.header
    print(f"checkpoint {h['created_at']}: {h['cases']} cases, {h['rows']} ledger rows, "
          f"root {h['root']}")
    return 0


def _database_name(engine) -> str:
    url = engine.url
    return f"{url.host or 'localhost'}:{url.port or ''}/{url.database}" if url.host else str(
        url.database)


def _partitions(args, database: ResolvedDatabase) -> int:
    from seatdesk.models import ledger_partitions
    from seatdesk.models.db import make_engine

    engine = make_engine(database.url)
    busy: list[str] = []
    try:
        with engine.begin() as conn:
            if not ledger_partitions.partitioned(conn):
                print("账本未分区（SQLite 或迁移 0013 之前）：无需创建分区")
                return 0
        made = ledger_partitions.ensure_each(engine, ahead=max(args.ahead, 0), busy=busy)
    finally:
        engine.dispose()
    print(f"新建分区 {len(made)} 个" + (f"：{', '.join(made)}" if made else ""))
    if busy:
        print(f"未能创建分区 {', '.join(busy)}：表正被其他事务使用，"
              f"{ledger_partitions.TRIES} 次等待锁均超时（每次 {ledger_partitions.LOCK_TIMEOUT_MS}"
              " 毫秒，未让席位排队等待）。明天的定时任务会再试；若一直失败，请查看"
              " pg_stat_activity 中长时间未结束的事务（docs/operations.md）", file=sys.stderr)
        return 1
    return 0


def _archive(args, database: ResolvedDatabase) -> int:
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import checkpoint
    from seatdesk.workflow import ledger_archive as la

    before = la.parse_month(args.before)
    key = checkpoint.load_private(args.key, _passphrase(args))
    engine = make_engine(database.url)
    try:
        if engine.dialect.name != "postgresql":
            raise SecurityCommandError("嵌入式SQLite模式的台账不分区，不归档")
        months = la.months_to_archive(engine, before)
        if not months:
            print(f"{args.before} 之前没有在线的月份分区：无需归档")
        else:
            args.to.mkdir(parents=True, exist_ok=True)
        for month in months:
            done = la.archive_month(engine, month, args.to, key, _database_name(engine))
            print(f"已归档 {done.month:%Y-%m}：{done.rows} 行台账，{done.cases} 个案卷 → "
                  f"{done.manifest}", flush=True)
    finally:
        engine.dispose()
    return 0


def _reattach(args, database: ResolvedDatabase) -> int:
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import checkpoint
    from seatdesk.workflow import ledger_archive as la

    trusted = checkpoint.load_public(args.public_key)
    engine = make_engine(database.url)
    try:
        if engine.dialect.name != "postgresql":
            raise SecurityCommandError("嵌入式SQLite模式的台账不分区，没有归档可重新挂载")
        done = la.reattach(engine, args.file, trusted)
    finally:
        engine.dispose()
    print(f"已重新挂载 {done.month:%Y-%m}：{done.rows} 行台账，{done.cases} 个案卷"
          "（清单签名、检查点签名、文件 SHA-256 与每条链均已核对）")
    return 0


def _verify(args, database: ResolvedDatabase) -> int:
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.workflow import checkpoint
    from seatdesk.workflow.ledger_verify import verify_report

    if args.against and not args.public_key:
        raise SecurityCommandError("--against 需要 --public-key：只信任管理员的公钥")
    engine = make_engine(database.url)
    try:
        with session_factory(engine)() as session:
            report = verify_report(session)
            problems = report.problems
            if args.against:
                found = checkpoint.load(args.against)
                problems += checkpoint.verify_against(session, found,
                                                      checkpoint.load_public(args.public_key))
    finally:
        engine.dispose()
    if report.link_only:
        full = report.cases - report.link_only
        print(f"{report.link_only} 个案卷的台账有已归档的月份：只核对了哈希链的衔接（自归档段的"
              f"末行哈希起），未重放案卷字段；其余 {full} 个案卷完整核对")
    if not problems:
        extra = f" and match checkpoint {found.header['created_at']}" if args.against else ""
        print(f"ledger intact: every hash chain, transition and case field verifies{extra}")
        return 0
    print(f"ledger verification FAILED: {len(problems)} problem(s)")
    for problem in problems:
        print(f"  {problem}")
    return 1


# -- positions and attachments (seatdesk history) --------------------------------------------
def add_history_parsers(history_sub) -> None:
    ar = history_sub.add_parser(
        "archive", help="archive months of supervisors' positions or of attachments before "
        "YYYY-MM to signed csv.gz files, then drop them (PostgreSQL)")
    ar.add_argument("--table", required=True, choices=("positions", "attachments"),
                    help="positions: after positions_archive_after_months (default 6); "
                    "attachments: with their cases' ledger months, once those are archived")
    ar.add_argument("--before", required=True, metavar="YYYY-MM",
                    help="archive every month before this one")
    ar.add_argument("--to", required=True, type=Path, metavar="DIR", help="archive directory")
    ar.add_argument("--key", type=Path, required=True, help="the administrator's private key")
    ar.add_argument("--passphrase-stdin", action="store_true")
    ra = history_sub.add_parser("reattach", help="bring an archived month of positions or "
                                "attachments back online for an audit (PostgreSQL)")
    ra.add_argument("file", type=Path, help="the month's .manifest.json (or its .csv.gz)")
    ra.add_argument("--public-key", type=Path, required=True,
                    help="the trusted public key (KEYFILE.pub)")


def run_history(args, database: ResolvedDatabase) -> int:
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import checkpoint
    from seatdesk.workflow import history_archive as ha

    engine = make_engine(database.url)
    try:
        if engine.dialect.name != "postgresql":
            raise SecurityCommandError("嵌入式SQLite模式的位置和附件不分区，不归档")
        if args.history_command == "archive":
            return _history_archive(args, engine, ha, checkpoint)
        done = ha.reattach(engine, args.file, checkpoint.load_public(args.public_key))
        print(f"已重新挂载 {done.table} {done.month:%Y-%m}：{done.rows} 行"
              + (f"，{done.bytes} 字节附件内容" if done.table == "attachments" else "")
              + "（清单签名、文件 SHA-256" + ("与每个附件的 SHA-256" if done.bytes else "")
              + " 均已核对）")
        return 0
    except (checkpoint.CheckpointError, ha.ArchiveError) as exc:
        raise SecurityCommandError(str(exc)) from None
    finally:
        engine.dispose()


def _history_archive(args, engine, ha, checkpoint) -> int:
    table = ha.table_of(args.table)
    before = ha.parse_month(args.before)
    key = checkpoint.load_private(args.key, _passphrase(args))
    months = ha.months_to_archive(engine, table, before)
    if not months:
        print(f"{args.before} 之前没有在线的 {table} 月份分区：无需归档")
    else:
        args.to.mkdir(parents=True, exist_ok=True)
    for month in months:
        done = ha.archive_month(engine, table, month, args.to, key, _database_name(engine))
        print(f"已归档 {table} {done.month:%Y-%m}：{done.rows} 行"
              + (f"，{done.bytes} 字节附件内容" if table == "attachments" else "")
              + f" → {done.manifest}", flush=True)
    return 0
