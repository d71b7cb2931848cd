"""Loads work-box pages, counts and class names off the GUI thread (one object per panel).

Every request runs on the ``TaskRunner`` in its own session and hands back frozen
values. All page requests share one key, so a late page of an older query (another
box, sort or filter) is dropped and never overwrites the newer one.

The seat's own boxes read the primary (read-your-writes); 全部案件 reads the replica
when one is configured (``reads``), a refresh after a change notice through
``reads.fresh()`` so it shows that change.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models import CaseClass
from seatdesk.models.replica import ReadRouter
from seatdesk.models.queues import (
    MAX_LIMIT,
    CaseFilter,
    Page,
    Viewer,
    WorkBox,
    box_counts,
    fetch_page,
)
from seatdesk.models.sources import list_sources
from seatdesk.workflow.lights import ClockState

from seatdesk.ui.workbox.case_lights import LightContext, lights_for
from seatdesk.ui.tasks import TaskRunner

PAGE_SIZE = 100
#: the box read from the replica: every case of the centre, not the seat's own work
BOX_ON_REPLICA = "all"


@dataclass(frozen=True)
class Query:
    box: WorkBox
    filters: CaseFilter
    sort: tuple[str, bool]


@dataclass(frozen=True)
class PageResult:
    """What a page request brings back: ``mode`` is reset | append | refresh."""

    mode: str
    query: Query
    page: Page
    lights: tuple[ClockState | None, ...]
    has_more: bool
    context: LightContext


class WorkBoxLoader(QObject):
    page_loaded = Signal(object)  # PageResult
    counts_loaded = Signal(object)  # dict[str, int]
    classes_loaded = Signal(object)  # list[str]
    sources_loaded = Signal(object)  # tuple[SourceInfo, ...] (案件来源, all of them)
    failed = Signal(object)  # the exception (QueueError messages are for the user)

    def __init__(self, sessions: sessionmaker[Session], viewer: Viewer, tasks: TaskRunner,
                 parent: QObject | None = None, page_size: int = PAGE_SIZE,
                 reads: ReadRouter | None = None):
        super().__init__(parent)
        self.sessions, self.viewer, self.tasks = sessions, viewer, tasks
        self.reads = reads or ReadRouter(sessions)
        self.page_size = page_size
        self.context: LightContext | None = None
        self.query: Query | None = None

    # -- requests -----------------------------------------------------------------------------
    def open(self, box: WorkBox, filters: CaseFilter, sort: tuple[str, bool]) -> None:
        """A new query: its first page replaces whatever is shown."""
        self.query = Query(box, filters, sort)
        self._page("reset", 0, self.page_size)

    def fetch_more(self, offset: int) -> None:
        self._page("append", offset, self.page_size)

    def refresh(self, loaded: int) -> None:
        """Re-run the current query over the rows loaded so far (at least one page)."""
        if self.query is not None:
            self._page("refresh", 0, min(max(loaded, self.page_size), MAX_LIMIT))

    def reload_context(self) -> None:
        """Re-read the calendar and light settings with the next page (F5)."""
        self.context = None

    def load_counts(self) -> None:
        def work() -> dict[str, int]:
            with self.sessions() as session:
                return box_counts(session, self.viewer)

        self.tasks.submit("workbox.counts", work, self.counts_loaded.emit, self._failed)

    def load_classes(self) -> None:
        def work() -> list[str]:
            with self.sessions() as session:
                rows = session.execute(select(CaseClass.code, CaseClass.name,
                                              CaseClass.pinyin_initials)
                                       .order_by(CaseClass.code)).all()
            return sorted({f"{code} {name} {pinyin}".strip() for code, name, pinyin in rows})

        self.tasks.submit("workbox.classes", work, self.classes_loaded.emit, self._failed)

    def load_sources(self) -> None:
        def work():
            with self.sessions() as session:
                return list_sources(session)

        self.tasks.submit("workbox.sources", work, self.sources_loaded.emit, self._failed)

    # -- internals ----------------------------------------------------------------------------
    def _sessions_for(self, box: WorkBox, mode: str):
        """The primary for the seat's own boxes; the replica for 全部案件 (``BOX_ON_REPLICA``),
        waiting for it to show the latest changes when refreshing after a change notice."""
        if box.key != BOX_ON_REPLICA:
            return self.sessions
        return self.reads.fresh if mode == "refresh" else self.reads

    def _page(self, mode: str, offset: int, limit: int) -> None:
        query, viewer, context = self.query, self.viewer, self.context
        sessions = self._sessions_for(query.box, mode)

        def work() -> PageResult:
            with sessions() as session:
                ctx = context or LightContext.from_session(session)
                page = fetch_page(session, query.box, query.filters, query.sort, offset, limit,
                                  viewer)
            more = offset + len(page.rows) < page.total or (
                not page.total_exact and len(page.rows) == limit)
            return PageResult(mode, query, page, lights_for(page.rows, ctx), more, ctx)

        self.tasks.submit("workbox.page", work, self._deliver, self._failed)

    def _deliver(self, result: PageResult) -> None:
        self.context = result.context
        self.page_loaded.emit(result)

    def _failed(self, exc: Exception, _trace: str) -> None:
        self.failed.emit(exc)
