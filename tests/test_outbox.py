"""The intake outbox on this computer (``seatdesk/ui/session/offline_queue.py``, Qt-free):
one SQLite file in WAL mode with ``synchronous=FULL``. A report whose save returned is
still there after SIGKILL of the process that saved it; each user of each database sees
only their own reports; reports left as JSON files by earlier versions are moved in."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from seatdesk.ui.session.draft_store import Owner
from seatdesk.ui.session.offline_queue import IntakeDraft, Outbox

ROOT = Path(__file__).resolve().parents[1]
OWNER = Owner("postgresql+psycopg://seat@db.example/seatdesk", 7)
KILL_AFTER = 40  # reports whose save returned before the kill

SAVER = """
import sys
from pathlib import Path
from seatdesk.ui.session.draft_store import Owner
from seatdesk.ui.session.offline_queue import IntakeDraft, Outbox

box = Outbox(Owner(sys.argv[2], 7), Path(sys.argv[1]))
n = 0
while True:
    draft = IntakeDraft(caller_phone="13600000000", lon=119.4, lat=31.4,
                        description=f"断电前第{n}条" * 40)
    print(box.save(draft), flush=True)  # printed only once the save has returned
    n += 1
"""


def report(text: str, **fields) -> IntakeDraft:
    return IntakeDraft(caller_phone="13600001111", lon=119.4, lat=31.4, description=text,
                       **fields)


def test_every_report_whose_save_returned_survives_sigkill(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    child = subprocess.Popen([sys.executable, "-c", SAVER, str(path), OWNER.database],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    saved = []
    try:
        for line in child.stdout:
            saved.append(line.strip())
            if len(saved) >= KILL_AFTER:
                child.send_signal(signal.SIGKILL)  # in the middle of the next save
                break
    finally:
        if child.poll() is None:  # (a failure above: never leave the saver running)
            child.kill()
        child.wait(timeout=30)
    # the saves that returned between the 40th line read and the kill: their lines were
    # still in the pipe or in this reader's buffer (a clone's run kept 42 with 40 read)
    saved += [line.strip() for line in child.stdout.read().splitlines()]
    assert child.returncode == -signal.SIGKILL
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    keys = [key for key, _draft in Outbox(OWNER, path).drafts()]
    assert keys[:len(saved)] == saved  # all of them, in the order they were saved
    assert len(keys) - len(saved) in (0, 1)  # the save under way when killed: all or nothing


def test_each_user_of_each_database_sees_only_their_reports(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    mine, colleague = Outbox(OWNER, path), Outbox(Owner(OWNER.database, 8), path)
    other_db = Outbox(Owner("sqlite:////srv/other.sqlite3", 7), path)
    first = report("第一条")
    mine.save(first)
    mine.save(report("第二条"))
    colleague.save(report("同事的"))
    mine.save(IntakeDraft(**{**first.__dict__, "description": "第一条（改过）"}))  # same key
    assert [d.description for _k, d in mine.drafts()] == ["第一条（改过）", "第二条"]
    assert mine.count() == 2 and colleague.count() == 1 and other_db.count() == 0
    mine.remove(first.intake_key)
    assert [d.description for _k, d in mine.drafts()] == ["第二条"]
    assert colleague.count() == 1


def test_reports_kept_as_json_files_by_earlier_versions_are_moved_in(tmp_path):
    old = tmp_path / "outbox"
    old.mkdir()
    mine, theirs = report("旧版本保存的", user_id=7), report("别人的", user_id=8)
    (old / "20261201T080000000000-aaaa.json").write_text(mine.to_json(), encoding="utf-8")
    (old / "20261201T080100000000-bbbb.json").write_text(theirs.to_json(), encoding="utf-8")
    (old / "20261201T080200000000-cccc.json").write_text("{damaged", encoding="utf-8")
    box = Outbox(OWNER, tmp_path / "outbox.sqlite3")
    assert box.drafts() == [(mine.intake_key, mine)]
    assert sorted(p.name[-9:] for p in old.glob("*.json")) == ["bbbb.json", "cccc.json"]
    assert Outbox(Owner(OWNER.database, 8), tmp_path / "outbox.sqlite3").count() == 1
    assert sorted(p.name[-9:] for p in old.glob("*.json")) == ["cccc.json"]  # for a person
