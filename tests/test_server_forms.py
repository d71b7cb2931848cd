"""``server.forms.urlencoded_items``: an Open311 POST's form-encoded body read without
Starlette's streaming parser gives the items the WHATWG form parser gives (``+`` a space,
percent-escapes bytes, every part's bytes UTF-8) — the standard library's parser is the
reference — refuses a part that is not UTF-8, gives what ``Request.form()`` gives where
the two agree, and leaves to Starlette every body it would refuse (too many fields, a
field too large)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers
from starlette.formparsers import FormParser

from seatdesk.server.forms import FormEncodingError, is_urlencoded, urlencoded_items
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


def _reference(body: bytes) -> list | None:
    """The standard library's parser, kept to bytes (Latin-1 maps each byte to one
    character and back), each part then decoded as UTF-8; None if one is not UTF-8."""
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    try:
        return [(n.encode("latin-1").decode("utf-8"), v.encode("latin-1").decode("utf-8"))
                for n, v in pairs]
    except UnicodeDecodeError:
        return None


def _items(body: bytes) -> list | None:
    try:
        return urlencoded_items(body, max_fields=1000)
    except FormEncodingError:
        return None


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.integers(0, 7))
def test_the_items_are_the_standards(pieces, chunk):
    body = b"".join(pieces)
    expected = _reference(body)
    assert _items(body) == expected
    if expected is not None and body.isascii():  # where Starlette reads it right too
        assert expected == _starlette(body, chunk=chunk)


def test_edges():
    for body in (b"", b"&", b"&&", b"=", b"a", b"a&b=2", b"a=b=c", b"=1", b"a=&b", b"a=1;b=2",
                 b"a=1&", b"&a=1", b"a=1&&b=2", b"a+b=c+d", b"a=%E5%8E%8B%EF%BC%9A",
                 b"lat=31.4255&long=119.4805&description=%E5%8E%8B+%E6%B5%8B", b"a=%zz%2"):
        assert urlencoded_items(body, max_fields=1000) == _starlette(body), body


def test_raw_utf8_is_read_as_utf8_and_other_encodings_are_refused():
    """What ``curl -d`` sends (the bytes as they are) is the text, not its Latin-1
    mojibake (Starlette: 「路」 → 「è·¯」); GBK, escaped or raw, is refused with the field's
    name, never stored as U+FFFD."""
    raw = "description=燕山路 井盖&first_name=小明".encode()
    assert urlencoded_items(raw, max_fields=10) == [("description", "燕山路 井盖"),
                                                   ("first_name", "小明")]
    assert _starlette(raw)[0][1] != "燕山路 井盖"  # why the body is not left to Starlette
    for body in (b"lat=1&description=" + quote("燕山路".encode("gbk")).encode(),
                 b"lat=1&description=" + "燕山路".encode("gbk")):
        with pytest.raises(FormEncodingError) as caught:
            urlencoded_items(body, max_fields=10)
        assert caught.value.name == "description"
    with pytest.raises(FormEncodingError) as caught:  # a name that is not UTF-8 either
        urlencoded_items(b"%FF=1", max_fields=10)
    assert caught.value.name == "\ufffd"


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
    assert many.status_code == 400  # Starlette's refusal, its reason in Chinese
    assert many.json() == [{"code": 400,
                            "description": "表单无法读取：字段过多，最多 200 个，未保存任何内容"}]


def test_a_post_in_gbk_is_refused_and_one_in_raw_utf8_is_kept_as_sent(server):
    """A partner's body as ``curl -d`` sends it (raw UTF-8) registers the text it sent; one
    escaped in GBK is refused (400, the field named, in Chinese) and registers nothing —
    before, both were registered, as mojibake and as U+FFFD."""
    ctype = {"content-type": "application/x-www-form-urlencoded"}
    head = (f"api_key={server.keys['fms']}&service_code=E01001&lat=31.4255&long=119.4805"
            "&attribute[fixmystreet_id]=").encode()
    raw = server.client.post("/open311/v2/requests.json", headers=ctype,
                             content=head + "fms-raw&description=路路 井盖".encode())
    assert raw.status_code == 201, raw.text
    number = raw.json()[0]["service_request_id"]
    got = server.client.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert got["description"] == "路路 井盖"
    gbk = head + b"fms-gbk&description=" + quote("燕山路井盖".encode("gbk")).encode()
    refused = server.client.post("/open311/v2/requests.json", headers=ctype, content=gbk)
    assert refused.status_code == 400
    error = refused.json()[0]
    assert error["code"] == 400 and "description" in error["description"]
    assert "UTF-8" in error["description"] and "未保存任何内容" in error["description"]
    listed = server.client.get("/open311/v2/requests.json",
                               params={"api_key": server.keys["fms"]}).json()
    assert [r["service_request_id"] for r in listed].count(number) == 1
    assert all("\ufffd" not in (r.get("description") or "") for r in listed)


def _multipart(fields: dict[str, bytes], boundary: str = "sdXX") -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
             + value + b"\r\n" for name, value in fields.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def test_multipart_text_not_in_its_charset_is_refused_on_every_route(server):
    """A multipart text field in GBK without ``charset=GBK`` is refused (400
    ``invalid_encoding``, the field named) where Starlette read it as Latin-1 and the case
    was registered as 「ÑàÉ½Â·」; declared, it is read in that charset. Open311, a handset's
    report and its task answer all read their multipart bodies so."""
    gbk = "燕山路 路灯".encode("gbk")
    plain = {"content-type": "multipart/form-data; boundary=sdXX"}
    fields = {"api_key": server.keys["fms"].encode(), "service_code": b"E01001",
              "lat": b"31.4255", "long": b"119.4805", "description": gbk}
    refused = server.client.post("/open311/v2/requests.json", headers=plain,
                                 content=_multipart(fields))
    assert refused.status_code == 400, refused.text
    assert refused.json()[0]["description"].startswith("description 不是 UTF-8")
    declared = server.client.post(
        "/open311/v2/requests.json", content=_multipart(fields),
        headers={"content-type": "multipart/form-data; boundary=sdXX; charset=GBK"})
    assert declared.status_code == 201, declared.text
    number = declared.json()[0]["service_request_id"]
    assert server.client.get(f"/open311/v2/requests/{number}.json").json()[0][
        "description"] == "燕山路 路灯"
    listed = server.client.get("/open311/v2/requests.json",
                               params={"api_key": server.keys["fms"]}).json()
    assert [r["service_request_id"] for r in listed] == [number]  # the refused one: none

    auth = server.sign_in()
    report = {"report_id": b"gbk-1", "lon": b"119.4805", "lat": b"31.4255",
              "description": gbk}
    field = server.client.post("/field/v1/reports", content=_multipart(report),
                               headers={**auth, **plain})
    assert field.status_code == 400, field.text
    assert field.json()["error"]["code"] == "invalid_encoding"
    assert "description" in field.json()["error"]["message"]
    report["description"] = "燕山路 路灯".encode()
    kept = server.client.post("/field/v1/reports", content=_multipart(report),
                              headers={**auth, **plain})
    assert kept.status_code == 201, kept.text  # the same report id: nothing was taken
    answer = {"version": b"1", "result": b"refuted", "note": gbk}
    answered = server.client.post(f"/field/v1/tasks/{kept.json()['case_id']}/answer",
                                  content=_multipart(answer), headers={**auth, **plain})
    assert answered.status_code == 400 and "note" in answered.json()["error"]["message"]


def test_a_work_order_not_in_utf8_is_refused_in_chinese(server):
    """A 12345 work order whose JSON is GBK: 400 in Chinese saying why, no case (FastAPI
    alone answered "There was an error parsing the body")."""
    order = {"order_no": "GD-GBK-1", "content": "燕山路路灯不亮", "lon": 119.4805,
             "lat": 31.4255}
    key = {"X-Api-Key": server.keys["rx12345"], "content-type": "application/json"}
    refused = server.client.post("/hotline12345/v1/orders", headers=key,
                                 content=json.dumps(order, ensure_ascii=False).encode("gbk"))
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "unreadable_body",
        "message": "请求体无法读取：JSON 须为 UTF-8 编码（GBK 等请先转换），未保存任何内容"}
    missing = server.client.get("/hotline12345/v1/orders/GD-GBK-1", headers=key)
    assert missing.status_code == 404
    sent = server.client.post("/hotline12345/v1/orders", headers=key,
                              content=json.dumps(order, ensure_ascii=False).encode())
    assert sent.status_code == 201, sent.text
