"""Generate the default 立案条件 catalogue of GB/T 47678.5-2026 (a development tool).

``python -m seatdesk.data.catalogue_gen`` rewrites
``resources/reference/filing_conditions_gbt47678_5.csv`` from the class directory and
the rules in ``catalogue_rules`` / ``catalogue_matters``. The app never runs this: it
loads the committed CSV, which administrators may edit or replace.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from .catalogue_matters import MATTERS
from .catalogue_rules import (
    BY_CODE,
    EXACT,
    FAMILIES,
    GENERIC_BY_MAJOR,
    UNIT_BY_MAJOR,
    UNIT_KEYWORDS,
    Cond,
)
from .conditions import EXTRA_ORDER, PUBLISHED_ORDER
from .limits import parse_limit

REFERENCE = Path(__file__).resolve().parents[2] / "resources" / "reference"
CLASSES = REFERENCE / "classes_gbt47678_5.csv"
OUTPUT = REFERENCE / "filing_conditions_gbt47678_5.csv"
COLUMNS = PUBLISHED_ORDER + EXTRA_ORDER
KIND_LABEL = {"component": "部件", "matter": "事项"}


def facility_name(row: dict[str, str]) -> str:
    """The component a class is about: the name itself, or a matter's name minus 异常."""
    name = row["minor_name"]
    if row["kind"] == "matter" and row["major_code"] <= "05":
        return name.removesuffix("异常")
    return name


def conditions_for(row: dict[str, str]) -> tuple[Cond, ...]:
    """Every condition of one class: code-specific published ones first, inactive
    alternatives last."""
    code = row["minor_code"]
    if row["kind"] == "matter" and code in MATTERS:
        conds = MATTERS[code]
    else:
        name = facility_name(row)
        conds = BY_CODE.get(code, ()) + (EXACT.get(name) or _family(name, row["major_code"]))
    return tuple(sorted(conds, key=lambda cond: not cond.active))


def _family(name: str, major: str) -> tuple[Cond, ...]:
    for keywords, conds in FAMILIES:
        if any(word in name for word in keywords):
            return conds
    return (GENERIC_BY_MAJOR[major],)


def responsible_unit(name: str, major: str) -> str:
    for keywords, unit in UNIT_KEYWORDS:
        if any(word in name for word in keywords):
            return unit
    return UNIT_BY_MAJOR[major]


def catalogue_rows(classes: Path = CLASSES) -> Iterator[dict[str, str]]:
    with classes.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            conds = conditions_for(row)
            if not conds:
                raise ValueError(f"no filing condition for {row['kind']} {row['minor_code']}")
            for seq, cond in enumerate(conds, start=1):
                yield _csv_row(row, seq, cond)


def _csv_row(row: dict[str, str], seq: int, cond: Cond) -> dict[str, str]:
    name = facility_name(row)
    for text in (cond.normal, cond.urgent):
        if text:
            parse_limit(text)  # fail early on a typo in the rules
    return {
        "大类代码": row["major_code"], "大类名称": row["major_name"],
        "小类代码": row["minor_code"], "小类名称": row["minor_name"],
        "立案条件": cond.text.format(n=name), "处置时限": cond.normal,
        "结案条件": cond.closure.format(n=name),
        "责任单位": cond.unit or responsible_unit(name, row["major_code"]),
        "类型": KIND_LABEL[row["kind"]], "立案明细编码": f"{row['minor_code']}{seq:02d}",
        "紧急处置时限": cond.urgent, "区域": "", "来源": cond.source,
        "默认值": "否" if cond.source else "是", "启用": "是" if cond.active else "否",
    }


def render(classes: Path = CLASSES) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(catalogue_rows(classes))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    target = Path((argv or sys.argv[1:] or [str(OUTPUT)])[0])
    text = render()
    target.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {text.count(chr(10)) - 1} conditions to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
