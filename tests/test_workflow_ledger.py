"""The ledger over a whole hotline case: one row per action, replay equals the case row
after every step (state, deadlines, every field), the chain verifies; tampering of any
kind (edited, deleted, inserted, reordered rows, cut head, edited case row) is found."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from seatdesk.models import Case, CaseReporter, LedgerEntry
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from seatdesk.workflow.ledger import case_rows, replay
from tests.workflow_fixtures import (
    World,
    case_row,
    world_fixture,  # noqa: F401 (fixture)
)

LIFECYCLE = [  # the loop: report, 核实, accept, file, dispatch, extension, feedback,
    # failed check, rework, feedback, passed check, close
    (sd.send_verification, "acceptor", {"supervisor_id": "sup1"}),
    (sd.verify, "sup1", {"confirmed": True, "note": "现场确认井盖缺失"}),
    (sd.accept, "acceptor", {}),
    (sd.file, "lead", {"condition_id": "井盖"}),
    (sd.dispatch, "dispatcher", {"department_id": "SW"}),
    (sd.sign, "water", {}),
    (sd.request_extension, "water", {"value": 1, "unit": "working_days", "reason": "需备料"}),
    (sd.approve_extension, "dispatcher", {}),
    (sd.feedback, "water", {"result": "已临时围挡"}),
    (sd.send_check, "acceptor", {"supervisor_id": "sup2"}),
    (sd.check_fail, "sup2", {"reason": "井盖未更换"}),
    (sd.feedback, "water", {"result": "已更换井盖"}),
    (sd.send_check, "acceptor", {"supervisor_id": "sup2"}),
    (sd.check_pass, "sup2", {"note": "井盖完好归位"}),
    (sd.close, "lead", {}),
]


def resolve(w: World, kw: dict) -> dict:
    ids = {"supervisor_id": w.users, "condition_id": w.cond, "department_id": w.dept}
    return {k: ids[k][v] if k in ids else v for k, v in kw.items()}


def run_lifecycle(w: World):
    ref = w.drive.register(source="hotline_12319", klass=None, caller_name="张先生",
                           caller_phone="13800001234", callback_wanted=True,
                           description="县前街井盖缺失", address="县前街 12 号")
    assert_replay_matches(w, ref.id)
    for fn, actor, kw in LIFECYCLE:
        if fn is sd.accept:
            kw = {"class_id": w.cls["井盖"]}
        ref = w.drive.do(ref, fn, actor, **resolve(w, kw))
        assert_replay_matches(w, ref.id)
    return ref


def assert_replay_matches(w: World, case_id: int) -> None:
    with w.db.Session() as s:
        replayed = replay(case_rows(s, case_id))
        assert sd.verify_ledger(s, [case_id]) == []
    row = case_row(w, case_id)
    assert replayed.problems == ()
    assert (replayed.state, replayed.version) == (row["state"], row["version"])
    assert replayed.deadline_at == row["deadline_at"]
    assert replayed.step_deadline_at == row["step_deadline_at"]
    assert {k: row[k] for k in replayed.fields} == dict(replayed.fields)


def test_hotline_lifecycle_ledger_and_replay(world):
    w = world
    ref = run_lifecycle(w)
    row = case_row(w, ref.id)
    assert row["state"] == S.CLOSED and row["closure_type"] == "normal"
    assert (row["rework_count"], row["extension_count"]) == (1, 1)
    with w.db.Session() as s:
        history = sd.case_history(s, ref.id)
        reporters = s.query(CaseReporter).filter_by(case_id=ref.id).all()
    assert [h.action for h in history] == ["register"] + [fn.__name__ for fn, _, _ in LIFECYCLE]
    assert [h.seq for h in history] == list(range(1, len(LIFECYCLE) + 2))
    assert history[0].actor_name == "acceptor用户" and history[0].seat == "席位-acceptor"
    assert history[-1].to_label == "结案" and history[2].reason == "现场确认井盖缺失"
    assert [(r.phone, r.callback_wanted) for r in reporters] == [("13800001234", True)]


def test_ledger_since_is_the_first_rows_time_and_no_row_precedes_it(world):
    """``cases.ledger_since`` (migration 0014) is set once at registration to the time of
    the case's first ledger row; the trust trigger's head lookup starts there."""
    w = world
    registered = w.drive.register(source="hotline_12319", description="县前街井盖缺失")
    since = case_row(w, registered.id)["ledger_since"]
    ref = run_lifecycle(w)
    with w.db.Session() as s:
        firsts = dict(s.execute(select(LedgerEntry.case_id, func.min(LedgerEntry.at))
                                .group_by(LedgerEntry.case_id)).all())
        earlier = s.scalar(select(func.count()).select_from(LedgerEntry).join(
            Case, Case.id == LedgerEntry.case_id).where(
            (LedgerEntry.at < Case.ledger_since) | Case.ledger_since.is_(None)))
    assert since is not None and case_row(w, registered.id)["ledger_since"] == since
    assert firsts[registered.id] == since
    assert case_row(w, ref.id)["ledger_since"] == firsts[ref.id]
    assert len(firsts) >= 2 and earlier == 0


def test_case_detail_masks_the_phone_by_role(world):
    w = world
    ref = w.drive.register(source="hotline_12319", caller_phone="13800001234")
    with w.db.Session() as s:
        seen = {name: sd.case_detail(s, w.a(name), ref.id) for name in
                ("acceptor", "lead", "admin", "dispatcher", "sup1", "wall")}
    assert {n: d.caller_phone for n, d in seen.items()} == {
        "acceptor": "13800001234", "lead": "13800001234", "admin": "13800001234",
        "dispatcher": "138****1234", "sup1": "138****1234", "wall": ""}
    assert seen["dispatcher"].reporters[0].phone == "138****1234"
    assert sd.mask_phone("13800001234", "department") == "138****1234"
    assert "send_verification" in seen["acceptor"].actions


def _tamper(w: World, sql: str, **params) -> None:
    with w.db.engine.begin() as conn:
        if w.db.backend == "postgresql":  # the append-only trigger is what we bypass here
            conn.execute(text("ALTER TABLE case_ledger DISABLE TRIGGER USER"))
        conn.execute(text(sql), params)
        if w.db.backend == "postgresql":
            conn.execute(text("ALTER TABLE case_ledger ENABLE TRIGGER USER"))


def _kinds(w: World, case_id: int) -> set[str]:
    with w.db.Session() as s:
        return {p.kind for p in sd.verify_ledger(s, [case_id])}


def test_verify_finds_every_kind_of_tampering(world):
    w = world
    cases = {name: w.drive.to(S.FEEDBACK).id for name in
             ("edited", "deleted", "inserted", "reordered", "cut", "case_row", "clean")}
    with w.db.Session() as s:
        assert sd.verify_ledger(s) == []
        n = s.get(Case, cases["inserted"]).ledger_seq
    _tamper(w, "UPDATE case_ledger SET reason = '改过' WHERE case_id = :c AND seq = 2",
            c=cases["edited"])
    _tamper(w, "DELETE FROM case_ledger WHERE case_id = :c AND seq = 3", c=cases["deleted"])
    _tamper(w, "INSERT INTO case_ledger (case_id, seq, at, actor_role, seat, action, from_state,"
               " to_state, reason, payload, prev_hash, hash) SELECT case_id, seq + 1, at,"
               " actor_role, seat, action, to_state, to_state, 'x', payload, hash, hash"
               " FROM case_ledger WHERE case_id = :c AND seq = :n", c=cases["inserted"], n=n)
    for a, b in ((2, 100), (3, 2), (100, 3)):
        _tamper(w, "UPDATE case_ledger SET seq = :b WHERE case_id = :c AND seq = :a",
                a=a, b=b, c=cases["reordered"])
    _tamper(w, "DELETE FROM case_ledger WHERE case_id = :c AND seq = :n",
            c=cases["cut"], n=n)
    with w.db.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET state = 'closed' WHERE id = :c"),
                     {"c": cases["case_row"]})
    assert "hash" in _kinds(w, cases["edited"])
    assert {"seq", "link"} <= _kinds(w, cases["deleted"])
    assert {"head", "hash"} <= _kinds(w, cases["inserted"])
    assert {"link", "hash"} <= _kinds(w, cases["reordered"])
    assert "head" in _kinds(w, cases["cut"])
    assert _kinds(w, cases["case_row"]) == {"field"}
    assert _kinds(w, cases["clean"]) == set()
    with w.db.Session() as s:
        found = sd.verify_ledger(s)
    assert {p.case_id for p in found} == set(cases.values()) - {cases["clean"]}
    assert all(p.message for p in found)


def test_replay_flags_illegal_paths(world):
    w = world
    ref = w.drive.to(S.DISPATCHED)
    with w.db.Session() as s:
        rows = case_rows(s, ref.id)
        s.expunge_all()
    skipped = [rows[0]] + rows[2:]  # 受理 row missing: reported → filed is not a transition
    findings = replay(skipped).findings
    assert {f.kind for f in findings} == {"skip"} and findings[0].seq == rows[2].seq
    assert all("跳过" in p and "序号" in p for p in replay(skipped).problems)
    forged = LedgerEntry(seq=1, action="close", from_state="", to_state="closed",
                         payload=json.dumps({"set": {}}))
    assert any("不是合法流转" in p for p in replay([forged]).problems)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_refuses_ledger_edits(world):
    w = world
    ref = w.drive.to(S.ACCEPTED)
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"), w.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_ledger WHERE case_id = :c"), {"c": ref.id})
    with w.db.Session() as s:
        assert sd.verify_ledger(s) == []


def test_attachments_are_kept_with_their_ledger_row(world):
    w = world
    photo = sd.AttachmentIn("photo", "现场.jpg", "image/jpeg", b"\xff\xd8\xff\xe0photo")
    audio = sd.AttachmentIn("audio", "来电.mp3", "audio/mpeg", b"ID3 recording")
    w.clock.advance(minutes=1)
    change = sd.register(w.wf, w.a("acceptor"), sd.Report(
        source="hotline_12319", lon=119.4805, lat=31.4255, attachments=(photo, audio)))
    ref = w.drive.to(S.DISPATCHED)
    done = w.drive.do(ref, sd.feedback, "water", result="已处理", attachments=(photo,))
    from seatdesk.models import Attachment

    with w.db.Session() as s:
        rows = s.query(Attachment).order_by(Attachment.id).all()
        assert [(a.case_id, a.ledger_seq, a.kind, a.size) for a in rows] == [
            (change.case_id, 1, "photo", len(photo.content)),
            (change.case_id, 1, "audio", len(audio.content)),
            (ref.id, done.version, "photo", len(photo.content))]
        assert rows[0].content == photo.content and len(rows[0].sha256) == 64
        history = sd.case_history(s, ref.id)
    assert history[-1].args["attachments"][0]["sha256"] == rows[2].sha256
    with pytest.raises(sd.InvalidArgument):
        w.drive.do(w.drive.to(S.DISPATCHED), sd.feedback, "water", result="x",
                   attachments=(sd.AttachmentIn("video", "a.mp4", "video/mp4", b"x"),))


def test_a_step_restart_states_its_deadline_even_when_unchanged():
    """Two 30-minute step limits started on one weekend end at the same Monday 08:30; the
    second row must still say so, or a reader of the ledger alone would see no deadline."""
    import datetime as dt

    from seatdesk.models import Case
    from seatdesk.workflow.ledger import changes

    monday = dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.timezone.utc)
    case = Case(state="ready_to_close", step_started_at=dt.datetime(2026, 11, 29, 5, 0,
                tzinfo=dt.timezone.utc), step_deadline_at=monday)
    before = {"state": "pending_check", "step_started_at": dt.datetime(
        2026, 11, 29, 4, 0, tzinfo=dt.timezone.utc), "step_deadline_at": monday}
    diff = changes(before, case)
    assert diff["step_deadline_at"] == monday.isoformat()
