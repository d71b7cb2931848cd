"""ASGI middleware: a request id, the access log (who, what, how long), the body limit and
a NUL byte in the address refused.

Every request is logged once on ``seatdesk.server.access`` with the partner or user that
made it (``field:jiandu``, ``partner:fms``, ``-`` before authentication), the client
address, the status and the time taken. A body larger than the limit is refused with
413 before it is read (``Content-Length``) or as soon as it grows past it (chunked) — in
Chinese with the limit, and under ``/open311/`` as the specification's list of errors (XML
or JSON by the path's suffix), as every other Open311 refusal.
"""

from __future__ import annotations

import logging
import secrets
import time

from fastapi.responses import JSONResponse

from .open311 import formats

access_log = logging.getLogger("seatdesk.server.access")
MIB = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class RequestLog:
    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.max_body = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = secrets.token_hex(6)  # 12 hex digits, as uuid4().hex[:12] gave, cheaper
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started, status = time.perf_counter(), [0]

        async def send_logged(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            if self._declared_size(scope) > self.max_body:
                await self._refuse(scope, send_logged)
            elif "\x00" in scope["path"] or b"%00" in scope["query_string"]:
                await self._refuse(scope, send_logged, 400, "bad_characters", NUL_IN_URL)
            else:
                await self.app(scope, self._counting(receive), send_logged)
        except BodyTooLarge:
            if status[0] == 0:
                await self._refuse(scope, send_logged)
        finally:
            self._log(scope, state, status[0], time.perf_counter() - started)

    async def _refuse(self, scope, send, status: int = 413, code: str = "too_large",
                      message: str | None = None) -> None:
        path, message = scope["path"], message or too_large_message(self.max_body)
        if path.startswith("/open311/"):
            response = formats.errors(formats.fmt_of(path), status, message)
        else:
            response = JSONResponse({"error": {"code": code, "message": message}}, status)
        await send({"type": "http.response.start", "status": status,
                    "headers": list(response.raw_headers)})
        await send({"type": "http.response.body", "body": response.body})

    def _counting(self, receive):
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge()
            return message

        return counted

    @staticmethod
    def _declared_size(scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    @staticmethod
    def _log(scope, state, status: int, seconds: float) -> None:
        client = scope.get("client") or ("-", 0)
        principal = state.get("principal", "-")
        access_log.info("%s %s %s %d %.1fms %s rid=%s", client[0], scope["method"],
                        scope["path"], status, seconds * 1000, principal, state["request_id"],
                        extra={"principal": principal, "request_id": state["request_id"],
                               "status": status, "path": scope["path"]})


#: a NUL byte in the path or the query: no id, code, token or filter has one, and
#: PostgreSQL cannot compare text with one (it answered 500 from five reads)
NUL_IN_URL = "请求地址含有不可见的空字符（%00），未处理：请删去后重新发送"


def too_large_message(limit: int) -> str:
    size = f"{limit // MIB} MB" if limit >= MIB else f"{max(1, limit // 1024)} KB"
    return f"请求过大：整个请求不能超过 {size}，未保存任何内容；请减少或压缩照片后重新发送"

