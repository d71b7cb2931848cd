"""POST requests: a partner's report becomes a case, exactly once.

Form-encoded (or multipart with ``media`` files, the v2.1 draft) as the specification
says. The case's source is the partner's (``online`` for a public reporting site by
default), its actor the partner's own account, its ledger seat ``Open311/<partner>``.
A re-sent report returns the first case: by the ``Idempotency-Key`` header, or by the
partner's own id (``attribute[fixmystreet_id]``) when the header is absent.

Everything a POST reads — the service's class (kept by the process's cache while its
NOTIFY listener is live), the road an ``address_string`` names or the centre's initial
view, a replayed request's token — is read as the partner (``wf.reading()`` of the
partner's workflow: its own login on PostgreSQL), like the registration itself; the
server's own login reads none of it (docs/security.md). A session is opened only when
something has to be read: a POST with coordinates whose service is kept reads nothing
before its registration.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from seatdesk.map.roads import road_in_text
from seatdesk.models import PartnerRequest, get_setting
from seatdesk.workflow import services as sd

from .. import intake
from ..errors import ApiError
from ..identity import DatabaseIdentity, Principal
from .services import NOT_FOUND, PARTNER_ID_ATTRIBUTE, service_class

DESCRIPTION_MAX = 4000
NO_PLACE = "（未提供坐标，位置待核实）"
ON_ROAD = "（未提供坐标，按地址中的道路「{road}」粗定位，位置待核实）"


@dataclass(frozen=True)
class NewRequest:
    service_code: str
    lat: str = ""
    long: str = ""
    address_string: str = ""
    description: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    media_url: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    idempotency_key: str = ""

    @property
    def external_id(self) -> str:
        return dict(self.attributes).get(PARTNER_ID_ATTRIBUTE, "").strip()


@dataclass(frozen=True)
class Prepared:
    """A POST's report, ready to register: through the partner's workflow, with its
    request row and key."""

    wf: sd.Workflow
    report: sd.Report
    request_row: dict
    key: str | None


def create(identity: DatabaseIdentity, partner: Principal, req: NewRequest,
           media: tuple[sd.AttachmentIn, ...]) -> tuple[sd.CaseChange, str]:
    """(the case change, the request's token), in one thread (``post_request`` goes
    through ``prepare``, ``intake.register_async`` and ``token_of`` itself)."""
    ready = prepare(identity, partner, req, media)
    # no duplicate search: the answer does not carry it; the seat's 受理 searches
    change = intake.register(identity, partner, ready.report, ready.key, duplicates=False,
                             request_row=ready.request_row)
    return change, token_of(ready, change)


def prepare(identity: DatabaseIdentity, partner: Principal, req: NewRequest,
            media: tuple[sd.AttachmentIn, ...]) -> Prepared:
    """The report a POST makes (refused here if it names no service the centre offers or
    no place): reads only on a cache miss or to place an address (changes nothing, so
    ``loop_or_thread`` may run it again in a thread)."""
    wf = identity.workflow(partner)  # every read below as the partner, like the registration
    cls = service_class(wf.lookups, wf.reading, req.service_code)
    if cls is None:
        raise ApiError(404, "service_not_found", NOT_FOUND.format(code=req.service_code))
    lon, lat, note = _where(wf, req)
    report = sd.Report(source=partner.source, lon=lon, lat=lat, address=req.address_string,
                       description=_description(req, note), class_id=cls.id,
                       caller_name=f"{req.last_name}{req.first_name}".strip()[:100],
                       caller_phone=req.phone[:40], callback_wanted=bool(req.phone),
                       attachments=media)
    request_row = {"partner_id": partner.partner_id, "token": secrets.token_hex(12),
                   "external_id": req.external_id or None, "service_code": req.service_code,
                   "media_url": req.media_url[:500]}
    return Prepared(wf, report, request_row, _key(partner, req))


def token_of(ready: Prepared, change: sd.CaseChange) -> str:
    """The request's token: the new one, or the first registration's for a replay (a
    read, as the partner)."""
    if not change.replayed:
        return ready.request_row["token"]
    with ready.wf.reading() as session:
        return session.scalar(select(PartnerRequest.token).where(
            PartnerRequest.case_id == change.case_id)) or ""


def _key(partner: Principal, req: NewRequest) -> str | None:
    if req.idempotency_key:
        return intake.intake_key("open311", partner.name, "idem", req.idempotency_key)
    if req.external_id:
        return intake.intake_key("open311", partner.name, "ext", req.external_id)
    return None


def _where(wf: sd.Workflow, req: NewRequest) -> tuple[float, float, str]:
    """Where the case goes, and the note that tells the seat it is only a first place
    (the roads and the initial view read as the partner: ``wf`` is the partner's)."""
    if req.lat or req.long:
        try:
            lat, lon = float(req.lat), float(req.long)
        except ValueError:
            raise ApiError(400, "bad_location", "lat 和 long 须为十进制的度数（如 lat=31.4255、"
                           "long=119.4805），未登记：请改正后重新提交") from None
        if not (math.isfinite(lat) and math.isfinite(lon)
                and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise ApiError(400, "bad_location", "lat 须在 -90 到 90 之间、long 须在 -180 到 180"
                           " 之间，未登记：请确认纬度、经度未填反后重新提交")
        if intake.outside_city(wf, lon, lat):  # (0, 0), lat and long swapped …
            raise ApiError(400, "outside_city", intake.OUTSIDE_CITY.format(lon=lon, lat=lat))
        return lon, lat, ""
    if not req.address_string.strip():
        raise ApiError(400, "missing_location", "缺少位置，未登记：请填写 lat 和 long（WGS84），"
                       "或 address_string 后重新提交")
    with wf.reading() as session:
        road = road_in_text(session, req.address_string)
        if road is not None:  # on the road the address names, for the seat to place exactly
            return road.lon, road.lat, ON_ROAD.format(road=road.name)
        view = get_setting(session, "initial_view")
    return float(view["lon"]), float(view["lat"]), NO_PLACE


def _description(req: NewRequest, note: str) -> str:
    text = req.description.strip()
    if len(text) > DESCRIPTION_MAX:
        raise ApiError(400, "description_too_long", f"description 超过 {DESCRIPTION_MAX} 个字，"
                       "未登记：请删减后重新提交")
    if req.media_url:
        text += f"\n照片链接：{req.media_url}"
    return f"{text}\n{note}".strip() if note else text
