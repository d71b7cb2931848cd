"""Version safety: does this seatdesk fit the schema of the database it opens?

Every ``seatdesk db upgrade`` records which release brought the schema to which revision
(``schema_releases``). A seat then compares the database's revision with the migrations
it ships:

- the same as its newest migration: fine;
- one of its own older migrations: the database needs ``seatdesk db upgrade``;
- a revision it does not know: the database was upgraded by a newer seatdesk, and the
  seat refuses to start, naming the release that upgraded it;
- no revision at all: an empty database (``seatdesk db upgrade`` creates the schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Engine, inspect, select

from seatdesk import __version__

from .base import utcnow
from .centre import SchemaRelease


class Fit(Enum):
    OK = "ok"
    EMPTY = "empty"  # no schema yet
    NEEDS_UPGRADE = "needs_upgrade"  # the database is older than this seat
    SEAT_TOO_OLD = "seat_too_old"  # the database is newer than this seat


@dataclass(frozen=True)
class SchemaFit:
    fit: Fit
    database_revision: str | None
    seat_revision: str
    needed_release: str | None = None  # the release that upgraded a newer database

    @property
    def ok(self) -> bool:
        return self.fit is Fit.OK

    @property
    def message(self) -> str:
        """What the operator reads (Chinese), naming the command or release needed."""
        if self.fit is Fit.EMPTY:
            return "数据库还没有表结构：请先运行 `seatdesk db upgrade`"
        if self.fit is Fit.NEEDS_UPGRADE:
            return (f"数据库结构版本 {self.database_revision} 早于本工作站需要的 "
                    f"{self.seat_revision}：请管理员运行 `seatdesk db upgrade`")
        if self.fit is Fit.SEAT_TOO_OLD:
            # a release that names its own version (a newer build of the same number
            # upgraded the database) would read "needs 0.2.0" to a 0.2.0 seat
            needed = self.needed_release if self.needed_release not in (None, __version__) \
                else None
            release = f"需要 seatdesk {needed} 或更新版本" if needed else \
                f"需要比本工作站更新的 seatdesk 构建（它带有版本 {self.database_revision} 的数据库结构）"
            return (f"本工作站的 seatdesk {__version__} 早于数据库结构（版本 "
                    f"{self.database_revision}）：{release}，请安装新版软件包后再启动")
        return f"数据库结构版本 {self.database_revision}（与 seatdesk {__version__} 相符）"


def schema_fit(engine: Engine, url: str) -> SchemaFit:
    from .db import current_revision, head_revision, known_revisions

    head = head_revision(url)
    current = current_revision(engine)
    if current is None:
        return SchemaFit(Fit.EMPTY, None, head)
    if current == head:
        return SchemaFit(Fit.OK, current, head)
    if current in known_revisions(url):
        return SchemaFit(Fit.NEEDS_UPGRADE, current, head)
    return SchemaFit(Fit.SEAT_TOO_OLD, current, head, _release_of(engine, current))


def _release_of(engine: Engine, revision: str) -> str | None:
    if not inspect(engine).has_table(SchemaRelease.__tablename__):
        return None
    with engine.connect() as conn:
        return conn.execute(select(SchemaRelease.app_version)
                            .where(SchemaRelease.revision == revision)).scalar()


def record_release(engine: Engine) -> None:
    """Remember the first release that brought the schema to its current revision (a later
    release with the same migrations does not replace it: the older one suffices)."""
    from .db import current_revision

    revision = current_revision(engine)
    if revision is None or not inspect(engine).has_table(SchemaRelease.__tablename__):
        return
    if _release_of(engine, revision) is not None:
        return
    with engine.begin() as conn:
        conn.execute(SchemaRelease.__table__.insert().values(
            revision=revision, app_version=__version__, upgraded_at=utcnow()))
