"""核实 and 核查 tasks: the list, push (long-poll and server-sent events), the answer
with photos, and the photos of a task's case."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from seatdesk.workflow import services as sd

from .. import task_reads, uploads
from ..context import Ctx, FieldUser, ServerContext, still_signed_in
from ..errors import (
    BINARIES,
    ApiError,
    log_unavailable,
    multipart_schema,
    unavailable,
    validation_message,
)
from ..fields import text
from ..forms import read_form
from ..identity import Principal
from ..task_reads import Answered, Task

router = APIRouter(tags=["城管通 /field/v1"])


class TaskList(BaseModel):
    etag: str
    tasks: list[Task]


def _etag(tasks: list[Task]) -> str:
    material = json.dumps([(t.case_id, t.version, t.mine) for t in tasks])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _list(ctx: ServerContext, me: Principal) -> TaskList:
    with ctx.session(me) as session:
        tasks = task_reads.tasks_for(session, me)
    return TaskList(etag=_etag(tasks), tasks=tasks)


@router.get("/tasks", response_model=TaskList)
async def list_tasks(me: FieldUser, ctx: Ctx,
                     wait: Annotated[float, Query(ge=0, le=60)] = 0,
                     etag: Annotated[str, Query(max_length=64)] = "") -> TaskList:
    """我的核实/核查任务 — mine and those open to every supervisor (the pool). With
    ``wait`` and the ``etag`` last seen, answers only when the list changed or the wait
    ran out (long-poll). The list is read again before it is answered: a wait that runs
    out while the database is away answers 503 ``database_unavailable``, as any read then
    — the list read before the outage may be stale (the feed hears nothing meanwhile),
    and the field app keeps what it shows and asks again (docs/api.md, "When the database
    restarts")."""
    deadline = time.monotonic() + min(wait, ctx.config.long_poll_max_s)
    while True:
        seen = ctx.feed.generation if ctx.feed else 0
        found = await run_in_threadpool(_list, ctx, me)
        left = deadline - time.monotonic()
        if found.etag != etag or left <= 0 or ctx.feed is None or ctx.feed.closing:
            return found  # (closing: the server is stopping, feed.py)
        await ctx.feed.wait(left, seen)


@router.get("/tasks/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "event: tasks, data: TaskList JSON"}})
async def stream_tasks(request: Request, me: FieldUser, ctx: Ctx) -> StreamingResponse:
    """The task list pushed as server-sent events (``event: tasks``) whenever it changes.
    While the database is away (restarting) the stream stays open with keep-alives: it
    reads the list again when the feed is back (its reconnection wakes every waiter).
    It ends when the token does — signed out, revoked, expired, or its password to be
    changed first — checked at every turn (a change, or a keep-alive at the latest): a
    browser's EventSource then reconnects into the 401 or 403 the app acts on."""

    async def events():
        last, away, first = "", False, True
        while not (ctx.feed and ctx.feed.closing) and not await request.is_disconnected():
            if not first and not await still_signed_in(request, ctx):
                return
            first = False
            seen = ctx.feed.generation if ctx.feed else 0
            try:
                found = await run_in_threadpool(_list, ctx, me)
            except SQLAlchemyError as exc:
                # the 200 has gone out: an error would cut the stream mid-chunk, and a
                # browser's EventSource that reconnects into a 503 gives up for good
                if not unavailable(exc):
                    raise
                if not away:  # one line per outage, not one per keep-alive
                    log_unavailable(request, exc)
                found, away = None, True
            else:
                away = False
            if found is not None and found.etag != last:
                last = found.etag
                yield f"event: tasks\ndata: {found.model_dump_json()}\n\n"
            keepalive = ctx.config.sse_keepalive_s
            changed = await ctx.feed.wait(keepalive, seen) if ctx.feed else False
            if not changed:
                yield ": keep-alive\n\n"
                if ctx.feed is None:
                    await asyncio.sleep(ctx.config.sse_keepalive_s)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


class Answer(BaseModel):
    version: int = Field(ge=1, description="任务列表中的案卷版本")
    result: Literal["confirmed", "refuted", "pass", "fail"] = Field(
        description="核实：confirmed 属实 / refuted 不属实；核查：pass 通过 / fail 不通过")
    note: text(2000) = ""


@router.post("/tasks/{case_id}/answer", response_model=Answered, responses={
    409: {"description": "案卷已被他人处理或状态已变"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": Answer.model_json_schema()},
        "multipart/form-data": {"schema": multipart_schema(Answer, photos=BINARIES)}}}})
async def answer_task(case_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request,
                      me: FieldUser, ctx: Ctx) -> Answered:
    """核实回复 / 核查结果 with photos. An answer sent twice (offline retry) is reported
    as ``already`` instead of a conflict."""
    body, photos = await _read_answer(request, ctx)
    return await run_in_threadpool(task_reads.answer, ctx.identity, me, case_id, body.version,
                                   body.result, body.note, tuple(photos))


async def _read_answer(request: Request, ctx: Ctx) -> tuple[Answer, list[sd.AttachmentIn]]:
    ctype = request.headers.get("content-type", "")
    cfg = ctx.config
    try:
        if ctype.startswith("application/json"):
            return Answer.model_validate_json(await request.body()), []
        if ctype.startswith("multipart/form-data"):
            async with read_form(request, max_files=cfg.max_photos + 1,
                                      max_fields=20) as form:
                items = form.multi_items()
                body = Answer.model_validate({k: v for k, v in items if isinstance(v, str)})
                files = [v for k, v in items if k == "photos" and isinstance(v, UploadFile)]
                if len(files) > cfg.max_photos:
                    raise ApiError(413, "too_many_files", f"最多 {cfg.max_photos} 张照片")
                photos = [uploads.photo(await f.read(cfg.max_photo_bytes + 1), f.filename or "",
                                        cfg.max_photo_bytes) for f in files]
            return body, photos
    except ValidationError as exc:
        raise ApiError(422, "invalid", validation_message(exc.errors())) from None
    raise ApiError(415, "unsupported_media_type", "请以 JSON 或 multipart/form-data 提交")


@router.get("/attachments/{attachment_id}", response_class=Response, responses={
    200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}, "audio/mpeg": {}}}})
def get_attachment(attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)], me: FieldUser,
                   ctx: Ctx) -> Response:
    """A photo of one of my tasks' cases (or of a case I reported)."""
    with ctx.session(me) as session:
        found = task_reads.attachment_for(session, me, attachment_id)
    if found is None:
        raise ApiError(404, "not_found", "没有这个附件，或它不属于你的任务和上报：请刷新任务列表")
    mime, content = found
    return Response(content, media_type=mime, headers={"Cache-Control": "private, max-age=86400",
                                                      "X-Content-Type-Options": "nosniff"})
