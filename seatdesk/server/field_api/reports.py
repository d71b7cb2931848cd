"""问题上报: a supervisor's patrol report with photos and a voice note, exactly once.

``POST /field/v1/reports`` takes JSON (no media) or ``multipart/form-data`` (the same
fields, ``photos`` up to the configured count, one ``voice``). ``report_id`` is made by
the handset when the report is written, so a retry, a resumed upload or an offline
batch sent twice returns the first case (200, ``replayed: true``) instead of a second
one (201).
"""

from __future__ import annotations

import functools
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from seatdesk.models.enums import CaseSource
from seatdesk.workflow import services as sd

from .. import intake, uploads
from ..context import Ctx, FieldUser, context_of
from ..errors import BINARIES, BINARY, ApiError, multipart_schema, validation_message
from ..fields import line, text
from ..forms import read_form

router = APIRouter(tags=["城管通 /field/v1"])
ReportId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Text = text(2000)


class FieldReport(BaseModel):
    report_id: ReportId = Field(
        description="手持端生成的上报编号（UUID）；重发同一编号不会重复立案")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    class_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    description: Text = ""
    address: line(300) = ""
    urgency: Literal["normal", "urgent"] = "normal"
    component_code: Annotated[str, Field(pattern=r"^[0-9]{16,17}$")] | None = None


class Duplicate(BaseModel):
    case_id: int
    number: str
    score: float
    explanation: str


class ReportTaken(BaseModel):
    case_id: int
    number: str
    state: str
    version: int
    replayed: bool
    photos: int
    duplicates: list[Duplicate]


@router.post(
    "/reports", status_code=201, response_model=ReportTaken,
    responses={200: {"model": ReportTaken, "description": "同一上报编号已立案（重发）"},
               413: {"description": "文件过大"}, 415: {"description": "文件类型不对"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": FieldReport.model_json_schema()},
        "multipart/form-data": {"schema": multipart_schema(
            FieldReport, photos=BINARIES, voice=BINARY)}}}})
async def post_report(request: Request, me: FieldUser) -> JSONResponse:
    """问题上报 with photos (JPEG/PNG/WebP) and a voice note; once per ``report_id``."""
    ctx = context_of(request)  # not a dependency: one fewer to resolve per report
    body, media = await _read(request, ctx)
    report = sd.Report(source=CaseSource.PATROL, lon=body.lon, lat=body.lat,
                       address=body.address, description=body.description,
                       class_id=body.class_id, urgency=body.urgency,
                       component_code=body.component_code, attachments=tuple(media))
    key = intake.intake_key("field", str(me.user_id), body.report_id)
    change = await intake.register_async(ctx.identity, me, report, key,
                                         check=functools.partial(_in_city, report))
    # ``ReportTaken``'s fields, built as the JSON they become (a model built and dumped
    # again for every report cost CPU and checked nothing: every value is typed here)
    taken = {"case_id": change.case_id, "number": change.number, "state": change.new_state,
             "version": change.version, "replayed": change.replayed, "photos": len(media),
             "duplicates": [{"case_id": d.case_id, "number": d.number, "score": float(d.score),
                             "explanation": d.explanation} for d in change.duplicates[:5]]}
    return JSONResponse(taken, 200 if change.replayed else 201)


def _in_city(report: sd.Report, wf: sd.Workflow) -> None:
    """A point outside the city (a GPS fix not yet made, (0, 0)) is refused and nothing
    registered — the field app keeps the report in its outbox with the message, for the
    supervisor to place and send."""
    if intake.outside_city(wf, report.lon, report.lat):
        raise ApiError(422, "outside_city",
                       intake.OUTSIDE_CITY.format(lon=report.lon, lat=report.lat))


async def _read(request: Request, ctx: Ctx) -> tuple[FieldReport, list[sd.AttachmentIn]]:
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("application/json"):
            return FieldReport.model_validate_json(await request.body()), []
        if ctype.startswith("multipart/form-data"):
            return await _read_multipart(request, ctx)
    except ValidationError as exc:
        raise ApiError(422, "invalid", validation_message(exc.errors())) from None
    raise ApiError(415, "unsupported_media_type", "请以 JSON 或 multipart/form-data 上报")


async def _read_multipart(request: Request, ctx: Ctx):
    cfg = ctx.config
    async with read_form(request, max_files=cfg.max_photos + 1, max_fields=40) as form:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        body = FieldReport.model_validate({k: v for k, v in fields.items() if v != ""})
        photos = [v for k, v in form.multi_items() if k == "photos" and isinstance(v, UploadFile)]
        voices = [v for k, v in form.multi_items() if k == "voice" and isinstance(v, UploadFile)]
        if len(photos) > cfg.max_photos or len(voices) > 1:
            raise ApiError(413, "too_many_files", f"最多 {cfg.max_photos} 张照片和 1 段录音")
        photo_max, audio_max = cfg.max_photo_bytes, cfg.max_audio_bytes
        media = [uploads.photo(await _take(p, photo_max), p.filename or "", photo_max)
                 for p in photos]
        media += [uploads.voice(await _take(v, audio_max), v.filename or "", audio_max)
                  for v in voices]
    return body, media


async def _take(upload: UploadFile, limit: int) -> bytes:
    """At most ``limit + 1`` bytes: enough to tell that a file is too large."""
    return await upload.read(limit + 1)
