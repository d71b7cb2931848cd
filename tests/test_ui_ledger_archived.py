"""A case whose early ledger rows lie in an archived month (``seatdesk ledger archive``):
the seat's 电子台账 tab says so in Chinese instead of silently starting mid-way, its
check of the chain (seq coverage: online rows + ``ledger_segments``) reports no false
gap, and a row really deleted is reported. Real PostgreSQL, a real archived month (the
fixtures of tests/test_ledger_archive.py), the real widget; the screenshot
docs/screenshots/case_detail_archived_ledger.png comes from here."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from seatdesk.cli import main
from seatdesk.models import ledger_partitions as lp
from seatdesk.ui.screenshots import save
from seatdesk.workflow import services as sd
from seatdesk.workflow.ledger_archive import add_months
from tests.dbroles import as_login, make_logins
from tests.seat_helpers import application, open_case, open_seat
from tests.test_ledger_archive import (  # noqa: F401 (fixtures)
    _archive,
    _closed_months,
    _split_before,
    _sql,
    db,
    populated_template,
)

pytestmark = pytest.mark.postgres


def _archived_cases(db) -> tuple[int, int]:
    """A case whose chain goes on online after its archived rows, and a case whose whole
    chain is archived."""
    partly = _sql(db, "SELECT s.case_id FROM ledger_segments s WHERE EXISTS (SELECT 1 FROM"
                  " case_ledger l WHERE l.case_id = s.case_id) ORDER BY s.case_id LIMIT 1")
    whole = _sql(db, "SELECT s.case_id FROM ledger_segments s WHERE NOT EXISTS (SELECT 1"
                 " FROM case_ledger l WHERE l.case_id = s.case_id) ORDER BY s.case_id LIMIT 1")
    assert partly and whole, "the demo's archived months should leave both kinds of case"
    return partly[0][0], whole[0][0]


def test_the_case_history_says_its_early_rows_are_archived(db, qtbot, capsys):
    application()
    months = _closed_months(db)
    assert _archive(db, capsys, _split_before(db))[0] == 0
    partly, whole = _archived_cases(db)
    with db.engine.begin() as conn:  # the attachments' months are all online
        lp.ensure(conn, since=dt.datetime.combine(months[0], dt.time(), dt.UTC),
                  table="attachments")
    archived, first, last, online_from = _sql(
        db, "SELECT sum(s.rows), min(s.month), max(s.month), (SELECT min(seq) FROM case_ledger"
        " l WHERE l.case_id = s.case_id) FROM ledger_segments s WHERE s.case_id = :c"
        " GROUP BY s.case_id", c=partly)[0]
    assert online_from == archived + 1

    window = open_seat(qtbot, db, "shouli")
    window.resize(1500, 900)
    open_case(qtbot, window, partly)
    detail = window.workspace.detail
    detail.side.setCurrentWidget(detail.ledger_pane)
    note = detail.ledger_pane.note
    assert note.isVisible()
    months_text = f"{first:%Y-%m}" if first == last else f"{first:%Y-%m} 至 {last:%Y-%m}"
    assert note.text() == (f"本案 {months_text} 的 {archived} 条早期处理记录已归档"
                           "（ledger_segments），此处未列出；管理员重新挂载（seatdesk ledger "
                           "reattach）后可查阅。")
    assert "不在线" not in note.text() and "删改" not in note.text()  # no false gap
    timeline = detail.timeline.timeline
    assert timeline.index(0).data().startswith(f"{online_from}. ")
    assert "照片和录音" not in note.text()
    save(detail, "case_detail_archived_ledger")

    open_case(qtbot, window, whole)  # every row archived: an empty timeline, said why
    assert detail.timeline.timeline.rowCount() == 0 and note.isVisible()
    assert "条早期处理记录已归档" in note.text()

    other = _sql(db, "SELECT c.id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM"
                 " ledger_segments s WHERE s.case_id = c.id) ORDER BY c.id LIMIT 1")[0][0]
    open_case(qtbot, window, other)  # a case fully online: no note
    assert not note.isVisible()

    # the attachments of those months archived too (after the ledger's): the note says so
    assert main(["--database", db.url, "history", "archive", "--table", "attachments",
                 "--before", f"{add_months(last, 1):%Y-%m}", "--to", str(db.archive),
                 "--key", str(db.key)]) == 0, capsys.readouterr()
    open_case(qtbot, window, whole)
    open_case(qtbot, window, partly)
    assert note.text().endswith("后可查阅。这些月份上传的照片和录音（如有）也已归档。")

    # a row really deleted (the owner, the append-only trigger off) is reported, in red
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE case_ledger DISABLE TRIGGER USER"))
        conn.execute(text("DELETE FROM case_ledger WHERE case_id = :c AND seq = :s"),
                     {"c": partly, "s": online_from})
        conn.execute(text("ALTER TABLE case_ledger ENABLE TRIGGER USER"))
    open_case(qtbot, window, partly)
    assert "本案有 1 条处理记录既不在线、也没有归档记录" in note.text()
    assert f"{archived} 条早期处理记录已归档" in note.text()


def test_seats_read_the_outline_of_segments_not_their_hashes(db, capsys):
    assert _archive(db, capsys, _split_before(db))[0] == 0
    partly, _whole = _archived_cases(db)
    logins = make_logins(db, ["shouli", "bumen", "daping"])
    for name in ("shouli", "bumen"):
        with as_login(db, logins[name]) as conn:
            found = sd.archived_history(Session(bind=conn), partly)
            assert found is not None and found.known and found.rows > 0 and not found.missing
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text("SELECT last_hash FROM ledger_segments"))
    with as_login(db, logins["daping"]) as conn:  # the wall reads no segments: it cannot tell
        found = sd.archived_history(Session(bind=conn), partly)
        assert found is not None and not found.known and found.missing == found_rows(db, partly)


def found_rows(db, case_id: int) -> int:
    return _sql(db, "SELECT sum(rows) FROM ledger_segments WHERE case_id = :c", c=case_id)[0][0]
