"""Every refusal a person may read is in Chinese: the Open311 descriptions (XML and JSON),
the handsets' and the 12345 platform's messages, for the bad requests a partner, a
handset or a curious browser sends — each sent to the app, each answer read.

A message may name the API's own identifiers (``api_key``, ``page_size``, ``lat``: the
parameter and field names of its OpenAPI schema), the formats (JSON, XML, UTF-8, JPEG …)
and what the client sent (a service code, a request id); any other run of ASCII letters
is an English word, and fails the walk (``english_words``). The exact messages of a
representative set are asserted too (``test_the_messages_say_what_was_wrong_and_what_to_do``).
"""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree as ET

import pytest

from seatdesk.server.config import ServerConfig
from tests.server_fixtures import jpeg, make_server
from tests.workflow_fixtures import P1, open_world

#: letters-only words a message may hold that are not the API's field names: formats,
#: standards, header and method names
FORMATS = {"JSON", "XML", "UTF", "GBK", "JPEG", "PNG", "WebP", "HTTP", "GET", "POST", "PUT",
           "DELETE", "HEAD", "PATCH", "Open311", "GeoReport", "MB", "KB", "Bearer", "xml",
           "json", "boundary", "Content-Type", "/docs", "docs/api.md",
           "Authorization", "Idempotency", "Key", "Api", "X", "Retry", "After", "Range",
           "multipart/form-data", "application/x-www-form-urlencoded", "application/json"}
CJK = re.compile(r"[\u4e00-\u9fff]")
#: an ASCII "word": letters, digits and the joiners of identifiers (api_key, UTF-8,
#: multipart/form-data, attribute[fixmystreet_id])
TOKEN = re.compile(r"[A-Za-z0-9_\-./\[\]:]+")


def identifiers(app) -> set[str]:
    """The parameter and property names and the enumerated values of the app's OpenAPI
    schema, split into words."""
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    names.update(value)
                if key == "name" and isinstance(value, str):
                    names.add(value)
                if key == "enum" and isinstance(value, list):
                    names.update(v for v in value if isinstance(v, str))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(app.openapi())
    return {part for name in names for part in re.split(r"[\[\]/.\-]", name) if part}


def english_words(message: str, allowed: set[str], sent: set[str]) -> list[str]:
    """The ASCII words of ``message`` that are neither identifiers, formats, nor what
    the client sent: a token holding a digit or an underscore is an identifier or a
    value; a letters-only one must be in ``allowed`` (parts joined by - / . split)."""
    words = []
    for token in TOKEN.findall(message):
        if token in sent or token in allowed or re.search(r"[0-9_]", token):
            continue
        for part in re.split(r"[\-./\[\]:]", token):
            if len(part) > 1 and part.isalpha() and part not in allowed and part not in sent:
                words.append(part)
    return words


@pytest.fixture
def srv(make_db):
    config = ServerConfig(jurisdiction_id="wuxi", signin_rate="2/minute", max_photos=2,
                          max_body_bytes=200_000)
    server = make_server(open_world(make_db("workflow_world")), config)
    yield server
    server.client.close()


def _form(srv, **fields) -> dict:
    return {"api_key": srv.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
            "long": str(P1[0]), "description": "井盖破损", **fields}


def open311_refusals(srv, fmt: str):
    """(what was sent, the answer) for every Open311 refusal walked."""
    c, base = srv.client, "/open311/v2"
    post = f"{base}/requests.{fmt}"
    yield "unknown service", c.get(f"{base}/services/Z99999.{fmt}")
    yield "unknown jurisdiction", c.get(f"{base}/services.{fmt}",
                                        params={"jurisdiction_id": "beijing"})
    yield "no api_key", c.post(post, data={k: v for k, v in _form(srv).items()
                                           if k != "api_key"})
    yield "bad api_key", c.post(post, data=_form(srv, api_key="sdk_nonsense"))
    yield "12345 key", c.post(post, data=_form(srv, api_key=srv.keys["rx12345"]))
    yield "bad api_key on GET", c.get(post, params={"api_key": "sdk_nonsense"})
    yield "no service_code", c.post(post, data=_form(srv, service_code=""))
    yield "unknown service_code", c.post(post, data=_form(srv, service_code="Z99999"))
    yield "lat not a number", c.post(post, data=_form(srv, lat="abc"))
    yield "lat out of range", c.post(post, data=_form(srv, lat="95"))
    yield "outside the city", c.post(post, data=_form(srv, lat="0", long="0"))
    yield "no location", c.post(post, data=_form(srv, lat="", long=""))
    yield "description too long", c.post(post, data=_form(srv, description="长" * 4001))
    yield "control characters", c.post(post, data=_form(srv, description="井盖\x1b破损"))
    yield "first_name too long", c.post(post, data=_form(srv, first_name="王" * 301))
    yield "media_url too long", c.post(post, data=_form(srv, media_url="h" * 501))
    yield "partner id too long", c.post(post, data=_form(srv, **{
        "attribute[fixmystreet_id]": "7" * 101}))  # (a 500 before)
    yield "Idempotency-Key too long", c.post(post, data=_form(srv),
                                             headers={"Idempotency-Key": "k" * 81})
    yield "JSON body", c.post(post, json=_form(srv))
    yield "not UTF-8", c.post(post, content="description=井盖".encode("gbk"),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    yield "no boundary", c.post(post, content=b"x",
                                headers={"Content-Type": "multipart/form-data"})
    yield "too many media", c.post(post, data=_form(srv), files=[
        ("media", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(3)])
    yield "media not a photo", c.post(post, data=_form(srv), files=[
        ("media", ("a.jpg", b"not a photo", "image/jpeg"))])
    yield "page_size 0", c.get(post, params={"page_size": 0})
    yield "page_size too large", c.get(post, params={"page_size": 5000})
    yield "bad start_date", c.get(post, params={"start_date": "yesterday"})
    yield "bad status", c.get(post, params={"status": "pending"})
    yield "start after end", c.get(post, params={"start_date": "2026-12-01T00:00:00+08:00",
                                                 "end_date": "2026-11-01T00:00:00+08:00"})
    yield "window too long", c.get(f"{base}/servicerequestupdates.{fmt}", params={
        "start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-12-01T00:00:00+08:00"})
    yield "unknown request id", c.get(f"{base}/requests/20991231999999.{fmt}")
    yield "unknown token", c.get(f"{base}/tokens/0123abcd.{fmt}")
    yield "wrong method", c.delete(f"{base}/services.{fmt}")
    yield "unknown path", c.get(f"{base}/nothing.{fmt}")
    yield "too large body", c.post(post, content=b"a" * 200_001,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})


def field_refusals(srv):
    c = srv.client
    yield "no token", c.get("/field/v1/me")
    yield "bad token", c.get("/field/v1/me", headers={"Authorization": "Bearer sdf_nonsense"})
    yield "wrong password", c.post("/field/v1/session", json={
        "username": "sup1", "password": "wrong", "device_id": "p"})
    yield "missing fields", c.post("/field/v1/session", json={"username": "sup1"})
    yield "not JSON", c.post("/field/v1/session", content=b"{",
                             headers={"Content-Type": "application/json"})
    for _ in range(2):
        c.post("/field/v1/session", json={"username": "nobody", "password": "x",
                                          "device_id": "p"})
    yield "rate limited", c.post("/field/v1/session", json={
        "username": "nobody", "password": "x", "device_id": "p"})
    headers = srv.sign_in()
    report = {"report_id": "r-1", "lon": P1[0], "lat": P1[1], "description": "占道经营"}
    yield "text body", c.post("/field/v1/reports", content=b"x", headers={
        **headers, "Content-Type": "text/plain"})
    yield "lon out of range", c.post("/field/v1/reports", headers=headers,
                                     json={**report, "lon": 500})
    yield "bad urgency", c.post("/field/v1/reports", headers=headers,
                                json={**report, "urgency": "soon"})
    yield "outside the city", c.post("/field/v1/reports", headers=headers,
                                     json={**report, "lon": 0, "lat": 0})
    yield "no boundary", c.post("/field/v1/reports", content=b"x", headers={
        **headers, "Content-Type": "multipart/form-data"})
    yield "too many photos", c.post("/field/v1/reports", headers=headers, data={
        k: str(v) for k, v in report.items()}, files=[
        ("photos", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(3)])
    yield "not a photo", c.post("/field/v1/reports", headers=headers, data={
        k: str(v) for k, v in report.items()}, files=[("photos", ("a.jpg", b"x", "image/jpeg"))])
    yield "wait too long", c.get("/field/v1/tasks", headers=headers, params={"wait": 100})
    yield "bad answer", c.post("/field/v1/tasks/1/answer", headers=headers,
                               json={"version": 1, "result": "maybe"})
    yield "unknown task", c.post("/field/v1/tasks/999999/answer", headers=headers,
                                 json={"version": 1, "result": "confirmed"})
    yield "unknown attachment", c.get("/field/v1/attachments/999999", headers=headers)
    yield "wrong method", c.delete("/field/v1/me", headers=headers)
    yield "unknown path", c.get("/field/v1/nothing", headers=headers)
    yield "too large body", c.post("/field/v1/reports", content=b"{" + b" " * 200_001 + b"}",
                                   headers={**headers, "Content-Type": "application/json"})
    yield "range past the app's file", c.get("/field/app/app.js",
                                              headers={"Range": "bytes=99999999-"})


def hotline_refusals(srv):
    c, key = srv.client, {"X-Api-Key": srv.keys["rx12345"]}
    order = {"order_no": "GD-1", "content": "占道经营"}
    yield "no api_key", c.post("/hotline12345/v1/orders", json=order)
    yield "bad api_key", c.post("/hotline12345/v1/orders", json=order,
                                headers={"X-Api-Key": "sdk_nonsense"})
    yield "Open311 key", c.post("/hotline12345/v1/orders", json=order,
                                headers={"X-Api-Key": srv.keys["fms"]})
    yield "no content", c.post("/hotline12345/v1/orders", json={"order_no": "GD-1"}, headers=key)
    yield "bad due_at", c.post("/hotline12345/v1/orders", json={**order, "due_at": "明天"},
                               headers=key)
    yield "bad base64", c.post("/hotline12345/v1/orders", headers=key, json={
        **order, "attachments": [{"filename": "a.jpg", "content_base64": "!!"}]})
    yield "not a photo", c.post("/hotline12345/v1/orders", headers=key, json={
        **order, "attachments": [{"filename": "a.jpg",
                                  "content_base64": base64.b64encode(b"x").decode()}]})
    yield "not UTF-8", c.post("/hotline12345/v1/orders", headers={
        **key, "Content-Type": "application/json"},
        content='{"order_no":"GD-1","content":"占道"}'.encode("gbk"))
    yield "unknown order", c.get("/hotline12345/v1/orders/GD-404", headers=key)
    yield "wrong method", c.put("/hotline12345/v1/orders", json=order, headers=key)
    yield "unknown path", c.get("/hotline12345/v1/nothing", headers=key)
    yield "unknown path at the root", c.get("/nothing")
    yield "too large body", c.post("/hotline12345/v1/orders", content=b"{" + b" " * 200_001
                                   + b"}", headers={**key, "Content-Type": "application/json"})


def described(response) -> tuple[int, str]:
    """(the code, the message) of an Open311 list or a field/12345 error body."""
    if response.headers["content-type"].startswith("application/xml"):
        error = ET.fromstring(response.content).find("error")
        return int(error.findtext("code")), error.findtext("description")
    body = response.json()
    if isinstance(body, list):
        return body[0]["code"], body[0]["description"]
    return response.status_code, body["error"]["message"]


#: what the walk sends (or the server is configured with) that a message may echo
SENT = {"wuxi", "Z99999", "beijing", "abc", "sdk_nonsense", "yesterday", "pending", "20991231999999",
        "0123abcd", "a.jpg", "GD-404", "nothing", "maybe", "soon"}


def test_no_refusal_is_in_english(srv):
    """Every answer walked is a refusal in the interface's own error format, its message
    Chinese: no English word in it, and Chinese in it (an identifier alone says nothing)."""
    allowed = identifiers(srv.app) | FORMATS
    walked, wrong = 0, []
    for fmt in ("xml", "json"):
        media = "application/xml" if fmt == "xml" else "application/json"
        for what, response in open311_refusals(srv, fmt):
            walked += 1
            where = f"open311 {fmt}: {what}"
            if (response.status_code not in (400, 403, 404, 413, 429)
                    or not response.headers["content-type"].startswith(media)
                    or (fmt == "json" and not isinstance(response.json(), list))):
                wrong.append((where, response.status_code, "not the specification's list",
                              response.text))
                continue
            code, message = described(response)
            if code != response.status_code:
                wrong.append((where, response.status_code, f"code {code}", message))
            elif not CJK.search(message) or english_words(message, allowed, SENT):
                wrong.append((where, response.status_code, "English", message))
    for walk in (field_refusals, hotline_refusals):
        for what, response in walk(srv):
            walked += 1
            where = f"{walk.__name__.split('_')[0]}: {what}"
            if not 400 <= response.status_code < 500 or "error" not in response.json():
                wrong.append((where, response.status_code, "not an error body", response.text))
                continue
            _code, message = described(response)
            if not CJK.search(message) or english_words(message, allowed, SENT):
                wrong.append((where, response.status_code, "English", message))
    assert walked > 80
    assert not wrong, "\n".join(map(repr, wrong))


def test_the_messages_say_what_was_wrong_and_what_to_do(srv):
    """The exact answers of a representative set: Open311 in XML and in JSON (the
    specification's list, the code numeric), the handset's and the 12345 platform's."""
    c = srv.client
    for fmt in ("xml", "json"):
        unknown = c.post(f"/open311/v2/requests.{fmt}", data=_form(srv, service_code="Z99999"))
        assert described(unknown) == (404, (
            "没有 service_code 为「Z99999」的服务：请从服务列表（GET /open311/v2/services.xml"
            " 或 .json）中选用 service_code")), unknown.text
        keyless = c.post(f"/open311/v2/requests.{fmt}",
                         data={k: v for k, v in _form(srv).items() if k != "api_key"})
        assert described(keyless) == (
            403, "缺少 api_key：提交时请在表单字段 api_key 中带上指挥中心签发的密钥")
        bad_key = c.post(f"/open311/v2/requests.{fmt}", data=_form(srv, api_key="sdk_x"))
        assert described(bad_key) == (
            403, "api_key 无效或已停用：请核对密钥（可能已更换），或联系指挥中心")
        not_numbers = c.post(f"/open311/v2/requests.{fmt}", data=_form(srv, lat="北纬31度"))
        assert described(not_numbers) == (400, (
            "lat 和 long 须为十进制的度数（如 lat=31.4255、long=119.4805），未登记：请改正后"
            "重新提交"))
        page = c.get(f"/open311/v2/requests.{fmt}", params={"page_size": 5000})
        assert described(page) == (400, "参数无效 — page_size：不能大于 1000，请改正后重新提交")
        missing = c.get(f"/open311/v2/requests/20991231999999.{fmt}")
        assert described(missing) == (404, (
            "没有编号为「20991231999999」的服务请求（只能查询经 Open311 提交的请求）：请核对"
            " service_request_id"))
        too_large = c.post(f"/open311/v2/requests.{fmt}", content=b"a" * 200_001, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        assert described(too_large) == (413, (
            "请求过大：整个请求不能超过 195 KB，未保存任何内容；请减少或压缩照片后重新发送"))
    # the XML itself: <errors><error><code>404</code><description>…</description>
    root = ET.fromstring(c.get("/open311/v2/tokens/0123abcd.xml").content)
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    assert root.findtext("error/description") == "没有 token「0123abcd」：请核对提交时答复中的 token"
    assert c.get("/open311/v2/tokens/0123abcd.json").json() == [{
        "code": 404, "description": "没有 token「0123abcd」：请核对提交时答复中的 token"}]

    headers = srv.sign_in()
    report = {"report_id": "r-1", "lon": P1[0], "lat": P1[1], "description": "占道经营"}
    field = {
        "lon": (c.post("/field/v1/reports", headers=headers, json={**report, "lon": 500}),
                422, "invalid", "参数无效 — lon：不能大于 180，请改正后重新提交"),
        "urgency": (c.post("/field/v1/reports", headers=headers,
                           json={**report, "urgency": "soon"}), 422, "invalid",
                    "参数无效 — urgency：须为 'normal'、'urgent' 之一，请改正后重新提交"),
        "not JSON": (c.post("/field/v1/reports", headers={
            **headers, "Content-Type": "application/json"}, content=b"{"), 422, "invalid",
            "参数无效 — 请求体：不是有效的 JSON，请改正后重新提交"),
        "no boundary": (c.post("/field/v1/reports", content=b"x", headers={
            **headers, "Content-Type": "multipart/form-data"}), 400, "unreadable_body",
            ("表单无法读取：multipart/form-data 请求的 Content-Type 缺少 boundary（请由客户端库"
             "生成表单请求，不要手写 Content-Type），未保存任何内容")),
        "path": (c.get("/field/v1/nothing", headers=headers), 404, "http_error",
                 "没有这个地址：请核对路径（接口说明见 /docs 与 docs/api.md）"),
        "method": (c.delete("/field/v1/me", headers=headers), 405, "http_error",
                   "此地址不支持 DELETE 请求，请改用 GET"),
        "too large": (c.post("/field/v1/reports", content=b"{" + b" " * 200_001 + b"}",
                             headers={**headers, "Content-Type": "application/json"}),
                      413, "too_large",
                      "请求过大：整个请求不能超过 195 KB，未保存任何内容；请减少或压缩照片后重新发送"),
    }
    key = {"X-Api-Key": srv.keys["rx12345"]}
    hotline = {
        "no key": (c.get("/hotline12345/v1/orders/GD-1"), 403, "forbidden",
                   "缺少 api_key：请在请求头 X-Api-Key 中带上指挥中心签发的密钥"),
        "Open311 key": (c.get("/hotline12345/v1/orders/GD-1",
                              headers={"X-Api-Key": srv.keys["fms"]}), 403, "forbidden",
                        ("此 api_key 是 Open311 接口的，不能用于 12345 工单接口：请改用为它签发的"
                         " api_key")),
        "unknown order": (c.get("/hotline12345/v1/orders/GD-404", headers=key), 404,
                          "not_found",
                          "没有工单 GD-404：请核对工单编号（只能查询本平台推送过的工单）"),
        "due_at": (c.post("/hotline12345/v1/orders", headers=key, json={
            "order_no": "GD-1", "content": "占道经营", "due_at": "明天"}), 422, "invalid",
            ("参数无效 — due_at：须为带时区的日期时间，如 2026-11-02T09:00:00+08:00，请改正后"
             "重新提交")),
        "neither photo nor recording": (c.post("/hotline12345/v1/orders", headers=key, json={
            "order_no": "GD-1", "content": "占道经营", "attachments": [{
                "filename": "现场.jpg", "content_base64": base64.b64encode(b"x").decode()}]}),
            415, "bad_audio", ("附件 现场.jpg 既不是可识别的照片（JPEG/PNG/WebP），也不是可识别的"
                               "录音，未受理：请检查文件后重新推送")),
    }
    for what, (response, status, code, message) in {**field, **hotline}.items():
        assert response.status_code == status, (what, response.text)
        assert response.json() == {"error": {"code": code, "message": message}}, what


def test_the_field_apps_files_take_a_range_the_rfc_way(srv):
    """The field app's static files and a ``Range`` header (RFC 9110, 14.2): one the server
    does not understand — not the syntax, a last byte before the first, another unit, no
    range — is ignored, the whole file answered 200 (Starlette answered an English
    plain-text 400); one whose ranges all lie past the file is a 416 in the handsets'
    format, in Chinese, saying what to ask instead, with ``Content-Range: bytes */size``
    (an empty plain-text answer before); a good one is still a 206."""
    c = srv.client
    whole = c.get("/field/app/app.js")
    assert whole.status_code == 200
    size = len(whole.content)
    for header in ("bytes=abc", "bytes=9-1", "bytes=5-x", "items=0-5", "bytes=", "bytes 0-5",
                   "bytes=0-5,99999999-"):  # (the last: a range outside, one inside)
        ignored = c.get("/field/app/app.js", headers={"Range": header})
        assert ignored.status_code == 200, (header, ignored.text)
        assert ignored.content == whole.content and "content-range" not in ignored.headers
        assert ignored.headers["Content-Security-Policy"] == whole.headers[
            "Content-Security-Policy"]
    for header in ("bytes=99999999-", f"bytes={size}-{size + 10}", "bytes=-0"):
        for method in (c.get, c.head):
            past = method("/field/app/app.js", headers={"Range": header})
            assert past.status_code == 416, (header, past.text)
            assert past.headers["Content-Range"] == f"bytes */{size}"
        assert c.get("/field/app/app.js", headers={"Range": header}).json() == {"error": {
            "code": "range_not_satisfiable",
            "message": (f"请求的字节范围不在文件之内（文件共 {size} 字节）：请去掉 Range 请求头"
                        f"重新获取整个文件，或只请求 0 到 {size - 1} 之间的字节")}}
    # a validator that no longer matches (If-Range): the whole file, whatever the range
    stale = c.get("/field/app/app.js", headers={"Range": "bytes=99999999-",
                                                 "If-Range": '"an-old-etag"'})
    assert stale.status_code == 200 and stale.content == whole.content
    part = c.get("/field/app/app.js", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == whole.content[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{size}"
    tail = c.get("/field/app/index.html", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.headers["Cache-Control"] == "no-cache"
