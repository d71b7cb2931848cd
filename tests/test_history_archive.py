"""Old months of supervisors' positions and of attachments archived to signed csv.gz files
and re-attached (``seatdesk history archive`` / ``reattach``, docs/scale.md) on a real
PostgreSQL server: every row and every byte comes back; a modified file or manifest is
refused in Chinese; a month too recent stays online; attachments go only with their
case's ledger month, never while their case is open."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os

import pytest
from sqlalchemy import text

from seatdesk.cli import main
from seatdesk.models import ledger_partitions as lp
from seatdesk.workflow import checkpoint
from seatdesk.workflow.ledger_archive import _signed, add_months, online_months
from tests.test_ledger_archive import (  # noqa: F401 (fixtures)
    _archive,
    _closed_months,
    _sql,
    db,
    populated_template,
)

pytestmark = pytest.mark.postgres

POSITIONS = "SELECT id, user_id, at, lon, lat, ST_AsEWKB(geom), accuracy_m" \
            " FROM supervisor_positions ORDER BY id"
ATTACHMENTS = "SELECT * FROM attachments ORDER BY id"


def _setting(db, key: str, value: int) -> None:
    _sql(db, "INSERT INTO settings (key, value, description) VALUES (:k, :v, '')"
         " ON CONFLICT (key) DO UPDATE SET value = :v", k=key, v=str(value))


def _history(db, capsys, *argv: str) -> tuple[int, str]:
    code = main(["--database", db.url, "history", *argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def _archive_history(db, capsys, table: str, before: dt.date) -> tuple[int, str]:
    return _history(db, capsys, "archive", "--table", table, "--before", f"{before:%Y-%m}",
                    "--to", str(db.archive), "--key", str(db.key))


def _reattach(db, capsys, path) -> tuple[int, str]:
    return _history(db, capsys, "reattach", str(path), "--public-key", str(db.public))


def _month_with_partition(db, table: str, month: dt.date) -> None:
    with db.engine.begin() as conn:
        lp.ensure(conn, since=dt.datetime.combine(month, dt.time(), dt.UTC), table=table)
        assert month in online_months(conn, table)


def test_positions_round_trip_keeps_every_row_and_recent_months_stay(db, capsys):
    month = _closed_months(db)[0]  # a month of the demo's past: made for the positions
    _month_with_partition(db, "supervisor_positions", month)
    supervisor = _sql(db, "SELECT id FROM users WHERE role = 'supervisor' ORDER BY id")[0][0]
    _sql(db, "INSERT INTO supervisor_positions (user_id, at, lon, lat, geom, accuracy_m)"
         " SELECT :u, :m + i * interval '37 minutes', 119.48 + i / 1e5, 31.41 + i / 1e5,"
         " ST_SetSRID(ST_MakePoint(119.48 + i / 1e5, 31.41 + i / 1e5), 4326),"
         " CASE WHEN i % 3 = 0 THEN NULL ELSE i % 50 END FROM generate_series(0, 299) i",
         u=supervisor, m=dt.datetime.combine(month, dt.time(), dt.UTC))
    before = _sql(db, POSITIONS)
    in_month = _sql(db, f"SELECT count(*) FROM supervisor_positions_{month:%Y_%m}")[0][0]
    assert in_month >= 300

    this = dt.datetime.now(dt.UTC).date().replace(day=1)
    code, out = _archive_history(db, capsys, "positions", this)  # the default: 6 months
    assert code == 2 and f"{add_months(this, -1):%Y-%m} 太近，监督员位置不能归档" in out, out
    assert f"只归档 {add_months(this, -6):%Y-%m} 及更早的月份" in out
    assert "positions_archive_after_months" in out and "Traceback" not in out

    _setting(db, "positions_archive_after_months", 1)
    code, out = _archive_history(db, capsys, "positions", add_months(month, 1))
    assert code == 0 and f"已归档 supervisor_positions {month:%Y-%m}：{in_month} 行" in out, out
    assert not _sql(db, "SELECT 1 FROM pg_class WHERE relname = :n",
                    n=f"supervisor_positions_{month:%Y_%m}")
    assert len(_sql(db, POSITIONS)) == len(before) - in_month
    manifest = db.archive / f"supervisor_positions_{month:%Y_%m}.manifest.json"
    doc = json.loads(manifest.read_text())
    assert doc["rows"] == in_month and doc["table"] == "supervisor_positions"
    assert doc["sha256"] == hashlib.sha256(
        (db.archive / doc["file"]).read_bytes()).hexdigest()

    code, out = _reattach(db, capsys, manifest)
    assert code == 0 and f"已重新挂载 supervisor_positions {month:%Y-%m}：{in_month} 行" in out
    assert _sql(db, POSITIONS) == before  # every row, its time, point and accuracy
    code, out = _reattach(db, capsys, manifest)
    assert code == 2 and "已在线" in out, out


def test_attachments_go_with_their_ledger_and_every_byte_comes_back(db, capsys):
    months = _closed_months(db)
    month = months[0]
    _month_with_partition(db, "attachments", month)
    case_id, last_seq = _sql(db, "SELECT case_id, last_seq FROM (SELECT case_id, max(seq)"
                             " AS last_seq, min(at) AS first FROM case_ledger WHERE at >= :a"
                             " AND at < :b GROUP BY case_id) x ORDER BY case_id LIMIT 1",
                             a=month, b=add_months(month, 1))[0]
    blobs = [os.urandom(n) for n in (1, 1000, 70_000)] + [bytes(range(256)) * 40, b"\x00" * 9]
    for i, blob in enumerate(blobs):
        _sql(db, "INSERT INTO attachments (case_id, ledger_seq, kind, filename, mime_type, size,"
             " sha256, uploaded_at, content) VALUES (:c, :s, 'photo', :f, 'image/jpeg', :n,"
             " :h, :at, :b)", c=case_id, s=last_seq, f=f"现场照片{i}.jpg", n=len(blob),
             h=hashlib.sha256(blob).hexdigest(), b=blob,
             at=dt.datetime.combine(month, dt.time(8, i), dt.UTC))
    before = _sql(db, ATTACHMENTS)
    _setting(db, "ledger_archive_after_months", 1)

    # the ledger's month is online: the evidence stays with it
    code, out = _archive_history(db, capsys, "attachments", add_months(month, 1))
    assert code == 2 and f"{month:%Y-%m} 的台账仍在线" in out and "seatdesk ledger archive" \
        in out, out
    assert _archive(db, capsys, add_months(month, 1))[0] == 0  # the ledger's month first
    code, out = _archive_history(db, capsys, "attachments", add_months(month, 1))
    assert code == 0 and f"已归档 attachments {month:%Y-%m}：{len(blobs)} 行" in out, out
    assert f"{sum(map(len, blobs))} 字节附件内容" in out
    assert _sql(db, "SELECT count(*) FROM attachments WHERE case_id = :c", c=case_id) == [(0,)]

    data = db.archive / f"attachments_{month:%Y_%m}.csv.gz"
    manifest = data.with_name(f"attachments_{month:%Y_%m}.manifest.json")
    original = data.read_bytes()
    lines = gzip.decompress(original).decode().splitlines(keepends=True)
    lines[1] = lines[1].replace("\\x", "\\x00", 1)  # one photo's bytes changed
    data.write_bytes(gzip.compress("".join(lines).encode()))
    code, out = _reattach(db, capsys, data)
    assert code == 2 and "SHA-256 与清单不符" in out and "拒绝重新挂载" in out, out
    assert "Traceback" not in out and "psycopg" not in out
    # the same change under a manifest re-signed with the key (an insider): each photo's
    # bytes are still checked against its own SHA-256
    signed = manifest.read_text()
    doc = json.loads(signed)
    doc["sha256"] = hashlib.sha256(data.read_bytes()).hexdigest()
    doc["signature"] = checkpoint.load_private(db.key).sign(_signed(doc)).hex()
    manifest.write_text(json.dumps(doc))
    code, out = _reattach(db, capsys, manifest)
    assert code == 2 and "1 个附件的内容与其 SHA-256 不符" in out, out
    assert not _sql(db, "SELECT 1 FROM pg_class WHERE relname LIKE 'attachments_%_reattach'")
    data.write_bytes(original)
    doc = json.loads(signed)
    doc["rows"] -= 1
    manifest.write_text(json.dumps(doc))
    code, out = _reattach(db, capsys, manifest)
    assert code == 2 and "签名无效" in out, out
    manifest.write_text(signed)

    code, out = _reattach(db, capsys, manifest)
    assert code == 0 and f"已重新挂载 attachments {month:%Y-%m}：{len(blobs)} 行" in out, out
    assert _sql(db, ATTACHMENTS) == before  # every row and every byte
    code, out = _reattach(db, capsys, db.archive / f"case_ledger_{month:%Y_%m}.manifest.json")
    assert code == 2 and "请用 seatdesk ledger reattach" in out, out


def test_attachments_of_an_open_case_stay_online(db, capsys):
    month = _closed_months(db)[0]
    _setting(db, "ledger_archive_after_months", 1)
    assert _archive(db, capsys, add_months(month, 1))[0] == 0
    _month_with_partition(db, "attachments", month)
    number, case_id = _sql(db, "SELECT number, id FROM cases WHERE state NOT IN ('voided',"
                           " 'not_filed', 'closed', 'merged') ORDER BY id LIMIT 1")[0]
    _sql(db, "INSERT INTO attachments (case_id, kind, filename, mime_type, size, sha256,"
         " uploaded_at, content) VALUES (:c, 'photo', 'x.jpg', 'image/jpeg', 1, :h, :at, 'x')",
         c=case_id, h=hashlib.sha256(b"x").hexdigest(),
         at=dt.datetime.combine(month, dt.time(9), dt.UTC))
    code, out = _archive_history(db, capsys, "attachments", add_months(month, 1))
    assert code == 2 and f"有未办结案卷的附件（{number}" in out, out
    assert _sql(db, "SELECT count(*) FROM attachments WHERE case_id = :c", c=case_id) == [(1,)]
