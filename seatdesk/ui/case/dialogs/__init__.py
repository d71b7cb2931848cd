"""One dialog per workflow action (``DIALOGS``: engine action name → dialog class).

Every action of the engine's transition table has its dialog; ``dialog_for`` builds the
one for an action on a loaded case.
"""

from __future__ import annotations

from seatdesk.ui.case.dialogs.base import ActionDialog
from seatdesk.ui.case.dialogs.callbacks import CallbackDialog
from seatdesk.ui.case.dialogs.closing import CloseDialog, MergeDialog
from seatdesk.ui.case.dialogs.dispatch import DispatchDialog, RedispatchDialog
from seatdesk.ui.case.dialogs.filing import AcceptDialog, FilingDialog
from seatdesk.ui.case.dialogs.handling import ApproveExtensionDialog, FeedbackDialog, RequestExtensionDialog
from seatdesk.ui.case.dialogs.simple import (
    ApproveReturnDialog,
    ApproveSuspensionDialog,
    ApproveVoidDialog,
    RefuseExtensionDialog,
    RefuseFilingDialog,
    RefuseReturnDialog,
    RefuseSuspensionDialog,
    RefuseVoidDialog,
    RequestReturnDialog,
    RequestSuspensionDialog,
    RequestVoidDialog,
    ResumeDialog,
    SendUpDialog,
    SignDialog,
    UrgeDialog,
    VoidDialog,
)
from seatdesk.ui.case.dialogs.tasks import (
    CheckDialog,
    CheckFailDialog,
    ClaimTaskDialog,
    SendCheckDialog,
    SendTaskDialog,
    VerifyDialog,
)

DIALOGS: dict[str, type[ActionDialog]] = {
    "send_verification": SendTaskDialog, "verify": VerifyDialog, "accept": AcceptDialog,
    "void": VoidDialog, "file": FilingDialog, "refuse_filing": RefuseFilingDialog,
    "dispatch": DispatchDialog, "send_up": SendUpDialog, "redispatch": RedispatchDialog,
    "urge": UrgeDialog, "sign": SignDialog, "request_return": RequestReturnDialog,
    "approve_return": ApproveReturnDialog, "refuse_return": RefuseReturnDialog,
    "request_extension": RequestExtensionDialog, "approve_extension": ApproveExtensionDialog,
    "refuse_extension": RefuseExtensionDialog, "request_suspension": RequestSuspensionDialog,
    "approve_suspension": ApproveSuspensionDialog, "refuse_suspension": RefuseSuspensionDialog,
    "resume": ResumeDialog, "feedback": FeedbackDialog, "send_check": SendCheckDialog,
    "check_pass": CheckDialog, "check_fail": CheckFailDialog, "close": CloseDialog,
    "request_void": RequestVoidDialog, "approve_void": ApproveVoidDialog,
    "refuse_void": RefuseVoidDialog, "merge": MergeDialog,
    "claim_task": ClaimTaskDialog, "callback": CallbackDialog,
}


def dialog_for(action: str, seat, view, parent=None) -> ActionDialog:
    return DIALOGS[action](seat, view, parent)


__all__ = ["DIALOGS", "ActionDialog", "dialog_for"]
