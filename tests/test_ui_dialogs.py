"""Every workflow action dialog: it opens on a case where the engine allows the action for
that user, shows its rules, refuses incomplete input without calling the engine, offers
the centre's common phrases, and shows the engine's own refusals as they are.
Screenshots of every dialog (sqlite, Chinese UI) go to docs/screenshots/dialog_*.png."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from seatdesk.models import Department, User
from seatdesk.ui.case.reads import load_case_view
from seatdesk.ui.case.dialogs import DIALOGS, dialog_for
from seatdesk.ui.screenshots import save
from seatdesk.ui.session.seat import Seat
from seatdesk.workflow import services as sd
from seatdesk.workflow.auth import LoggedIn
from seatdesk.workflow.states import TRANSITIONS
from tests.seat_helpers import (
    TIMEOUT,
    actors,
    city_fixture,  # noqa: F401 (fixture)
    walk_case,
)

# action → (state the case is walked to, extra request step, who acts)
SETUP = {
    "send_verification": ("reported", None, "shouli"), "void": ("reported", None, "shouli"),
    "merge": ("reported", None, "shouli"), "verify": ("pending_verification", None, "jiandu"),
    "accept": ("verified", None, "shouli"), "file": ("accepted", None, "zhibanzhang"),
    "refuse_filing": ("accepted", None, "zhibanzhang"), "dispatch": ("filed", None, "paiqian"),
    "request_void": ("filed", None, "shouli"), "send_up": ("filed", "district", "quxpaiqian"),
    "redispatch": ("dispatched", None, "paiqian"), "urge": ("dispatched", None, "paiqian"),
    "sign": ("dispatched", None, "bumen"), "request_return": ("dispatched", None, "bumen"),
    "request_extension": ("signed", None, "bumen"),
    "request_suspension": ("signed", None, "bumen"),
    "feedback": ("signed", None, "bumen"),
    "approve_return": ("dispatched", "return", "paiqian"),
    "refuse_return": ("dispatched", "return", "paiqian"),
    "approve_extension": ("signed", "extension", "paiqian"),
    "refuse_extension": ("signed", "extension", "paiqian"),
    "approve_suspension": ("signed", "suspension", "paiqian"),
    "refuse_suspension": ("signed", "suspension", "paiqian"),
    "resume": ("signed", "suspended", "paiqian"),
    "send_check": ("feedback", None, "shouli"), "check_pass": ("pending_check", None, "jiandu"),
    "check_fail": ("pending_check", None, "jiandu"),
    "close": ("ready_to_close", None, "zhibanzhang"),
    "approve_void": ("filed", "void", "zhibanzhang"),
    "refuse_void": ("filed", "void", "zhibanzhang"),
    "claim_task": ("reported", "pool", "jiandu"),
    "callback": ("closed", None, "shouli"),
}
#: actions whose dialog has nothing the user must fill in
NO_INPUT = {"send_verification", "accept", "urge", "sign", "approve_return", "approve_suspension",
            "resume", "send_check", "check_pass", "approve_void", "dispatch", "close", "verify",
            "approve_extension", "merge", "claim_task", "callback"}


def logged_in(db, username: str) -> LoggedIn:
    with db.Session() as session:
        u = session.scalar(select(User).where(User.username == username))
        return LoggedIn(u.id, u.username, u.display_name, u.role, u.department_id, False)


class Seats:
    """One seat per user, hosted by a widget the test owns."""

    def __init__(self, qtbot, db):
        self.qtbot, self.db, self.seats = qtbot, db, {}
        self.host = QWidget()
        qtbot.addWidget(self.host, before_close_func=lambda _w: self.close())

    def __call__(self, username: str) -> Seat:
        if username not in self.seats:
            self.seats[username] = Seat.open(self.db.Session, logged_in(self.db, username),
                                             self.host)
        return self.seats[username]

    def close(self) -> None:
        for seat in self.seats.values():
            seat.shutdown()


def prepared_cases(db) -> dict[tuple, int]:
    """One case per (state, extra step) of SETUP, walked through the services."""
    wf, a = sd.Workflow(db.engine), actors(db)
    with db.Session() as session:
        district = session.scalar(select(Department.id).where(
            Department.id == a["quxpaiqian"].department_id))
    extra = {
        "district": lambda c: sd.dispatch(wf, a["paiqian"], c, _v(db, c), department_id=district),
        "return": lambda c: sd.request_return(wf, a["bumen"], c, _v(db, c), reason="非本单位职责"),
        "extension": lambda c: sd.request_extension(wf, a["bumen"], c, _v(db, c), value=2,
                                                    unit="working_days", reason="需采购材料"),
        "suspension": lambda c: sd.request_suspension(wf, a["bumen"], c, _v(db, c),
                                                      reason="列入年度计划"),
        "void": lambda c: sd.request_void(wf, a["shouli"], c, _v(db, c), reason="重复上报"),
        "pool": lambda c: sd.send_verification(wf, a["shouli"], c, _v(db, c), supervisor_id=None),
    }
    extra["suspended"] = lambda c: sd.approve_suspension(wf, a["paiqian"], c,
                                                         _v(db, extra["suspension"](c)))
    cases = {}
    for i, key in enumerate(sorted({(state, step) for state, step, _ in SETUP.values()}, key=str)):
        offset = beat_offset(db, "jiandu") if key[1] == "pool" else 60 + i * 7
        cases[key] = walk_case(db, key[0], offset=offset)
        if key[1]:
            extra[key[1]](cases[key])
        if key == ("reported", None):  # a second report at the same spot: a duplicate
            walk_case(db, "reported", offset=60 + i * 7)
    return cases


def beat_offset(db, username: str) -> int:
    """The ``walk_case`` offset of a grid cell in ``username``'s beat (demo city)."""
    import json

    from seatdesk.models import GridCell, Setting

    with db.Session() as session:
        areas = json.loads(session.get(Setting, "evaluation").value)["supervisor_areas"]
        codes = session.scalars(select(GridCell.code).order_by(GridCell.code)).all()
    return next(i for i, code in enumerate(codes) if code.startswith(tuple(areas[username])))


def _v(db, case_id: int) -> int:
    from seatdesk.models import Case

    if isinstance(case_id, sd.CaseChange):
        return case_id.version
    with db.Session() as session:
        return session.scalar(select(Case.version).where(Case.id == case_id))


def open_dialog(qtbot, seat: Seat, action: str, case_id: int):
    view = load_case_view(seat.wf, seat.actor, case_id)
    assert action in view.allowed, (action, view.detail.state, view.allowed)
    dialog = dialog_for(action, seat, view)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: seat.tasks.is_idle(), timeout=TIMEOUT)
    return dialog


def test_every_action_has_a_dialog_that_validates(city, qtbot):
    db = city
    assert set(DIALOGS) == {t.action for t in TRANSITIONS if t.action != "register"}
    assert set(SETUP) == set(DIALOGS)
    seats, cases = Seats(qtbot, db), prepared_cases(db)
    for action, (state, step, username) in SETUP.items():
        seat, case_id = seats(username), cases[(state, step)]
        dialog = open_dialog(qtbot, seat, action, case_id)
        assert dialog.windowTitle().endswith(f"案卷 {dialog.view.detail.number}")
        if db.backend == "sqlite":
            qtbot.wait(20)  # the rules box takes its height once laid out
            save(dialog, f"dialog_{action}")
        if action in NO_INPUT:
            assert dialog.validate() == "", action
        else:
            before = _v(db, case_id)
            qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
            assert dialog.error.text(), f"{action}: empty input accepted"
            assert dialog.isVisible() and _v(db, case_id) == before
            assert seat.ops.is_idle()  # nothing was sent to the engine
        dialog.reject()


def test_rules_phrases_and_specific_checks(city, qtbot):
    db = city
    seats, cases = Seats(qtbot, db), prepared_cases(db)
    # 作废: the reason comes from the centre's common phrases
    dialog = open_dialog(qtbot, seats("shouli"), "void", cases[("reported", None)])
    assert "立案后作废" in dialog.rules.text()
    assert dialog.reason.phrases.count() > 1
    dialog.reason.phrases.setCurrentIndex(1)
    dialog.reason.phrases.activated.emit(1)
    assert dialog.reason.value() == dialog.reason.phrases.itemText(1)
    assert dialog.validate() == ""
    dialog.reject()
    # 立案: conditions of the class with limits and closure conditions; a condition is required
    dialog = open_dialog(qtbot, seats("zhibanzhang"), "file", cases[("accepted", None)])
    qtbot.waitUntil(lambda: dialog.conditions.count() > 1, timeout=TIMEOUT)
    assert "6 小时" in dialog.rules.text() and "雨水箅子补齐或修复" in dialog.rules.text()
    assert dialog.validate() == "请选择立案条件"
    assert "一般 6 小时 · 紧急 2 小时" in dialog.conditions.item(0).text()  # before choosing
    dialog.conditions.setCurrentRow(1)
    assert "本案处置时限 36 小时" in dialog.rules.text()
    urgencies = [dialog.urgency.itemText(i) for i in range(dialog.urgency.count())]
    assert urgencies == ["一般（36 小时）", "紧急（8 小时，推算值）"]  # the limit per urgency
    dialog.class_picker.line.clear()
    dialog.class_picker._edited("")
    assert dialog.validate() == "请选择小类"
    dialog.reject()
    # 派遣: the suggestion and why, the deadline; a department is required
    dialog = open_dialog(qtbot, seats("paiqian"), "dispatch", cases[("filed", None)])
    assert "建议派遣" in dialog.rules.text() and "责任矩阵" in dialog.rules.text()
    assert "截止时间" in dialog.rules.text()
    dialog.department.setCurrentIndex(-1)
    assert dialog.validate() == "请选择派遣部门"
    dialog.reject()
    # 延期: a length is required; the preview shows the new deadline
    dialog = open_dialog(qtbot, seats("bumen"), "request_extension", cases[("signed", None)])
    dialog.reason.text.setPlainText("需采购材料")
    assert dialog.validate() == "请填写延期时长"
    dialog.value.setValue(1)
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("新截止时间"), timeout=TIMEOUT)
    dialog.reject()
    # 结案: the 核查 result; an error closure needs a reason
    dialog = open_dialog(qtbot, seats("zhibanzhang"), "close", cases[("ready_to_close", None)])
    assert "核查通过" in dialog.rules.text()
    dialog.closure.setCurrentIndex(dialog.closure.findData("error"))
    assert dialog.validate() == "差错结案、特殊结案必须填写理由"
    dialog.reject()
    # 核实: "not confirmed" needs a note
    dialog = open_dialog(qtbot, seats("jiandu"), "verify", cases[("pending_verification", None)])
    dialog.refuted.setChecked(True)
    assert dialog.validate() == "核实不属实时请说明现场情况"
    dialog.reject()
    # 合并: the candidates come with the engine's explained score
    dialog = open_dialog(qtbot, seats("shouli"), "merge", cases[("reported", None)])
    assert dialog.candidates.count() >= 1
    assert "距离" in dialog.candidates.item(0).text() and "分" in dialog.candidates.item(0).text()
    dialog.reject()


def test_engine_refusals_are_shown_as_they_are(city, qtbot):
    """A dialog forced open where the engine refuses (bypassing the allowed list) shows the
    engine's Chinese message and changes nothing: the separation of duties holds."""
    db = city
    seats, cases = Seats(qtbot, db), prepared_cases(db)
    seat, case_id = seats("zhibanzhang"), cases[("verified", None)]
    view = load_case_view(seat.wf, seat.actor, case_id)
    assert "accept" not in view.allowed  # 受理 is the call-taker's
    dialog = dialog_for("accept", seat, view)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: seat.tasks.is_idle(), timeout=TIMEOUT)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "值班长不能执行「受理」" in dialog.error.text(), timeout=TIMEOUT)
    assert dialog.isVisible() and dialog.ok.isEnabled()
    assert _v(db, case_id) == view.version


def test_task_dispatch_and_callback_dialogs_say_where_work_goes(city, qtbot):
    """派发核实 names the suggested account and the pool; 派遣 refuses typed text naming no
    department (never the suggestion instead); 回访 asks a note for 不满意 and says what it
    does; the ledger timeline names where each step went."""
    db = city
    seats, cases = Seats(qtbot, db), prepared_cases(db)
    dialog = open_dialog(qtbot, seats("shouli"), "send_verification", cases[("reported", None)])
    qtbot.waitUntil(lambda: dialog.supervisor.count() > 1, timeout=TIMEOUT)
    chosen = dialog.supervisor.currentText()
    assert "（jiandu" in chosen and "建议" in chosen, chosen  # a real demo account
    assert dialog.supervisor.itemText(0).startswith("任一监督员（")
    assert "直到其中一人领取" in dialog.rules.text()
    dialog.reject()
    dialog = open_dialog(qtbot, seats("paiqian"), "dispatch", cases[("filed", None)])
    suggested = dialog.department.currentText()
    dialog.department.setEditText("不存在的部门")
    assert dialog.validate() == "「不存在的部门」不是可派遣的部门：请从列表中选择"
    dialog.department.setEditText("管理")
    assert "（相符的部门：" in dialog.validate()
    dialog.department.setEditText(suggested)
    assert dialog.validate() == "" and dialog.chosen() is not None
    dialog.reject()
    dialog = open_dialog(qtbot, seats("shouli"), "callback", cases[("closed", None)])
    assert dialog.caller.count() == 1 and "张先生" in dialog.caller.currentText()
    assert "返工" in dialog.rules.text()
    dialog.outcome_buttons["dissatisfied"].setChecked(True)
    assert dialog.validate() == "请记录来电人的不满意见"
    dialog.reject()
    view = load_case_view(seats("shouli").wf, seats("shouli").actor, cases[("closed", None)])
    from seatdesk.ui.case.ledger_timeline import LedgerTimelineModel

    model = LedgerTimelineModel()
    titles = [model.title(row) for row in view.history]
    assert any(t.startswith(f"{r.seq}. 派遣（") for r, t in zip(view.history, titles)
               if r.action == "dispatch")
    assert any("派发核实（" in t for t in titles)
