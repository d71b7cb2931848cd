"""``seatdesk partner …`` and ``seatdesk serve`` as an operator runs them: a real server
process speaking HTTPS with uvicorn's own TLS."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import select

from seatdesk.cli import main
from seatdesk.models import Partner, User
from seatdesk.server.auth import digest
from tests.server_fixtures import free_port


def test_partner_commands(db, capsys):
    assert main(["--database", db.url, "partner", "add", "rx12345", "--name", "12345平台",
                 "--kind", "hotline12345", "--callback-url", "https://12345.example.cn/cb"]) == 0
    out = capsys.readouterr().out
    key = out.split("api_key: ")[1].split()[0]
    assert "callback HMAC secret:" in out
    with db.Session() as s:
        partner = s.scalar(select(Partner))
        user = s.get(User, partner.user_id)
    assert partner.key_hash == digest(key) and key not in partner.key_hash
    assert (user.role, user.username) == ("acceptor", "partner:rx12345")
    assert partner.source == "hotline_12345"
    assert main(["--database", db.url, "partner", "rekey", "rx12345"]) == 0
    new_key = capsys.readouterr().out.split("api_key: ")[1].split()[0]
    assert main(["--database", db.url, "partner", "disable", "rx12345"]) == 0
    main(["--database", db.url, "partner", "list"])
    assert "rx12345\thotline12345\t12345平台\thotline_12345\t停用" in capsys.readouterr().out
    with db.Session() as s:
        partner = s.scalar(select(Partner))
    assert partner.key_hash == digest(new_key) and not partner.active
    assert main(["--database", db.url, "partner", "add", "Bad Code", "--name", "x",
                 "--kind", "open311"]) == 2
    assert "代码只能用" in capsys.readouterr().err


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_serve_speaks_tls(db, certificate, tmp_path):
    cert, key = certificate
    port = free_port()
    log = tmp_path / "access.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "seatdesk", "--database", db.url, "serve", "--port", str(port),
         "--ssl-certfile", str(cert), "--ssl-keyfile", str(key), "--access-log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        response = _first_answer(f"https://127.0.0.1:{port}/open311/v2/discovery.json", cert)
        assert response.status_code == 200
        assert response.json()["endpoints"][0]["url"].startswith("https://127.0.0.1")
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not spoken
            httpx.get(f"http://127.0.0.1:{port}/open311/v2/discovery.json", timeout=5)
        docs = httpx.get(f"https://127.0.0.1:{port}/docs", verify=ssl.create_default_context(cafile=str(cert)), timeout=5)
        assert "/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text.lower()
        asset = httpx.get(f"https://127.0.0.1:{port}/docs-assets/swagger-ui-bundle.js",
                          verify=ssl.create_default_context(cafile=str(cert)), timeout=5)
        assert asset.status_code == 200 and len(asset.content) > 500_000
    finally:
        proc.terminate()
        proc.wait(15)
    assert "GET /open311/v2/discovery.json 200" in log.read_text()


def _first_answer(url: str, cert, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, verify=ssl.create_default_context(cafile=str(cert)), timeout=5)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
