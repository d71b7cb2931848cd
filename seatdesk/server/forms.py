"""A form-encoded body (``application/x-www-form-urlencoded``) read as the WHATWG URL
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
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

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
