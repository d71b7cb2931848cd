"""``server.forms.urlencoded_items``: an Open311 POST's form-encoded body read without
Starlette's streaming parser must give exactly the items ``Request.form()`` gives, and
leave to Starlette every body it would refuse (too many fields, a field too large)."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers
from starlette.formparsers import FormParser

from seatdesk.server.forms import is_urlencoded, urlencoded_items
from tests.server_fixtures import server  # noqa: F401

#: bytes that mean something to a form body, and some that do not
PIECES = [b"&", b"=", b";", b"+", b"%", b"%2", b"%26", b"%3D", b"%E5%8E%8B", b"%zz", b"a",
          b"api_key", b"attribute[fixmystreet_id]", b" ", b"\xe5\x8e\x8b", b"\xff", b"\x00",
          b"\t", b"[", b"]", b"-", b"."]


def _starlette(body: bytes, max_fields: int = 1000, chunk: int = 0) -> list:
    async def stream():
        if chunk:
            for i in range(0, len(body), chunk):
                yield body[i:i + chunk]
        else:
            yield body

    parser = FormParser(Headers({}), stream(), max_fields=max_fields)
    return asyncio.run(parser.parse()).multi_items()


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.integers(0, 7))
def test_the_items_are_starlettes(pieces, chunk):
    body = b"".join(pieces)
    assert urlencoded_items(body, max_fields=1000) == _starlette(body, chunk=chunk)


def test_edges():
    for body in (b"", b"&", b"&&", b"=", b"a", b"a&b=2", b"a=b=c", b"=1", b"a=&b", b"a=1;b=2",
                 b"a=1&", b"&a=1", b"a=1&&b=2", b"a+b=c+d", b"a=%E5%8E%8B%EF%BC%9A",
                 b"lat=31.4255&long=119.4805&description=%E5%8E%8B+%E6%B5%8B"):
        assert urlencoded_items(body, max_fields=1000) == _starlette(body), body


def test_what_starlette_refuses_is_left_to_it():
    body = b"&".join(b"f%d=1" % i for i in range(201))
    assert urlencoded_items(body, max_fields=200) is None
    assert urlencoded_items(body, max_fields=201) == _starlette(body)
    assert urlencoded_items(b"a=" + b"x" * 2_000_000, max_fields=200) is None


def test_only_the_plain_content_type():
    assert is_urlencoded("application/x-www-form-urlencoded")
    assert is_urlencoded("application/x-www-form-urlencoded; charset=UTF-8")
    assert not is_urlencoded("application/x-www-form-urlencodedx")
    assert not is_urlencoded("Application/X-WWW-Form-Urlencoded")  # left to Starlette
    assert not is_urlencoded("multipart/form-data; boundary=x")


def test_a_post_reads_its_fields_and_refuses_too_many(server):
    form = {"api_key": server.keys["fms"], "service_code": "E01001",
            "lat": "31.4255", "long": "119.4805", "description": "压测：井盖 破损 ",
            "first_name": "小明", "last_name": "王", "phone": "13800000000",
            "attribute[fixmystreet_id]": "fms-77"}
    r = server.client.post("/open311/v2/requests.json", data=form)
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    again = server.client.post("/open311/v2/requests.json", data=form)  # the partner's id
    assert again.status_code == 200 and again.json()[0]["service_request_id"] == number
    got = server.client.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert got["description"] == "压测：井盖 破损"
    body = "&".join(f"f{i}=1" for i in range(201))
    many = server.client.post("/open311/v2/requests.json", content=body,
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert many.status_code == 400 and "Too many fields" in many.text
