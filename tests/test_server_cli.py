"""``seatdesk partner …`` and ``seatdesk serve`` as an operator runs them: a real server
process speaking HTTPS with uvicorn's own TLS."""

from __future__ import annotations

import os
import socket
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
    assert capsys.readouterr().out == "rx12345: disabled\n"  # no callback waiting: no line
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
    assert proc.returncode == 0  # SIGTERM is a graceful stop (runner.serve), on both backends
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


# -- seatdesk serve connected as the intake login, from the command line (PostgreSQL) ------
INTAKE_PASSWORD = "intake-cli-secret-3"
LOGIN_PASSWORD = "login-cli-pass-4"


def _seatdesk(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """``python -m seatdesk ARGS`` as an operator types it (a process of its own)."""
    done = subprocess.run([sys.executable, "-m", "seatdesk", *args], input=stdin, text=True,
                          capture_output=True, env={**os.environ}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _until_up(url: str, proc: subprocess.Popen, log, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"serve exited {proc.returncode}: {log.read_text()}"
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"serve did not answer: {log.read_text()}"
        time.sleep(0.2)


def _serve(db, tmp_path, *options: str):
    """``seatdesk serve`` on ``db`` (the workflow world, sup1's password set) as a process
    of its own group, as a terminal starts it; returns it, its port and its log."""
    from tests.server_fixtures import prepare
    from tests.workflow_fixtures import open_world

    prepare(open_world(db))
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "seatdesk", "--database", db.url, "serve", "--port",
             str(port), *options],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ}, start_new_session=True)
    return proc, port, log


def _signed_in(base: str, proc: subprocess.Popen, log, device: str) -> dict:
    """Once the server answers, sup1's handset signs in: its Authorization header."""
    from tests.server_fixtures import PASSWORD

    _until_up(base + "/openapi.json", proc, log)
    signed = httpx.post(base + "/field/v1/session", timeout=30, json={
        "username": "sup1", "password": PASSWORD, "device_id": device})
    assert signed.status_code == 201, signed.text
    return {"Authorization": f"Bearer {signed.json()['token']}"}


@pytest.mark.postgres
def test_serve_from_the_command_line_as_the_intake_login(template_store, tmp_path):
    """docs/operations.md 1.7 step by step: ``db logins`` and ``db intake-login
    --password-stdin`` as the owner, then ``seatdesk --database postgresql://<intake
    login>:…@…/db serve --workers 1`` as its own process; a handset signs in (a wrong
    password refused), reports, lists its tasks; a partner POSTs to Open311 and GETs it;
    SIGTERM stops it: exit status 0, the lifespan's shutdown run, no connection left."""
    import datetime as dt
    import signal

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from seatdesk.models import Case
    from seatdesk.workflow import services as sd
    from tests.dbtemplates import open_database
    from tests.server_fixtures import prepare
    from tests.workflow_fixtures import P1, open_world

    url = template_store.clone("postgresql", "workflow_world")
    dbname = make_url(url).database
    intake = f"intake_{dbname}"[:63]
    db = open_database("postgresql", url)
    world = open_world(db)
    keys, _secrets = prepare(world)  # the partners (their accounts get logins below)
    proc = None
    try:
        made = _seatdesk("--database", url, "db", "logins", "--password-stdin",
                         stdin=LOGIN_PASSWORD + "\n").stdout
        assert "sup1" in made and "partner:fms" in made, made
        _seatdesk("--database", url, "db", "intake-login", intake, "--password-stdin",
                  stdin=INTAKE_PASSWORD + "\n")
        serve_url = make_url(url).set(drivername="postgresql", username=intake,
                                      password=INTAKE_PASSWORD)
        port, log = free_port(), tmp_path / "serve.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "seatdesk", "--database",
                 serve_url.render_as_string(hide_password=False), "serve",
                 "--port", str(port), "--workers", "1"],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ})
        base = f"http://127.0.0.1:{port}"
        _until_up(base + "/openapi.json", proc, log)
        with db.engine.connect() as conn:  # the process really is the intake login
            users = set(conn.execute(text(
                "SELECT usename FROM pg_stat_activity WHERE datname = :d"
                " AND usename <> current_user"), {"d": dbname}).scalars())
        assert intake in users, users
        with httpx.Client(base_url=base, timeout=30) as c:
            wrong = c.post("/field/v1/session", json={
                "username": "sup1", "password": "not-the-password", "device_id": "cli-1"})
            assert wrong.status_code == 401, wrong.text
            signed = c.post("/field/v1/session", json={
                "username": "sup1", "password": LOGIN_PASSWORD, "device_id": "cli-1"})
            assert signed.status_code == 201, signed.text
            me = {"Authorization": f"Bearer {signed.json()['token']}"}
            report = {"report_id": "cli-0001", "lon": P1[0], "lat": P1[1],
                      "description": "井盖破损"}
            # db logins printed the password: it is to be changed before anything else
            assert signed.json()["must_change_password"] is True
            refused = c.post("/field/v1/reports", headers=me, json=report)
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == "must_change_password"
            assert c.post("/field/v1/password", headers=me, json={
                "old_password": LOGIN_PASSWORD, "new_password": "chosen-cli-pass-5"}
            ).status_code == 204
            reported = c.post("/field/v1/reports", headers=me, json=report)
            assert reported.status_code == 201, reported.text
            case_id = reported.json()["case_id"]
            world.clock.now = dt.datetime.now(dt.UTC)  # the seat sends it to be verified
            with db.Session() as s:
                version = s.get(Case, case_id).version
            sd.send_verification(world.wf, world.a("acceptor"), case_id, version)
            tasks = c.get("/field/v1/tasks", headers=me)
            assert tasks.status_code == 200, tasks.text
            assert [t["kind"] for t in tasks.json()["tasks"] if t["case_id"] == case_id] == [
                "verify"]
            posted = c.post("/open311/v2/requests.json", data={
                "api_key": keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
                "long": str(P1[0]), "description": "小区门口垃圾堆了三天",
                "phone": "13912345678"})
            assert posted.status_code == 201, posted.text
            number = posted.json()[0]["service_request_id"]
            for params in ({}, {"api_key": keys["fms"]}):
                got = c.get(f"/open311/v2/requests/{number}.json", params=params)
                assert got.status_code == 200 and got.json()[0]["status"] == "open", got.text
                assert "13912345678" not in got.text
        with db.Session() as s:
            seats = s.scalars(text("SELECT seat FROM case_ledger WHERE case_id = :c"
                                   " ORDER BY seq"), {"c": case_id}).all()
        assert seats[0] == "城管通/cli-1"

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, log.read_text()
        proc = None
        output = log.read_text()
        assert "Application shutdown complete" in output, output
        assert "Traceback" not in output, output

        def left() -> list[str]:
            with db.engine.connect() as conn:
                return conn.execute(text(
                    "SELECT usename FROM pg_stat_activity WHERE datname = :d"
                    " AND usename <> current_user"), {"d": dbname}).scalars().all()

        deadline = time.monotonic() + 30  # a backend ends once it reads the socket's EOF
        while left() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert left() == []
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(15)
        db.engine.dispose()
        template_store.drop("postgresql", url)
        template_store._pg_exec(f'DROP ROLE IF EXISTS "{intake}"')
        eng = template_store._admin_engine()
        try:
            with eng.connect() as conn:
                logins = conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
                                      {"p": f"{dbname}.%"}).scalars().all()
                for login in logins:
                    conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        finally:
            eng.dispose()


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_is_a_graceful_stop(make_db, tmp_path, presses):
    """Ctrl+C (SIGINT to the process group, as a terminal sends it) with one worker stops
    ``seatdesk serve`` gracefully and exits with status 0, as SIGTERM does. A handset's
    task stream is open: the server ends it at once (feed.py) rather than waiting out
    the graceful-shutdown timeout and cancelling it; the lifespan's shutdown runs. Pressed
    twice while a report is still being uploaded (the impatient operator; uvicorn then
    stops waiting for open connections and skips the lifespan's shutdown): still status 0,
    no traceback (docs/operations.md)."""
    import signal
    import threading

    db = make_db("workflow_world")
    proc, port, log = _serve(db, tmp_path, "--workers", "1")
    base = f"http://127.0.0.1:{port}"
    ended = threading.Event()
    try:
        me = _signed_in(base, proc, log, "ctrl-c")
        first = threading.Event()

        def watch() -> None:  # a handset's task stream, open until the server ends it
            try:
                with httpx.stream("GET", base + "/field/v1/tasks/stream", headers=me,
                                  timeout=httpx.Timeout(5, read=None)) as events:
                    for line in events.iter_lines():
                        if line.startswith("event: tasks"):
                            first.set()
            except httpx.HTTPError:
                pass
            ended.set()

        threading.Thread(target=watch, daemon=True).start()
        assert first.wait(30), log.read_text()
        if presses == 1:
            os.killpg(proc.pid, signal.SIGINT)
        else:  # a report half sent holds the graceful stop, so the second press is seen
            upload = socket.create_connection(("127.0.0.1", port), timeout=30)
            upload.sendall(b"POST /field/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: "
                           + me["Authorization"].encode() + b"\r\nContent-Type: "
                           b"application/json\r\nContent-Length: 400\r\n\r\n{\"report")
            time.sleep(0.5)
            os.killpg(proc.pid, signal.SIGINT)
            deadline = time.monotonic() + 30
            while "Waiting for connections to close" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(60)
        proc = None
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(15)
    output = log.read_text()
    assert code == 0, output
    assert "timeout graceful shutdown exceeded" not in output, output
    assert ended.wait(30)
    if presses == 1:
        assert "Traceback" not in output and "Exception in ASGI application" not in output
        assert "Application shutdown complete" in output, output
    else:  # the half-sent report is cut off, and uvicorn says so; nothing else failed
        assert "POST /field/v1/reports 0 " in output, output
        assert output.count("Traceback (most recent call last)") == 2 * output.count(
            "Exception in ASGI application") == 2, output  # its error, chained to the stop
        assert "lifespan" not in output.lower(), output  # the lifespan shut down, no error
        upload.close()


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)  # sessions and application_name are PostgreSQL's
def test_serve_keeps_a_fixed_pool_of_connections(make_db, tmp_path):
    """``--db-connections N``: each worker keeps N sessions, named ``seatdesk serve`` in
    ``pg_stat_activity``, and never opens more, however many requests come at once —
    connections beyond a pool were closed when handed back and opened again at the next
    burst (docs/performance.md: a new session costs PostgreSQL ~50 ms of CPU) — and as
    many again for the text reports' statements its event loop sends (docs/api.md).
    Twenty reports from fifteen handsets at once all register; the server's sessions,
    watched all the while, never number more than 2 × 3, and the same serve a second
    burst."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from tests.workflow_fixtures import P1

    db = make_db("workflow_world")
    dbname = make_url(db.url).database
    proc, port, log = _serve(db, tmp_path, "--workers", "1", "--db-connections", "3")
    base = f"http://127.0.0.1:{port}"
    seen: list[frozenset] = []
    stop = threading.Event()

    def sessions() -> frozenset:
        with db.engine.connect() as conn:
            return frozenset(conn.execute(text(
                "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = :d"
                " AND application_name = 'seatdesk serve'"), {"d": dbname}).all())

    def watch() -> None:
        while not stop.is_set():
            seen.append(sessions())
            time.sleep(0.01)

    try:
        me = _signed_in(base, proc, log, "pool")
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        limits = httpx.Limits(max_connections=15, max_keepalive_connections=15)
        with httpx.Client(base_url=base, timeout=60, limits=limits) as client:

            def report(n: int) -> int:
                return client.post("/field/v1/reports", headers=me, json={
                    "report_id": f"pool-{n:03d}", "lon": P1[0] + n * 1e-5, "lat": P1[1],
                    "description": "路灯不亮"}).status_code

            with ThreadPoolExecutor(15) as pool:
                first = list(pool.map(report, range(20)))
                after_first = sessions()
                second = list(pool.map(report, range(20, 40)))
        stop.set()
        watcher.join(10)
        assert first == second == [201] * 20, log.read_text()
        assert 1 <= max(len(s) for s in seen) <= 2 * 3, seen
        assert sessions() == after_first  # the second burst opened none
    finally:
        stop.set()
        proc.terminate()
        proc.wait(30)
