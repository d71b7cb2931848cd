"""Open311's two wire formats: XML (required) and JSON, chosen by the path's suffix.

Codes and ids are always strings; booleans are ``true``/``false`` in XML; datetimes are
W3C with the centre's time-zone offset. A list nests as ``<plural><singular>…``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from xml.etree import ElementTree as ET

from fastapi.responses import Response

XML, JSON = "xml", "json"
MEDIA = {XML: "application/xml; charset=utf-8", JSON: "application/json"}
#: list element → item element
SINGULAR = {
    "services": "service", "attributes": "attribute", "values": "value", "keywords": "keyword",
    "endpoints": "endpoint", "formats": "format", "service_requests": "request",
    "errors": "error", "service_request_updates": "request_update",
}


def fmt_of(path: str) -> str:
    return XML if path.endswith(".xml") else JSON


def w3c(moment: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(tz).isoformat(timespec="seconds")


def render(fmt: str, root: str, items: Iterable[dict], status: int = 200) -> Response:
    """A list response: JSON array, or ``<root><item>…</item></root>``."""
    items = list(items)
    if fmt == JSON:
        body = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
        return Response(body, status_code=status, media_type=MEDIA[JSON])
    element = ET.Element(root)
    for item in items:
        _fill(ET.SubElement(element, SINGULAR[root]), item)
    return _xml_response(element, status)


def render_object(fmt: str, root: str, item: dict, status: int = 200) -> Response:
    """A single-object response (discovery, service definition)."""
    if fmt == JSON:
        body = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        return Response(body, status_code=status, media_type=MEDIA[JSON])
    element = ET.Element(root)
    _fill(element, item)
    return _xml_response(element, status)


def errors(fmt: str, status: int, description: str) -> Response:
    return render(fmt, "errors", [{"code": status, "description": description}], status)


def _xml_response(element: ET.Element, status: int) -> Response:
    body = ET.tostring(element, encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>' + body, status_code=status,
                    media_type=MEDIA[XML])


def _fill(element: ET.Element, item: dict) -> None:
    for key, value in item.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                sub = ET.SubElement(child, SINGULAR.get(key, "item"))
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = _text(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


#: characters an XML 1.0 document cannot hold, even escaped (a NUL in a path a client
#: sent, echoed in an error): each becomes U+FFFD so the document still parses
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))
