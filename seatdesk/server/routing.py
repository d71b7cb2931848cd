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
from starlette.routing import Match


class PrefixedRouter(APIRouter):
    def __init__(self, *, prefix: str, **kwargs):
        super().__init__(prefix=prefix, **kwargs)
        self._under = prefix + "/"

    def matches(self, scope):
        if scope["type"] in ("http", "websocket") and not route_path(scope).startswith(
                self._under):
            return Match.NONE, {}
        return super().matches(scope)


def route_path(scope) -> str:
    """The path the routes are matched against: the request's ``path`` less the
    application's ``root_path`` when the path lies under it (an app mounted at, or
    proxied under, a prefix) — what Starlette's routes match (its private
    ``starlette._utils.get_route_path``, 0.35–1.x; the tests compare the routing with a
    plain ``APIRouter``'s, with and without a root path)."""
    path: str = scope["path"]
    root_path = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path):] if path[len(root_path)] == "/" else path
