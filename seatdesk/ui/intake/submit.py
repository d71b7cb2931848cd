"""Submitting intake drafts: now, into the outbox when offline, and from the outbox later.

``register`` runs the engine's ``register`` (and, when the call-taker chose a duplicate,
``merge`` of the new report into it) as one operation. A save that cannot reach the
database — or whose COMMIT was cut, so it may or may not have landed — is written to the
outbox and the form is cleared for the next call. When the connection returns ``flush``
takes the drafts oldest first: a draft whose intake key is already registered (the
uncertain commit did land) is done; the others are checked for duplicates at that moment;
a draft without candidates is registered (with its key: never twice), one with candidates
is put back into the (empty) form with its candidates so the call-taker decides, and so is
one whose point lies outside the city's extent (its save asks first, as any such save: a
draft saved offline was never asked); one the engine refuses opens in the form with the
reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from seatdesk.models import dberrors
from seatdesk.workflow import services as sd

from seatdesk.ui.intake.checks import Precheck, precheck
from seatdesk.ui.session.offline_queue import IntakeDraft
from seatdesk.ui.operations import OpFailure

if TYPE_CHECKING:
    from seatdesk.ui.intake.form import IntakeForm


def register_and_merge(wf: sd.Workflow, actor: sd.Actor, draft: IntakeDraft,
                       into: int | None, note: str) -> tuple[sd.CaseChange, object]:
    """Register the report; merge it into ``into`` if given. The merge result (or the
    engine's refusal of the merge, the registration standing) comes second."""
    change = sd.register(wf, actor, draft.to_report())
    if into is None:
        return change, None
    try:
        return change, sd.merge(wf, actor, change.case_id, into, version=change.version,
                                reason=note)
    except sd.WorkflowError as exc:
        return change, exc


class IntakeSubmitter(QObject):
    outbox_changed = Signal(int)  # drafts waiting in the outbox
    submitted = Signal(int)  # a case registered from the outbox

    def __init__(self, form: IntakeForm):
        super().__init__(form)
        self.form = form
        self.flushing = False

    @property
    def seat(self):
        return self.form.seat

    # -- now ------------------------------------------------------------------------------------
    def register(self, draft: IntakeDraft, merge_into: int | None = None) -> None:
        wf, actor, origin = self.seat.wf, self.seat.actor, self.form.origin
        note = self.tr("The caller reports a problem already known")
        self.form.show_status(self.tr("Saving…"))
        self.form.save_button.setEnabled(False)

        def done(result) -> None:
            self.form.save_button.setEnabled(True)
            if origin is not None:
                self.form.outbox.remove(origin)
                self.outbox_changed.emit(self.form.outbox.count())
            self.form.clear()
            self._report(*result)
            self.flush()  # a draft restored from the outbox may have others behind it

        def failed(failure: OpFailure) -> None:
            self.form.save_button.setEnabled(True)
            if failure.offline:
                self.keep_offline(draft)
            else:
                self.form.show_status(failure.message, error=True)

        self.seat.ops.run("register", lambda: register_and_merge(wf, actor, draft, merge_into,
                                                                 note), done, failed)

    def _report(self, change: sd.CaseChange, merged) -> None:
        if merged is None:
            self.form.show_status(self.tr("Case %1 registered").replace("%1", change.number))
            self.form.case_registered.emit(change.case_id)
        elif isinstance(merged, sd.MergeResult):
            self.form.show_status(self.tr("Registered as %1 and merged into case %2: the caller "
                                          "is on its callback list").replace("%1", change.number)
                                  .replace("%2", merged.survivor.number))
            self.form.case_registered.emit(merged.survivor.case_id)
        else:
            self.form.show_status(self.tr("Case %1 registered, but it could not be merged: %2")
                                  .replace("%1", change.number).replace("%2", str(merged)),
                                  error=True)
            self.form.case_registered.emit(change.case_id)

    def keep_offline(self, draft: IntakeDraft) -> str:
        key = self.form.outbox.save(draft)
        if self.form.origin is not None and self.form.origin != key:
            self.form.outbox.remove(self.form.origin)
        self.form.clear()
        count = self.form.outbox.count()
        self.form.show_status(self.tr("No connection: the report is kept on this computer "
                                      "(%1 waiting) and submitted when the connection returns")
                              .replace("%1", str(count)), error=True)
        self.outbox_changed.emit(count)
        return key

    # -- later ----------------------------------------------------------------------------------
    def flush(self) -> None:
        """Submit the outbox (called when the connection returns and at start-up)."""
        if self.flushing or not self.seat.monitor.online:
            return
        drafts = self.form.outbox.drafts()
        if not drafts:
            return
        self.flushing = True
        self._next(drafts)

    def _next(self, drafts: list[tuple[str, IntakeDraft]]) -> None:
        drafts = [(p, d) for p, d in drafts if p != self.form.origin]  # the one in the form
        if not drafts or not self.seat.monitor.online:
            self._stop()
            return
        key, draft = drafts[0]
        wf, user = self.seat.wf, self.seat.user

        def failed(exc: Exception, _trace: str) -> None:
            if dberrors.is_unavailable(exc):
                self._stop()
            else:
                self._refused(key, draft, dberrors.user_message(exc), lambda: self._next(
                    drafts[1:]))

        self.seat.read(f"outbox.check.{key}", lambda: precheck(wf, user, draft),
                       lambda result: self._checked(key, result, drafts[1:]), failed)

    def _checked(self, key: str, result: Precheck, rest) -> None:
        if result.registered is not None:  # it did land before the connection was lost
            self._landed(key, *result.registered)
            self._next(rest)
        elif result.candidates or result.outside_city:
            self._decide(key, result)
        else:
            self._submit(key, result.draft, lambda: self._next(rest))

    def _landed(self, key: str, case_id: int, number: str) -> None:
        self.form.outbox.remove(key)
        self.outbox_changed.emit(self.form.outbox.count())
        if self.form.origin is None:
            self.form.show_status(self.tr("Report saved offline had been registered as case %1 "
                                          "before the connection was lost")
                                  .replace("%1", number))
        self.submitted.emit(case_id)

    def _submit(self, key: str, draft: IntakeDraft, then: Callable[[], None]) -> None:
        wf, actor = self.seat.wf, self.seat.actor

        def done(change: sd.CaseChange) -> None:
            self.form.outbox.remove(key)
            self.outbox_changed.emit(self.form.outbox.count())
            if self.form.origin is None:  # not over what the form says about its own report
                self.form.show_status(self.tr("Report saved offline was registered as case %1")
                                      .replace("%1", change.number))
            self.submitted.emit(change.case_id)
            then()

        def failed(failure: OpFailure) -> None:
            if failure.offline:
                self._stop()  # flushed again when the connection is back
            else:
                self._refused(key, draft, failure.message, then)

        self.seat.ops.run("register.outbox", lambda: sd.register(wf, actor, draft.to_report()),
                          done, failed)

    def _refused(self, key: str, draft: IntakeDraft, message: str,
                 then: Callable[[], None]) -> None:
        """The engine refused a report saved offline (its source was disabled meanwhile, a
        rule changed …): it stays in the outbox and opens in the form, when the form is free,
        with the reason, for the call-taker to correct — and the reports behind it go on."""
        if self.form.is_blank():
            self.form.load_draft(draft, key)
            self.form.show_status(self.tr("A report saved offline was refused: %1")
                                  .replace("%1", message), error=True)
        then()

    def _decide(self, key: str, result: Precheck) -> None:
        """Candidates found, or a point outside the city: the call-taker decides in the
        form (if it is free)."""
        self._stop()
        if not result.candidates:
            self._outside_city(key, result)
            return
        if not self.form.is_blank():
            self.form.show_status(self.tr("A report saved offline has possible duplicates; it "
                                          "opens when this form is saved or cleared"), error=True)
            return
        self.form.load_draft(result.draft, key)
        self.form.show_precheck(result)
        self.form.warned_key = self.form.key(result.draft)
        self.form.show_status(self.tr("Report saved offline at %1: %2 possible duplicates found "
                                      "now. Ctrl+M merges into the chosen case, Ctrl+S saves a "
                                      "new case.").replace("%1", result.draft.created_at)
                              .replace("%2", str(len(result.candidates))), error=True)

    def _outside_city(self, key: str, result: Precheck) -> None:
        if not self.form.is_blank():
            self.form.show_status(self.tr("A report saved offline lies outside the city's "
                                          "extent; it opens when this form is saved or cleared"),
                                  error=True)
            return
        self.form.load_draft(result.draft, key)
        self.form.show_precheck(result)
        self.form.show_status(self.tr("Report saved offline at %1 lies outside the city's "
                                      "extent: check its location; Ctrl+S asks before "
                                      "registering it").replace("%1", result.draft.created_at),
                              error=True)

    def _stop(self) -> None:
        self.flushing = False
