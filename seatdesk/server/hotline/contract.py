"""The JSON contract of an inbound 12345 work order (工单, GB/T 33358-2016) and of
the callbacks sent back. docs/api.md shows both with examples."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..fields import line, text

Short = line(100)


class OrderAttachment(BaseModel):
    filename: line(200) = "attachment"
    content_base64: Annotated[str, Field(min_length=1, max_length=12_000_000)]


class WorkOrderIn(BaseModel):
    """一张 12345 工单."""

    order_no: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                   description="工单编号")]
    content: text(4000, min_length=1, description="诉求内容")
    caller_name: Short = Field(default="", description="来电人")
    caller_phone: line(40) = Field(default="", description="联系电话")
    address: line(300) = Field(default="", description="事发地址")
    lon: Annotated[float, Field(ge=-180, le=180)] | None = Field(default=None,
                                                                 description="经度 WGS84")
    lat: Annotated[float, Field(ge=-90, le=90)] | None = Field(default=None,
                                                               description="纬度 WGS84")
    category: line(40) = Field(default="", description="12345 诉求分类代码")
    urgency: Literal["normal", "urgent"] = Field(default="normal", description="紧急程度")
    due_at: dt.datetime | None = Field(default=None, description="办理时限（带时区）")
    callback_wanted: bool = Field(default=True, description="需要回访")
    attachments: Annotated[list[OrderAttachment], Field(max_length=9)] = []


class OrderTaken(BaseModel):
    order_no: str
    case_id: int
    case_number: str
    state: str
    replayed: bool


class OrderEvent(BaseModel):
    event_id: str
    event: str
    at: dt.datetime
    delivered: bool


class OrderStatus(BaseModel):
    order_no: str
    case_number: str
    state: str
    state_label: str
    events: list[OrderEvent]


class CallbackAttachment(BaseModel):
    filename: str
    mime_type: str
    sha256: str
    content_base64: str


class Callback(BaseModel):
    """What the centre POSTs to the 12345 platform (at least once; dedupe by event_id)."""

    event_id: str = Field(description="工单编号#台账序号，重发时不变")
    event: str = Field(description="accepted 受理 / returned 退单 / merged 合并 / extended 延期 / "
                                   "finished 办结 / callback 回访")
    order_no: str
    case_number: str
    at: dt.datetime
    state: str
    state_label: str
    reason: str = ""
    result: str = ""
    deadline_at: dt.datetime | None = None
    satisfaction: str = ""
    attachments: list[CallbackAttachment] = []
