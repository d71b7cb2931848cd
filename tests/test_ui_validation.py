"""A seat meets refused input: the intake form and the search boxes say what is wrong, keep
what was typed, and never claim the database is unavailable — on both backends."""

from __future__ import annotations

from sqlalchemy import func, select

from seatdesk.models import Case, User
from seatdesk.ui.session.draft_store import Owner
from seatdesk.ui.session.offline_queue import IntakeDraft, Outbox
from tests.seat_helpers import (
    TIMEOUT,
    city_fixture,  # noqa: F401 (fixture)
    open_seat,
    place,
    press,
)


def outbox_of(db, username: str) -> Outbox:
    """The outbox a seat of ``username`` on ``db`` uses on this computer."""
    with db.Session() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
    return Outbox(Owner(db.engine.url.render_as_string(hide_password=True), user_id))


def count_cases(db) -> int:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_intake_refusal_names_the_field_and_keeps_the_report(city, qtbot):
    db, before = city, count_cases(city)
    window = open_seat(qtbot, db, "shouli")
    press(qtbot, window.workspace, "Ctrl+N")
    form = window.workspace.intake
    lon, lat, class_id = place(db, 20)
    form.caller_phone.setText("13600002222")
    form.location.set_point(lon, lat)
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)
    long_text = "路面塌陷" * 501
    form.description.text.setPlainText(long_text)
    press(qtbot, form, "Ctrl+S")  # the form applies the engine's rules before sending
    assert form.status.text() == "问题描述不能超过2,000个字符（现有2,004个）"
    assert form.description.text.toPlainText() == long_text  # nothing lost
    assert window.workspace.seat.monitor.online and form.outbox.count() == 0
    assert count_cases(db) == before


def test_an_overlong_search_says_so_and_the_seat_stays_online(city, qtbot):
    window = open_seat(qtbot, city, "shouli")
    panel, monitor = window.workspace.workbox, window.workspace.seat.monitor
    field = panel.search.fields["text"]
    field.setText("燕" * 100_000)
    press(qtbot, field, "Return")
    qtbot.waitUntil(lambda: "搜索内容不能超过100个字符" in panel.status.text(), timeout=TIMEOUT)
    assert monitor.online and not window.workspace.banner.isVisible()
    picker = window.workspace.intake.location
    picker.search.line.setText("\x00" * 3)
    picker._search()
    qtbot.waitUntil(lambda: "地点搜索第1个字符是NUL空字符" in picker.resolved.text(),
                    timeout=TIMEOUT)
    assert monitor.online


def test_a_refused_report_in_the_outbox_opens_for_correction_and_blocks_no_other(city, qtbot):
    lon, lat, _class = place(city, 35)
    outbox = outbox_of(city, "shouli")
    bad = IntakeDraft(caller_phone="13600005555", lon=lon, lat=lat, description="长" * 2001)
    outbox.save(bad)
    outbox.save(IntakeDraft(caller_phone="13600006666", lon=lon + 0.01, lat=lat,
                            description="离线保存的另一条"))
    window = open_seat(qtbot, city, "shouli")  # the outbox is submitted at start-up
    form = window.workspace.intake
    qtbot.waitUntil(lambda: form.outbox.count() == 1 and "被退回" in form.status.text(),
                    timeout=TIMEOUT)
    assert form.status.text() == "离线保存的上报被退回：问题描述不能超过2,000个字符（现有2,001个）"
    assert form.description.text.toPlainText() == "长" * 2001  # back in the form, as typed
    with city.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)
                        .where(Case.description == "离线保存的另一条")) == 1
    window.workspace.show_page("intake")
    form.description.text.setPlainText("长" * 20)  # corrected
    press(qtbot, form, "Ctrl+S")
    qtbot.waitUntil(lambda: form.outbox.count() == 0 or "Ctrl+S" in form.status.text(),
                    timeout=TIMEOUT)
    if form.outbox.count():  # duplicates shown first: save as a new case anyway
        press(qtbot, form, "Ctrl+S")
    qtbot.waitUntil(lambda: form.outbox.count() == 0, timeout=TIMEOUT)


def test_a_report_kept_offline_outside_the_city_waits_in_the_form_for_a_yes(city, qtbot):
    """A report saved while offline was never asked about its point: at submission a
    point outside the city's extent is not registered on its own — it opens in the form,
    with the warning, and stays in the outbox until the call-taker says yes."""
    outbox = outbox_of(city, "shouli")
    outbox.save(IntakeDraft(caller_phone="13600007777", lon=119.705, lat=31.402,
                            description="离线时记下的市界外上报"))
    window = open_seat(qtbot, city, "shouli")  # the outbox is submitted at start-up
    form = window.workspace.intake
    qtbot.waitUntil(lambda: "不在本市范围内" in form.status.text(), timeout=TIMEOUT)
    assert form.status.text().endswith("按 Ctrl+S 时会先确认再登记")
    window.workspace.show_page("intake")
    qtbot.waitUntil(lambda: form.location.outside.isVisible(), timeout=TIMEOUT)
    assert form.outbox.count() == 1 and form.caller_phone.text() == "13600007777"
    assert not _registered(city, "离线时记下的市界外上报")
    press(qtbot, form, "Ctrl+S")
    qtbot.waitUntil(lambda: form.outside_prompt is not None
                    and form.outside_prompt.isVisible(), timeout=TIMEOUT)
    form.outside_prompt.register.click()
    qtbot.waitUntil(lambda: form.outbox.count() == 0, timeout=TIMEOUT)
    assert _registered(city, "离线时记下的市界外上报")


def _registered(db, description: str) -> bool:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case)
                        .where(Case.description == description)) == 1
