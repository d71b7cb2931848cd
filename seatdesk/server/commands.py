"""``seatdesk serve`` and ``seatdesk partner …``: the parsers and commands, hooked into
``seatdesk.cli`` (so the main CLI stays small)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys


class ServeError(Exception):
    """A refusal with a message for the operator (printed as 错误：…, exit status 2)."""


def register(sub) -> dict:
    """Add the parsers; return {command: handler}."""
    serve = sub.add_parser("serve",
                           help="the intake server: handsets, Open311, 12345 (docs/api.md)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8311)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL)")
    serve.add_argument("--db-connections", type=int, default=4, metavar="N",
                       help="database connections per worker, kept open, and the most "
                            "requests it runs against the database at once (default 4)")
    serve.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                       help="reverse proxies whose X-Forwarded-For is trusted")
    serve.add_argument("--public-url", default="",
                       help="the address clients use (Open311 discovery)")
    serve.add_argument("--token-hours", type=float, default=12.0, help="handset sign-in lifetime")
    serve.add_argument("--position-interval", type=int, default=30,
                       help="seconds between a handset's position pings")
    serve.add_argument("--jurisdiction-id", default="", help="Open311 jurisdiction_id served")
    serve.add_argument("--access-log", help="write the access log to this file too")
    partner = sub.add_parser("partner", help="partner systems (Open311 clients, 12345)")
    psub = partner.add_subparsers(dest="partner_command", required=True)
    add = psub.add_parser("add", help="register a partner; prints its api_key once")
    add.add_argument("code", help="short code, e.g. fms or rx12345")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, choices=["open311", "hotline12345"])
    add.add_argument("--source", default="", help="case source of its reports (CaseSource)")
    add.add_argument("--callback-url", default="", help="12345: where callbacks are POSTed")
    psub.add_parser("list", help="partners and their state")
    for name, text in (("disable", "switch a partner off"), ("enable", "switch it on again"),
                       ("rekey", "issue a new api_key (the old one stops working)")):
        psub.add_parser(name, help=text).add_argument("code")
    return {"serve": cmd_serve, "partner": cmd_partner}


def cmd_serve(args: argparse.Namespace, database) -> int:
    from seatdesk.ops.commands import require_schema

    from .config import ServerConfig
    from .runner import serve

    require_schema(database)
    if args.workers > 1 and database.url.startswith("sqlite"):
        print("提示：嵌入式 SQLite 只适合一个进程，已改为 --workers 1", file=sys.stderr)
        args.workers = 1
    config = dataclasses.replace(
        ServerConfig(), public_url=args.public_url, jurisdiction_id=args.jurisdiction_id,
        token_ttl=dt.timedelta(hours=args.token_hours),
        position_interval_s=args.position_interval, db_connections=args.db_connections)
    if config.db_connections < 1:
        print("--db-connections 至少为 1", file=sys.stderr)
        return 2
    serve(database.url, host=args.host, port=args.port, workers=args.workers,
          ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile,
          forwarded_allow_ips=args.forwarded_allow_ips, config=config,
          access_log_file=args.access_log)
    return 0


def cmd_partner(args: argparse.Namespace, database) -> int:
    from seatdesk.models.db import make_engine, session_factory

    from . import partners

    engine = make_engine(database.url)
    try:
        with session_factory(engine).begin() as session:
            if args.partner_command == "add":
                made = partners.add_partner(session, args.code, args.name, args.kind,
                                            source=args.source, callback_url=args.callback_url)
                login = partners.give_login(session, args.code)
                print(f"api_key: {made.api_key}")
                if made.callback_secret:
                    print(f"callback HMAC secret: {made.callback_secret}")
                print("（只显示这一次，请转交合作方妥善保存）")
                if login:
                    print(f"数据库登录 {login} 已建立：接入服务以它的权限处理该合作方的请求")
            elif args.partner_command == "list":
                for p in partners.list_partners(session):
                    state = "启用" if p.active else "停用"
                    print(f"{p.code}\t{p.kind}\t{p.name}\t{p.source}\t{state}\t{p.callback_url}")
            elif args.partner_command == "rekey":
                print(f"api_key: {partners.rekey(session, args.code)}")
            else:
                on = args.partner_command == "enable"
                waiting = partners.set_active(session, args.code, on)
                print(f"{args.code}: {args.partner_command}d")
                if waiting:
                    print(f"{waiting} 条 12345 回调待发送，将按原顺序补发" if on else
                          f"{waiting} 条 12345 回调暂停发送，启用后按原顺序补发")
    except partners.PartnerError as exc:
        raise ServeError(str(exc)) from None
    finally:
        engine.dispose()
    return 0
