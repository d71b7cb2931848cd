"""Language and privacy of the seat.

A pseudo-locale (built from the real .ts: every translation replaced by an accented,
40 % longer, bracketed copy of its source, compiled with lrelease) is installed instead of
Chinese; the main screens — the workspace of each role, the intake form, action dialogs and
the command palette — are opened and every visible text must come out pseudo-translated
(an English source string left visible was never translated) and fit its widget (nothing
clipped at the longer length). English on request renders the code lists in English; the
Chinese glossary agrees with the core's labels; no string of the seat is untranslated.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

from seatdesk.models.enums import (
    AttachmentKind,
    CaseSource,
    CaseState,
    ClosureType,
    Role,
    TimeUnit,
    Urgency,
)
from seatdesk.ui import enum_labels as L
from seatdesk.ui.i18n import I18N, _tool, install_translator
from seatdesk.workflow.states import ACTIONS
from tests.seat_helpers import (
    TIMEOUT,
    application,
    city_fixture,  # noqa: F401 (fixture)
    open_from_box,
    open_seat,
    press,
    walk_case,
)

ACCENTS = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                        "åƀçđéƒĝĥîĵķļɱñöþǫŗşŧûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŘŞŦÛṼŴẊÝŽ")
KEEP = re.compile(r"(<[^>]+>|%\d|&\w+;)")
#: key names in shortcut hints are not words of the UI language
KEY_NAMES = re.compile(r"\b(Ctrl|Shift|Alt|Esc|Enter|Tab|Backspace|Return|F\d+)\b")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
#: widgets showing data (database label, file names), not UI text
DATA_WIDGETS = {"fileList", "attachmentList", "databaseLabel", "userLabel"}


def pseudo(source: str) -> str:
    parts = KEEP.split(source)
    body = "".join(p if i % 2 else p.translate(ACCENTS) for i, p in enumerate(parts))
    return f"⟦{body}{'·' * max(2, len(source) * 2 // 5)}⟧"


@pytest.fixture
def pseudo_locale(tmp_path, qtbot):
    """Install the pseudo-locale translator instead of the Chinese one (restored after)."""
    app = application()
    tree = ET.parse(I18N / "seatdesk_zh_CN.ts")
    for message in tree.iter("message"):
        translation = message.find("translation")
        translation.text = pseudo(message.findtext("source") or "")
        translation.attrib.pop("type", None)
    ts, qm = tmp_path / "pseudo.ts", tmp_path / "pseudo.qm"
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    subprocess.run([_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
    installed = app.findChildren(QTranslator)
    for translator in installed:
        app.removeTranslator(translator)
    fake = QTranslator(app)
    assert fake.load(str(qm))
    app.installTranslator(fake)
    yield app
    app.removeTranslator(fake)
    for translator in installed:
        app.installTranslator(translator)


def visible_texts(root: QWidget) -> list[tuple[QWidget, str]]:
    """(widget, text) of every visible piece of UI text under ``root``."""
    found = [(root, root.windowTitle())]
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.objectName() in DATA_WIDGETS or \
                widget.objectName().startswith("field_"):
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            found.append((widget, widget.text()))
        elif isinstance(widget, QGroupBox):
            found.append((widget, widget.title()))
        elif isinstance(widget, QLineEdit) and not widget.text():
            found.append((widget, widget.placeholderText()))
        elif isinstance(widget, QTabWidget):
            found += [(widget, widget.tabText(i)) for i in range(widget.count())]
    return [(w, t) for w, t in found if t]


def untranslated(texts) -> list[str]:
    """Texts with an English word outside the pseudo brackets, and UI-only texts (buttons,
    group titles, tabs, placeholders, window titles) that did not pass the translator."""
    bad = []
    for widget, text in texts:
        plain = KEY_NAMES.sub("", re.sub(r"<[^>]+>", "", text))
        outside = re.sub(r"⟦[^⟧]*⟧", "", plain)
        ui_only = not isinstance(widget, QLabel) or widget.isWindow()
        if ENGLISH_WORD.search(outside) or (ui_only and "⟦" not in text):
            bad.append(f"{type(widget).__name__} {widget.objectName()!r}: {text!r}")
    return bad


def clipped(root: QWidget) -> list[str]:
    """Labels and buttons narrower than their text needs at the pseudo length."""
    bad = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(widget, (QLabel, QAbstractButton)):
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            need = widget.heightForWidth(widget.width())
            if need > widget.height() + 2:
                bad.append(f"label {widget.objectName()!r} {widget.text()[:40]!r}: "
                           f"{widget.height()} < {need}")
        elif widget.width() + 2 < widget.sizeHint().width() and widget.text():
            bad.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.text()[:40]!r}:"
                       f" {widget.width()} < {widget.sizeHint().width()}")
    return bad


@pytest.mark.parametrize("backend", ["sqlite"])
def test_main_screens_are_translated_and_nothing_is_clipped(city, pseudo_locale, qtbot):
    db = city
    ready = walk_case(db, "ready_to_close")
    problems: list[str] = []
    for username in ("shouli", "zhibanzhang", "admin"):
        window = open_seat(qtbot, db, username)
        ws = window.workspace
        for key in ws.page_widgets:
            ws.show_page(key)
            qtbot.wait(50)
            problems += [f"{username}/{key}: {p}" for p in untranslated(visible_texts(window))]
            problems += [f"{username}/{key}: {p}" for p in clipped(window)]
        ws.show_page("workbench")
        if username == "zhibanzhang":
            open_from_box(qtbot, window, "ready_to_close", ready)
            qtbot.wait(100)  # let the layouts take the new texts
            problems += untranslated(visible_texts(window)) + clipped(ws.detail)
            with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
                press(qtbot, ws.detail, ws.registry.specs["close"].shortcut)
            dialog = opened.args[0]
            qtbot.waitUntil(ws.seat.tasks.is_idle, timeout=TIMEOUT)
            qtbot.wait(100)
            problems += untranslated(visible_texts(dialog)) + clipped(dialog)
            dialog.reject()
        if username == "shouli":
            palette = ws._do_palette()
            problems += untranslated(visible_texts(palette)) + clipped(palette)
            palette.reject()
        window.close()
    assert problems == [], "\n".join(problems)


def test_english_on_request_and_the_glossary_agrees_with_the_core(qtbot):
    app = application()
    enums = {"state": CaseState, "source": CaseSource, "role": Role, "urgency": Urgency,
             "unit": TimeUnit, "closure": ClosureType, "attachment": AttachmentKind}
    for kind, enum in enums.items():
        for member in enum:
            assert L.label(kind, member.value) == member.label, (kind, member)
    for name, info in ACTIONS.items():
        assert L.action(name) == info.label
    assert L.state("") == "新案卷" and L.label("light", "red") == "红灯"
    installed = app.findChildren(QTranslator)
    for translator in installed:
        app.removeTranslator(translator)
    try:
        install_translator(app, "en")
        assert L.state("reported") == "Awaiting acceptance"
        assert L.source("hotline_12319") == "12319 hotline"
        assert L.action("file") == "File"
        assert L.amount("6.00", "working_hours") == "6 working hours"
        assert QCoreApplication.translate("ActionDialog", "Reason") == "Reason"
    finally:
        for translator in installed:
            app.installTranslator(translator)
        install_translator(app, "zh_CN")
    assert L.state("reported") == "待受理"


def test_work_box_table_and_search_bar_in_english(qtbot):
    """The work-box table shows states, sources and lights in the UI language, not the
    core's Chinese labels carried by ``CaseRow``; so does the search bar's source list."""
    import datetime as dt

    from PySide6.QtCore import Qt

    from seatdesk.models.queues import CaseRow
    from seatdesk.ui.workbox.case_table_model import LIGHT, SOURCE, STATE, CaseTableModel
    from seatdesk.ui.workbox.search_bar import SearchBar
    from seatdesk.workflow.lights import ClockState, Light

    app = application()
    at = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.timezone.utc)
    row = CaseRow(
        id=1, number="3204812611020001", version=1, source="hotline_12319",
        source_label=CaseSource.HOTLINE_12319.label, kind="event", class_code="0101",
        class_name="", urgency="normal", address="", grid_code="", component_code="",
        state="dispatched", state_label=CaseState.DISPATCHED.label, department_name="",
        deadline_at=None, limit_unit=None, handling_started_at=None, step_started_at=None,
        step_deadline_at=None, suspended_since=None, reported_at=at, updated_at=at,
        caller_phone="")
    light = ClockState(Light.RED, 1.2, -60.0, True, "overdue 1 min")
    tip = Qt.ItemDataRole.ToolTipRole
    installed = app.findChildren(QTranslator)
    for translator in installed:
        app.removeTranslator(translator)
    try:
        install_translator(app, "en")
        model = CaseTableModel()
        model.reset_rows([row], [light], has_more=False)
        assert model.index(0, STATE).data() == "In handling"
        assert model.index(0, SOURCE).data() == "12319 hotline"
        assert model.index(0, LIGHT).data(tip) == "Red light overdue 1 min"
        bar = SearchBar()
        qtbot.addWidget(bar)
        sources = [bar.source.itemText(i) for i in range(bar.source.count())]
        assert "12319 hotline" in sources and not any("热线" in s for s in sources)
    finally:
        for translator in installed:
            app.installTranslator(translator)
        install_translator(app, "zh_CN")
    model = CaseTableModel()
    model.reset_rows([row], [light], has_more=False)
    assert model.index(0, STATE).data() == CaseState.DISPATCHED.label == "处置中"
    assert model.index(0, SOURCE).data() == CaseSource.HOTLINE_12319.label
    assert model.index(0, LIGHT).data(tip).startswith("红灯 ")


def test_no_string_of_the_seat_is_untranslated():
    tree = ET.parse(I18N / "seatdesk_zh_CN.ts")
    ui = I18N.parents[1] / "seatdesk" / "ui"
    mine = {"Enum", "PendingRequest"}
    for path in ui.rglob("*.py"):  # every class of the UI, in all its subpackages
        mine |= set(re.findall(r"^class (\w+)\(", path.read_text(encoding="utf-8"), re.M))
    missing = []
    for context in tree.iter("context"):
        if context.findtext("name") not in mine:
            continue
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation.get("type") in ("unfinished", "vanished") or not translation.text:
                missing.append(f"{context.findtext('name')}: {message.findtext('source')}")
    assert missing == []


def test_pinyin_table_covers_the_ui():
    """The command palette's pinyin initials (a table, so the seat does not load pypinyin)
    cover every character of the Chinese UI and agree with pypinyin."""
    from seatdesk.ui.i18n import read_glossary
    from seatdesk.ui.intake.pinyin_table import INITIALS, initials, table_source

    values = list(read_glossary(I18N / "glossary_zh_CN.tsv").values())
    expected = {c: letter for letter, chars in table_source(values).items() for c in chars}
    assert INITIALS == expected, "run: python -m seatdesk.ui.intake.pinyin_table"
    assert initials("立案") == "la" and initials("派发核实") == "pfhs"


def test_a_source_text_has_one_translation(tmp_path):
    """The glossary has no context: one English text translated two ways (the readiness
    tab's 检查项 and the map's 核查 were both "Check") would show the wrong word in one of
    the windows, so reading such a glossary fails and the shipped one reads."""
    from seatdesk.ui.i18n import read_glossary

    assert read_glossary(I18N / "glossary_zh_CN.tsv")["Check item"] == "检查项"
    clash = tmp_path / "glossary.tsv"
    clash.write_text("Reports\t报表\nReports\t报表\nCheck\t检查项\nCheck\t核查\n", encoding="utf-8")
    with pytest.raises(ValueError, match="glossary.tsv:4: 'Check'"):
        read_glossary(clash)
