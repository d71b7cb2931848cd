"""The transition table is consistent, every action has a service, and the committed
docs/workflow.md holds the diagram and permission table generated from the table."""

from __future__ import annotations

import inspect

from seatdesk.models.db import ROOT
from seatdesk.models.enums import CaseState as S
from seatdesk.models.enums import Role
from seatdesk.workflow import diagram
from seatdesk.workflow import services as sd
from seatdesk.workflow.guards import GUARD_LABELS, GUARDS
from seatdesk.workflow.states import (
    ACTIONS,
    ALL_TRANSITIONS,
    NEW,
    TERMINAL_STATES,
    TRANSITIONS,
    actions_for,
)


def test_doc_holds_the_generated_diagram_and_permissions():
    text = (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert diagram.generated("diagram") in text, "run: python -m seatdesk.workflow.diagram"
    assert diagram.generated("permissions") in text
    assert diagram.refresh(text) == text


def test_every_state_is_reachable_and_every_open_state_can_move():
    reached, frontier = {NEW}, [NEW]
    while frontier:
        state = frontier.pop()
        for row in TRANSITIONS:
            if row.source == state and row.target not in reached:
                reached.add(row.target)
                frontier.append(row.target)
    assert reached - {NEW} == set(S)
    sources = {row.source for row in TRANSITIONS}
    assert set(S) - TERMINAL_STATES <= sources
    # the handling ends at 结案; the only step after it is 回访, which may reopen the case
    assert sources & TERMINAL_STATES == {S.CLOSED}
    assert {row.action for row in TRANSITIONS if row.source == S.CLOSED} == {"callback"}


def test_rows_are_well_formed():
    for row in ALL_TRANSITIONS:
        assert row.action in ACTIONS and ACTIONS[row.action].label
        assert row.source == NEW or row.source in S._value2member_map_
        assert row.target in S._value2member_map_
        assert row.roles and row.roles <= set(Role)
        assert set(row.guards) <= set(GUARDS) == set(GUARD_LABELS)
    keys = [(r.action, r.source, r.target) for r in ALL_TRANSITIONS]
    assert len(keys) == len(set(keys))


def test_separation_of_duties():
    assert actions_for("acceptor", S.REPORTED) == ("send_verification", "accept", "void",
                                                   "merge")
    assert actions_for("shift_lead", S.ACCEPTED) == ("file", "refuse_filing", "merge")
    assert actions_for("department", S.DISPATCHED) == (
        "sign", "request_return", "request_extension", "request_suspension", "feedback")
    assert actions_for("department", S.FEEDBACK) == ()  # feedback alone never closes
    assert actions_for("shift_lead", S.READY_TO_CLOSE) == ("close",)
    for role in ("admin", "wall"):
        assert all(actions_for(role, s) == () for s in S)
    closers = {row.source for row in TRANSITIONS if row.action == "close"}
    assert closers == {S.READY_TO_CLOSE}  # only after a passed 核查


def test_every_action_has_a_service_function():
    for action in {row.action for row in TRANSITIONS} - {"merge"}:
        fn = getattr(sd, action)
        params = list(inspect.signature(fn).parameters)
        expected = ["wf", "actor", "report"] if action == "register" else [
            "wf", "actor", "case_id", "version"]
        assert params[:len(expected)] == expected, action
