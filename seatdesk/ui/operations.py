"""One operation per user action, run off the GUI thread (Anki's ``CollectionOp``).

``Operations.run(name, fn, on_success, on_failure)`` runs a workflow call on a worker
(one at a time: database writes of a seat are serialised), then announces what changed
on the application's ``ChangeHub`` so the queue, the detail, the map and the KPI panels
decide for themselves what to refresh. A failure is described once (``OpFailure``):
the engine's refusals carry their Chinese message; a ``StaleCase`` also announces the case
so the detail reloads; a lost connection is reported to the ``ConnectionMonitor``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from seatdesk.models import dberrors
from seatdesk.workflow import services as sd

from seatdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
_COUNTER = itertools.count(1)


def is_connection_error(exc: BaseException) -> bool:
    """Errors that mean "the database cannot be reached right now" (retry later); a
    refused input, a denied action or a too complex search are not. A connection lost
    during COMMIT is one: the seat goes offline until a probe succeeds, then re-reads
    everything and submits its outbox (where the uncertain report is waiting)."""
    return isinstance(exc, sd.CommitUncertain) or dberrors.is_unavailable(exc)


def changed_ids(result: Any) -> frozenset[int]:
    """Case ids touched by a service result (``CaseChange``, ``MergeResult`` or several)."""
    if isinstance(result, sd.CaseChange):
        return frozenset({result.case_id})
    if isinstance(result, sd.MergeResult):
        return frozenset({result.duplicate.case_id, result.survivor.case_id})
    if isinstance(result, Iterable) and not isinstance(result, (str, bytes, dict)):
        return frozenset().union(*(changed_ids(r) for r in result)) if result else frozenset()
    return frozenset()


@dataclass(frozen=True)
class OpFailure:
    """A refused or failed operation as the seat sees it."""

    exc: Exception
    message: str
    stale: bool = False  # someone else changed the case first (the case is reloaded)
    offline: bool = False  # the database could not be reached
    refused: bool = False  # the engine refused the action (nothing was written)


class Operations(QObject):
    failed = Signal(object)  # OpFailure, for a status line

    def __init__(self, hub, monitor, parent: QObject | None = None):
        super().__init__(parent)
        self.hub, self.monitor = hub, monitor
        self.tasks = TaskRunner(self, max_threads=1)

    def run(self, name: str, fn: Callable[[], Any],
            on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[OpFailure], None] | None = None) -> None:
        def done(result: Any) -> None:
            self.hub.announce(changed_ids(result), "local")
            self.monitor.report_ok()
            if on_success is not None:
                on_success(result)

        def fail(exc: Exception, trace: str) -> None:
            failure = self.describe(exc, trace)
            if failure.stale:
                self.hub.announce({exc.case_id}, "stale")
            if failure.offline:
                self.monitor.report(exc)
            self.failed.emit(failure)
            if on_failure is not None:
                on_failure(failure)

        # a unique key per operation: the reply to an action is never dropped as stale
        self.tasks.submit(f"op.{name}.{next(_COUNTER)}", fn, done, fail)

    def describe(self, exc: Exception, trace: str = "") -> OpFailure:
        if isinstance(exc, sd.StaleCase):
            return OpFailure(exc, str(exc), stale=True, refused=True)
        if isinstance(exc, sd.WorkflowError):
            return OpFailure(exc, str(exc), refused=True)
        if isinstance(exc, sd.CommitUncertain):
            return OpFailure(exc, self.tr("The connection to the database was lost while saving, "
                                          "so it is not known whether the action was saved. "
                                          "When the connection is back, check the case before "
                                          "doing it again."), offline=True)
        problem = dberrors.explain(exc)
        if problem is not None and problem.unavailable:
            return OpFailure(exc, self.tr("The database cannot be reached. Nothing was "
                                          "saved; try again when the connection is back."),
                             offline=True)
        log.error("operation failed: %s", trace)
        if problem is not None:
            return OpFailure(exc, problem.message, refused=problem.kind in dberrors.REFUSALS)
        return OpFailure(exc, self.tr("The operation failed (an internal error). Try again; "
                                      "if it fails again, tell the administrator."))

    def is_idle(self) -> bool:
        return self.tasks.is_idle()

    def wait(self, msecs: int = 30_000) -> bool:
        return self.tasks.wait(msecs)
