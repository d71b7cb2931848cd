"""``PrefixedRouter``: an ``APIRouter`` whose routes all lie under its prefix, and which
says so before FastAPI tries them one by one.

FastAPI (0.165) matches a request against the application's routers in turn, and each
included router against every one of its routes (nested routers again, and the chosen
branch twice): an Open311 POST was tried against every handset route first, a fifth of
the event loop's CPU for that request (docs/performance.md). A path outside the
router's prefix cannot match any of its routes — each route's path is the prefix plus
a path starting with ``/`` — so the router answers "no match" at once. The routers of
``create_app`` are included at the root, without a further prefix.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match


class PrefixedRouter(APIRouter):
    def __init__(self, *, prefix: str, **kwargs):
        super().__init__(prefix=prefix, **kwargs)
        self._under = prefix + "/"

    def matches(self, scope):
        if scope["type"] in ("http", "websocket") and not get_route_path(scope).startswith(
                self._under):
            return Match.NONE, {}
        return super().matches(scope)
