"""Load the reference data a new database needs: classification editions and classes,
the default 立案条件 catalogues of both editions, the holiday calendar and the default 常用语.

``load_reference`` is idempotent: a second call adds nothing and never overwrites what
an administrator has changed. It runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from .calendar import seed_calendar
from .classes import add_classes, ensure_editions, existing_class_keys, read_class_specs
from .condition_store import insert_missing
from .conditions import read_condition_specs
from .errors import IssueList
from .phrases import load_default_phrases

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "resources" / "reference"
CLASS_FILES = ("classes_gbt30428_2.csv", "classes_gbt47678_5.csv")
CATALOGUE_EDITION = "GB/T 47678.5-2026"
CATALOGUE_FILE = "filing_conditions_gbt47678_5.csv"
# (edition, default 立案条件 catalogue) — every edition's classes get conditions, whichever
# edition the centre is configured for ("class_edition"); 47678.5 first keeps its ids stable
CATALOGUES = ((CATALOGUE_EDITION, CATALOGUE_FILE),
              ("GB/T 30428.2-2013", "filing_conditions_gbt30428_2.csv"))


@dataclass(frozen=True)
class ReferenceReport:
    """What one call added (all zero on a second call)."""

    classes: int
    conditions: int
    limits: int
    calendar_days: int
    phrases: int

    def __str__(self) -> str:
        return (f"参考数据：分类 {self.classes}，立案条件 {self.conditions}（时限 {self.limits}），"
                f"节假日/调休日 {self.calendar_days}，常用语 {self.phrases}")


def load_reference(session: Session, directory: Path = REFERENCE_DIR,
                   editions: Collection[str] | None = None) -> ReferenceReport:
    """Editions, classes and default catalogues (of ``editions``, default both), calendar,
    phrases."""
    ensure_editions(session)
    classes = load_national_classes(session, directory, editions)
    created = limits = 0
    for edition, name in CATALOGUES:
        if editions is not None and edition not in editions:
            continue
        counts = load_default_conditions(session, directory / name, edition)
        created, limits = created + counts["conditions_created"], limits + counts["limits"]
    days = seed_calendar(session)
    phrases = load_default_phrases(session)
    return ReferenceReport(classes, created, limits, days, phrases)


def load_national_classes(session: Session, directory: Path = REFERENCE_DIR,
                          editions: Collection[str] | None = None) -> int:
    """Add the national classes (of ``editions``, default all) that are missing."""
    added = 0
    for name in CLASS_FILES:
        issues = IssueList()
        specs = read_class_specs(session, directory / name, issues)
        issues.raise_if_any()  # a broken shipped file is a bug, not a user error
        have = existing_class_keys(session)
        wanted = [s for s in specs if s.key not in have
                  and (editions is None or s.edition in editions)]
        added += add_classes(session, wanted, is_local=False)
    return added


def load_default_conditions(session: Session, path: Path,
                            edition: str = CATALOGUE_EDITION) -> dict[str, int]:
    """Add the ``edition`` catalogue's conditions that are missing; keeps every existing
    condition (an administrator's edits included)."""
    issues = IssueList()
    specs = read_condition_specs(session, path, edition, issues)
    issues.raise_if_any()
    return insert_missing(session, specs)
