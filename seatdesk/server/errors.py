"""Every error the server answers, in one place: a plain Chinese message, never a
database exception, never SQL.

Field and 12345 routes answer ``{"error": {"code": …, "message": …}}``; Open311 routes
answer the specification's list of ``code``/``description`` (XML or JSON by the path's
suffix) with 400, 403 or 404. A refusal by the database's rules (``dberrors.DENIED``:
grants, row-level security, the trust triggers) is a 403 ``refused_by_database``, logged
with the database's reason. Unexpected failures are logged with the request id and
answered with that id only. The database away (stopped, restarting, unreachable) is a 503
``database_unavailable`` for a request — a task long-poll's too, when its wait runs out
before the database is back; a task stream already answering does not end for it, it
reads again once the database is back (``unavailable``, field_api/tasks.py). Every 503 for
a database outage says when to try again (``Retry-After: RETRY_AFTER_S``), but the one
for an unkeyed report whose commit is uncertain (``intake.register``): resent blindly, it
could make a second case.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from seatdesk.models import dberrors
from seatdesk.models.textrules import TextRefused
from seatdesk.workflow import services as sd

from .auth import Forbidden, LoginError, Unauthorized
from .forms import FormEncodingError
from .open311 import formats

log = logging.getLogger("seatdesk.server")
UNAVAILABLE = "数据库暂不可用，未保存任何内容，请稍后重试"
#: seconds a client waits after a 503 for a database outage before it asks again
#: (``Retry-After``): a PostgreSQL restart or a failover is back within seconds, and the
#: field app retries after its ``RETRY_MS``, 5 s, too
RETRY_AFTER_S = 5
RETRY_LATER = {"Retry-After": str(RETRY_AFTER_S)}
REFUSED = "数据库的权限规则拒绝了此操作，未保存任何内容（账号的角色或权限可能已变更，请联系管理员）"

_WORKFLOW_STATUS = (
    (sd.NotFound, 404, "not_found"),
    (sd.StaleCase, 409, "stale_case"),
    (sd.WrongState, 409, "wrong_state"),
    (sd.WrongRole, 403, "wrong_role"),
    (sd.NotYourCase, 403, "not_your_case"),
    (sd.WorkflowError, 422, "invalid"),
)
#: pydantic's error types as a person reads them; ``{…}`` are the error's ``ctx``
#: (the bound it broke); a type not here is 「格式不对」
_PYDANTIC_ZH = {
    "missing": "缺少此项", "string_too_long": "不能超过 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符", "too_long": "至多 {max_length} 项",
    "too_short": "至少 {min_length} 项", "float_parsing": "须为数字", "float_type": "须为数字",
    "int_parsing": "须为整数", "int_type": "须为整数", "int_from_float": "须为整数",
    "bool_parsing": "须为 true 或 false", "bool_type": "须为 true 或 false",
    "greater_than_equal": "不能小于 {ge}", "greater_than": "须大于 {gt}",
    "less_than_equal": "不能大于 {le}", "less_than": "须小于 {lt}",
    "literal_error": "须为 {expected} 之一", "enum": "须为 {expected} 之一",
    "json_invalid": "不是有效的 JSON", "json_type": "不是有效的 JSON",
    "string_type": "须为文本", "uuid_parsing": "格式不对",
    "string_pattern_mismatch": "含有不允许的字符", "model_attributes_type": "须为对象",
    "model_type": "须为对象", "dict_type": "须为对象", "list_type": "须为列表",
    "datetime_parsing": "须为带时区的日期时间，如 2026-11-02T09:00:00+08:00",
    "datetime_from_date_parsing": "须为带时区的日期时间，如 2026-11-02T09:00:00+08:00",
    "datetime_type": "须为带时区的日期时间，如 2026-11-02T09:00:00+08:00",
    "extra_forbidden": "不认识此项",
}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every refusal of the field and 12345 interfaces."""

    error: ErrorDetail


_MEANING = {400: "请求有误", 401: "未登录或登录已失效", 403: "无权操作", 404: "不存在",
            409: "案卷已被他人处理或状态已变", 413: "请求或文件过大", 415: "文件或内容类型不对",
            422: "参数无效", 429: "请求过于频繁", 503: "数据库暂不可用"}


#: the headers a refusal carries, for OpenAPI (not required: an unkeyed report's uncertain
#: commit has no ``Retry-After``, ``intake``)
_HEADERS = {status: {"Retry-After": {"description": meaning, "schema": {"type": "integer"}}}
            for status, meaning in (
                (429, "几秒后可再请求（最早的一次请求移出计数窗口）"),
                (503, "几秒后可重试（数据库重启或切换通常数秒内恢复）"))}


def documented(*statuses: int) -> dict:
    """OpenAPI ``responses`` for the refusals a router may answer."""
    return {s: {"model": ErrorBody, "description": _MEANING[s], **_headers(s)}
            for s in statuses}


OPEN311_ERROR = {"content": {"application/json": {"schema": {"type": "array", "items": {
    "type": "object", "properties": {"code": {"type": "integer"},
                                     "description": {"type": "string"}}}}},
    "application/xml": {}}}


def documented_open311(*statuses: int) -> dict:
    return {s: {**OPEN311_ERROR, "description": _MEANING[s], **_headers(s)} for s in statuses}


def _headers(status: int) -> dict:
    return {"headers": _HEADERS[status]} if status in _HEADERS else {}


def multipart_schema(model: type[BaseModel], **files: dict) -> dict:
    """A pydantic model's fields as multipart form fields (a missing field is absent, never
    ``null``), plus file parts."""
    schema = model.model_json_schema()
    props = {}
    for name, prop in schema["properties"].items():
        options = [p for p in prop.get("anyOf", ()) if p.get("type") != "null"]
        props[name] = {k: v for k, v in (options[0] if options else prop).items()}
        if "description" in prop:
            props[name]["description"] = prop["description"]
    return {"type": "object", "properties": {**props, **files},
            "required": schema.get("required", [])}


BINARY = {"type": "string", "format": "binary"}
BINARIES = {"type": "array", "items": BINARY}


class ApiError(Exception):
    """A refusal with an HTTP status, a machine code and a message for the caller."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(FormEncodingError, _encoding_error)
    app.add_exception_handler(TextRefused, _text_refused)
    app.add_exception_handler(sd.WorkflowError, _workflow_error)
    app.add_exception_handler(sd.CommitUncertain, _uncertain)
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(Forbidden, lambda r, e: answer(r, 403, "forbidden", str(e)))
    app.add_exception_handler(LoginError, lambda r, e: answer(r, 401, "login_failed", str(e)))
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _unexpected)


def answer(request: Request, status: int, code: str, message: str,
           headers: dict | None = None) -> Response:
    path = request.url.path
    if path.startswith("/open311/"):
        # the specification knows 400, 403 and 404 only (429/5xx keep their own status)
        status = status if status in (403, 404, 413, 429) or status >= 500 else 400
        response = formats.errors(formats.fmt_of(path), status, message)
    else:
        response = JSONResponse({"error": {"code": code, "message": message}}, status)
    if headers:
        response.headers.update(headers)
    return response


def _api_error(request: Request, exc: ApiError) -> Response:
    return answer(request, exc.status, exc.code, exc.message, exc.headers)


def _unauthorized(request: Request, exc: Unauthorized) -> Response:
    return answer(request, 401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"})


def _workflow_error(request: Request, exc: sd.WorkflowError) -> Response:
    if isinstance(exc, sd.WrongRole):  # (the workflow's own check of the acting user)
        changed = _session_changed(request)
        if changed is not None:
            return changed
    for kind, status, code in _WORKFLOW_STATUS:
        if isinstance(exc, kind):
            return answer(request, status, code, str(exc))
    return answer(request, 422, "invalid", str(exc))  # pragma: no cover - WorkflowError last


#: a commit whose outcome is unknown (a keyed report's: resent with its key, it answers
#: the case if it landed, or makes it)
UNCERTAIN = "与数据库的连接在保存时中断，可能已保存：请用相同的上报编号重试，不会重复立案"
#: the same, of a report without a key (an Open311 POST with neither ``Idempotency-Key``
#: nor ``attribute[fixmystreet_id]``): a resend cannot be told from a new report
UNCERTAIN_UNKEYED = ("与数据库的连接在登记时中断，无法确定此上报是否已立案；它没有上报编号"
                     "（Idempotency-Key 或 attribute[fixmystreet_id]），直接重发可能重复立案：请先"
                     "按提交时间查询上报列表（GET /open311/v2/requests.json）或联系指挥中心，"
                     "核对此案是否已有，确认没有后再重新上报")


#: the same, of the other writes, by the path's last part: what a resend does there
UNCERTAIN_BY_PATH = (
    ("/answer", ("与数据库的连接在保存时中断，可能已保存：请重发同一答复（带同一版本号）；"
                 "若已保存，会答复此任务已答复，不会重复记录")),
    ("/orders", "与数据库的连接在保存时中断，可能已保存：请用相同的工单编号重发，不会重复立案"),
    ("/positions", "与数据库的连接在保存时中断，这些位置可能已保存：重发即可，重复的位置点不影响轨迹"),
    ("/duty", "与数据库的连接在保存时中断，上下班状态可能已保存：请重发；状态以最后一次为准"),
    ("/session", "与数据库的连接在保存时中断，登录或退出可能未完成：请再试一次"),
)


def _uncertain(request: Request, exc: sd.CommitUncertain) -> Response:
    """A keyed report's (``UNCERTAIN``), or another write's: what resending it does there
    (an unkeyed report is answered by ``intake``: ``UNCERTAIN_UNKEYED``)."""
    path = request.url.path.rstrip("/")
    message = next((text for end, text in UNCERTAIN_BY_PATH if path.endswith(end)),
                   UNCERTAIN)
    return answer(request, 503, "commit_uncertain", message, RETRY_LATER)


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    return answer(request, 422, "invalid", validation_message(exc.errors()))


def validation_message(errors) -> str:
    """「参数无效 — 字段：原因；…，请改正后重新提交」: the field by its name in the API,
    the reason in Chinese with the bound it broke (at most five fields)."""
    parts = []
    for err in list(errors)[:5]:
        kind = err.get("type", "")
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        if kind in ("json_invalid", "json_type"):
            where = "请求体"  # (its loc is the position of the fault, not a field)
        parts.append(f"{where or '请求'}：{_reason(kind, err.get('ctx') or {})}")
    return "参数无效 — " + "；".join(parts) + "，请改正后重新提交"


def _reason(kind: str, ctx: dict) -> str:
    template = _PYDANTIC_ZH.get(kind, "格式不对")
    values = {k: _bound(v) for k, v in ctx.items()}
    if "expected" in values:  # pydantic's "'normal' or 'urgent'"
        values["expected"] = values["expected"].replace(" or ", "、").replace(", ", "、")
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a bound pydantic did not give
        return template.split("{")[0].rstrip() or "格式不对"


def _bound(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _encoding_error(request: Request, exc: FormEncodingError) -> Response:
    return answer(request, 400, "invalid_encoding",
                  f"{exc.name} 不是 UTF-8 编码的文字：请按 UTF-8 编码后重新发送"
                  "（GBK 等请先转换），未保存任何内容")


#: FastAPI's answer to a body it could not read (a JSON body that is not UTF-8)
_UNREADABLE = "There was an error parsing the body"


#: Starlette's reasons for refusing a form (``MultiPartException``), in Chinese
_FORM_REASONS = (
    (re.compile(r"Missing boundary"),
     ("multipart/form-data 请求的 Content-Type 缺少 boundary（请由客户端库生成表单请求，不要手写"
      " Content-Type）")),
    (re.compile(r"Too many files\. Maximum number of files is (\d+)"), "文件过多，最多 {0} 个"),
    (re.compile(r"Too many fields\. Maximum number of fields is (\d+)"), "字段过多，最多 {0} 个"),
    (re.compile(r"exceeded maximum size of (\d+)KB"), "有一个字段超过 {0} KB"),
    (re.compile(r"Content-Disposition"), "表单的某一部分缺少字段名"),
)


def form_reason(detail: str) -> str:
    for pattern, reason in _FORM_REASONS:
        found = pattern.search(detail)
        if found:
            return reason.format(*found.groups())
    return "multipart/form-data 表单格式有误"


def _text_refused(request: Request, exc: TextRefused) -> Response:
    """A text the models' rules refuse at a flush (too long for its column, a NUL) that
    no route checked before: its Chinese message, not a 500."""
    return answer(request, 422, "invalid_text", f"{exc.message}，未保存任何内容：请改正后重新提交")


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's and FastAPI's own refusals, whose details are English: in Chinese,
    saying what to do."""
    status = exc.status_code
    if status == 400:
        message = ("请求体无法读取：JSON 须为 UTF-8 编码（GBK 等请先转换），未保存任何内容"
                   if exc.detail == _UNREADABLE else
                   f"表单无法读取：{form_reason(str(exc.detail))}，未保存任何内容")
        return answer(request, 400, "unreadable_body", message)
    headers = getattr(exc, "headers", None)
    if status == 404:
        message = "没有这个地址：请核对路径（接口说明见 /docs 与 docs/api.md）"
    elif status == 405:
        allow = (headers or {}).get("Allow", "")
        message = (f"此地址不支持 {request.method} 请求"
                   + (f"，请改用 {allow.replace(', ', ' 或 ')}" if allow else ""))
    else:
        message = f"{_MEANING.get(status, '请求无法处理')}（HTTP {status}）"
    return answer(request, status, "http_error", message, headers)


def unavailable(exc: BaseException) -> bool:
    """The database is away — the connection refused, lost, or ended by its shutdown —
    rather than refusing or failing: nothing was saved, the same request later may
    succeed (a COMMIT whose outcome is unknown is ``CommitUncertain`` instead)."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated
                                            or type(exc).__name__ == "OperationalError")


def log_unavailable(request: Request, exc: DBAPIError) -> None:
    """One line, the driver's exception's name: no SQL, no traceback."""
    log.warning("request %s: database unavailable: %s", _request_id(request),
                type(exc.orig).__name__)


def _database_error(request: Request, exc: SQLAlchemyError) -> Response:
    rid = _request_id(request)
    if unavailable(exc):
        log_unavailable(request, exc)
        return answer(request, 503, "database_unavailable", UNAVAILABLE, RETRY_LATER)
    if isinstance(exc, DBAPIError) and refused_by_rules(exc):
        changed = _session_changed(request)
        if changed is not None:
            return changed
        diag = getattr(exc.orig, "diag", None)
        log.warning("request %s: refused by the database's rules: %s", rid,
                    getattr(diag, "message_primary", None) or type(exc.orig).__name__)
        return answer(request, 403, "refused_by_database", REFUSED)
    log.error("request %s: database error", rid, exc_info=exc)
    return answer(request, 500, "server_error", f"服务器内部错误，已记录（请求编号 {rid}）")


def _session_changed(request: Request) -> Response | None:
    """The answer to a handset's request refused because its account changed before the
    notification that empties the kept grant arrived (``context.changed_session``)."""
    from .context import changed_session  # (context imports this module)

    changed = changed_session(request)
    if changed is None:
        return None
    log.info("request %s: refused: the handset's account changed before its notification "
             "arrived (%s)", _request_id(request), changed.code)
    return answer(request, changed.status, changed.code, changed.message, changed.headers)


def refused_by_rules(exc: DBAPIError) -> bool:
    """The database's own rules said no (``dberrors.DENIED``, as the seat classes it): a
    missing privilege or a row-level security policy (SQLSTATE 42501), or a trigger or
    function of the schema that raised (the trust triggers, the append-only ledger)."""
    problem = dberrors.explain(exc)
    return problem is not None and problem.kind == dberrors.DENIED


def _unexpected(request: Request, exc: Exception) -> Response:
    rid = _request_id(request)
    log.error("request %s: unexpected error", rid, exc_info=exc)
    return answer(request, 500, "server_error", f"服务器内部错误，已记录（请求编号 {rid}）")


def _request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "-")
