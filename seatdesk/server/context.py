"""What every route reaches through ``request.app.state.server``: the identity (and
through it the workflow), the configuration, the rate limiter and the change feed."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from seatdesk.workflow import services as sd

from . import auth
from .config import ServerConfig
from .errors import ApiError, unavailable
from .feed import ChangeFeed
from .identity import DatabaseIdentity, Principal
from .ratelimit import Limiter


@dataclass
class ServerContext:
    identity: DatabaseIdentity
    config: ServerConfig
    limiter: Limiter = field(default_factory=Limiter)
    feed: ChangeFeed | None = None

    @property
    def wf(self) -> sd.Workflow:
        return self.identity.workflow()

    def now(self) -> dt.datetime:
        return self.wf.now()

    def session(self, principal: Principal | None = None):
        """A session for reading (and for nothing else: writes use ``write()``): as the
        principal's own login when one is given (``DatabaseIdentity.workflow``), else on
        the server's own connection — which, connected as the intake login, reads only
        its bookkeeping (handsets' sessions, partners, the outbox and what a 12345
        callback states) and users without their hashes (docs/security.md)."""
        if principal is None:
            return Session(self.wf.engine, expire_on_commit=False)
        return self.identity.workflow(principal).reading()

    def public_session(self):
        """A session for an anonymous Open311 read: on PostgreSQL as the Open311 reader
        (``DatabaseIdentity.public``), which reads only what Open311 shows anyone."""
        return self.identity.public().reading()

    def reader(self, principal: Principal | None = None):
        """The session an Open311 GET reads in: the partner's own when it named itself
        with its api_key, else the anonymous reader's."""
        return self.session(principal) if principal is not None else self.public_session()

    @contextmanager
    def write(self, principal: Principal | None = None) -> Iterator[Session]:
        """One write unit of work (BEGIN IMMEDIATE on SQLite, so a writer never has to
        upgrade a read lock), flushed and committed when the block ends; as the
        principal's own login when one is given (a supervisor's attendance and
        positions), else the server's own bookkeeping (handset sessions)."""
        with self.identity.workflow(principal).transaction() as session:
            yield session
            session.flush()

    @functools.cached_property
    def signs_in_with_logins(self) -> bool:
        """Whether a handset's password is checked by PostgreSQL (the server connects as
        the intake login: it cannot read the argon2 hashes) rather than against the users
        table (SQLite, or a server connected as the owner) — ``workflow.signin.mode``."""
        from seatdesk.workflow.signin import mode

        return mode(self.wf.engine) == "logins"


async def server(request: Request) -> ServerContext:
    """(async: a plain function dependency would cost every request a thread hop)"""
    return request.app.state.server


def context_of(request: Request) -> ServerContext:
    """The server context without a dependency (the hot routes: FastAPI resolves each
    ``Depends`` at every request, and this one documents nothing)."""
    return request.app.state.server


Ctx = Annotated[ServerContext, Depends(server)]
_partner_key = APIKeyHeader(name="X-Api-Key", auto_error=False,
                            description="合作方的 api_key（12345 平台）")


def remember(request: Request, principal: Principal) -> Principal:
    """Name the principal in the access log of this request."""
    request.scope.setdefault("state", {})["principal"] = principal.log_name
    return principal


class FieldBearer(HTTPBearer):
    """The signed-in supervisor (``Authorization: Bearer <token>``), rate-limited: one
    dependency, documented in OpenAPI as the ``HTTPBearer`` scheme it is.

    It was a chain (the supervisor ← the bearer credentials and the server context);
    FastAPI resolves every link of a chain at every request, which cost a handset report
    more CPU than the check itself (docs/performance.md), so the scheme does it all.

    A valid token's grant is kept by the process's cache while its NOTIFY listener is
    live (``workflow/lookups.py``): emptied when any handset session is revoked or
    deleted (``NOTIFY seatdesk_config`` from ``field_sessions``) and when a user's role,
    active flag, department or login changes (``seatdesk_users``); the expiry is checked
    at every request. A kept grant is answered here without a thread or a query. A
    session whose password must still be changed is answered only ``WHILE_MUST_CHANGE``
    (403 ``must_change_password`` otherwise)."""

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None or not credentials.credentials:
            raise auth.Unauthorized("请先登录")
        ctx: ServerContext = request.app.state.server
        key = ("field", auth.digest(credentials.credentials))
        grant = ctx.wf.lookups.kept(key)
        if grant is None:
            grant = await run_in_threadpool(_field_grant, ctx, key)
        principal = auth.checked(grant, ctx.now())
        remember(request, principal)
        request.scope["state"]["field_key"] = key  # (a long answer checks it again)
        ctx.limiter.check(ctx.config.field_rate, "field", str(principal.session_id))
        if grant.must_change:
            path, root = request.scope["path"], request.scope.get("root_path", "")
            if (request.method, path[len(root):] if root and path.startswith(root) else path
                    ) not in WHILE_MUST_CHANGE:
                raise ApiError(403, "must_change_password", MUST_CHANGE)
        return principal


async def still_signed_in(request: Request, ctx: ServerContext) -> bool:
    """Whether the token a long-lived answer (the task stream) was opened with is still
    good: not signed out, revoked (a password changed elsewhere, an administrator's
    reset, the user deactivated) or expired, its password not to be changed first. The
    grant kept by the process while it is (a dict lookup); a database that is away keeps
    the stream as it is (keep-alives, feed.py) — the next turn asks again."""
    key = request.scope["state"]["field_key"]
    grant = ctx.wf.lookups.kept(key)
    try:
        if grant is None:
            grant = await run_in_threadpool(_field_grant, ctx, key)
        auth.checked(grant, ctx.now())
    except auth.Unauthorized:
        return False
    except SQLAlchemyError as exc:
        if unavailable(exc):
            return True
        raise
    return not grant.must_change


def changed_session(request: Request) -> ApiError | None:
    """Why the database refused a handset's request, if its session changed under it: the
    kept grant is forgotten and read again. An administrator's reset (or ``db logins``)
    takes the login out of its group at the commit (``dbrules/signin_sql.py``), and the
    user deactivated the same way; the kept grant goes only when the notification reaches
    this process, moments later. A request in between ran as the groupless login (SQLSTATE
    42501), or was refused by the workflow's own check of the acting user (``WrongRole``):
    it is answered as the grant now says — 403 ``must_change_password``, so the
    field app asks for the new password and keeps the report in its outbox, or 401 —
    not 403 ``refused_by_database``, which the app takes as a refusal of the report
    itself. None for another request, or when the grant read now still holds (called
    from the error handler's thread: it may query)."""
    key = request.scope.get("state", {}).get("field_key")
    if key is None:
        return None
    ctx: ServerContext = request.app.state.server
    ctx.wf.lookups.forget(key)
    try:
        grant = _field_grant(ctx, key)
        auth.checked(grant, ctx.now())
    except auth.Unauthorized as exc:
        return ApiError(401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"})
    except SQLAlchemyError:
        return None
    if grant.must_change:
        return ApiError(403, "must_change_password", MUST_CHANGE)
    return None


#: what a session whose password must still be changed may do (the field app asks for the
#: change before anything else; another client is refused the rest by the server)
WHILE_MUST_CHANGE = frozenset({("POST", "/field/v1/password"), ("DELETE", "/field/v1/session"),
                               ("GET", "/field/v1/me")})
MUST_CHANGE = "请先修改密码：当前密码是初始密码或管理员重置的密码，修改后才能上报和处理任务"

field_user = FieldBearer(auto_error=False, scheme_name="HTTPBearer",
                         description="城管通登录返回的 token")


def _field_grant(ctx: ServerContext, key: tuple[str, str]) -> auth.FieldGrant:
    def load() -> auth.FieldGrant:
        with ctx.session() as session:
            return auth.field_grant(session, key[1])

    return ctx.wf.lookups.get(key, load)


def partner_for(kind: str):
    """A dependency: the partner system behind the ``X-Api-Key`` header."""

    async def dependency(request: Request, ctx: Ctx,
                         key: Annotated[str | None, Depends(_partner_key)]) -> Principal:
        return await partner_checked(request, ctx, key, kind)

    return dependency


async def partner_checked(request: Request, ctx: ServerContext, key: str | None,
                          kind: str) -> Principal:
    """``check_partner`` from the event loop: a kept key is answered here, a thread only
    reads the database when the cache has none."""
    if key:
        kept = ctx.wf.lookups.kept(("partner", auth.digest(key), kind))
        if kept is not None:
            return _admitted(request, ctx, kept)
    return await run_in_threadpool(check_partner, request, ctx, key, kind)


def check_partner(request: Request, ctx: ServerContext, key: str | None,
                  kind: str) -> Principal:
    if not key:
        raise auth.Forbidden(auth.KEY_MISSING.get(kind, "缺少 api_key"))
    principal = ctx.wf.lookups.get(("partner", auth.digest(key), kind),
                                   functools.partial(_partner, ctx, key, kind))
    return _admitted(request, ctx, principal)


def _admitted(request: Request, ctx: ServerContext, principal: Principal) -> Principal:
    remember(request, principal)
    ctx.limiter.check(ctx.config.partner_rate, "partner", str(principal.partner_id))
    return principal


def _partner(ctx: ServerContext, key: str, kind: str) -> Principal:
    """The partner behind ``key`` as the database says now (``Forbidden`` if none; only
    a valid key's principal is kept by the cache, emptied when a partner or its account
    changes: ``NOTIFY seatdesk_config`` / ``seatdesk_users``)."""
    with ctx.session() as session:
        return auth.partner_principal(session, key, kind)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


FieldUser = Annotated[Principal, Depends(field_user)]
