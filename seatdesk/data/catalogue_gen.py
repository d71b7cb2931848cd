"""Generate the default 立案条件 catalogues (a development tool).

``python -m seatdesk.data.catalogue_gen [--edition 47678.5|30428.2] [OUTPUT]`` rewrites
``resources/reference/filing_conditions_gbt47678_5.csv`` (the default) or
``filing_conditions_gbt30428_2.csv`` from the class directories and the rules in
``catalogue_rules`` / ``catalogue_matters``; the 2013 edition's catalogue is derived
from the same rules through the mapping of ``catalogue_editions``. The app never runs
this: it loads the committed CSVs, which administrators may edit or replace.

Every condition carries a 紧急 limit: the rule's own where one is given (published with
the rule's source, or a placeholder), otherwise one derived from the normal limit by
``limits.derived_urgent_limit`` and marked 紧急时限默认值=是 for an administrator to
review.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import catalogue_editions as ed
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
from .limits import derived_urgent_limit, format_limit, parse_limit

REFERENCE = Path(__file__).resolve().parents[2] / "resources" / "reference"
CLASSES = REFERENCE / "classes_gbt47678_5.csv"
OUTPUT = REFERENCE / "filing_conditions_gbt47678_5.csv"
CLASSES_2013 = REFERENCE / "classes_gbt30428_2.csv"
OUTPUT_2013 = REFERENCE / "filing_conditions_gbt30428_2.csv"
COLUMNS = PUBLISHED_ORDER + EXTRA_ORDER
KIND_LABEL = {"component": "部件", "matter": "事项", "event": "事件"}


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
        return _active_first(MATTERS[code])
    return _active_first(facility_conditions(code, facility_name(row), row["major_code"]))


def facility_conditions(code: str | None, name: str, major: str) -> tuple[Cond, ...]:
    """A component's conditions by its 47678.5 code (BY_CODE), name and component major."""
    return BY_CODE.get(code or "", ()) + (EXACT.get(name) or _family(name, major))


def _active_first(conds: tuple[Cond, ...]) -> tuple[Cond, ...]:
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


def read_classes(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def catalogue_rows(classes: Path = CLASSES) -> Iterator[dict[str, str]]:
    """The GB/T 47678.5-2026 catalogue, straight from the rules."""
    for row in read_classes(classes):
        conds = conditions_for(row)
        if not conds:
            raise ValueError(f"no filing condition for {row['kind']} {row['minor_code']}")
        for seq, cond in enumerate(conds, start=1):
            yield _csv_row(row, seq, cond)


def _csv_row(row: dict[str, str], seq: int, cond: Cond, name: str | None = None,
             unit: str = "") -> dict[str, str]:
    """One CSV row; ``name`` fills ``{n}`` (default: the class's facility name) and
    ``unit`` is the 责任单位 when the condition names none (default: from the name)."""
    name = facility_name(row) if name is None else name
    for text in (cond.normal, cond.urgent):
        if text:
            parse_limit(text)  # fail early on a typo in the rules
    urgent = cond.urgent or format_limit(*derived_urgent_limit(*parse_limit(cond.normal)))
    return {
        "大类代码": row["major_code"], "大类名称": row["major_name"],
        "小类代码": row["minor_code"], "小类名称": row["minor_name"],
        "立案条件": cond.text.format(n=name), "处置时限": cond.normal,
        "结案条件": cond.closure.format(n=name),
        "责任单位": cond.unit or unit or responsible_unit(name, row["major_code"]),
        "类型": KIND_LABEL[row["kind"]], "立案明细编码": f"{row['minor_code']}{seq:02d}",
        "紧急处置时限": urgent, "区域": "", "来源": cond.source,
        "默认值": "否" if cond.source else "是", "启用": "是" if cond.active else "否",
        "紧急时限默认值": "否" if cond.urgent else "是",
    }


# -- GB/T 30428.2-2013, derived through catalogue_editions ------------------------------------

@dataclass(frozen=True)
class Derived:
    """A condition for a 2013 class: the rule, the ``{n}`` name, the fallback 责任单位,
    and whether the row must be reviewed although the rule is published."""

    cond: Cond
    name: str
    unit: str
    review: bool = False


def catalogue_rows_2013(classes: Path = CLASSES_2013,
                        targets: Path = CLASSES) -> Iterator[dict[str, str]]:
    """The GB/T 30428.2-2013 catalogue: 2013 codes and names, 47678.5 rules."""
    matters = {r["minor_code"]: r for r in read_classes(targets) if r["kind"] == "matter"}
    for row in read_classes(classes):
        items = component_items(row) if row["kind"] == "component" else event_items(row, matters)
        if not items:
            raise ValueError(f"no filing condition for {row['kind']} {row['minor_code']}")
        for seq, item in enumerate(sorted(items, key=lambda i: not i.cond.active), start=1):
            out = _csv_row(row, seq, item.cond, item.name, item.unit)
            if item.review:
                out["默认值"] = "是"
            yield out


def rule_name(row: dict[str, str]) -> str:
    """The name the facility rules see for a 2013 component (2026 spelling)."""
    name = ed.RULE_NAMES.get(row["minor_code"], row["minor_name"])
    for old, new in ed.RULE_WORDS:
        name = name.replace(old, new)
    return name


def component_items(row: dict[str, str]) -> list[Derived]:
    name, rule = row["minor_name"], rule_name(row)
    major = ed.COMPONENT_MAJORS[row["major_code"]]
    conds = ed.EXACT_2013.get(name) or facility_conditions(
        ed.COMPONENT_MATCHES[row["minor_code"]], rule, major)
    unit = responsible_unit(rule, major)
    return [Derived(cond, name, unit) for cond in conds]


def event_items(row: dict[str, str], matters: dict[str, dict[str, str]]) -> list[Derived]:
    match = ed.EVENT_MATCHES[row["minor_code"]]
    if not match.matters:
        major = ed.EVENT_FALLBACK_MAJOR[row["major_code"]]
        unit = match.unit or ed.GENERIC_EVENT_UNIT[major]
        return [Derived(ed.GENERIC_EVENT_BY_MAJOR[major], row["minor_name"], unit, True)]
    items = []
    for code in match.matters:
        target = matters[code]
        name = facility_name(target)
        items += [Derived(cond, name, cond.unit or responsible_unit(name, target["major_code"]),
                          not match.same)
                  for cond in conditions_for(target) if match.only in cond.text.format(n=name)]
    return items


# -- the tool ---------------------------------------------------------------------------------

EDITIONS: dict[str, tuple[Callable[[], Iterator[dict[str, str]]], Path]] = {
    "47678.5": (catalogue_rows, OUTPUT),
    "30428.2": (catalogue_rows_2013, OUTPUT_2013),
}


def render(edition: str = "47678.5") -> str:
    """The catalogue CSV of ``edition`` ("47678.5" or "30428.2") as text."""
    rows, _ = EDITIONS[edition]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows())
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seatdesk.data.catalogue_gen",
                                     description="Write a default 立案条件 catalogue.")
    parser.add_argument("--edition", choices=sorted(EDITIONS), default="47678.5")
    parser.add_argument("output", nargs="?", type=Path,
                        help="file to write (default: the committed catalogue)")
    args = parser.parse_args(argv)
    target = args.output or EDITIONS[args.edition][1]
    text = render(args.edition)
    target.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {text.count(chr(10)) - 1} conditions to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
