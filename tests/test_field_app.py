"""The reference field client (/field/app) in a real browser engine (QtWebEngine, a
phone-sized view): sign in, report with a photo and a position, see a task arrive and
answer it; then the server goes away — the page still opens (service worker), reports
and answers wait in the IndexedDB outbox — and when the server is back they are sent,
each once. The screenshots in docs/screenshots/field_*.png come from this test."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from sqlalchemy import func, select, update

from seatdesk.models import Attachment, Case, User
from seatdesk.ui.screenshots import save
from seatdesk.workflow import services as sd
from tests.seat_helpers import PASSWORD, actors, city_fixture, place  # noqa: F401
from tests.server_fixtures import serving

PHONE = (390, 844)
JPEG_BLOB = """new Promise(function (resolve) {
  var c = document.createElement('canvas'); c.width = 640; c.height = 480;
  var g = c.getContext('2d'); g.fillStyle = '%s'; g.fillRect(0, 0, 640, 480);
  g.fillStyle = '#fff'; g.font = '60px sans-serif'; g.fillText('现场', 240, 260);
  c.toBlob(resolve, 'image/jpeg', 0.9);
})"""


class Phone:
    """A QWebEngineView the size of a phone with its own persistent profile."""

    def __init__(self, qtbot, storage):
        self.qtbot = qtbot
        self.view = QWebEngineView()
        self.profile = QWebEngineProfile(f"field-{uuid.uuid4().hex[:8]}", self.view)
        self.profile.setPersistentStoragePath(str(storage))
        self.profile.setCachePath(str(storage / "cache"))
        self.page = QWebEnginePage(self.profile, self.view)
        self.view.setPage(self.page)
        self.view.resize(*PHONE)
        qtbot.addWidget(self.view)
        self.view.show()

    def js(self, script: str, timeout: int = 10_000):
        box = {}
        self.page.runJavaScript(script, 0, lambda value: box.setdefault("v", value))
        self.qtbot.waitUntil(lambda: "v" in box, timeout=timeout)
        return box["v"]

    def until(self, script: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.js(script):
            assert time.monotonic() < deadline, f"never true: {script}"
            self.qtbot.wait(100)

    def wait_async(self, script: str, timeout: float = 10.0):
        """Run an expression that yields a Promise; return what it resolves to (JSON)."""
        token = uuid.uuid4().hex
        self.js(f"window['{token}'] = undefined; Promise.resolve({script})"
                f".then(function (v) {{ window['{token}'] = JSON.stringify(v === undefined ? null : v); }})")
        self.until(f"window['{token}'] !== undefined", timeout)
        return json.loads(self.js(f"window['{token}']"))

    def shot(self, name: str) -> None:
        """A screenshot once the page has painted what the last step changed."""
        self.js("new Promise(function (r) { requestAnimationFrame(function () { r(1); }); })")
        self.qtbot.wait(400)
        save(self.view, name)

    def load(self, url: str) -> None:
        """Open ``url`` (again) and wait for that page's start: the page shown until then
        is told it is not the one waited for (a reload would otherwise answer at once)."""
        self.js("if (window.fieldApp) { window.fieldApp.ready = 'replaced'; } 1")
        self.view.load(QUrl(url))
        self.until("window.fieldApp !== undefined && window.fieldApp.ready === true", 30)

    def click(self, selector: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

    def fill(self, element_id: str, value: str) -> None:
        self.js(f"(function (el) {{ el.value = {json.dumps(value)};"
                " el.dispatchEvent(new Event('input')); })"
                f"(document.getElementById({json.dumps(element_id)}))")

    def text(self, selector: str) -> str:
        return self.js(f"document.querySelector({json.dumps(selector)}).textContent")

    def visible(self, element_id: str) -> bool:
        return self.js(f"!document.getElementById({json.dumps(element_id)}).hidden")


@pytest.fixture
def server(city):
    with serving(city.url) as live:
        yield live


def _cases(db, where=()) -> int:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case).where(*where))


def _sign_in(phone: Phone) -> None:
    # the page says 在线 once its first request (GET /me, sent when it is ready) has an
    # answer; under load that answer can come after ``ready``
    phone.until("document.querySelector('#net').textContent === '在线'", 20)
    assert phone.visible("view-login")
    phone.shot("field_login")
    phone.fill("login-user", "jiandu")
    phone.fill("login-pass", PASSWORD)
    phone.click("#login-go")
    phone.until("!document.getElementById('view-report').hidden")
    phone.until("document.querySelectorAll('#report-class option').length > 100")


def _report(phone: Phone, text: str, lon: float, lat: float, color: str) -> None:
    phone.click(".tabs button[data-view=report]")
    phone.js(f"fieldApp.setPosition({lon}, {lat}, 6)")  # what the GPS callback does
    phone.fill("report-text", text)
    phone.fill("report-address", "燕山路 18 号")
    assert phone.wait_async(f"{JPEG_BLOB % color}.then(fieldApp.addPhoto)") >= 1


def test_the_field_page_online_offline_and_back(city, qtbot, server, tmp_path):
    db = city
    phone = Phone(qtbot, tmp_path / "phone")
    phone.load(f"{server.url}/field/app/")
    _sign_in(phone)
    assert phone.text(".bar .who")  # the supervisor's name
    # online: a report with a photo and a position becomes a case at once
    lon, lat, class_id = place(db, 42)
    _report(phone, "井盖破损，有安全隐患", lon, lat, "#8a5a2b")
    phone.js(f"document.getElementById('report-class').value = '{class_id}'")
    phone.shot("field_report")
    phone.click("#report-go")
    phone.until("document.querySelector('#sent-list .state.done') !== null")
    assert _cases(db, (Case.source == "patrol", Case.description == "井盖破损，有安全隐患")) == 1
    with db.Session() as s:
        case = s.scalar(select(Case).where(Case.description == "井盖破损，有安全隐患"))
        jiandu = s.scalar(select(User).where(User.username == "jiandu"))
        mimes = s.scalars(select(Attachment.mime_type).where(Attachment.case_id == case.id)).all()
    assert case.class_id == class_id and case.reporter_id == jiandu.id
    assert mimes == ["image/jpeg"] and case.intake_key.startswith(f"field:{jiandu.id}:")
    # a 核实 task for jiandu arrives by long-poll
    task = _verification_for(db, jiandu.id)
    phone.click(".tabs button[data-view=tasks]")
    phone.until(f"document.querySelector('.task[data-case-id=\"{task.case_id}\"]') !== null")
    phone.until("document.querySelector('.task .photos img[src^=blob]') !== null")
    phone.shot("field_tasks")
    # the page is under its service worker: it will open without the server
    phone.until("navigator.serviceWorker.controller !== null")
    server.stop()
    _report(phone, "人行道破损（离线时上报）", lon + 0.0005, lat, "#2b5a8a")
    phone.click("#report-go")
    phone.until("document.getElementById('outbox-count').textContent === '1'")
    phone.click(".tabs button[data-view=tasks]")
    phone.js(f"document.querySelector('.task[data-case-id=\"{task.case_id}\"] textarea')"
             ".value = '现场确有积水'")
    phone.click(f".task[data-case-id=\"{task.case_id}\"] button[data-result=confirmed]")
    phone.until("document.getElementById('outbox-count').textContent === '2'")
    phone.until("document.getElementById('net').textContent === '离线'")
    phone.click(".tabs button[data-view=report]")
    phone.js("document.getElementById('sent').scrollIntoView()")
    phone.shot("field_offline")
    # reopened without a server: the service worker serves the page, the outbox is kept
    phone.js("window.beforeReload = true")
    with qtbot.waitSignal(phone.view.loadFinished, timeout=30_000) as loaded:
        phone.view.reload()
    assert loaded.args == [True]  # the page itself, not the browser's error page
    phone.until("window.beforeReload === undefined && window.fieldApp !== undefined"
                " && window.fieldApp.ready === true", 30)
    assert phone.visible("view-report")
    phone.until("document.getElementById('outbox-count').textContent === '2'")
    assert _cases(db, (Case.description == "人行道破损（离线时上报）",)) == 0
    # the server is back: the outbox is sent in order, each item once
    server.start()
    phone.until("document.getElementById('outbox-count').hidden === true", 40)
    assert _cases(db, (Case.description == "人行道破损（离线时上报）",)) == 1
    with db.Session() as s:
        answered = s.get(Case, task.case_id)
    assert answered.verification == "confirmed" and answered.state == "reported"
    # sending again changes nothing: counted once the flush has answered (its promise),
    # not after a fixed 500 ms a loaded machine may not finish a resend in
    phone.wait_async("fieldApp.flush()", 30.0)
    assert _cases(db, (Case.description == "人行道破损（离线时上报）",)) == 1


def test_a_refused_report_is_corrected_and_sent_with_its_photo(city, qtbot, server, tmp_path):
    """A report the server refuses (the GPS gave (0, 0): outside the city) stays on the
    phone, marked 被拒绝 with the server's reason and a 改正后重发 button; the button puts
    its text, class and photo back in the form with the refused position in the manual
    fields; corrected, it is sent once, with its photo, and leaves the outbox."""
    db = city
    phone = Phone(qtbot, tmp_path / "phone")
    phone.load(f"{server.url}/field/app/")
    _sign_in(phone)
    lon, lat, class_id = place(db, 44)
    _report(phone, "路灯不亮（定位失败）", 0.0, 0.0, "#5a2b8a")
    phone.js(f"document.getElementById('report-class').value = '{class_id}'")
    phone.click("#report-go")
    phone.until("document.querySelector('#sent-list .state.failed') !== null")
    assert "不在本市范围内" in phone.text("#sent-list .state.failed")
    assert phone.text("#outbox-count") == "1"  # kept on the phone, photo and all
    phone.js("document.getElementById('sent').scrollIntoView()")
    phone.shot("field_refused")
    assert _cases(db, (Case.description == "路灯不亮（定位失败）",)) == 0
    phone.click("#sent-list button.fix")
    phone.until("document.getElementById('report-text').value === '路灯不亮（定位失败）'")
    assert phone.js("document.querySelectorAll('#report-thumbs img').length") == 1
    assert phone.js("document.getElementById('report-class').value") == str(class_id)
    assert phone.js("document.getElementById('manual-lon').value + ' '"
                    " + document.getElementById('manual-lat').value") == "0 0"
    assert phone.visible("report-error") and "上次被拒绝" in phone.text("#report-error")
    phone.shot("field_correct")
    phone.fill("manual-lon", str(lon))
    phone.fill("manual-lat", str(lat))
    phone.click("#report-go")
    phone.until("document.querySelector('#sent-list .state.done') !== null")
    phone.until("document.getElementById('outbox-count').hidden === true")
    assert phone.js("document.querySelector('#sent-list .state.failed') === null")
    assert phone.js("document.getElementById('manual-lon').value") == ""
    with db.Session() as s:
        case = s.scalar(select(Case).where(Case.description == "路灯不亮（定位失败）"))
        photos = s.scalar(select(func.count()).select_from(Attachment)
                          .where(Attachment.case_id == case.id))
    assert case.class_id == class_id and photos == 1
    assert (case.lon, case.lat) == pytest.approx((lon, lat), abs=1e-6)


def test_a_reset_password_is_changed_on_the_phone_before_anything_else(city, qtbot, server,
                                                                      tmp_path):
    """An administrator reset 监督员 jiandu's password: signed in with it, the page asks for
    a new one before anything else (no tabs; the password just typed is not asked again),
    says so when the two new ones differ or one is short, and shows the server's reason for
    the old one again. Closed
    and opened again before the change, it asks again — now with the old password too,
    which it never kept. Changed, the report form comes and the account signs in with the
    new password only. 我的 → 修改密码 opens the same form, with the old password, the tabs
    and 取消."""
    from seatdesk.workflow.auth import verify_password

    db = city
    with db.Session.begin() as s:
        s.execute(update(User).where(User.username == "jiandu").values(must_change_password=True))
    phone = Phone(qtbot, tmp_path / "phone")
    phone.load(f"{server.url}/field/app/")
    phone.until("document.querySelector('#net').textContent === '在线'", 20)
    phone.fill("login-user", "jiandu")
    phone.fill("login-pass", PASSWORD)
    phone.click("#login-go")
    phone.until("!document.getElementById('view-password').hidden")
    assert not phone.visible("tabs") and phone.visible("password-why")
    assert not phone.visible("password-old-label") and not phone.visible("password-cancel")
    phone.shot("field_password")
    phone.fill("password-new", "street-pass-77")
    phone.fill("password-again", "street-pass-78")
    phone.click("#password-go")
    phone.until("!document.getElementById('password-error').hidden")
    assert phone.text("#password-error") == "两次输入的新密码不一致"
    phone.load(f"{server.url}/field/app/")  # closed and opened again, not changed yet
    phone.until("!document.getElementById('view-password').hidden")
    assert phone.visible("password-old-label") and not phone.visible("tabs")
    phone.fill("password-old", PASSWORD)
    phone.fill("password-new", "short")
    phone.fill("password-again", "short")
    phone.click("#password-go")
    phone.until("document.getElementById('password-error').textContent === '新密码至少 8 位'")
    phone.fill("password-new", PASSWORD)  # the server's own refusal, shown as it says
    phone.fill("password-again", PASSWORD)
    phone.click("#password-go")
    phone.until("document.getElementById('password-error').textContent"
                " === '新密码不能与原密码相同'")
    phone.fill("password-new", "street-pass-77")
    phone.fill("password-again", "street-pass-77")
    phone.click("#password-go")
    phone.until("!document.getElementById('view-report').hidden")
    assert phone.visible("tabs") and "密码已修改" in phone.text("#notice")
    with db.Session() as s:
        account = s.execute(select(User.password_hash, User.must_change_password)
                            .where(User.username == "jiandu")).one()
    assert verify_password(account.password_hash, "street-pass-77")
    assert account.must_change_password is False
    phone.load(f"{server.url}/field/app/")  # and stays changed
    phone.until("!document.getElementById('view-report').hidden")
    phone.click(".tabs button[data-view=duty]")  # 我的 → 修改密码, any time: old one asked
    phone.click("#password-open")
    assert phone.visible("view-password") and phone.visible("tabs")
    assert phone.visible("password-old-label") and phone.visible("password-cancel")
    assert not phone.visible("password-why")
    phone.fill("password-old", "street-pass-77")
    phone.fill("password-new", "street-pass-99")
    phone.fill("password-again", "street-pass-99")
    phone.shot("field_password_change")
    phone.click("#password-cancel")
    assert phone.visible("view-duty")
    with db.Session() as s:  # cancelled: nothing sent
        assert verify_password(s.scalar(select(User.password_hash)
                                        .where(User.username == "jiandu")), "street-pass-77")


def test_a_password_given_anew_under_a_signed_in_phone_is_changed_and_nothing_lost(
        city, qtbot, server, tmp_path):
    """IT runs ``seatdesk db logins`` again (or the like) while jiandu's phone is signed in:
    the server then answers only the password change (403 must_change_password). The
    next report is not marked refused: the page shows 修改密码 with the server's reason,
    the report waits in the outbox, and once the password is changed it is sent."""
    db = city
    phone = Phone(qtbot, tmp_path / "phone")
    phone.load(f"{server.url}/field/app/")
    _sign_in(phone)
    lon, lat, _class_id = place(db, 42)
    with db.Session.begin() as s:
        s.execute(update(User).where(User.username == "jiandu").values(must_change_password=True))
    # (PostgreSQL: the server's kept grant goes with the flag's NOTIFY, within moments)
    token = phone.js("fieldApp.state.token")
    deadline = time.monotonic() + 10
    while httpx.get(f"{server.url}/field/v1/classes", timeout=10,
                    headers={"Authorization": f"Bearer {token}"}).status_code != 403:
        assert time.monotonic() < deadline, "the server still takes the token"
        phone.qtbot.wait(100)
    _report(phone, "路灯不亮（密码须修改时上报）", lon, lat, "#5a8a2b")
    phone.click("#report-go")
    phone.until("!document.getElementById('view-password').hidden", 20)
    assert not phone.visible("tabs") and phone.visible("password-why")
    assert phone.visible("password-old-label")  # the password of that sign-in is not kept
    pending = phone.wait_async("store.pending()")
    assert [(i["kind"], i["state"]) for i in pending] == [("report", "pending")]
    assert _cases(db, (Case.description == "路灯不亮（密码须修改时上报）",)) == 0
    phone.fill("password-old", PASSWORD)
    phone.fill("password-new", "street-pass-55")
    phone.fill("password-again", "street-pass-55")
    phone.click("#password-go")
    phone.until("!document.getElementById('view-report').hidden")
    phone.until("document.querySelector('#sent-list .state.done') !== null", 20)
    assert _cases(db, (Case.description == "路灯不亮（密码须修改时上报）",)) == 1
    assert phone.wait_async("store.pending()") == []


def test_a_shared_phone_shows_each_supervisor_only_their_own(city, qtbot, server, tmp_path):
    """A phone passed on at the shift change: the outbox still holds another supervisor's
    unsent report and their list of sent ones. The one signed in now sees neither in
    最近上报, and 我的 counts the other's waiting item apart (「另有 1 条…」) — it is not
    sent under this supervisor's name, and stays for its owner."""
    phone = Phone(qtbot, tmp_path / "phone")
    phone.load(f"{server.url}/field/app/")
    _sign_in(phone)
    me = phone.js("fieldApp.state.user.id")
    other = {"kind": "report", "user": me + 1000, "report_id": "other-1", "created": 1,
             "state": "pending", "photos": [],
             "fields": {"description": "别人的待发上报", "lon": 0, "lat": 0}}
    phone.wait_async(f"store.queue({json.dumps(other)})")
    phone.wait_async("store.set('sent', [{report_id: 'other-0', number: '20260101000001',"
                     f" user: {me + 1000}, text: '别人已上报的'}}])")
    phone.wait_async("fieldApp.flush()")
    phone.wait_async("fieldApp.refreshOutbox()")
    phone.js("fieldApp.renderSent()")
    phone.qtbot.wait(300)
    shown = phone.text("#sent-list")
    assert "别人的待发上报" not in shown and "别人已上报的" not in shown
    phone.click(".tabs button[data-view=duty]")
    assert phone.text("#outbox-text") == (
        "没有待发送的内容；另有 1 条属于此手机上的其他账号，待其本人登录后发送")
    assert not phone.visible("outbox-count")
    assert [i["report_id"] for i in phone.wait_async("store.pending()")] == ["other-1"]
    assert _cases(city, (Case.description == "别人的待发上报",)) == 0


def _verification_for(db, supervisor_id: int) -> sd.CaseChange:
    wf, a = sd.Workflow(db.engine), actors(db)
    lon, lat, class_id = place(db, 43)
    photo = sd.AttachmentIn("photo", "来电.jpg", "image/jpeg", _jpeg())
    new = sd.register(wf, a["shouli"], sd.Report(
        source="hotline_12319", lon=lon, lat=lat, address="平陵路 6 号",
        description="下水道堵塞，路面积水", class_id=class_id, caller_phone="13900001111",
        attachments=(photo,)))
    return sd.send_verification(wf, a["shouli"], new.case_id, new.version,
                                supervisor_id=supervisor_id)


def _jpeg() -> bytes:
    from tests.server_fixtures import jpeg

    return jpeg((320, 240), color=(60, 110, 160))
