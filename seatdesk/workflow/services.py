"""The workflow's service API in one place — what the UI, scripts and integrations call.

    from seatdesk.models.db import make_engine
    from seatdesk.workflow import services as sd

    wf = sd.Workflow(make_engine(url))
    me = sd.Actor(user_id=3, role="acceptor", seat="坐席 01")
    new = sd.register(wf, me, sd.Report(source="hotline_12319", lon=119.48, lat=31.42,
                                        description="井盖缺失", caller_phone="13800001234"))
    sd.send_verification(wf, me, new.case_id, new.version)

Every action takes the ``Workflow``, the acting ``Actor``, the case id and the version
the caller last saw, plus plain arguments; it runs in one transaction and returns a
frozen ``CaseChange`` (or raises a ``WorkflowError`` with a Chinese message, having
changed nothing). See ``docs/workflow.md``.
"""

from __future__ import annotations

from .acceptance import accept, send_verification, verify, void
from .callbacks import callback
from .closing import check_fail, check_pass, close, send_check
from .context import Workflow, WorkflowSettings
from .dispatch import (
    approve_return,
    dispatch,
    redispatch,
    refuse_return,
    request_return,
    send_up,
    urge,
)
from .duplicates import DuplicateCandidate, ScorePart, duplicate_candidates
from .errors import (
    CommitUncertain,
    InvalidArgument,
    MissingCondition,
    MissingReason,
    NotFound,
    NotYourCase,
    StaleCase,
    WorkflowError,
    WrongRole,
    WrongState,
)
from .filing import approve_void, file, refuse_filing, refuse_void, request_void
from .handling import (
    approve_extension,
    approve_suspension,
    feedback,
    refuse_extension,
    refuse_suspension,
    request_extension,
    request_suspension,
    resume,
    sign,
)
from .ledger import LedgerProblem, Replayed, replay, verify_ledger
from .loop import AsyncStatements, loop_or_thread
from .merging import MergeResult, merge
from .queries import (
    ArchivedHistory,
    CaseDetail,
    CaseStamp,
    archived_history,
    case_detail,
    case_history,
    changes_since,
    mask_phone,
    visible_cases_filter,
)
from .registration import Report, register, register_async
from .routing import (
    PersonSuggestion,
    Suggestion,
    suggest_department,
    suggest_supervisor,
    supervisor_suggestion,
)
from .states import actions_for
from .tasks import claim_task
from .values import Actor, AttachmentIn, CaseChange

__all__ = [
    "ArchivedHistory", "archived_history",
    "Actor", "AttachmentIn", "CaseChange", "CaseDetail", "CaseStamp", "CommitUncertain",
    "DuplicateCandidate", "PersonSuggestion", "callback", "claim_task", "supervisor_suggestion",
    "InvalidArgument", "LedgerProblem", "MergeResult", "MissingCondition", "MissingReason",
    "NotFound", "NotYourCase", "Replayed", "Report", "ScorePart", "StaleCase", "Suggestion",
    "Workflow", "WorkflowError", "WorkflowSettings", "WrongRole", "WrongState",
    "accept", "actions_for", "approve_extension", "approve_return", "approve_suspension",
    "approve_void", "case_detail", "case_history", "changes_since", "check_fail",
    "check_pass", "close", "dispatch", "duplicate_candidates", "feedback", "file",
    "mask_phone", "merge", "redispatch", "refuse_extension", "refuse_filing",
    "refuse_return", "refuse_suspension", "refuse_void", "register", "register_async",
    "AsyncStatements", "loop_or_thread", "replay",
    "request_extension", "request_return", "request_suspension", "request_void", "resume",
    "send_check", "send_up", "send_verification", "sign", "suggest_department",
    "suggest_supervisor", "urge", "verify", "verify_ledger", "visible_cases_filter", "void",
]
