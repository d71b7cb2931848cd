"""``seatdesk backup DIR`` and ``seatdesk restore DIR`` on both backends: a centre with
cases, ledger rows and an attachment is backed up, restored into a new empty database,
and the restore checks counts, attachment hashes and the ledger."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from seatdesk.cli import main
from seatdesk.models import Case, User
from seatdesk.workflow import services as sd
from seatdesk.workflow.values import AttachmentIn


def _empty_target(backend, template_store, tmp_path, name: str) -> str:
    if backend == "postgresql":
        return template_store._new_empty(backend, f"sdrs_{name}_{tmp_path.name[-8:].lower()}")
    return f"sqlite:///{tmp_path / (name + '.sqlite3')}"


def _add_photo(db) -> None:
    """A hotline report with a photo, registered as a seat would."""
    with db.Session() as s:
        user = s.scalar(select(User).where(User.role == "acceptor"))
        lon, lat = s.execute(select(Case.lon, Case.lat).limit(1)).one()
    photo = AttachmentIn("photo", "现场.jpg", "image/jpeg", b"\xff\xd8\xff" + b"x" * 500)
    sd.register(sd.Workflow(db.engine), sd.Actor(user.id, "acceptor", user.department_id, "seat-1"),
                sd.Report(source="hotline_12319", lon=lon, lat=lat, description="井盖缺失",
                          caller_phone="13800001234", attachments=(photo,)))


@pytest.fixture
def centre(make_db):
    db = make_db("demo_small")
    _add_photo(db)
    return db


def test_backup_and_restore_into_an_empty_database(centre, backend, template_store, tmp_path,
                                                   capsys):
    target = _empty_target(backend, template_store, tmp_path, "restored")
    checkpoint = tmp_path / "checkpoints"
    checkpoint.mkdir()
    (checkpoint / "ledger-2026-12-03.json").write_text('{"old": true}', encoding="utf-8")
    (checkpoint / "ledger-2026-12-04.json").write_text('{"root": "ab"}', encoding="utf-8")
    out = tmp_path / "backup"
    assert main(["--database", centre.url, "backup", str(out), "--checkpoint",
                 str(checkpoint)]) == 0
    assert "备份完成" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["cases"] > 0 and manifest["attachments"] >= 1
    assert manifest["checkpoint"] == "ledger-2026-12-04.json"
    dump = out / ("seatdesk.dump" if backend == "postgresql" else "seatdesk.sqlite3")
    assert dump.stat().st_size > 10_000
    assert main(["--database", target, "restore", str(out)]) == 0, capsys.readouterr()
    printed = capsys.readouterr().out
    assert "核对通过" in printed and "ledger intact" in printed
    assert main(["--database", target, "ledger", "verify"]) == 0
    assert "ledger intact" in capsys.readouterr().out
    if backend == "postgresql":
        template_store.drop(backend, target)


def test_restore_refuses_a_database_that_is_not_empty(centre, tmp_path, capsys):
    out = tmp_path / "backup"
    assert main(["--database", centre.url, "backup", str(out)]) == 0
    assert main(["--database", centre.url, "restore", str(out)]) == 2
    assert "目标数据库不是空的" in capsys.readouterr().err
    assert main(["--database", centre.url, "backup", str(out)]) == 2
    assert "不是空的：请为每次备份使用新的目录" in capsys.readouterr().err


def test_restore_reports_a_damaged_attachment(centre, backend, template_store, tmp_path,
                                              capsys):
    out = tmp_path / "backup"
    assert main(["--database", centre.url, "backup", str(out)]) == 0
    listing = out / "attachments.csv"
    lines = listing.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:-64] + "0" * 64  # the hash the restore must find again
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = _empty_target(backend, template_store, tmp_path, "damaged")
    capsys.readouterr()
    assert main(["--database", target, "restore", str(out)]) == 1
    assert "内容与备份清单不符" in capsys.readouterr().out
    if backend == "postgresql":
        template_store.drop(backend, target)
