"""Dialogs of the actions that take a reason or a note and nothing else (作废, 不予立案, 退回,
督办, 签收, 回退/延期/挂账/作废 requests and their refusals, 挂账 approval, 挂账恢复 …).

Approvals and refusals show the pending request (who asked, when, and why) as their rule.
"""

from __future__ import annotations

import datetime as dt
import html
import zoneinfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox

from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.case.dialogs.base import ActionDialog

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def pending_html(dialog: ActionDialog) -> str:
    """The request waiting on the case (回退/延期/挂账/作废 申请) as a rule box."""
    asked = dialog.view.detail.pending_request or {}
    if not asked:
        return ""
    kinds = {"return": QCoreApplication.translate("PendingRequest", "Return request"),
             "extension": QCoreApplication.translate("PendingRequest", "Extension request"),
             "suspension": QCoreApplication.translate("PendingRequest", "Suspension request"),
             "void": QCoreApplication.translate("PendingRequest", "Voiding request")}
    parts = [f"<b>{html.escape(kinds.get(asked.get('kind'), ''))}</b>"]
    if asked.get("at"):
        at = dt.datetime.fromisoformat(asked["at"]).astimezone(TZ)
        when = QCoreApplication.translate("PendingRequest", "asked at %1")
        parts.append(when.replace("%1", f"{at:%Y-%m-%d %H:%M}"))
    if asked.get("value"):
        parts.append(L.amount(asked["value"], asked.get("unit")))
    text = " · ".join(parts)
    if asked.get("reason"):
        given = QCoreApplication.translate("PendingRequest", "Reason given: %1")
        text += "<br>" + given.replace("%1", html.escape(asked["reason"]))
    return text


class ReasonDialog(ActionDialog):
    """An action whose only input is its reason or note; ``fn`` is the service."""

    fn = None
    keyword = "reason"  # the service's name for the text: reason | note
    rule = ""

    def load(self) -> None:
        self.show_rules(self.rule_html())

    def rule_html(self) -> str:
        return pending_html(self)

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        fn = type(self).fn  # the plain service function, not bound to the dialog
        kwargs = {self.keyword: reason}
        return lambda: fn(wf, actor, case_id, version, **kwargs)


class VoidDialog(ReasonDialog):
    action, fn, phrase_category = "void", sd.void, "void_reason"

    def rule_html(self) -> str:
        return self.tr("Voiding before filing ends the case (不予受理). After filing, voiding "
                       "needs a request that the shift lead approves.")


class RefuseFilingDialog(ReasonDialog):
    action, fn, phrase_category = "refuse_filing", sd.refuse_filing, "void_reason"

    def rule_html(self) -> str:
        return self.tr("Refuse filing when the report meets none of the filing conditions "
                       "of its class. The case ends as not filed.")


class SendUpDialog(ReasonDialog):
    action, fn = "send_up", sd.send_up


class UrgeDialog(ReasonDialog):
    action, fn, keyword = "urge", sd.urge, "note"


class RequestReturnDialog(ReasonDialog):
    action, fn, phrase_category = "request_return", sd.request_return, "return_reason"

    def rule_html(self) -> str:
        return self.tr("A return sends the case back to the dispatcher for redispatch when it "
                       "is not your department's responsibility. The dispatcher decides.")


class RefuseReturnDialog(ReasonDialog):
    action, fn, phrase_category = "refuse_return", sd.refuse_return, "return_reason"


class RequestSuspensionDialog(ReasonDialog):
    action, fn, phrase_category = ("request_suspension", sd.request_suspension,
                                   "suspension_reason")

    def rule_html(self) -> str:
        return self.tr("Suspension (挂账) is for problems that cannot be solved within any "
                       "limit (engineering, season, funding). Once approved the clock stops; "
                       "resuming moves the deadline by the time spent suspended.")


class ApproveSuspensionDialog(ReasonDialog):
    action, fn, keyword = "approve_suspension", sd.approve_suspension, "note"


class RefuseSuspensionDialog(ReasonDialog):
    action, fn, phrase_category = ("refuse_suspension", sd.refuse_suspension,
                                   "suspension_reason")


class ResumeDialog(ReasonDialog):
    action, fn, keyword = "resume", sd.resume, "note"

    def rule_html(self) -> str:
        return self.tr("Resuming restarts the handling clock; the deadline moves by the time "
                       "the case spent suspended.")


class RefuseExtensionDialog(ReasonDialog):
    action, fn, phrase_category = "refuse_extension", sd.refuse_extension, "extension_reason"


class RequestVoidDialog(ReasonDialog):
    action, fn, phrase_category = "request_void", sd.request_void, "void_reason"

    def rule_html(self) -> str:
        return self.tr("A filed case can only be voided with the shift lead's approval.")


class ApproveVoidDialog(ReasonDialog):
    action, fn, keyword = "approve_void", sd.approve_void, "note"


class RefuseVoidDialog(ReasonDialog):
    action, fn, phrase_category = "refuse_void", sd.refuse_void, "void_reason"


class SignDialog(ReasonDialog):
    """签收 takes no input: the department acknowledges the case."""

    action, uses_reason = "sign", False

    def rule_html(self) -> str:
        return self.tr("Signing for the case confirms your department has received it. "
                       "The handling clock already runs from the dispatch. Handling feedback, "
                       "extension and suspension requests come after signing; a case is "
                       "signed for once.")

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        return lambda: sd.sign(wf, actor, case_id, version)


class ApproveReturnDialog(ReasonDialog):
    action, keyword = "approve_return", "note"

    def build(self) -> None:
        self.dispatch_error = QCheckBox(self.tr("The dispatch was an error (counts against the "
                                                "accurate-dispatch rate)"), self)
        self.dispatch_error.setObjectName("dispatchError")
        self.form.addRow("", self.dispatch_error)

    def call(self, reason: str):
        wf, actor, case_id, version = self.wf, self.actor, self.case_id, self.version
        error = self.dispatch_error.isChecked()
        return lambda: sd.approve_return(wf, actor, case_id, version, dispatch_error=error,
                                         note=reason)
