"""The indicators of the 综合评价 as data: key, Chinese label, which objects they apply to.

Counts are lists of case ids (one entry per counted item, so a drill-down list always
adds up to its figure). Every rate is one count divided by another, in percent.
Object kinds: ``region`` (区/街道/社区/网格), ``department`` (专业部门) and the posts
``supervisor`` (监督员), ``acceptor`` (受理员), ``shift_lead`` (值班长), ``dispatcher``
(派遣员).
"""

from __future__ import annotations

from dataclasses import dataclass

REGION, DEPT = "region", "department"
SUP, ACC, LEAD, DISP = "supervisor", "acceptor", "shift_lead", "dispatcher"
KINDS = (REGION, DEPT, SUP, ACC, LEAD, DISP)

#: evaluation levels and the object kind each belongs to
LEVELS: dict[str, str] = {
    "district": REGION, "street": REGION, "community": REGION, "grid": REGION,
    "department": DEPT, "supervisor": SUP, "acceptor": ACC, "shift_lead": LEAD,
    "dispatcher": DISP,
}
LEVEL_LABELS = {
    "district": "区/县", "street": "街道/镇", "community": "社区", "grid": "单元网格",
    "department": "专业部门", "supervisor": "监督员", "acceptor": "受理员",
    "shift_lead": "值班长", "dispatcher": "派遣员",
}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    kinds: frozenset[str]
    numerator: str = ""  # rates: the count divided …
    denominator: str = ""  # … by this count
    lower_is_better: bool = False

    @property
    def is_rate(self) -> bool:
        return bool(self.numerator)


def _c(key: str, label: str, *kinds: str) -> Indicator:
    return Indicator(key, label, frozenset(kinds))


def _r(key: str, label: str, num: str, den: str, *kinds: str, lower: bool = False) -> Indicator:
    return Indicator(key, label, frozenset(kinds), num, den, lower)


INDICATORS: tuple[Indicator, ...] = (
    _c("reports", "上报数", REGION, SUP),
    _c("valid_reports", "有效上报数", REGION, SUP),
    _r("valid_report_rate", "有效上报率", "valid_reports", "reports", REGION, SUP),
    _c("missed_reports", "漏报数", REGION, SUP),
    _r("missed_report_rate", "漏报率", "missed_reports", "filed", REGION, SUP, lower=True),
    _c("verifies", "应核实数", SUP),
    _c("verifies_on_time", "按时核实数", SUP),
    _r("verify_on_time_rate", "按时核实率", "verifies_on_time", "verifies", SUP),
    _c("checks", "应核查数", SUP),
    _c("checks_on_time", "按时核查数", SUP),
    _r("check_on_time_rate", "按时核查率", "checks_on_time", "checks", SUP),
    _c("accepted", "受理数", REGION, ACC),
    _c("accepted_on_time", "按期受理数", ACC),
    _r("accept_on_time_rate", "按期受理率", "accepted_on_time", "accepted", ACC),
    _c("verify_sends", "核实派发数", ACC),
    _c("verify_sends_on_time", "核实按时派发数", ACC),
    _r("verify_send_on_time_rate", "核实按时派发率", "verify_sends_on_time", "verify_sends", ACC),
    _c("check_sends", "核查派发数", ACC),
    _c("check_sends_on_time", "核查按时派发数", ACC),
    _r("check_send_on_time_rate", "核查按时派发率", "check_sends_on_time", "check_sends", ACC),
    _c("filed", "立案数", REGION, LEAD, SUP),
    _c("filed_on_time", "按时立案数", LEAD),
    _r("file_on_time_rate", "按时立案率", "filed_on_time", "filed", LEAD),
    _c("filed_accurate", "准确立案数", REGION, LEAD),
    _r("file_accuracy_rate", "准确立案率", "filed_accurate", "filed", REGION, LEAD),
    _c("voided", "作废数", REGION, LEAD),
    _c("dispatched", "派遣数", DISP),
    _c("dispatched_on_time", "按时派遣数", DISP),
    _r("dispatch_on_time_rate", "按时派遣率", "dispatched_on_time", "dispatched", DISP),
    _c("dispatched_accurate", "准确派遣数", DISP),
    _r("dispatch_accuracy_rate", "准确派遣率", "dispatched_accurate", "dispatched", DISP),
    _c("due_handling", "应处置数", DEPT),
    _c("handled", "处置数", DEPT),
    _r("handling_rate", "处置率", "handled", "due_handling", DEPT),
    _c("handled_on_time", "按期处置数", DEPT),
    _r("handling_on_time_rate", "按期处置率", "handled_on_time", "due_handling", DEPT),
    _c("handled_overdue", "超期处置数", DEPT),
    _c("rework", "返工数", REGION, DEPT),
    _r("rework_rate", "返工率", "rework", "handled", REGION, DEPT, lower=True),
    _c("extended", "延期数", REGION, DEPT),
    _r("extension_rate", "延期率", "extended", "due_closure", REGION, DEPT, lower=True),
    _c("returned", "回退数", REGION, DEPT),
    _c("suspended", "挂账数", REGION, DEPT),
    _c("due_closure", "应结案数", REGION, DEPT),
    _c("closed", "结案数", REGION, DEPT),
    _r("closure_rate", "结案率", "closed", "due_closure", REGION, DEPT),
    _c("closed_on_time", "按期结案数", REGION, DEPT),
    _r("closure_on_time_rate", "按期结案率", "closed_on_time", "due_closure", REGION, DEPT),
    _c("closed_overdue", "超期结案数", REGION, DEPT),
    _r("closure_overdue_rate", "超期结案率", "closed_overdue", "due_closure", REGION, DEPT,
       lower=True),
    _c("closes", "结案操作数", LEAD),
    _c("closes_on_time", "按时结案数", LEAD),
    _r("close_on_time_rate", "按时结案率", "closes_on_time", "closes", LEAD),
    _c("unclosed", "未结案数", REGION),
    _r("unclosed_rate", "未结案率", "unclosed", "reports", REGION, lower=True),
    _c("patrol_filed", "监督员上报立案数", REGION),
    _r("supervisor_report_rate", "监督举报率", "patrol_filed", "filed", REGION),
    # 回访 after 结案: every call (a ledger "callback" row) in the period; 满意率 over the
    # calls that reached the caller (无法联系 leaves the denominator)
    _c("callbacks", "回访数", REGION, DEPT, ACC),
    _c("callbacks_reached", "回访接通数", REGION, DEPT),
    _c("callbacks_satisfied", "回访满意数", REGION, DEPT),
    _r("callback_satisfaction_rate", "回访满意率", "callbacks_satisfied", "callbacks_reached",
       REGION, DEPT),
)
BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
COUNT_KEYS = tuple(i.key for i in INDICATORS if not i.is_rate)


def indicators_for(kind: str) -> tuple[Indicator, ...]:
    return tuple(i for i in INDICATORS if kind in i.kinds)


def label(key: str) -> str:
    if key == "score":
        return "综合指标值"
    if key == "grade":
        return "等级"
    return BY_KEY[key].label
