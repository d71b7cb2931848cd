"""A seat meets refused input: the intake form and the search boxes say what is wrong, keep
what was typed, and never claim the database is unavailable — on both backends."""

from __future__ import annotations

from sqlalchemy import func, select

from seatdesk.models import Case
from tests.seat_helpers import (
    TIMEOUT,
    city_fixture,  # noqa: F401 (fixture)
    open_seat,
    place,
    press,
)


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
