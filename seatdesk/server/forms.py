"""A form-encoded body (``application/x-www-form-urlencoded``) read as Starlette reads it,
without its streaming parser.

``Request.form()`` feeds the body through python-multipart's ``QuerystringParser`` with a
callback per name, value and field end, then decodes each as Latin-1 and unquotes it
(``unquote_plus``): for a partner's Open311 POST that cost about as much of the event
loop's CPU as FastAPI's routing (docs/performance.md). ``urlencoded_items`` gives the
same items for the same body — fields split at ``&``, empty ones skipped, the name up to
the first ``=`` (a field without one has the value ``""``), each part decoded the same
way — and None for a body it leaves to Starlette: one with more fields than
``max_fields`` or a field larger than ``max_part_size`` (Starlette refuses those with its
own 400), so every refusal stays Starlette's. ``tests/test_server_forms.py`` compares
the two on generated bodies.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

URLENCODED = "application/x-www-form-urlencoded"
#: Starlette's default ``max_part_size`` (``Request.form``)
MAX_PART_SIZE = 1024 * 1024


def is_urlencoded(content_type: str) -> bool:
    """The content type Starlette parses as a form-encoded body, in the plain spelling
    (with or without parameters) this module reads; any other spelling is left to it."""
    return content_type.partition(";")[0] == URLENCODED


def urlencoded_items(body: bytes, max_fields: int,
                     max_part_size: int = MAX_PART_SIZE) -> list[tuple[str, str]] | None:
    """The (name, value) pairs of ``body`` in order, as ``Request.form()`` gives them;
    None when Starlette must read it (too many fields, a field too large)."""
    items = []
    for field in body.split(b"&"):
        if not field:
            continue
        if len(field) > max_part_size or len(items) >= max_fields:
            return None
        name, _, value = field.partition(b"=")
        items.append((unquote_plus(name.decode("latin-1")),
                      unquote_plus(value.decode("latin-1"))))
    return items
