"""``/field/app``: the reference field web client (resources/field_app), a small
offline-capable page for a supervisor's phone browser.

Served with a strict Content-Security-Policy (only this server's scripts, no inline
script) and ``no-cache`` on the service worker and the page, so a new version reaches
the phones at their next start.

A ``Range`` header (RFC 9110, 14.2) is read here before Starlette's file response sees
it, which answered a malformed one with an English plain-text 400: one the server does
not understand — another unit, not the syntax (``bytes=abc``), a last byte before the
first (``bytes=9-1``) — is ignored and the whole file answered (200), as the RFC allows
(and for another unit requires); a valid one of which no range lies within the file
(``bytes=99999999-``) is a 416 ``range_not_satisfiable`` in the handsets' error format,
in Chinese, with ``Content-Range: bytes */<size>``.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers

from seatdesk.models.db import ROOT

from .errors import answer

APP_DIR = ROOT / "resources" / "field_app"
CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
       "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


#: one range-spec of RFC 9110, 14.1.1: an int-range (first-last, last optional) or a
#: suffix-range (-length); no white space within it
_RANGE_SPEC = re.compile(r"(\d+)-(\d*)|-(\d+)")
RANGE_UNSATISFIABLE = ("请求的字节范围不在文件之内（文件共 {size} 字节）：请去掉 Range 请求头重新获取"
                       "整个文件，或只请求 0 到 {last} 之间的字节")


def byte_ranges(header: str) -> list[tuple[int | None, int | None]] | None:
    """A ``Range`` header's range-specs, ``(first, last)`` (``last`` None: to the end)
    or ``(None, length)`` for a suffix; None for one the server does not understand:
    another unit, not the syntax, a last byte before its first, no range at all."""
    unit, equals, specs = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    ranges: list[tuple[int | None, int | None]] = []
    for part in specs.split(","):
        part = part.strip()
        if not part:  # an empty list element (RFC 9110, 5.6.1)
            continue
        found = _RANGE_SPEC.fullmatch(part)
        if found is None:
            return None
        if found[3] is not None:
            ranges.append((None, int(found[3])))
            continue
        first, last = int(found[1]), int(found[2]) if found[2] else None
        if last is not None and last < first:
            return None
        ranges.append((first, last))
    return ranges or None


def _ranged(response: FileResponse, scope) -> Response | None:
    """The 416 for a ``Range`` none of whose ranges lies within the file; None to answer
    ``response``, after taking out of ``scope`` a ``Range`` to be ignored (not
    understood, or some of its ranges outside the file, which Starlette would refuse
    whole): the whole file then."""
    headers = Headers(scope=scope)
    header = headers.get("range")
    if header is None or response.status_code != 200:
        return None
    if_range = headers.get("if-range")
    size = response.stat_result.st_size
    ranges = byte_ranges(header)
    inside = [r for r in ranges or () if (r[1] > 0 if r[0] is None else r[0] < size)]
    if ranges and not inside and size and (
            if_range is None or if_range in (response.headers.get("etag"),
                                             response.headers.get("last-modified"))):
        return answer(Request(scope), 416, "range_not_satisfiable",
                      RANGE_UNSATISFIABLE.format(size=size, last=size - 1),
                      {"Content-Range": f"bytes */{size}"})
    if ranges is None or len(inside) < len(ranges) or not size:
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"range"]
    return None


class _AppFiles(StaticFiles):
    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        if isinstance(response, FileResponse):
            response = _ranged(response, scope) or response
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        if path in ("", ".", "index.html", "sw.js"):
            response.headers["Cache-Control"] = "no-cache"
        return response


class FieldApp:
    def __init__(self, directory: Path = APP_DIR):
        self.directory = directory

    def mount(self, app: FastAPI) -> None:
        @app.get("/field/app", include_in_schema=False)
        def field_app_root() -> RedirectResponse:
            return RedirectResponse("/field/app/")

        app.mount("/field/app", _AppFiles(directory=self.directory, html=True), name="field-app")
