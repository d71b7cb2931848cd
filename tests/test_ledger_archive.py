"""Old months of the partitioned ledger archived to signed files and re-attached
(``seatdesk ledger archive`` / ``reattach``, docs/scale.md) on a real PostgreSQL server:
verify checks the archived chains by link and finds a tampered segment or online row, a
modified archive is refused, too recent months and months of open cases stay online."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import types
import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from seatdesk.cli import main
from seatdesk.data.demo import DemoSpec, build_demo
from seatdesk.models.db import alembic_config, make_engine, session_factory, upgrade
from seatdesk.workflow import checkpoint
from seatdesk.workflow.ledger_archive import add_months
from tests.dbroles import as_login, make_logins

ROWS = "SELECT id, case_id, seq, at, hash, prev_hash FROM case_ledger ORDER BY id"
OPEN = "('voided', 'not_filed', 'closed', 'merged')"


@pytest.fixture(scope="module")
def populated_template(template_store):
    """A demo city whose history was written before migration 0013 made the months: its
    rows lie in month partitions (a demo built at head would put them in the default one).
    Built at the head, whose models the demo writes, taken down to 0012 and up again."""
    name = f"sdarch_tpl_{uuid.uuid4().hex[:6]}"
    url = template_store._new_empty("postgresql", name)
    upgrade(url)
    engine = make_engine(url)
    build_demo(engine, DemoSpec.small())
    engine.dispose()
    command.downgrade(alembic_config(url), "0012")
    upgrade(url)
    return name


@pytest.fixture
def db(template_store, populated_template, tmp_path):
    name = f"sdarch_{uuid.uuid4().hex[:8]}"
    template_store._pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{populated_template}"')
    template_store.pg_created.append(name)
    url = _url(name)
    engine = make_engine(url)
    keyfile = tmp_path / "admin.key"
    checkpoint.keygen(keyfile)
    yield types.SimpleNamespace(url=url, engine=engine, Session=session_factory(engine),
                                key=keyfile, public=tmp_path / "admin.key.pub",
                                archive=tmp_path / "archive", backend="postgresql")
    engine.dispose()
    template_store.drop("postgresql", url)


def _url(name: str) -> str:
    from tests.dbtemplates import pg_base_url

    return make_url(pg_base_url()).set(database=name).render_as_string(hide_password=False)


def _sql(db, sql: str, **params):
    with db.engine.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.all() if result.returns_rows else []


def _closed_months(db) -> list[dt.date]:
    """The months with ledger rows, oldest first, up to the first one holding rows of an
    open case (the demo's last months have open cases)."""
    rows = _sql(db, "SELECT date_trunc('month', l.at AT TIME ZONE 'UTC')::date AS m,"
                f" bool_or(c.state NOT IN {OPEN}) FROM case_ledger l JOIN cases c"
                " ON c.id = l.case_id GROUP BY 1 ORDER BY 1")
    closed = []
    for month, has_open in rows:
        if has_open:
            break
        closed.append(month)
    assert closed, "the demo's oldest month should hold closed cases only"
    return closed


def _split_before(db) -> dt.date:
    """The ``--before`` month of the first archive that leaves a case partly archived (its
    chain going on online) and a case wholly archived. The demo is generated afresh each
    run: which months hold only closed cases, and which cases cross a month's end, vary."""
    for month in _closed_months(db):
        partly, whole = _sql(
            db, "SELECT count(*) FILTER (WHERE first < :e AND last >= :e), count(*) FILTER"
            " (WHERE last < :e) FROM (SELECT case_id, min(at) AS first, max(at) AS last FROM"
            " case_ledger GROUP BY case_id) x", e=add_months(month, 1))[0]
        if partly and whole:
            return add_months(month, 1)
    pytest.fail("no case of the demo crosses the end of a month of closed cases")


def _archive(db, capsys, before: dt.date, months_setting: int = 1) -> tuple[int, str]:
    _sql(db, "INSERT INTO settings (key, value, description) VALUES"
         " ('ledger_archive_after_months', :v, '') ON CONFLICT (key) DO UPDATE"
         " SET value = :v", v=str(months_setting))
    code = main(["--database", db.url, "ledger", "archive", "--before", f"{before:%Y-%m}",
                 "--to", str(db.archive), "--key", str(db.key)])
    out = capsys.readouterr()
    return code, out.out + out.err


def _verify(db, capsys, *extra: str) -> tuple[int, str]:
    code = main(["--database", db.url, "ledger", "verify", *extra])
    return code, capsys.readouterr().out


def _reattach(db, capsys, path) -> tuple[int, str]:
    code = main(["--database", db.url, "ledger", "reattach", str(path),
                 "--public-key", str(db.public)])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.postgres
def test_archive_verify_by_link_and_reattach_round_trip(db, capsys):
    before_rows = _sql(db, ROWS)
    months = _closed_months(db)
    code, out = _archive(db, capsys, add_months(months[-1], 1))
    assert code == 0, out
    for month in months:
        assert f"已归档 {month:%Y-%m}" in out
    archived = _sql(db, "SELECT count(*), count(DISTINCT case_id), sum(rows) FROM"
                    " ledger_segments")[0]
    online = _sql(db, "SELECT count(*) FROM case_ledger")[0][0]
    assert archived[0] > 0 and online + archived[2] == len(before_rows)
    assert not _sql(db, "SELECT 1 FROM pg_class WHERE relname = :n",
                    n=f"case_ledger_{months[0]:%Y_%m}")
    first = db.archive / f"case_ledger_{months[0]:%Y_%m}.manifest.json"
    manifest = json.loads(first.read_text())
    assert manifest["rows"] == sum(s[5] for s in manifest["segments"]) > 0

    code, out = _verify(db, capsys)
    assert code == 0 and "ledger intact" in out, out
    assert f"{archived[1]} 个案卷的台账有已归档的月份：只核对了哈希链的衔接" in out
    # the checkpoint signed at archiving holds: its heads are online or the segments' last
    code, out = _verify(db, capsys, "--against", str(first.with_name(
        f"case_ledger_{months[0]:%Y_%m}.checkpoint")), "--public-key", str(db.public))
    assert code == 0 and "match checkpoint" in out, out
    # a checkpoint made with months archived takes a fully archived case's head from its
    # segment, and still holds once the months are back
    later = db.archive / "later.checkpoint"
    assert main(["--database", db.url, "ledger", "checkpoint", "--key", str(db.key),
                 "--out", str(later)]) == 0
    cases = _sql(db, "SELECT count(*) FROM cases")[0][0]
    assert "checkpoint" in capsys.readouterr().out
    assert len(checkpoint.load(str(later)).heads) == cases
    assert _verify(db, capsys, "--against", str(later), "--public-key", str(db.public))[0] == 0

    for month in reversed(months):  # the newest first: any order works
        code, out = _reattach(db, capsys, db.archive / f"case_ledger_{month:%Y_%m}.csv.gz")
        assert code == 0 and f"已重新挂载 {month:%Y-%m}" in out, out
    assert _sql(db, ROWS) == before_rows  # every row, its time, hash and link
    assert _sql(db, "SELECT count(*) FROM ledger_segments")[0][0] == 0
    code, out = _verify(db, capsys)
    assert code == 0 and "ledger intact" in out and "已归档" not in out, out
    assert _verify(db, capsys, "--against", str(later), "--public-key", str(db.public))[0] == 0
    code, out = _reattach(db, capsys, first)
    assert code == 2 and "已在线" in out


@pytest.mark.postgres
def test_tampering_with_a_segment_or_a_later_online_row_is_found(db, capsys):
    assert _archive(db, capsys, _split_before(db))[0] == 0
    # a case whose chain goes on online after its archived rows
    case_id, number, last_seq, last_hash = _sql(
        db, "SELECT s.case_id, c.number, s.last_seq, s.last_hash FROM ledger_segments s"
        " JOIN cases c ON c.id = s.case_id WHERE EXISTS (SELECT 1 FROM case_ledger l"
        " WHERE l.case_id = s.case_id) ORDER BY s.case_id LIMIT 1")[0]

    _sql(db, "UPDATE ledger_segments SET last_hash = repeat('f', 64) WHERE case_id = :c"
         " AND last_seq = :s", c=case_id, s=last_seq)
    code, out = _verify(db, capsys)
    assert code == 1 and f"案卷 {number}（id {case_id}） 序号 {last_seq + 1} [link]" in out, out
    _sql(db, "UPDATE ledger_segments SET last_hash = :h WHERE case_id = :c AND last_seq = :s",
         h=last_hash, c=case_id, s=last_seq)
    _sql(db, "UPDATE ledger_segments SET rows = rows + 1 WHERE case_id = :c AND last_seq = :s",
         c=case_id, s=last_seq)
    code, out = _verify(db, capsys)
    assert code == 1 and "归档段被改动" in out, out
    _sql(db, "UPDATE ledger_segments SET rows = rows - 1 WHERE case_id = :c AND last_seq = :s",
         c=case_id, s=last_seq)
    assert _verify(db, capsys)[0] == 0

    with db.engine.begin() as conn:  # the owner, the append-only trigger off
        conn.execute(text("ALTER TABLE case_ledger DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE case_ledger SET reason = reason || '（改）' WHERE case_id = :c"
                          " AND seq = :s"), {"c": case_id, "s": last_seq + 1})
        conn.execute(text("ALTER TABLE case_ledger ENABLE TRIGGER USER"))
    code, out = _verify(db, capsys)
    assert code == 1 and f"序号 {last_seq + 1} [hash]" in out, out


@pytest.mark.postgres
def test_a_modified_archive_is_refused_at_reattach(db, capsys):
    month = _closed_months(db)[0]
    assert _archive(db, capsys, add_months(month, 1))[0] == 0
    data = db.archive / f"case_ledger_{month:%Y_%m}.csv.gz"
    manifest = data.with_name(f"case_ledger_{month:%Y_%m}.manifest.json")
    original = data.read_bytes()
    lines = gzip.decompress(original).decode().splitlines(keepends=True)
    lines[1] = lines[1].replace(",", ",x", 1)  # one row's field changed
    data.write_bytes(gzip.compress("".join(lines).encode()))
    code, out = _reattach(db, capsys, data)
    assert code == 2 and "SHA-256 与清单不符" in out and "拒绝重新挂载" in out, out
    assert "Traceback" not in out and "psycopg" not in out

    data.write_bytes(original)
    signed = manifest.read_text()
    doc = json.loads(signed)
    doc["segments"][0][5] += 1
    manifest.write_text(json.dumps(doc))
    code, out = _reattach(db, capsys, manifest)
    assert code == 2 and "签名无效" in out, out
    manifest.write_text(signed)
    assert _sql(db, "SELECT count(*) FROM ledger_segments WHERE month = :m", m=month)[0][0] > 0
    code, out = _reattach(db, capsys, manifest)
    assert code == 0, out


@pytest.mark.postgres
def test_recent_months_and_months_of_open_cases_stay_online(db, capsys):
    this = dt.datetime.now(dt.UTC).date().replace(day=1)
    code, out = _archive(db, capsys, this, months_setting=24)  # the default
    assert code == 2 and f"{add_months(this, -1):%Y-%m} 太近" in out, out
    assert f"只归档 {add_months(this, -24):%Y-%m} 及更早的月份" in out
    assert _sql(db, "SELECT count(*) FROM ledger_segments")[0][0] == 0

    months = _closed_months(db)
    code, out = _archive(db, capsys, this, months_setting=1)
    assert code == 2, out
    assert "有未办结案卷的台账行" in out and f"已归档 {months[-1]:%Y-%m}" in out, out
    opened = add_months(months[-1], 1)
    assert _sql(db, "SELECT 1 FROM pg_class WHERE relname = :n", n=f"case_ledger_{opened:%Y_%m}")


@pytest.mark.postgres
def test_segments_are_read_by_administrators_and_outlined_to_seats(db, capsys):
    months = _closed_months(db)
    assert _archive(db, capsys, add_months(months[0], 1))[0] == 0
    logins = make_logins(db, ["admin", "shouli"])
    with as_login(db, logins["admin"]) as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_segments")).scalar() > 0
    with as_login(db, logins["shouli"]) as conn:  # a seat reads the outline (ui/case)
        assert conn.execute(text("SELECT sum(rows) FROM ledger_segments")).scalar() > 0
    for sql in ("SELECT last_hash FROM ledger_segments", "SELECT archive FROM ledger_segments",
                "DELETE FROM ledger_segments", "UPDATE ledger_segments SET rows = 0"):
        with as_login(db, logins["shouli"]) as conn, pytest.raises(Exception,
                                                                     match="permission denied"):
            conn.execute(text(sql))
    with as_login(db, logins["admin"]) as conn, pytest.raises(Exception,
                                                                match="permission denied"):
        conn.execute(text("DELETE FROM ledger_segments"))


def test_sqlite_has_nothing_to_archive(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'plain.sqlite3'}"
    upgrade(url)
    key = tmp_path / "k"
    checkpoint.keygen(key)
    code = main(["--database", url, "ledger", "archive", "--before", "2020-01", "--to",
                 str(tmp_path / "a"), "--key", str(key)])
    assert code == 2 and "不分区" in capsys.readouterr().err
    assert main(["--database", url, "ledger", "verify"]) == 0  # with its empty segments table
