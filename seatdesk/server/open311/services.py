"""The service list and definitions: the minor classes of the configured edition.

``service_code`` is the class kind's initial and its code as a string (``C01001`` 部件,
``E01001`` 事件): component and event classes may share a code. ``group`` is the
major class. Every service declares one automated attribute, ``fixmystreet_id``: a
FixMyStreet-style client fills it with its own report id, and a second request with
the same value (a re-send after a timeout) returns the first case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from types import MappingProxyType

from sqlalchemy.orm import Session

from seatdesk.models import CaseClass
from seatdesk.models.enums import ClassKind
from seatdesk.workflow.casefacts import ClassFacts
from seatdesk.workflow.lookups import Lookups

from ..reference import configured_classes

PARTNER_ID_ATTRIBUTE = "fixmystreet_id"
PARTNER_ID_MAX = 100  # partner_requests.external_id
#: the 404 of a service code not in the list (a GET of its definition, a POST)
NOT_FOUND = ("没有 service_code 为「{code}」的服务：请从服务列表（GET /open311/v2/services.xml"
             " 或 .json）中选用 service_code")
_PREFIX = {ClassKind.COMPONENT: "C", ClassKind.EVENT: "E"}


def service_code(cls: CaseClass | ClassFacts) -> str:
    return _PREFIX.get(cls.kind, "X") + cls.code


def service_list(session: Session) -> list[dict]:
    return [_service(c) for c in configured_classes(session)]


def find_service(session: Session, code: str) -> CaseClass | None:
    for cls in configured_classes(session):
        if service_code(cls) == code:
            return cls
    return None


def service_class(lookups: Lookups, reading: Callable[[], AbstractContextManager[Session]],
                  code: str) -> ClassFacts | None:
    """The class behind a service code, from the process's cache of the service list
    while it is live (emptied by ``NOTIFY seatdesk_config`` when a class, an edition or
    the configured edition changes): every POST request looks its service up. Only a
    miss opens a session, ``reading()`` (the partner's: ``Workflow.reading``)."""

    def load() -> Mapping[str, ClassFacts]:
        with reading() as session:
            return MappingProxyType({service_code(c): ClassFacts.of(c)
                                     for c in configured_classes(session)})

    return lookups.get(("services",), load).get(code)


def _service(cls: CaseClass) -> dict:
    kind = ClassKind(cls.kind).label if cls.kind in ClassKind._value2member_map_ else cls.kind
    return {"service_code": service_code(cls), "service_name": cls.name,
            "description": f"{kind} · {cls.major_name} · {cls.name}", "metadata": True,
            "type": "realtime", "keywords": [kind, cls.major_name],
            "group": f"{kind}/{cls.major_name}"}


def definition(cls: CaseClass) -> dict:
    return {"service_code": service_code(cls), "attributes": [{
        "variable": False, "code": PARTNER_ID_ATTRIBUTE, "datatype": "string",
        "required": False, "datatype_description": "合作方自己的报告编号",
        "order": 1, "description": "合作方系统的报告编号：同一编号重发不会重复立案",
        "values": []}]}
