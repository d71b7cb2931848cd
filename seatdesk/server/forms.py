"""Form bodies whose text is what the sender wrote, or refused.

A form-encoded body (``application/x-www-form-urlencoded``) is read as the WHATWG URL
standard's form parser reads it, without Starlette's streaming parser.

Fields are split at ``&`` (empty ones skipped), the name runs to the first ``=`` (a field
without one has the value ``""``), ``+`` is a space, and each part's bytes — percent-escaped
or sent as they are — are UTF-8. A part whose bytes are not UTF-8 (a partner's GBK, escaped
or raw) raises ``FormEncodingError`` naming the field: a refusal the partner can act on,
not a description stored as replacement characters.

``Request.form()`` decodes each part as Latin-1 and unquotes it with ``errors="replace"``:
a raw UTF-8 description (what ``curl -d`` sends) came out as mojibake (「路」 as 「è·¯」) and a
GBK one as U+FFFD, both stored without a word. Reading the body here is also cheaper: its
streaming parser cost about as much of the event loop's CPU as FastAPI's routing
(docs/performance.md). A body Starlette would refuse — more fields than ``max_fields``, a
field larger than ``max_part_size`` — gives None and is left to it, so those refusals stay
Starlette's. ``tests/test_server_forms.py`` compares the items with the standard library's
parser on generated bodies, and with Starlette's where the two agree (ASCII, UTF-8 escapes).

A multipart body (``read_form``) is Starlette's parser with one change: a text field
whose bytes are not in the body's charset (UTF-8 unless the ``Content-Type`` declares
another) raises ``FormEncodingError`` where Starlette falls back to Latin-1 (a GBK
「燕山路」 stored as 「ÑàÉ½Â·」). ``errors.py`` answers ``FormEncodingError`` with 400
``invalid_encoding`` naming the field, on every route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import unquote_to_bytes

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

URLENCODED = "application/x-www-form-urlencoded"


class FormEncodingError(ValueError):
    """A form field whose bytes are not UTF-8; ``name`` as far as it could be read."""

    def __init__(self, name: str):
        super().__init__(f"form field {name!r} is not UTF-8")
        self.name = name


#: Starlette's default ``max_part_size`` (``Request.form``)
MAX_PART_SIZE = 1024 * 1024


def is_urlencoded(content_type: str) -> bool:
    """The content type Starlette parses as a form-encoded body, in the plain spelling
    (with or without parameters) this module reads; any other spelling is left to it."""
    return content_type.partition(";")[0] == URLENCODED


def urlencoded_items(body: bytes, max_fields: int,
                     max_part_size: int = MAX_PART_SIZE) -> list[tuple[str, str]] | None:
    """The (name, value) pairs of ``body`` in order; None when Starlette must read it (too
    many fields, a field too large); ``FormEncodingError`` for a field that is not UTF-8."""
    items = []
    for field in body.split(b"&"):
        if not field:
            continue
        if len(field) > max_part_size or len(items) >= max_fields:
            return None
        name, _, value = field.partition(b"=")
        key = _decoded(name, name)
        items.append((key, _decoded(value, name)))
    return items


def _decoded(part: bytes, name: bytes) -> str:
    try:
        return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        shown = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
        raise FormEncodingError(shown) from None


class _StrictMultiPartParser(MultiPartParser):
    """Starlette's parser; a text field not in the body's charset is refused."""

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            try:
                bytes(part.data).decode(self._charset)
            except UnicodeDecodeError:
                raise FormEncodingError(part.field_name) from None
        super().on_part_end()


@asynccontextmanager
async def read_form(request: Request, *, max_files: int,
                    max_fields: int) -> AsyncIterator[FormData]:
    """``request.form(max_files=…, max_fields=…)``, a multipart body's text fields decoded
    strictly (``FormEncodingError``); Starlette's refusals (too many files or fields, a
    part too large, no boundary) are the same 400s ``Request.form`` raises, and the
    uploaded files are closed at the end, as there. Any other body is Starlette's."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=max_files, max_fields=max_fields) as form:
            yield form
        return
    parser = _StrictMultiPartParser(request.headers, request.stream(), max_files=max_files,
                                    max_fields=max_fields)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(status_code=400, detail=exc.message) from None
    try:
        yield form
    finally:
        await form.close()
