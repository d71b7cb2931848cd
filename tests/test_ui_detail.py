"""The case detail: every field, the phone masked by role, photos and recordings, the
full ledger as a timeline, the light, and exactly the actions the engine allows this user
now. Every custom model of the seat passes qtmodeltester."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from PySide6.QtCore import Qt

from seatdesk.models.queues import CaseRow
from seatdesk.ui.session.actions_registry import ActionRegistry, workflow_specs
from seatdesk.ui.case.attachment_panel import AttachmentModel
from seatdesk.ui.case.reads import attachment_content, load_case_view
from seatdesk.ui.intake.class_picker import ChoiceListModel, ClassPicker
from seatdesk.ui.session.command_palette import PaletteEntry, PaletteModel
from seatdesk.ui.intake.models import DuplicateModel, HistoryModel
from seatdesk.ui.case.ledger_timeline import LedgerTimelineModel
from seatdesk.ui.case.option_reads import ClassEntry
from seatdesk.workflow import services as sd
from tests.seat_helpers import (
    actors,
    application,
    city_fixture,  # noqa: F401 (fixture)
    open_case,
    open_seat,
    walk_case,
)


def test_detail_shows_every_field_the_ledger_photos_and_the_allowed_actions(city, qtbot):
    db = city
    case_id = walk_case(db, "dispatched", phone="13912345678")
    window = open_seat(qtbot, db, "shouli")
    open_case(qtbot, window, case_id)
    detail = window.workspace.detail
    view = detail.view
    values = {key: label.text() for key, label in detail.fields.values.items()}
    assert values["phone"] == "13912345678"  # the call-taker sees the number
    assert values["caller"] == "张先生" and values["callback"] == "是"
    assert values["class"].startswith("01004 雨水箅子异常")
    assert values["grid"].startswith(view.facts.grid_code) and "/" in values["area"]
    assert values["verification"] == "现场核实属实"
    assert values["limit"] == "6 小时" and values["condition"].startswith("雨水箅子缺失")
    assert values["department"] == "溧阳市城市管理综合行政执法大队"  # bumen's (walk_case)
    assert "派遣" in values["times"] and values["deadline"] != "—"
    # the light of the running handling clock
    assert detail.light.text().startswith("● 绿灯 剩余")
    # the full ledger, oldest first
    timeline = detail.timeline.timeline
    assert timeline.rowCount() == len(view.history) == 6
    assert timeline.index(0).data().startswith("1. 登记  新案卷 → 待受理")
    assert "赵娟宁（受理员）" in timeline.index(0).data()
    assert "理由/说明：现场属实" in timeline.index(2).data()
    # photos as thumbnails, the recording listed and savable
    model = detail.attachments.model
    assert [model.item(i).kind for i in range(model.rowCount())] == ["photo", "audio"]
    assert model.index(0).data(Qt.ItemDataRole.DecorationRole) is not None
    audio = model.item(1)
    assert audio.preview == b""
    assert attachment_content(window.workspace.seat.wf, audio.id) == b"RIFF....WAVE"
    # the call-taker may only ask for voiding a dispatched case
    assert detail.allowed() == ("request_void",)
    assert list(detail.buttons) == ["request_void"]
    assert detail.buttons["request_void"].text() == "申请作废  (Ctrl+Shift+Z)"
    assert window.workspace.registry.actions["request_void"].isEnabled()
    assert not window.workspace.registry.actions["accept"].isEnabled()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_actions_and_phone_follow_role_and_scope(city, qtbot):
    """The same dispatched case seen by each role: the masked phone and exactly the actions
    the engine would accept from that user now (scope and guards included)."""
    db = city
    case_id = walk_case(db, "dispatched", phone="13912345678")
    a = actors(db)
    wf = sd.Workflow(db.engine)
    seen = {name: load_case_view(wf, a[name], case_id) for name in
            ("shouli", "zhibanzhang", "paiqian", "bumen", "bm_hjws", "jiandu")}
    assert seen["bm_hjws"] is None  # another department does not even see it
    assert seen["bumen"].allowed == ("sign", "request_return")  # the rest after 签收
    signed = walk_case(db, "signed", offset=50)
    assert load_case_view(wf, a["bumen"], signed).allowed == (
        "request_return", "request_extension", "request_suspension", "feedback")
    assert seen["paiqian"].allowed == ("redispatch", "urge", "request_void")
    assert seen["zhibanzhang"].allowed == ("urge",)
    assert seen["jiandu"].allowed == ()
    phones = {name: v.detail.caller_phone for name, v in seen.items() if v is not None}
    assert phones == {"shouli": "13912345678", "zhibanzhang": "13912345678",
                      "paiqian": "139****5678", "bumen": "139****5678", "jiandu": "139****5678"}
    # a public report is not acceptable before a confirmed 核实: the guard hides "accept"
    fresh = walk_case(db, "reported", offset=90)
    assert "accept" not in load_case_view(wf, a["shouli"], fresh).allowed
    verified = walk_case(db, "verified", offset=95)
    assert "accept" in load_case_view(wf, a["shouli"], verified).allowed


def test_models_pass_modeltester(city, qtmodeltester, qtbot):
    db = city
    case_id = walk_case(db, "ready_to_close")
    a = actors(db)
    wf = sd.Workflow(db.engine)
    view = load_case_view(wf, a["zhibanzhang"], case_id)
    timeline = LedgerTimelineModel()
    timeline.set_rows(view.history[:3])
    qtmodeltester.check(timeline)
    timeline.set_rows(view.history)  # appended rows: an insert, not a reset
    qtmodeltester.check(timeline)
    files = AttachmentModel()
    files.set_items(view.attachments)
    qtmodeltester.check(files)
    choices = ChoiceListModel()
    choices.set_choices([("01004 雨水箅子异常", "ysbzyc",
                          ClassEntry(1, "01004", "雨水箅子异常", "event", "市政", "ysbzyc"))])
    qtmodeltester.check(choices)
    picker = ClassPicker()  # its filter proxy over the classes: code, name, pinyin initials
    qtbot.addWidget(picker)
    picker.set_entries([ClassEntry(1, "01004", "雨水箅子异常", "event", "市政", "ysbzyc"),
                        ClassEntry(2, "10002", "暴露垃圾", "event", "市容", "bllj")])
    picker.proxy.set_query("bl")
    assert picker.visible_count() == 1
    qtmodeltester.check(picker.proxy)
    palette = PaletteModel()
    palette.set_entries([PaletteEntry("action", "file", "立案", "Ctrl+Shift+L", "la")])
    qtmodeltester.check(palette)
    candidates = sd.duplicate_candidates(wf, case_id)
    duplicates = DuplicateModel()
    duplicates.set_rows(candidates)
    qtmodeltester.check(duplicates)
    row = CaseRow(view.case_id, view.detail.number, 1, "hotline_12319", "12319热线", "event",
                  "01004", "雨水箅子异常", "normal", "燕山路", "320481", "", "filed", "待派遣",
                  "", None, None, None, None, None, None,
                  dt.datetime.now(dt.timezone.utc), dt.datetime.now(dt.timezone.utc), "")
    history = HistoryModel()
    history.set_rows([("cell", row), ("component", dataclasses.replace(row, id=row.id + 1))])
    qtmodeltester.check(history)
    assert history.index(0, 0).data() == "网格" and history.index(1, 0).data() == "部件"


def test_registry_gives_every_workflow_action_a_unique_shortcut(qtbot):
    application()
    from PySide6.QtWidgets import QWidget

    host = QWidget()
    qtbot.addWidget(host)
    registry = ActionRegistry(host, workflow_specs())
    keys = [s.shortcut for s in registry.specs.values()]
    assert len(keys) == len(set(keys)) == len(registry.specs)
    registry.set_allowed({"file"})
    assert [s.name for s in registry.enabled()] == ["file"]
    assert registry.actions["file"].text() == "立案"
    with qtbot.waitSignal(registry.triggered) as fired:
        registry.trigger("file")
    assert fired.args == ["file"]
    registry.trigger("close")  # disabled: nothing happens
