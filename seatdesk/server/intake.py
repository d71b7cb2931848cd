"""Registering a report from outside, exactly once, through the workflow's own
``register`` (rules, roles, ledger, NOTIFY; the duplicate search for a handset, whose
answer lists the candidates — a partner's answer does not, so its report is searched
where a seat decides on it, at 受理).

Every channel's idempotency key goes through the same mechanism — ``cases.intake_key``,
unique in the database — namespaced by who sent it, so two partners (or two
supervisors) can never collide: ``field:<user id>:<report id>``,
``open311:<partner>:idem:<Idempotency-Key>``, ``open311:<partner>:ext:<own id>``,
``12345:<partner>:<order no>``.

A point outside the city — a handset's GPS not fixed yet (0, 0), a partner's swapped
lat/long — is told apart here (``outside_city``): the handset and Open311 refuse it, so
the supervisor or the partner's user places it again. A 12345 work order is the
government platform's and is taken wherever it points (the seat places it, as any case
outside every grid cell).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
from collections.abc import Callable, Iterator

from fastapi.concurrency import run_in_threadpool

from seatdesk.data.city_profile import outside
from seatdesk.models import get_setting
from seatdesk.workflow import services as sd
from seatdesk.workflow.registration import INTAKE_KEY_MAX, OnRegistered

from .errors import UNCERTAIN_UNKEYED, ApiError
from .identity import DatabaseIdentity, Principal


def intake_key(*parts: str) -> str:
    """Join the parts; a key longer than the column is shortened by a digest of its tail
    (still unique, still the same for the same parts)."""
    key = ":".join(parts)
    if len(key) <= INTAKE_KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return key[:INTAKE_KEY_MAX - 33] + "~" + digest


def register(identity: DatabaseIdentity, principal: Principal, report: sd.Report,
             key: str | None, on_registered: OnRegistered | None = None, *,
             duplicates: bool = True, request_row: dict | None = None) -> sd.CaseChange:
    """``register`` as ``principal`` with the idempotency key ``key`` (None: none);
    ``duplicates=False`` for a caller whose answer does not list the candidates;
    ``request_row``: a partner's request, written with the case.

    A connection lost once the rows were sent (``CommitUncertain``) leaves it unknown
    whether the case was made: with a key the same request resent answers that case or
    makes it (503 ``commit_uncertain``, ``errors.UNCERTAIN``); without one a resend could
    make a second case, so the answer says to look for it first (``UNCERTAIN_UNKEYED``)
    and carries no ``Retry-After``."""
    report = dataclasses.replace(report, intake_key=key)
    with _uncertain_unkeyed(key):
        return sd.register(identity.workflow(principal), principal.actor, report,
                           on_registered=on_registered, duplicates=duplicates,
                           request_row=request_row)


@contextlib.contextmanager
def _uncertain_unkeyed(key: str | None) -> Iterator[None]:
    """``CommitUncertain`` of a report without a key: 503 ``UNCERTAIN_UNKEYED``."""
    try:
        yield
    except sd.CommitUncertain as exc:
        if key is not None:
            raise
        raise ApiError(503, "commit_uncertain", UNCERTAIN_UNKEYED) from exc


async def register_async(identity: DatabaseIdentity, principal: Principal, report: sd.Report,
                         key: str | None, *, duplicates: bool = True,
                         request_row: dict | None = None,
                         check: Callable[[sd.Workflow], None] | None = None
                         ) -> sd.CaseChange:
    """``register`` from the event loop (``sd.register_async``: a text report's statements
    without a thread while the process's caches are warm, ``workflow/loop.py``), the same
    answers; ``check(wf)``, the caller's own checks with the principal's workflow, first
    (a refusal registers nothing)."""

    def principal_workflow() -> sd.Workflow:
        wf = identity.workflow(principal)
        if check is not None:
            check(wf)
        return wf

    wf = await sd.loop_or_thread(run_in_threadpool, principal_workflow)
    with _uncertain_unkeyed(key):
        return await sd.register_async(wf, principal.actor,
                                       dataclasses.replace(report, intake_key=key),
                                       blocking=run_in_threadpool, duplicates=duplicates,
                                       request_row=request_row)


#: a handset's or partner's point outside the city, refused (nothing registered)
OUTSIDE_CITY = "位置（经度 {lon:.6f}，纬度 {lat:.6f}）不在本市范围内，未登记：请确认定位后重新上报"


def outside_city(wf: sd.Workflow, lon: float, lat: float) -> bool:
    """Whether (``lon``, ``lat``) lies outside the city's extent: the ``city_extent``
    setting, the bounding box the grid import checks cells against (``None`` switches the
    check off). Read through ``wf``, the principal's (as their login), and kept in the
    process's reference cache while its listener is live (emptied by ``NOTIFY
    seatdesk_config`` when a setting changes): not a read per report. Within the extent,
    a point outside every grid cell is still a report (the seat places it:
    ``casefacts.place_case``)."""
    extent = wf.lookups.get(("setting", "city_extent"), functools.partial(_extent, wf))
    return outside((lon, lat, lon, lat), extent)


def _extent(wf: sd.Workflow) -> tuple[float, float, float, float] | None:
    with wf.reading() as session:
        value = get_setting(session, "city_extent")
    return tuple(float(v) for v in value) if value else None
