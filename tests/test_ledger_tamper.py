"""``ledger verify`` finds every kind of tampering a database administrator could do, on both
backends, and names the case (and the field); a signed checkpoint catches what a
consistent rewrite hides: a cut tail with its head rewound, and a rewritten, re-hashed
chain. The tampering is done as the schema owner with the triggers switched off — what
no operator's login can do (tests/test_dbrules.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from seatdesk.cli import main
from seatdesk.models.enums import CaseState as S
from seatdesk.models.ledger import GENESIS, entry_hash
from seatdesk.workflow import checkpoint
from seatdesk.workflow.ledger_verify import verify_ledger
from tests.workflow_fixtures import World, world_fixture  # noqa: F401 (fixture)


@contextmanager
def tampering(w: World) -> Iterator:
    """The owner's connection with the ledger's and the cases' triggers off."""
    with w.db.engine.begin() as conn:
        pg = w.db.backend == "postgresql"
        if pg:
            conn.execute(text("ALTER TABLE case_ledger DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE cases DISABLE TRIGGER USER"))
        yield conn
        if pg:
            conn.execute(text("ALTER TABLE case_ledger ENABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE cases ENABLE TRIGGER USER"))


def found(w: World, case_id: int) -> list:
    with w.db.Session() as s:
        return verify_ledger(s, [case_id])


def kinds(w: World, case_id: int) -> set[str]:
    return {p.kind for p in found(w, case_id)}


def fields(w: World, case_id: int) -> set[str]:
    return {p.field for p in found(w, case_id) if p.field}


def rehash(conn, case_id: int, from_seq: int = 1) -> None:
    """What an attacker with the owner's rights does to hide an edit: recompute the chain
    from ``from_seq`` on and move the head kept on the case."""
    number = conn.execute(text("SELECT number FROM cases WHERE id = :c"), {"c": case_id}).scalar()
    rows = conn.execute(text("SELECT * FROM case_ledger WHERE case_id = :c ORDER BY seq"),
                        {"c": case_id}).mappings().all()
    prev = GENESIS
    for row in rows:
        if row["seq"] >= from_seq:
            digest = entry_hash(prev_hash=prev, case_number=number, seq=row["seq"],
                                at=_aware(row["at"]), actor_id=row["actor_id"],
                                actor_role=row["actor_role"], seat=row["seat"],
                                action=row["action"], from_state=row["from_state"],
                                to_state=row["to_state"], reason=row["reason"],
                                payload=row["payload"])
            conn.execute(text("UPDATE case_ledger SET prev_hash = :p, hash = :h WHERE id = :i"),
                         {"p": prev, "h": digest, "i": row["id"]})
            prev = digest
        else:
            prev = row["hash"]
    last = rows[-1]["seq"] if rows else 0
    conn.execute(text("UPDATE cases SET ledger_head = :h, ledger_seq = :s, version = :s"
                      " WHERE id = :c"), {"h": prev if rows else "", "s": last, "c": case_id})


def rewind(conn, case_id: int) -> None:
    """Set every field of the case to what its (shortened) ledger replays to."""
    from types import SimpleNamespace

    from sqlalchemy import update

    from seatdesk.models import Case
    from seatdesk.workflow.ledger import TRACKED, replay

    rows = conn.execute(text("SELECT seq, action, from_state, to_state, actor_role, payload"
                             " FROM case_ledger WHERE case_id = :c ORDER BY seq"),
                        {"c": case_id}).mappings().all()
    replayed = replay(SimpleNamespace(**row) for row in rows)
    conn.execute(update(Case.__table__).where(Case.__table__.c.id == case_id)
                 .values({name: replayed[name] for name in TRACKED}))
    rehash(conn, case_id)


def _aware(value):
    import datetime as dt

    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# -- what verify alone finds -------------------------------------------------------------------
def test_edited_reason_payload_and_actor_are_found(world):
    w = world
    cases = [w.drive.to(S.FEEDBACK).id for _ in range(3)]
    with tampering(w) as conn:
        conn.execute(text("UPDATE case_ledger SET reason = '改过的理由' WHERE case_id = :c"
                          " AND seq = 3"), {"c": cases[0]})
        conn.execute(text("UPDATE case_ledger SET payload = :p WHERE case_id = :c AND seq = 2"),
                     {"p": json.dumps({"args": {}, "set": {}}), "c": cases[1]})
        conn.execute(text("UPDATE case_ledger SET actor_id = :u WHERE case_id = :c AND seq = 4"),
                     {"u": w.users["lead"], "c": cases[2]})
    for case_id, seq in zip(cases, (3, 2, 4), strict=True):
        problems = found(w, case_id)
        assert [(p.kind, p.seq) for p in problems if p.kind == "hash"] == [("hash", seq)]
        assert {p.case_id for p in problems} == {case_id}
        assert all(str(p).startswith(f"案卷 {p.number}（id {case_id}）") for p in problems)


def test_deleted_middle_last_and_all_rows_are_found(world):
    w = world
    middle, last, everything = (w.drive.to(S.DISPATCHED).id for _ in range(3))
    with tampering(w) as conn:
        conn.execute(text("DELETE FROM case_ledger WHERE case_id = :c AND seq = 2"),
                     {"c": middle})
        conn.execute(text("DELETE FROM case_ledger WHERE case_id = :c AND seq ="
                          " (SELECT max(seq) FROM case_ledger WHERE case_id = :c)"), {"c": last})
        conn.execute(text("DELETE FROM case_ledger WHERE case_id = :c"), {"c": everything})
    assert {"seq", "link"} <= kinds(w, middle)
    assert "head" in kinds(w, last) and "version" in fields(w, last)
    assert [p.kind for p in found(w, everything)] == ["head"]


def test_forged_illegal_and_skipping_rows_are_found_even_with_a_valid_chain(world):
    w = world
    forged = w.drive.to(S.DISPATCHED).id  # a department "closes" its own case
    illegal = w.drive.to(S.CLOSED).id  # 结案 from 结案
    skipping = w.drive.to(S.DISPATCHED).id  # 处置中 straight to 待结案
    with tampering(w) as conn:
        for case_id, action, source, target, role in (
                (forged, "close", S.READY_TO_CLOSE, S.CLOSED, "department"),
                (illegal, "close", S.CLOSED, S.CLOSED, "shift_lead"),
                (skipping, "check_pass", S.PENDING_CHECK, S.READY_TO_CLOSE, "supervisor")):
            conn.execute(text(
                "INSERT INTO case_ledger (case_id, seq, at, actor_id, actor_role, seat, action,"
                " from_state, to_state, reason, payload, prev_hash, hash)"
                " SELECT id, version + 1, updated_at, NULL, :role, '', :a, :f, :t, '',"
                " :p, '', '' FROM cases WHERE id = :c"),
                {"c": case_id, "a": action, "f": source, "t": target, "role": role,
                 "p": json.dumps({"args": {}, "set": {"state": target}})})
            conn.execute(text("UPDATE cases SET state = :t WHERE id = :c"),
                         {"t": target, "c": case_id})
            rehash(conn, case_id)  # the chain and the head are consistent again
    assert kinds(w, forged) == {"role", "skip"}
    assert kinds(w, illegal) == {"transition"}
    assert kinds(w, skipping) == {"skip"}
    for case_id in (forged, illegal, skipping):
        assert {p.case_id for p in found(w, case_id)} == {case_id}


EDITS = {  # column: new value (each is a field the ledger determines)
    "description": "'改写的问题描述'", "closure_type": "'special'", "caller_phone": "'13999999999'",
    "caller_name": "'李四'", "address": "'别处'", "urgency": "'urgent'", "department_id": "NULL",
    "deadline_at": "NULL", "limit_value": "99", "class_id": "NULL", "condition_id": "NULL",
    "rework_count": "7", "lon": "lon + 0.01", "state": "'closed'",
}


def test_edited_case_fields_are_found_and_named(world):
    w = world
    cases = {column: w.drive.to(S.DISPATCHED).id for column in EDITS}
    with tampering(w) as conn:
        for column, value in EDITS.items():
            conn.execute(text(f"UPDATE cases SET {column} = {value} WHERE id = :c"),
                         {"c": cases[column]})
    for column, case_id in cases.items():
        named = fields(w, case_id)
        assert column in named, (column, named)
        assert kinds(w, case_id) == {"field"}
    assert fields(w, cases["lon"]) == {"lon", "geom"}  # the point no longer matches either
    phone = next(p for p in found(w, cases["caller_phone"]) if p.field == "caller_phone")
    assert "13999999999" not in phone.message  # personal data is named, never printed


# -- what only a checkpoint finds ----------------------------------------------------------------
@pytest.fixture
def keys(tmp_path):
    private = tmp_path / "centre.key"
    public = checkpoint.keygen(private)
    return private, public


def test_a_cut_tail_and_a_full_rehash_pass_verify_but_not_the_checkpoint(world, keys, tmp_path,
                                                                         capsys):
    w = world
    private, public = keys
    cut, rewritten, clean = (w.drive.to(S.FEEDBACK).id for _ in range(3))
    file = tmp_path / "cp.json.gz"
    assert main(["--database", w.db.url, "ledger", "checkpoint", "--key", str(private),
                 "--out", str(file)]) == 0
    assert "3 cases" in capsys.readouterr().out
    with tampering(w) as conn:
        # cut the last row and rewind the case to the state before it
        conn.execute(text("DELETE FROM case_ledger WHERE case_id = :c AND seq ="
                          " (SELECT max(seq) FROM case_ledger WHERE case_id = :c)"), {"c": cut})
        rewind(conn, cut)
        # rewrite an old row's reason and re-hash everything after it
        conn.execute(text("UPDATE case_ledger SET reason = '改写' WHERE case_id = :c"
                          " AND seq = 2"), {"c": rewritten})
        rehash(conn, rewritten, from_seq=2)
    with w.db.Session() as s:
        alone = [p for p in verify_ledger(s) if p.case_id in (cut, rewritten)]
        assert alone == []  # both rewrites are consistent: verify alone cannot tell
        against = checkpoint.verify_against(s, checkpoint.load(str(file)),
                                            checkpoint.load_public(public))
    assert {(p.case_id, p.kind) for p in against} == {(cut, "checkpoint"),
                                                      (rewritten, "checkpoint")}
    code = main(["--database", w.db.url, "ledger", "verify", "--against", str(file),
                 "--public-key", str(public)])
    out = capsys.readouterr().out
    assert code == 1 and "已不在台账中" in out and "重算了哈希" in out


def test_a_checkpoint_signed_by_another_key_or_edited_is_refused(world, keys, tmp_path):
    w = world
    private, public = keys
    w.drive.to(S.FILED)
    with w.db.Session() as s:
        made = checkpoint.make(s, checkpoint.load_private(private), "test")
    other = checkpoint.load_public(checkpoint.keygen(tmp_path / "other.key"))
    with pytest.raises(checkpoint.CheckpointError, match="公钥"):
        checkpoint.check_signature(made, other)
    made.heads[0] = (made.heads[0][0], made.heads[0][1], made.heads[0][2], "0" * 64)
    with pytest.raises(checkpoint.CheckpointError, match="根哈希"):
        checkpoint.check_signature(made, checkpoint.load_public(public))


def test_checkpoints_go_to_a_witness_database_too(world, keys, tmp_path, capsys):
    w = world
    private, public = keys
    w.drive.to(S.FILED)
    witness = f"sqlite:///{tmp_path / 'witness.sqlite3'}"
    assert main(["--database", w.db.url, "ledger", "checkpoint", "--key", str(private),
                 "--witness", witness]) == 0
    assert main(["--database", w.db.url, "ledger", "verify", "--against", witness,
                 "--public-key", str(public)]) == 0
    assert "match checkpoint" in capsys.readouterr().out
