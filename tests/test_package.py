"""The Debian package: built once per session, in the background from the session's start
(``tests/package_build.py``: ``scripts/build-deb``, uncompressed to save time; set
``SEATDESK_TEST_DEB`` to test a package built by ``make deb`` instead), unpacked with
``dpkg-deb -x`` into a temporary root and run from there — the source tree is not on any
path — then installed and purged with dpkg into a scratch root."""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tests import package_build
from tests.server_fixtures import free_port

SOURCE = Path(__file__).resolve().parents[1]
CITY = SOURCE / "tests" / "data" / "yunxi" / "city.toml"
PASSWORD = "package test pw 1"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def deb() -> Path:
    return package_build.package()


@pytest.fixture(scope="session")
def unpacked(deb, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pkgroot")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def _env(root: Path, home: Path) -> dict[str, str]:
    """A clean environment: no PYTHONPATH, no source tree; the config is the package's
    /etc/seatdesk/seatdesk.toml, copied to ``home`` so that a test may edit it."""
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    config = home / "seatdesk.toml"
    if not config.exists():
        config.write_text((root / "etc" / "seatdesk" / "seatdesk.toml").read_text())
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(home / "run"),
            "SEATDESK_CONFIG": str(config), "SEATDESK_DATA_DIR": str(home / "data")}


def _configure(root: Path, home: Path, **values: str) -> Path:
    """The package's config file with ``values`` set (profile, database_url)."""
    config = home / "seatdesk.toml"
    text = (root / "etc" / "seatdesk" / "seatdesk.toml").read_text()
    if "profile" in values:
        text = text.replace('profile = "seat"', f'profile = "{values.pop("profile")}"')
    config.write_text(text + "".join(f'\n{k} = "{v}"\n' for k, v in values.items()))
    return config


def _run(root: Path, home: Path, *args: str, stdin: str = "", timeout: int = 300):
    return subprocess.run([str(root / "usr" / "bin" / "seatdesk"), *args], cwd=home,
                          env=_env(root, home), input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def test_control_declares_dependencies_conffile_and_entries(deb, tmp_path):
    subprocess.run(["dpkg-deb", "-e", str(deb), str(tmp_path / "DEBIAN")], check=True)
    control = (tmp_path / "DEBIAN" / "control").read_text()
    for dep in ("python3.11", "fonts-noto-cjk", "libnss3", "libxcb-cursor0", "libasound2"):
        assert dep in control
    assert "Package: seatdesk\n" in control and "Recommends: postgresql-client" in control
    assert (tmp_path / "DEBIAN" / "conffiles").read_text() == "/etc/seatdesk/seatdesk.toml\n"
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    for path in ("./usr/bin/seatdesk -> ../../opt/seatdesk/bin/seatdesk",
                 "./etc/seatdesk/seatdesk.toml", "./etc/xdg/autostart/seatdesk-kiosk.desktop",
                 "./usr/share/applications/seatdesk.desktop",
                 "./opt/seatdesk/venv/bin/python3.11 -> /usr/bin/python3.11",
                 "./opt/seatdesk/app/migrations/env.py"):
        assert path in listing, path
    assert "/opt/seatdesk/venv/lib/python3.11/site-packages/seatdesk/" not in listing


def test_unpacked_package_starts_the_seat_without_the_source_tree(unpacked, tmp_path):
    leaked = subprocess.run(["grep", "-rlI", str(SOURCE), str(unpacked)],
                            capture_output=True, text=True).stdout
    assert leaked == "", f"the package refers to the source tree: {leaked[:500]}"
    config = _configure(unpacked, tmp_path,
                        database_url=f"sqlite:///{tmp_path / 'centre.sqlite3'}")
    (tmp_path / "city.toml").write_text(CITY.read_text(encoding="utf-8"), encoding="utf-8")
    for args, stdin in ((("db", "upgrade"), ""), (("setup", "--profile", "city.toml"), ""),
                        (("user", "add", "admin1", "--role", "admin", "--password-stdin"),
                         PASSWORD + "\n")):
        proc = _run(unpacked, tmp_path, *args, stdin=stdin)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    doctor = _run(unpacked, tmp_path, "doctor")
    assert "QtWebEngine: ok" in doctor.stdout, doctor.stdout + doctor.stderr
    assert f"config file {config}" in doctor.stdout
    driver = tmp_path / "start_seat.py"
    driver.write_text(DRIVER, encoding="utf-8")
    python = unpacked / "opt" / "seatdesk" / "venv" / "bin" / "python"
    proc = subprocess.run([str(python), "-I", str(driver), str(unpacked), PASSWORD,
                           str(tmp_path / "seat.png")], cwd=tmp_path,
                          env=_env(unpacked, tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    assert "seat started from the package" in proc.stdout
    assert (tmp_path / "seat.png").stat().st_size > 10_000


def test_unpacked_package_serves_the_intake_api(unpacked, tmp_path):
    """``seatdesk serve`` from the package: FastAPI, uvicorn and python-multipart are in its
    environment (the server would not start without the form parser), the API docs' assets
    and the field page are bundled."""
    _configure(unpacked, tmp_path, database_url=f"sqlite:///{tmp_path / 'centre.sqlite3'}")
    (tmp_path / "city.toml").write_text(CITY.read_text(encoding="utf-8"), encoding="utf-8")
    for args in (("db", "upgrade"), ("setup", "--profile", "city.toml")):
        proc = _run(unpacked, tmp_path, *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    port = free_port()
    server = subprocess.Popen([str(unpacked / "usr" / "bin" / "seatdesk"), "serve", "--port",
                               str(port)], cwd=tmp_path, env=_env(unpacked, tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        spec = _get_when_up(f"{base}/openapi.json", server)
        assert spec.status_code == 200 and "/field/v1/reports" in spec.json()["paths"]
        for path in ("/docs-assets/swagger-ui-bundle.js", "/field/app/"):
            assert httpx.get(base + path, timeout=10).status_code == 200, path
        signin = httpx.post(f"{base}/field/v1/session", timeout=10,
                            json={"username": "nobody", "password": "x", "device_id": "p"})
        assert signin.status_code == 401
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output[-3000:]


def _get_when_up(url: str, server: subprocess.Popen) -> httpx.Response:
    for _ in range(300):
        assert server.poll() is None, server.communicate()[0][-3000:]
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"seatdesk serve did not answer on {url}")


DRIVER = textwrap.dedent('''
    """Start the packaged seat (the real `seatdesk gui` path), sign in, wait for the
    workspace, save a screenshot, quit."""
    import sys
    from pathlib import Path

    root, password, shot = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    import seatdesk
    assert Path(seatdesk.__file__).resolve().is_relative_to(root), seatdesk.__file__
    assert not any("site-packages/seatdesk/" in p for p in sys.path)
    from seatdesk.ui.session.app import make_application
    app = make_application()
    from PySide6.QtCore import QTimer
    done = {}

    def tick():
        for widget in app.topLevelWidgets():
            kind = type(widget).__name__
            if (kind == "LoginDialog" and widget.isVisible() and "login" not in done
                    and widget.centre.text().startswith("云溪市")):
                done["login"] = True
                widget.username.setText("admin1")
                widget.password.setText(password)
                widget.submit()
            if kind == "MainWindow" and widget.isVisible() and widget.workspace is not None:
                done["main"] = widget.windowTitle()
                widget.grab().save(shot)
                app.quit()
                return
        QTimer.singleShot(200, tick)

    QTimer.singleShot(200, tick)
    QTimer.singleShot(120_000, app.quit)
    from seatdesk.cli import main
    code = main(["gui"])
    if "main" in done:
        print("seat started from the package:", done["main"])
    sys.exit(0 if code == 0 and "main" in done else 1)
''')


def test_kiosk_restarts_the_wall_and_stays_away_on_a_seat(unpacked, tmp_path):
    seat = _run(unpacked, tmp_path, "kiosk", "--max-starts", "2")
    assert seat.returncode == 0 and "不启动大屏" in seat.stderr
    _configure(unpacked, tmp_path, profile="wall",
               database_url=f"sqlite:///{tmp_path / 'not-upgraded.sqlite3'}")
    wall = _run(unpacked, tmp_path, "kiosk", "--max-starts", "3", "--pause", "0.2")
    assert wall.returncode == 0, wall.stderr
    assert wall.stderr.count("启动大屏（第") == 3  # the wall exits (no schema); restarted twice
    assert wall.stderr.count("秒后重新启动") == 2
    assert "数据库还没有表结构" in wall.stderr
    assert (tmp_path / "data" / "kiosk.log").read_text(encoding="utf-8").count("大屏已退出") == 3


def test_install_and_purge_leave_nothing_behind(deb, tmp_path):
    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").touch()
    dpkg = ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends",
            "--log=/dev/null"]
    proc = subprocess.run([*dpkg, "-i", str(deb)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "opt" / "seatdesk" / "venv" / "bin" / "python3.11").is_symlink()
    runs = subprocess.run([str(root / "usr" / "bin" / "seatdesk"), "--help"],
                          capture_output=True, text=True, env=_env(root, tmp_path))
    assert runs.returncode == 0 and "setup" in runs.stdout, runs.stderr
    (root / "opt" / "seatdesk" / "app" / "seatdesk" / "__pycache__" / "stray.pyc").write_bytes(b"")
    proc = subprocess.run([*dpkg, "-P", "seatdesk"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if not p.is_relative_to(admin) and p != root / "var"
                  and p != root / "var" / "lib")
    assert left == [], left[:20]
