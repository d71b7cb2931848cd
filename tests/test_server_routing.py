"""``server.routing.PrefixedRouter`` answers "no match" for a path outside its prefix before
FastAPI tries its routes; everything a request reaches, and every refusal (404, 405 with
its Allow header, a root path), stays what a plain ``APIRouter`` gives."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from seatdesk.server.routing import PrefixedRouter, route_path
from tests.server_fixtures import server  # noqa: F401

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


def test_under_a_root_path_it_routes_as_a_plain_one():
    """Mounted under a prefix (Starlette's ``Mount`` keeps the whole path and sets
    ``root_path``; a proxy's ``root_path`` likewise), the router strips the root path as
    Starlette's routes do — including a root path that looks like one of its prefixes
    and a path that is the root path itself."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    for root in ("/mnt", "/a", "/a/v1", "/a/v"):
        ours = TestClient(Starlette(routes=[Mount(root, app=_app(PrefixedRouter))]))
        plain = TestClient(Starlette(routes=[Mount(root, app=_app(APIRouter))]))
        for path in PATHS + [root + p for p in PATHS] + [root, root + "/"]:
            for method in ("GET", "POST"):
                mine, theirs = ours.request(method, path), plain.request(method, path)
                assert (root, path, method, mine.status_code, mine.text) == (
                    root, path, method, theirs.status_code, theirs.text)
    assert TestClient(Starlette(routes=[Mount("/mnt", app=_app(PrefixedRouter))])).get(
        "/mnt/a/v1/x").json() == {"x": "/a/v1"}


def test_the_route_path_is_the_path_less_the_root_path():
    cases = [("/a/v1/x", "", "/a/v1/x"), ("/p/a/v1/x", "/p", "/a/v1/x"),
             ("/p", "/p", ""), ("/px/a", "/p", "/px/a"), ("/q/a", "/p", "/q/a"),
             ("/a/v1/x", "/a/v1", "/x"), ("/p/", "/p", "/")]
    for path, root, expected in cases:
        assert route_path({"type": "http", "path": path, "root_path": root}) == expected
    assert route_path({"type": "http", "path": "/a"}) == "/a"  # no root_path key


def test_the_hot_routes_document_what_they_did(server):
    """The handset's bearer check is one dependency now and the Open311 POST takes its
    context without one: OpenAPI still states the same scheme, security and parameters."""
    spec = server.client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http", "description": "城管通登录返回的 token", "scheme": "bearer"}
    field_ops = [(path, method, op) for path, item in spec["paths"].items()
                 if path.startswith("/field/v1/") for method, op in item.items()]
    signed_in = {(p, m) for p, m, op in field_ops if op.get("security") == [{"HTTPBearer": []}]}
    assert ("/field/v1/reports", "post") in signed_in and len(signed_in) == len(field_ops) - 1
    assert {(p, m) for p, m, _ in field_ops} - signed_in == {("/field/v1/session", "post")}
    post = spec["paths"]["/open311/v2/requests.{fmt}"]["post"]
    assert [p["name"] for p in post["parameters"]] == ["fmt"] and "security" not in post
    assert set(post["requestBody"]["content"]) == {"application/x-www-form-urlencoded",
                                                   "multipart/form-data"}
