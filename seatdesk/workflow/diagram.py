"""Documentation generated from the transition table: a Mermaid state diagram and the
"who may do what" table. ``docs/workflow.md`` embeds both between markers; a test checks
the committed document holds the current output (regenerate with
``python -m seatdesk.workflow.diagram docs/workflow.md``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from seatdesk.models.enums import CaseState, Role

from .guards import GUARD_LABELS
from .states import ACTIONS, NEW, TERMINAL_STATES, TRANSITIONS, state_label


def mermaid() -> str:
    """``stateDiagram-v2`` of every transition (parallel actions share one labelled edge)."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{s.label}" as {s.value}' for s in CaseState]
    edges: dict[tuple[str, str], list[str]] = {}
    for row in TRANSITIONS:
        labels = edges.setdefault((row.source or "[*]", row.target), [])
        if ACTIONS[row.action].label not in labels:
            labels.append(ACTIONS[row.action].label)
    for (source, target), labels in edges.items():
        lines.append(f"    {source} --> {target} : {' / '.join(labels)}")
    lines += [f"    {s} --> [*]" for s in CaseState if s in TERMINAL_STATES]
    return "\n".join(lines)


def permissions_markdown() -> str:
    """Markdown table: action, from → to, roles, reason required, guards, and whether a
    self-loop may repeat."""
    out = ["| 操作 | 动作 (API) | 从 | 到 | 角色 | 理由 | 条件 | 重复 |",
           "|---|---|---|---|---|---|---|---|"]
    for row in TRANSITIONS:
        roles = "、".join(Role(r).label for r in sorted(row.roles))
        conditions = "；".join(GUARD_LABELS[g] for g in row.guards)
        source = state_label(row.source) if row.source != NEW else "—"
        out.append(f"| {ACTIONS[row.action].label} | `{row.action}` | {source} | "
                   f"{state_label(row.target)} | {roles} | {'必填' if row.reason else ''} | "
                   f"{conditions} | {_repeat(row)} |")
    return "\n".join(out)


def _repeat(row) -> str:
    """Self-loops only: 可重复, or 仅一次 with the case column that marks it done."""
    if not row.is_self_loop:
        return ""
    return "可重复" if row.repeat else f"仅一次（`{row.once}` 已填即拒绝）"


BLOCKS = {"diagram": lambda: f"```mermaid\n{mermaid()}\n```", "permissions": permissions_markdown}


def generated(name: str) -> str:
    return f"<!-- BEGIN GENERATED {name} -->\n{BLOCKS[name]()}\n<!-- END GENERATED {name} -->"


def refresh(text: str) -> str:
    """``text`` with every generated block replaced by the current output."""
    for name in BLOCKS:
        pattern = re.compile(rf"<!-- BEGIN GENERATED {name} -->.*?<!-- END GENERATED {name} -->",
                             re.DOTALL)
        text = pattern.sub(lambda _m, n=name: generated(n), text)
    return text


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "docs/workflow.md")
    path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
