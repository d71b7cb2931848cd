"""A hotline complaint through the whole closed loop, then its ledger.

    python examples/case_lifecycle.py sqlite:////tmp/lifecycle.sqlite3
    python examples/case_lifecycle.py postgresql://postgres@127.0.0.1:55432/seatdesk

Upgrades the database to the current schema, adds minimal reference data if it has none
(``seatdesk.workflow.sample``), then runs: report (12319), 核实, 受理, 立案, 派遣, 签收,
延期, 处置反馈, 核查不通过, 返工, 处置反馈, 核查通过, 结案, 回访 — each a service call by
the right role — and prints the case's ledger (where each step sent the work) and the
result of the ledger check.
"""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seatdesk.config import normalise_url
from seatdesk.models.db import make_engine, session_factory, upgrade
from seatdesk.models.enums import Role
from seatdesk.workflow import services as sd
from seatdesk.workflow.ledger import case_rows, replay
from seatdesk.workflow.sample import USERS, SampleIds, ensure_sample
from seatdesk.workflow.states import action_label, state_label

CST = ZoneInfo("Asia/Shanghai")


def actors(ids: SampleIds) -> dict[str, sd.Actor]:
    out = {}
    for username, (_name, role, dept) in USERS.items():
        short = username.removeprefix("sample_")
        out[short] = sd.Actor(ids.users[username], role, ids.departments.get(dept),
                              seat=f"示例-{short}")
    return out


def steps(ids: SampleIds) -> list[tuple]:
    """(service, actor, keyword arguments) after registration, in the order of the loop."""
    sup = ids.users["sample_supervisor"]
    return [
        (sd.send_verification, "acceptor", {"supervisor_id": sup}),
        (sd.verify, "supervisor", {"confirmed": True, "note": "现场确认：井盖缺失"}),
        (sd.accept, "acceptor", {"class_id": ids.class_id}),
        (sd.file, "lead", {"condition_id": ids.condition_id}),
        (sd.dispatch, "dispatcher", {"department_id": ids.departments["SAMPLE-SW"]}),
        (sd.sign, "water", {}),
        (sd.request_extension, "water", {"value": 1, "unit": "working_days",
                                         "reason": "需调配新井盖"}),
        (sd.approve_extension, "dispatcher", {"note": "同意延期一个工作日"}),
        (sd.feedback, "water", {"result": "已设置围挡，临时盖板覆盖"}),
        (sd.send_check, "acceptor", {"supervisor_id": sup}),
        (sd.check_fail, "supervisor", {"reason": "仅临时盖板，未更换井盖"}),
        (sd.feedback, "water", {"result": "已更换新井盖"}),
        (sd.send_check, "acceptor", {"supervisor_id": sup}),
        (sd.check_pass, "supervisor", {"note": "井盖完好归位"}),
        (sd.close, "lead", {}),
        (sd.callback, "acceptor", {"outcome": "satisfied", "note": "张先生表示满意"}),
    ]


def run_case(wf: sd.Workflow, ids: SampleIds) -> int:
    who = actors(ids)
    change = sd.register(wf, who["acceptor"], sd.Report(
        source="hotline_12319", lon=ids.point[0], lat=ids.point[1], address="县前街 12 号门前",
        description="市民来电：人行道上井盖缺失，有人险些踩空", caller_name="张先生",
        caller_phone="13800001234", callback_wanted=True))
    print(f"登记 {change.number}：{state_label(change.new_state)}")
    for service, actor, kwargs in steps(ids):
        change = service(wf, who[actor], change.case_id, change.version, **kwargs)
        print(f"  {action_label(change.action)} → {state_label(change.new_state)}")
    return change.case_id


def print_ledger(wf: sd.Workflow, case_id: int) -> bool:
    with session_factory(wf.engine)() as session:
        print("\n电子台账：")
        for row in sd.case_history(session, case_id):
            at = row.at.astimezone(CST).strftime("%m-%d %H:%M:%S")
            print(f"{row.seq:>3} {at} {row.actor_name}（{Role(row.actor_role).label}）"
                  f"{action_label(row.action)}：{state_label(row.from_state)} → {row.to_label}"
                  + (f"  派往：{row.to_whom}" if row.to_whom else "")
                  + (f"  理由：{row.reason}" if row.reason else ""))
        problems = sd.verify_ledger(session, [case_id])
        replayed = replay(case_rows(session, case_id))
        detail = sd.case_detail(session, sd.Actor(0, "wall"), case_id)  # read-only view
    print(f"\n台账校验：{'完整' if not problems else problems}")
    print(f"重放结果：{state_label(replayed.state)}（案卷：{detail.state_label}），"
          f"结案类型：{detail.closure_type}")
    return not problems and replayed.state == detail.state


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"用法：{argv[0]} 数据库URL（sqlite:///… 或 postgresql://…）", file=sys.stderr)
        return 2
    url = normalise_url(argv[1])
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as session:
            ids = ensure_sample(session)
        wf = sd.Workflow(engine)
        case_id = run_case(wf, ids)
        return 0 if print_ledger(wf, case_id) else 1
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
