"""``server.routing.PrefixedRouter`` answers "no match" for a path outside its prefix before
FastAPI tries its routes; everything a request reaches, and every refusal (404, 405 with
its Allow header, a root path), stays what a plain ``APIRouter`` gives."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from seatdesk.server.routing import PrefixedRouter

PATHS = ["/a/v1/x", "/a/v1/x/", "/a/v1/y/7", "/a/v1/y/z", "/a/v1", "/a/v1/", "/a/v1x",
         "/a/v2/x", "/b/v1/x", "/b/v1/y/7", "/nowhere", "/", "/a/v1/inner/q", "/a/v1/inner"]


def _router(router_class, prefix: str):
    router, inner = router_class(prefix=prefix), APIRouter()

    @inner.get("/inner/q")
    def inner_q() -> dict:
        return {"inner": prefix}

    @router.get("/x")
    def get_x() -> dict:
        return {"x": prefix}

    @router.post("/y/{item}")
    def post_y(item: int) -> dict:
        return {"y": item, "at": prefix}

    router.include_router(inner)
    return router


def _app(router_class) -> FastAPI:
    app = FastAPI()
    for prefix in ("/a/v1", "/b/v1"):
        app.include_router(_router(router_class, prefix))

    @app.get("/a/v1x")
    def outside() -> dict:  # starts with a prefix's text, not under it
        return {"outside": True}

    return app


def test_a_prefixed_router_routes_as_a_plain_one():
    ours, plain = TestClient(_app(PrefixedRouter)), TestClient(_app(APIRouter))
    for path in PATHS:
        for method in ("GET", "POST", "PUT"):
            mine, theirs = ours.request(method, path), plain.request(method, path)
            assert (path, method, mine.status_code, mine.text, mine.headers.get("allow")) == (
                path, method, theirs.status_code, theirs.text, theirs.headers.get("allow"))
    with TestClient(_app(PrefixedRouter), root_path="/proxy") as behind:
        assert behind.get("/a/v1/x").json() == {"x": "/a/v1"}
        assert behind.get("/a/v1x").json() == {"outside": True}
