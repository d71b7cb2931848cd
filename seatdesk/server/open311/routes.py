"""The GeoReport v2 endpoints (``/open311/v2/…{xml,json}``) and mySociety's updates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from seatdesk.workflow import services as sd

from .. import intake, uploads
from ..context import (
    Ctx,
    ServerContext,
    check_partner,
    client_address,
    context_of,
    partner_checked,
)
from ..errors import ApiError, documented_open311
from ..fields import has_control
from ..forms import is_urlencoded, read_form, urlencoded_items
from ..routing import PrefixedRouter
from . import reads
from .create import NewRequest, prepare, token_of
from .formats import render, render_object
from .services import (
    NOT_FOUND,
    PARTNER_ID_ATTRIBUTE,
    PARTNER_ID_MAX,
    definition,
    find_service,
    service_list,
)

router = PrefixedRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"],
                        responses=documented_open311(400, 403, 404, 413, 429, 503))
Fmt = Annotated[Literal["xml", "json"], Path(description="xml 或 json")]
Jurisdiction = Annotated[str, Query(max_length=64)]
ApiKey = Annotated[str, Query(max_length=200, description="可选：带上则只看本合作方的数据")]
Stamp = Annotated[dt.datetime | None, Query()]
MAX_WINDOW = dt.timedelta(days=90)
MAX_FIELDS = 200  # of a POST's form
BAD_WINDOW = "start_date 须早于 end_date，且两者相隔不超过 90 天：请缩小时间范围后重新查询"
LIST_RESPONSES = {200: {"content": {"application/json": {}, "application/xml": {}}}}

_TEXT = {"type": "string", "maxLength": 300}
POST_SCHEMA = {"type": "object", "required": ["api_key", "service_code"], "properties": {
    "api_key": {"type": "string", "maxLength": 200}, "service_code": {"type": "string"},
    "jurisdiction_id": {"type": "string"}, "lat": {"type": "string"}, "long": {"type": "string"},
    "address_string": _TEXT, "address_id": _TEXT, "email": _TEXT, "device_id": _TEXT,
    "account_id": _TEXT, "first_name": _TEXT, "last_name": _TEXT, "phone": _TEXT,
    "description": {"type": "string", "maxLength": 4000},
    "media_url": {"type": "string", "maxLength": 500},
    "attribute[fixmystreet_id]": {"type": "string", "maxLength": 100}}}
POST_MULTIPART = {**POST_SCHEMA, "properties": {
    **POST_SCHEMA["properties"],
    "media": {"type": "array", "items": {"type": "string", "format": "binary"}}}}


def _tz(ctx: ServerContext) -> dt.tzinfo:
    """The calendar's time zone (kept by the workflow for ``cache_seconds``; read, when
    it is not, as the Open311 reader)."""
    cached = ctx.wf.cached_calendar()
    if cached is not None:
        return cached.tz
    with ctx.public_session() as session:
        return ctx.wf.calendar(session).tz


def _jurisdiction(ctx: ServerContext, value: str) -> None:
    if value and ctx.config.jurisdiction_id and value != ctx.config.jurisdiction_id:
        raise ApiError(404, "jurisdiction_not_found",
                       f"本中心不受理 jurisdiction_id「{value}」：请改为"
                       f"「{ctx.config.jurisdiction_id}」，或不带此参数")


def _reader(request: Request, ctx: ServerContext, api_key: str):
    """An optional api_key on GET names the partner (whose own login then reads, as
    ``ctx.session(partner)``); without one, a per-address limit, and the read runs as the
    Open311 reader, which reads only what Open311 shows anyone (``ctx.public_session``;
    no caller data: docs/security.md)."""
    if api_key:
        return check_partner(request, ctx, api_key, "open311")
    ctx.limiter.check(ctx.config.anonymous_rate, "open311-get", client_address(request))
    return None


# POST requests first: a request is matched against the routes in order, and a report is
# what a partner sends most
@router.post("/requests.{fmt}", response_class=Response, responses=LIST_RESPONSES,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-www-form-urlencoded": {"schema": POST_SCHEMA},
                 "multipart/form-data": {"schema": POST_MULTIPART}}}})
async def post_request(fmt: Fmt, request: Request) -> Response:
    """Create a service request (form fields as the specification lists them)."""
    ctx = context_of(request)  # not a dependency: one fewer to resolve per report
    fields, media_files = await _read_form(request, ctx)
    _jurisdiction(ctx, fields.get("jurisdiction_id", ""))
    partner = await partner_checked(request, ctx, fields.get("api_key", ""), "open311")
    if not fields.get("service_code"):
        raise ApiError(400, "missing_service_code", "缺少 service_code，未登记：请从服务列表"
                       "（GET /open311/v2/services.xml 或 .json）中选用后重新提交")
    req = _new_request(fields, request.headers.get("idempotency-key", ""))
    ready = await sd.loop_or_thread(run_in_threadpool, prepare, ctx.identity, partner, req,
                                    media_files)
    # no duplicate search: the answer does not carry it; the seat's 受理 searches
    change = await intake.register_async(ctx.identity, partner, ready.report, ready.key,
                                         duplicates=False, request_row=ready.request_row)
    token = (ready.request_row["token"] if not change.replayed
             else await run_in_threadpool(token_of, ready, change))
    return render(fmt, "service_requests", [{
        "service_request_id": change.number, "token": token, "service_notice": "",
        "account_id": ""}], 200 if change.replayed else 201)


@router.get("/discovery.{fmt}", response_class=Response, responses=LIST_RESPONSES)
def discovery(fmt: Fmt, request: Request, ctx: Ctx) -> Response:
    base = (ctx.config.public_url or str(request.base_url)).rstrip("/") + "/open311/v2"
    return render_object(fmt, "discovery", {
        "changeset": "2026-12-01T00:00:00+08:00", "contact": "数字城管指挥中心",
        "key_service": "向指挥中心申请 api_key（seatdesk partner add）",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                       "url": base, "changeset": "2026-12-01T00:00:00+08:00",
                       "type": "production", "formats": ["text/xml", "application/json"]}]})


@router.get("/services.{fmt}", response_class=Response, responses=LIST_RESPONSES)
def services(fmt: Fmt, ctx: Ctx, jurisdiction_id: Jurisdiction = "") -> Response:
    _jurisdiction(ctx, jurisdiction_id)
    with ctx.public_session() as session:
        return render(fmt, "services", service_list(session))


@router.get("/services/{service_code}.{fmt}", response_class=Response, responses=LIST_RESPONSES)
def service_definition(service_code: Annotated[str, Path(max_length=20)], fmt: Fmt, ctx: Ctx,
                       jurisdiction_id: Jurisdiction = "") -> Response:
    _jurisdiction(ctx, jurisdiction_id)
    with ctx.public_session() as session:
        cls = find_service(session, service_code)
        if cls is None:
            raise ApiError(404, "service_not_found", NOT_FOUND.format(code=service_code))
        return render_object(fmt, "service_definition", definition(cls))


async def _read_form(request: Request, ctx: ServerContext):
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise ApiError(400, "unsupported_media_type",
                       "请求体须为表单（application/x-www-form-urlencoded，带照片时"
                       " multipart/form-data），未登记：请按 GeoReport v2 的表单字段重新提交")
    if is_urlencoded(ctype):  # the usual POST: read here, its bytes UTF-8 (forms.py)
        items = urlencoded_items(await request.body(), max_fields=MAX_FIELDS)
        if items is not None:
            return {k: v.strip() for k, v in items}, ()
    cfg = ctx.config
    async with read_form(request, max_files=cfg.max_photos + 1,
                              max_fields=MAX_FIELDS) as form:
        items = form.multi_items()
        files = [v for k, v in items if k == "media" and isinstance(v, UploadFile)]
        if len(files) > cfg.max_photos:
            raise ApiError(413, "too_many_files", f"照片（media）最多 {cfg.max_photos} 张，"
                           "未登记：请减少后重新提交")
        media = tuple([uploads.photo(await f.read(cfg.max_photo_bytes + 1), f.filename or "",
                                     cfg.max_photo_bytes) for f in files])
        fields = {k: v.strip() for k, v in items if isinstance(v, str)}
    return fields, media


def _new_request(fields: dict[str, str], idempotency_key: str) -> NewRequest:
    bad = next((k for k, v in fields.items() if has_control(v)), None)
    if bad is not None:
        raise ApiError(400, "control_characters",
                       f"{bad} 含有不可见的控制字符，未登记：请删去后重新提交")
    for name in ("first_name", "last_name", "phone", "email", "address_string"):
        if len(fields.get(name, "")) > 300:
            raise ApiError(400, "too_long", f"{name} 超过 300 个字，未登记：请删减后重新提交")
    partner_id = f"attribute[{PARTNER_ID_ATTRIBUTE}]"
    if len(fields.get(partner_id, "")) > PARTNER_ID_MAX:  # (it was a 500: the column's rule)
        raise ApiError(400, "too_long", f"{partner_id} 超过 {PARTNER_ID_MAX} 个字符，未登记："
                       "请缩短后重新提交")
    if len(fields.get("media_url", "")) > 500:
        raise ApiError(400, "too_long", "media_url 超过 500 个字符，未登记：请缩短链接后重新提交")
    if len(idempotency_key) > 80:
        raise ApiError(400, "too_long", "请求头 Idempotency-Key 超过 80 个字符，未登记：请缩短后"
                       "重新提交")
    attributes = tuple((k[len("attribute["):-1], v) for k, v in fields.items()
                       if k.startswith("attribute[") and k.endswith("]"))
    return NewRequest(
        service_code=fields.get("service_code", ""), lat=fields.get("lat", ""),
        long=fields.get("long", ""), address_string=fields.get("address_string", ""),
        description=fields.get("description", ""), first_name=fields.get("first_name", ""),
        last_name=fields.get("last_name", ""), phone=fields.get("phone", ""),
        email=fields.get("email", ""), media_url=fields.get("media_url", ""),
        attributes=attributes, idempotency_key=idempotency_key.strip())


@router.get("/requests.{fmt}", response_class=Response, responses=LIST_RESPONSES)
def get_requests(fmt: Fmt, request: Request, ctx: Ctx, jurisdiction_id: Jurisdiction = "",
                 api_key: ApiKey = "",
                 service_request_id: Annotated[str, Query(max_length=2000)] = "",
                 service_code: Annotated[str, Query(max_length=20)] = "",
                 start_date: Stamp = None, end_date: Stamp = None,
                 status: Annotated[Literal["open", "closed", ""], Query()] = "",
                 updated_after: Stamp = None, updated_before: Stamp = None,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                 page_size: Annotated[int, Query(ge=1, le=1000)] = 0) -> Response:
    """Requests by id (comma list, overrides the rest) or by filters; newest first."""
    _jurisdiction(ctx, jurisdiction_id)
    partner = _reader(request, ctx, api_key)
    start, end = _window(ctx, start_date, end_date)
    f = reads.RequestFilter(
        ids=tuple(i.strip() for i in service_request_id.split(",") if i.strip())[:200],
        service_code=service_code, start=start, end=end, status=status,
        updated_after=_aware(updated_after), updated_before=_aware(updated_before), page=page,
        page_size=page_size or ctx.config.page_size)
    tz = _tz(ctx)
    with ctx.reader(partner) as session:
        return render(fmt, "service_requests", reads.find_requests(session, f, tz))


@router.get("/requests/{service_request_id}.{fmt}", response_class=Response,
            responses=LIST_RESPONSES)
def get_request(service_request_id: Annotated[str, Path(max_length=40)], fmt: Fmt,
                request: Request, ctx: Ctx, jurisdiction_id: Jurisdiction = "",
                api_key: ApiKey = "") -> Response:
    _jurisdiction(ctx, jurisdiction_id)
    partner = _reader(request, ctx, api_key)
    tz = _tz(ctx)
    with ctx.reader(partner) as session:
        found = reads.find_requests(session, reads.RequestFilter(ids=(service_request_id,)), tz)
    if not found:
        raise ApiError(404, "request_not_found",
                       f"没有编号为「{service_request_id}」的服务请求（只能查询经 Open311 "
                       "提交的请求）：请核对 service_request_id")
    return render(fmt, "service_requests", found)


@router.get("/tokens/{token}.{fmt}", response_class=Response, responses=LIST_RESPONSES)
def get_token(token: Annotated[str, Path(max_length=40)], fmt: Fmt, request: Request,
              ctx: Ctx, jurisdiction_id: Jurisdiction = "", api_key: ApiKey = "") -> Response:
    _jurisdiction(ctx, jurisdiction_id)
    partner = _reader(request, ctx, api_key)
    with ctx.reader(partner) as session:
        found = reads.by_token(session, token)
    if found is None:
        raise ApiError(404, "token_not_found",
                       f"没有 token「{token}」：请核对提交时答复中的 token")
    return render(fmt, "service_requests", [found])


@router.get("/servicerequestupdates.{fmt}", response_class=Response, responses=LIST_RESPONSES)
def get_updates(fmt: Fmt, request: Request, ctx: Ctx, jurisdiction_id: Jurisdiction = "",
                api_key: ApiKey = "", start_date: Stamp = None,
                end_date: Stamp = None) -> Response:
    """mySociety's extension: status changes in a window (default: the last 24 hours)."""
    _jurisdiction(ctx, jurisdiction_id)
    partner = _reader(request, ctx, api_key)
    end = _aware(end_date) or ctx.now()
    start = _aware(start_date) or end - dt.timedelta(hours=24)
    if start > end or end - start > MAX_WINDOW:
        raise ApiError(400, "bad_window", BAD_WINDOW)
    tz = _tz(ctx)
    with ctx.reader(partner) as session:
        found = reads.updates(session, start, end, tz, partner.partner_id if partner else None)
    return render(fmt, "service_request_updates", found)


@router.get("/media/{attachment_id}", response_class=Response, include_in_schema=True,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
def get_media(attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request,
              ctx: Ctx) -> Response:
    """The photo sent with an Open311 request (``media_url`` of the record)."""
    ctx.limiter.check(ctx.config.anonymous_rate, "open311-get", client_address(request))
    with ctx.public_session() as session:
        row = reads.photo(session, attachment_id)
    if row is None:
        raise ApiError(404, "media_not_found", "没有这张照片：请核对服务请求中的 media_url")
    return Response(row.content, media_type=row.mime_type,
                    headers={"X-Content-Type-Options": "nosniff"})


def _window(ctx: ServerContext, start: dt.datetime | None, end: dt.datetime | None):
    start, end = _aware(start), _aware(end)
    if start and end and (start > end or end - start > MAX_WINDOW):
        raise ApiError(400, "bad_window", BAD_WINDOW)
    if start is None and end is None:
        start = ctx.now() - MAX_WINDOW
    return start, end


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

