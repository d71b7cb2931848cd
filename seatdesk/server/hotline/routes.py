"""``/hotline12345/v1``: a 12345 work order becomes a case (source: the partner's, by
default 市长热线/12345), once per order number; its status can be asked for."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated

from fastapi import Depends, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CallbackOutbox, Case, WorkOrder, get_setting
from seatdesk.workflow import services as sd
from seatdesk.workflow.states import state_label

from .. import intake, uploads
from ..context import Ctx, ServerContext, partner_for
from ..errors import ApiError, documented
from ..identity import Principal
from ..routing import PrefixedRouter
from .contract import OrderEvent, OrderStatus, OrderTaken, WorkOrderIn

router = PrefixedRouter(prefix="/hotline12345/v1", tags=["12345 工单 /hotline12345/v1"],
                        responses=documented(403, 404, 413, 415, 422, 429, 503))
Hotline = Annotated[Principal, Depends(partner_for("hotline12345"))]
NO_PLACE = "（工单未提供坐标，位置待核实）"


@router.post("/orders", status_code=201, response_model=OrderTaken,
             responses={200: {"model": OrderTaken, "description": "同一工单编号已受理（重发）"}})
def post_order(order: WorkOrderIn, partner: Hotline, ctx: Ctx) -> JSONResponse:
    """接收工单: the work order becomes a case (待受理) with its number in the description."""
    media = tuple(_attachment(a.filename, a.content_base64, ctx) for a in order.attachments)
    change = _register(ctx, partner, order, media)
    taken = OrderTaken(order_no=order.order_no, case_id=change.case_id,
                       case_number=change.number, state=change.new_state,
                       replayed=change.replayed)
    return JSONResponse(taken.model_dump(mode="json"), 200 if change.replayed else 201)


def _register(ctx: ServerContext, partner: Principal, order: WorkOrderIn, media):
    """The order registered as the partner (``intake.register``: the workflow's own
    registration, its transactions as the partner's login), with nothing read before it
    but, for an order without coordinates, the centre's initial view — read as the
    partner too (the intake login reads no such setting), in the one session opened for
    it. An order with coordinates opens no session of its own (as an Open311 POST)."""
    if _placed(order):
        lon, lat = order.lon, order.lat
    else:
        with ctx.session(partner) as session:
            lon, lat = _centre(session)
    text = order.content.strip() + f"\n12345工单：{order.order_no}"
    report = sd.Report(source=partner.source, lon=lon, lat=lat, address=order.address,
                       description=text if _placed(order) else f"{text}\n{NO_PLACE}",
                       urgency=order.urgency, caller_name=order.caller_name,
                       caller_phone=order.caller_phone, callback_wanted=order.callback_wanted,
                       attachments=media)

    def keep(session: Session, change: sd.CaseChange) -> None:
        session.add(WorkOrder(partner_id=partner.partner_id, order_no=order.order_no,
                              case_id=change.case_id, category=order.category,
                              due_at=_aware(order.due_at), received_at=change.at,
                              payload=order.model_dump_json(exclude={"attachments"})))

    key = intake.intake_key("12345", partner.name, order.order_no)
    # no duplicate search: the answer does not carry it; the seat's 受理 searches
    return intake.register(ctx.identity, partner, report, key, keep, duplicates=False)


def _placed(order: WorkOrderIn) -> bool:
    return order.lon is not None and order.lat is not None


def _centre(session: Session) -> tuple[float, float]:
    view = get_setting(session, "initial_view")
    return float(view["lon"]), float(view["lat"])


def _attachment(filename: str, encoded: str, ctx: ServerContext) -> sd.AttachmentIn:
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "bad_attachment",
                       f"附件 {uploads.label(filename)} 不是有效的 base64") from None
    try:
        return uploads.photo(data, filename, ctx.config.max_photo_bytes)
    except ApiError as not_photo:
        try:
            return uploads.voice(data, filename, ctx.config.max_audio_bytes)
        except ApiError as not_voice:
            if not_photo.status == not_voice.status == 415:  # neither: say so, not "no recording"
                raise ApiError(415, not_voice.code,
                               f"附件 {uploads.label(filename)} 既不是可识别的照片（JPEG/PNG/WebP）"
                               "，也不是可识别的录音，未受理：请检查文件后重新推送") from None
            raise


@router.get("/orders/{order_no}", response_model=OrderStatus)
async def get_order(order_no: Annotated[str, Path(max_length=64)], partner: Hotline,
                    ctx: Ctx) -> OrderStatus:
    """工单状态: the case's state and the callbacks queued for it (delivered or not)."""
    found = await run_in_threadpool(_status, ctx, partner, order_no)
    if found is None:
        raise ApiError(404, "not_found",
                       f"没有工单 {order_no}：请核对工单编号（只能查询本平台推送过的工单）")
    return found


def _status(ctx: ServerContext, partner: Principal, order_no: str) -> OrderStatus | None:
    """The order and its case read as the partner; the callbacks queued for it from the
    outbox, the server's own bookkeeping (no group reads it but the administrators')."""
    with ctx.session(partner) as session:
        row = session.execute(select(WorkOrder.id, Case.number, Case.state)
                              .join(Case, Case.id == WorkOrder.case_id)
                              .where(WorkOrder.partner_id == partner.partner_id,
                                     WorkOrder.order_no == order_no)).first()
    if row is None:
        return None
    with ctx.session() as session:
        events = session.execute(select(CallbackOutbox).where(
            CallbackOutbox.work_order_id == row.id).order_by(CallbackOutbox.id)).scalars().all()
        return OrderStatus(order_no=order_no, case_number=row.number, state=row.state,
                           state_label=state_label(row.state),
                           events=[OrderEvent(event_id=e.event_id, event=e.event,
                                              at=e.created_at, delivered=e.delivered_at is not None)
                                   for e in events])


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


