"""Sign-in and -out, who am I, on/off duty, position pings and the class list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import shapely
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select, text

from seatdesk.models import FieldEvent, SupervisorPosition, User
from seatdesk.models.enums import Role
from seatdesk.workflow import accounts
from seatdesk.workflow.auth import (
    MIN_PASSWORD_LENGTH,
    LoginError,
    change_password,
    check_password,
    hash_password,
    password_problem,
    read_account,
)
from seatdesk.workflow.signin import check_login

from .. import auth
from ..context import Ctx, FieldUser, client_address
from ..errors import ApiError, documented
from ..identity import FIELD, Principal, field_channel
from ..reference import configured_classes

router = APIRouter(tags=["城管通 /field/v1"])
DeviceId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._:-]+$")]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
MAX_FIX_AGE = dt.timedelta(hours=24)


class SignIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    device_id: DeviceId


class SignedIn(BaseModel):
    token: str
    expires_at: dt.datetime
    user_id: int
    display_name: str
    must_change_password: bool
    position_interval_s: int


@router.post("/session", response_model=SignedIn, status_code=201,
             responses={401: {"description": "用户名或密码错误"},
                        403: {"description": "不是监督员"}, **documented(429)})
def sign_in(body: SignIn, request: Request, ctx: Ctx) -> SignedIn:
    """监督员登录: the same account and password as at a seat, the same lockout."""
    ctx.limiter.check(ctx.config.signin_rate, "signin", client_address(request), body.username)
    request.scope.setdefault("state", {})["principal"] = f"field:{body.username}"
    now = ctx.now()
    if ctx.signs_in_with_logins:
        token, expires, user = _sign_in_with_login(body, ctx, now)
    else:
        # argon2 (tens of ms, 64 MiB) between a short read and a short write, not inside
        # the write transaction: on SQLite that holds the database's write lock
        with ctx.wf.reading() as session:
            account = read_account(session, body.username)
        check = check_password(account, body.username, body.password, now)
        refused = None
        with ctx.write() as session:
            try:
                token, expires, user = auth.signed_in(session, check, body.device_id, now,
                                                      ctx.config.token_ttl)
            except (LoginError, auth.Forbidden) as exc:
                refused = exc  # committed all the same: the failure count and lockout are kept
        if refused is not None:
            raise refused
    return SignedIn(token=token, expires_at=expires, user_id=user.user_id,
                    display_name=user.display_name,
                    must_change_password=user.must_change_password,
                    position_interval_s=ctx.config.position_interval_s)


def _sign_in_with_login(body: SignIn, ctx: Ctx, now: dt.datetime):
    """The server connected as the intake login: PostgreSQL checks the password by a
    connection as the supervisor's own login, the gate counts a refusal (as at a seat,
    ``workflow.signin``); the token is the server's bookkeeping, the attendance row the
    supervisor's own — written when the password is changed if it must be (the login is
    in no group until then: it may write nothing)."""
    user = check_login(ctx.wf.engine, body.username, body.password)
    if user.role != Role.SUPERVISOR:
        raise auth.Forbidden("城管通只供监督员登录")
    if not user.must_change_password:
        principal = Principal(FIELD, user.user_id, user.role, user.department_id,
                              user.username, field_channel(body.device_id))
        with ctx.write(principal) as session:
            auth.sign_in_event(session, user.user_id, body.device_id, now)
    with ctx.write() as session:
        token, expires = auth.open_session(session, user.user_id, body.device_id, now,
                                           ctx.config.token_ttl)
    return token, expires, user


class NewPassword(BaseModel):
    old_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)


WRONG_PASSWORD = "原密码不正确"


@router.post("/password", status_code=204,
             responses={403: {"description": WRONG_PASSWORD},
                        422: {"description": "新密码不符合要求"}, **documented(429)})
def set_password(body: NewPassword, me: FieldUser, request: Request, ctx: Ctx) -> None:
    """修改密码: the supervisor's own, as at a seat (the old one checked; at least 8
    characters; not the old one). The answer to a sign-in says ``must_change_password``
    after ``seatdesk db logins`` or an administrator's reset: the field app asks for a new
    one before anything else, as a seat does. The handset's token stays valid; the
    supervisor's other handset sessions end (someone else may know the old one)."""
    ctx.limiter.check(ctx.config.signin_rate, "password", client_address(request), me.name)
    problem = password_problem(body.new_password)
    if problem:
        raise ApiError(422, "weak_password", "新" + problem)
    if body.new_password == body.old_password:
        raise ApiError(422, "weak_password", "新密码不能与原密码相同")
    if ctx.signs_in_with_logins:
        # PostgreSQL checks the old password (a connection as the login; a refusal counted
        # as at sign-in), then the supervisor's own login changes it
        try:
            check_login(ctx.wf.engine, me.name, body.old_password)
        except LoginError:
            raise ApiError(403, "wrong_password", WRONG_PASSWORD) from None
        with ctx.write(me) as session:
            session.execute(text("SELECT seatdesk_change_password(:h, :v, :keep)"),
                            {"h": hash_password(body.new_password),
                             "v": accounts.scram_verifier(session, body.new_password),
                             "keep": me.session_id})
    else:
        try:
            with ctx.write() as session:
                change_password(session, me.user_id, body.old_password, body.new_password,
                                keep_session=me.session_id)
        except LoginError:  # the new one was checked above: the old one is wrong
            raise ApiError(403, "wrong_password", WRONG_PASSWORD) from None
    if me.must_change:  # the sign-in's attendance row, now that the handset may work
        with ctx.write(me) as session:
            auth.sign_in_event(session, me.user_id, _device(me), ctx.now())
    ctx.wf.lookups.clear()  # this process's kept grants of the ended sessions


@router.delete("/session", status_code=204)
def sign_out(me: FieldUser, ctx: Ctx) -> None:
    """退出登录: the token stops working at once (this process forgets its kept grants
    here; the others when the revocation's ``NOTIFY seatdesk_config`` reaches them)."""
    now = ctx.now()
    with ctx.write() as session:
        auth.sign_out(session, me, now)
    if not me.must_change:  # (no sign-in row either: it comes with the change)
        with ctx.write(me) as session:
            auth.sign_out_event(session, me, now)
    ctx.wf.lookups.clear()


class Me(BaseModel):
    user_id: int
    username: str
    display_name: str
    on_duty: bool
    device_id: str
    position_interval_s: int


@router.get("/me", response_model=Me)
def who_am_i(me: FieldUser, ctx: Ctx) -> Me:
    if me.must_change:
        # on PostgreSQL the login reads nothing until the password is changed: the name it
        # signed in with, and off duty (an attendance row comes only after the change)
        return Me(user_id=me.user_id, username=me.name, display_name=me.name, on_duty=False,
                  device_id=_device(me), position_interval_s=ctx.config.position_interval_s)
    with ctx.session(me) as session:
        name = session.scalar(select(User.display_name).where(User.id == me.user_id))
        duty = _on_duty(session, me.user_id)
    return Me(user_id=me.user_id, username=me.name, display_name=name or me.name,
              on_duty=duty, device_id=_device(me),
              position_interval_s=ctx.config.position_interval_s)


class Duty(BaseModel):
    on_duty: bool
    lon: Lon | None = None
    lat: Lat | None = None


@router.post("/duty", response_model=Duty)
def set_duty(body: Duty, me: FieldUser, ctx: Ctx) -> Duty:
    """上班/下班打卡 (on-duty/off-duty), kept in the attendance log."""
    with ctx.write(me) as session:
        session.add(FieldEvent(user_id=me.user_id, at=ctx.now(),
                               kind="on_duty" if body.on_duty else "off_duty",
                               device_id=_device(me), lon=body.lon, lat=body.lat))
    return body


class Fix(BaseModel):
    lon: Lon
    lat: Lat
    accuracy_m: Annotated[float, Field(ge=0, le=100_000)] | None = None
    at: dt.datetime | None = None  # when the fix was taken (offline batches); default now


class Fixes(BaseModel):
    fixes: list[Fix] = Field(min_length=1, max_length=200)


class FixesTaken(BaseModel):
    accepted: int
    skipped: int
    next_in_s: int


@router.post("/positions", response_model=FixesTaken)
def post_positions(body: Fixes, me: FieldUser, ctx: Ctx) -> FixesTaken:
    """位置上报: one fix every N seconds while on duty, or a batch kept while offline.
    Fixes older than a day are skipped; future times are taken as now."""
    now = ctx.now()
    rows = []
    for fix in body.fixes:
        at = min(_aware(fix.at) or now, now)
        if now - at <= MAX_FIX_AGE:
            rows.append(SupervisorPosition(user_id=me.user_id, at=at, lon=fix.lon, lat=fix.lat,
                                           geom=shapely.Point(fix.lon, fix.lat),
                                           accuracy_m=fix.accuracy_m))
    if rows:
        with ctx.write(me) as session:
            session.add_all(rows)
    return FixesTaken(accepted=len(rows), skipped=len(body.fixes) - len(rows),
                      next_in_s=ctx.config.position_interval_s)


class ClassItem(BaseModel):
    id: int
    code: str
    name: str
    kind: Literal["component", "event"]
    major_code: str
    major_name: str


@router.get("/classes", response_model=list[ClassItem])
def classes(me: FieldUser, ctx: Ctx) -> list[ClassItem]:
    """The minor classes of the centre's configured edition, for the report form."""
    with ctx.session(me) as session:
        return [ClassItem(id=c.id, code=c.code, name=c.name, kind=c.kind,
                          major_code=c.major_code, major_name=c.major_name)
                for c in configured_classes(session)]


def _on_duty(session, user_id: int) -> bool:
    kind = session.scalar(select(FieldEvent.kind).where(
        FieldEvent.user_id == user_id, FieldEvent.kind.in_(("on_duty", "off_duty")))
        .order_by(FieldEvent.at.desc(), FieldEvent.id.desc()).limit(1))
    return kind == "on_duty"


def _device(me: Principal) -> str:
    return me.channel.partition("/")[2]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

