"""``seatdesk wall`` signs in first (both backends): nothing of the wall shows before a
sign-in, an account that may not open the wall is refused in the dialog, a wall display
account opens it; a wall machine signs in unattended with the account and password file
its configuration names."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from seatdesk.ui.screenshots import save
from seatdesk.ui.wall.display import WallWindow
from seatdesk.ui.wall.sign_in import WallSignIn, unattended_credentials
from tests.seat_helpers import PASSWORD, TIMEOUT, city_fixture  # noqa: F401 (fixture)


def walls() -> list:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, WallWindow) and w.isVisible()]


def test_the_wall_opens_only_after_a_wall_account_signs_in(city, qtbot):
    wall = WallSignIn(city.Session, fullscreen=False)
    wall.start()
    login = wall.login
    qtbot.waitUntil(login.isVisible, timeout=TIMEOUT)
    assert walls() == []
    qtbot.keyClicks(login.username, "bumen")
    qtbot.keyClicks(login.password, PASSWORD)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "不能打开大屏" in login.error.text(), timeout=TIMEOUT)
    assert login.isVisible() and walls() == []  # refused: still at the dialog
    if city.backend == "sqlite":
        qtbot.wait(100)
        save(login, "wall_login_refused")
    login.username.clear()
    qtbot.keyClicks(login.username, "daping")
    qtbot.keyClicks(login.password, PASSWORD)
    with qtbot.waitSignal(wall.opened, timeout=TIMEOUT) as opened:
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    window = opened.args[0]
    try:
        assert "（大屏" in window.windowTitle()  # whose wall it is
    finally:
        with qtbot.waitSignal(wall.finished, timeout=TIMEOUT):
            window.close()


def test_cancelling_the_sign_in_ends_the_wall(city, qtbot):
    wall = WallSignIn(city.Session, fullscreen=False)
    wall.start()
    with qtbot.waitSignal(wall.finished, timeout=TIMEOUT):
        wall.login.reject()
    assert walls() == []


def test_a_wall_machine_signs_in_unattended(city, qtbot, tmp_path, monkeypatch):
    secret = tmp_path / "wall.secret"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    config = tmp_path / "seatdesk.toml"
    config.write_text(f'profile = "wall"\nwall_user = "daping"\n'
                      f'wall_password_file = "{secret}"\n', encoding="utf-8")
    monkeypatch.setenv("SEATDESK_CONFIG", str(config))
    assert unattended_credentials() == ("daping", PASSWORD)
    wall = WallSignIn(city.Session, fullscreen=False)
    with qtbot.waitSignal(wall.opened, timeout=TIMEOUT) as opened:
        wall.start(unattended_credentials())
    window = opened.args[0]
    with qtbot.waitSignal(wall.finished, timeout=TIMEOUT):
        window.close()
