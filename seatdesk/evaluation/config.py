"""Centre configuration of the 综合评价: denominator rules, weights, score bands and grades.

Cities differ (standards.md §8): 金华 removes 缓办 (挂账) cases from 应结案数, 天门 does
not; C01 counts a dispatch as inaccurate when it was re-dispatched at all, the standard's
reading only when it was a dispatch error; weights of the 综合指标值 come from C01 and
could not be checked against GB/T 30428.4. So all of it is data, stored as JSON under
the settings key ``"evaluation"``, with the documented defaults below (see
``docs/evaluation.md``). A stored value overrides the defaults key by key.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from seatdesk.models import Setting, set_setting

SETTING_KEY = "evaluation"

#: C01's 受理数分值 bands: (lowest count, score), highest first
COUNT_BANDS = [[2001, 100], [1201, 90], [501, 75], [301, 60], [101, 40], [0, 0]]

DEFAULTS: dict[str, Any] = {
    # 应结案数: "filed" = every filed, non-voided case of the cohort (天门);
    # "due_by_end" = only those closed or whose deadline passed by the end of the period
    "closure_denominator": "filed",
    # 金华: 结案率 = 结案数 / (应结案数 − 缓办数); True removes cases suspended at period end
    "suspended_leave_denominator": False,
    # 准确派遣: "flagged_errors" = a dispatch is inaccurate only when its 回退/改派 was
    # marked as a 派遣差错; "no_redispatch" = any 回退/改派 makes it inaccurate (C01)
    "accurate_dispatch_rule": "flagged_errors",
    # 返工率 denominator: "handled" (处置数) or "due" (应处置数)
    "rework_denominator": "handled",
    # 有效上报: "accepted" (受理 of the report) or "filed_or_voided" (C01 as coded)
    "valid_report_rule": "accepted",
    # 漏报 of a supervisor needs the supervisor's area: {"username": ["grid/admin code prefix"]}
    "supervisor_areas": {},
    # 综合指标值: terms per object type; transform "rate" uses the percentage,
    # "inverse" 100 − percentage, "bands" the count bands named by "bands"
    "weights": {
        "supervisor": [["valid_report_rate", 40, "rate"], ["missed_report_rate", 20, "inverse"],
                       ["verify_on_time_rate", 20, "rate"], ["check_on_time_rate", 20, "rate"]],
        "acceptor": [["accepted", 25, "bands"], ["verify_send_on_time_rate", 40, "rate"],
                     ["check_send_on_time_rate", 35, "rate"]],
        "shift_lead": [["file_on_time_rate", 25, "rate"], ["file_accuracy_rate", 40, "rate"],
                       ["close_on_time_rate", 35, "rate"]],
        "dispatcher": [["dispatched", 20, "bands"], ["dispatch_on_time_rate", 40, "rate"],
                       ["dispatch_accuracy_rate", 40, "rate"]],
        # no published weights for departments and regions: placeholders to review
        "department": [["handling_on_time_rate", 40, "rate"], ["handling_rate", 20, "rate"],
                       ["closure_rate", 20, "rate"], ["rework_rate", 20, "inverse"]],
        "region": [["supervisor_report_rate", 20, "rate"], ["closure_rate", 40, "rate"],
                   ["closure_on_time_rate", 40, "rate"]],
    },
    "bands": {"accepted": COUNT_BANDS, "dispatched": COUNT_BANDS},
    # grade thresholds on the 综合指标值, highest first; below the last: the last grade
    "grades": [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]],
}

_CHOICES = {
    "closure_denominator": ("filed", "due_by_end"),
    "accurate_dispatch_rule": ("flagged_errors", "no_redispatch"),
    "rework_denominator": ("handled", "due"),
    "valid_report_rule": ("accepted", "filed_or_voided"),
}


@dataclass(frozen=True)
class Term:
    indicator: str
    weight: float
    transform: str  # rate | inverse | bands


@dataclass(frozen=True)
class EvaluationConfig:
    closure_denominator: str
    suspended_leave_denominator: bool
    accurate_dispatch_rule: str
    rework_denominator: str
    valid_report_rule: str
    supervisor_areas: dict[str, tuple[str, ...]]
    weights: dict[str, tuple[Term, ...]]
    bands: dict[str, tuple[tuple[int, float], ...]]
    grades: tuple[tuple[str, float], ...]

    @classmethod
    def default(cls, **overrides: Any) -> EvaluationConfig:
        return cls.from_dict({**DEFAULTS, **overrides})

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> EvaluationConfig:
        data = {**copy.deepcopy(DEFAULTS), **raw}
        for key, allowed in _CHOICES.items():
            if data[key] not in allowed:
                raise ValueError(f"评价设置 {key} 无效：{data[key]!r}（可选 {'/'.join(allowed)}）")
        weights = {**DEFAULTS["weights"], **data["weights"]}
        return cls(
            closure_denominator=data["closure_denominator"],
            suspended_leave_denominator=bool(data["suspended_leave_denominator"]),
            accurate_dispatch_rule=data["accurate_dispatch_rule"],
            rework_denominator=data["rework_denominator"],
            valid_report_rule=data["valid_report_rule"],
            supervisor_areas={k: tuple(v) for k, v in data["supervisor_areas"].items()},
            weights={k: tuple(Term(i, float(w), t) for i, w, t in v) for k, v in weights.items()},
            bands={k: tuple((int(lo), float(s)) for lo, s in v) for k, v in data["bands"].items()},
            grades=tuple((str(g), float(lo)) for g, lo in data["grades"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "closure_denominator": self.closure_denominator,
            "suspended_leave_denominator": self.suspended_leave_denominator,
            "accurate_dispatch_rule": self.accurate_dispatch_rule,
            "rework_denominator": self.rework_denominator,
            "valid_report_rule": self.valid_report_rule,
            "supervisor_areas": {k: list(v) for k, v in self.supervisor_areas.items()},
            "weights": {k: [[t.indicator, t.weight, t.transform] for t in v]
                        for k, v in self.weights.items()},
            "bands": {k: [list(b) for b in v] for k, v in self.bands.items()},
            "grades": [list(g) for g in self.grades],
        }

    def grade(self, score: float | None) -> str:
        if score is None:
            return ""
        for name, lowest in self.grades:
            if score >= lowest:
                return name
        return self.grades[-1][0]

    def band_score(self, name: str, count: float) -> float:
        for lowest, score in self.bands.get(name, ()):
            if count >= lowest:
                return score
        return 0.0


def load_config(session: Session) -> EvaluationConfig:
    """The centre's configuration (defaults for every key not stored)."""
    row = session.get(Setting, SETTING_KEY)
    return EvaluationConfig.from_dict(json.loads(row.value) if row else {})


def save_config(session: Session, config: EvaluationConfig) -> None:
    """Store the whole configuration (caller commits)."""
    set_setting(session, SETTING_KEY, config.as_dict())
