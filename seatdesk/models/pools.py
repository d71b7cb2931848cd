"""Task pools: who may take a 核实/核查 task sent to 任一监督员 (any supervisor).

A task always has an owner or a visible pool. Sent to one supervisor, it is theirs
(``cases.task_user_id``). Sent to 任一监督员 (no assignee), it waits in a pool: every
eligible supervisor sees it in 我的核实/核查任务 until one takes it (领取, or answers it).
Eligible means, when supervisors' beats (责任网格) are configured, the supervisors of the
beat holding the case — and every supervisor for a case in no beat (or in a beat nobody
patrols), so a task never reaches nobody; without beats, every supervisor.

Beats come from the ``beats`` / ``beat_supervisors`` tables (polygons, migration 0007,
``seatdesk import beats``) when they hold any; otherwise from the evaluation's 漏报
areas (settings key ``"evaluation"``, field ``"supervisor_areas"``: ``{"username":
["grid or admin code prefix", …]}``), which the demo city fills with each supervisor's
communities.

``task_filter`` is the one Qt-free predicate for "tasks assigned to me or to my pool":
the work box, the engine's scope check and the handset server all use it. Pooled tasks
are few (open 核实/核查 tasks nobody holds), so eligibility is decided in Python over
them — the same on both backends, polygons included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import shapely
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from .cases import Case
from .centre import Beat, BeatSupervisor
from .enums import CaseState, Role
from .people import User
from .reference import GridCell
from .settings import Setting

EVALUATION_SETTING = "evaluation"  # the settings key holding the prefix beats
BEATS_FIELD = "supervisor_areas"
#: the states in which a case has an open 核实/核查 task
TASK_STATES = (CaseState.PENDING_VERIFICATION.value, CaseState.PENDING_CHECK.value)


@dataclass(frozen=True)
class Place:
    """Where a case is, as beats are matched against it."""

    lon: float
    lat: float
    grid_code: str | None


@dataclass(frozen=True)
class Beats:
    """The beats of the active supervisors: (owners, matcher) pairs; empty = none set."""

    beats: tuple[tuple[frozenset[int], Callable[[Place], bool]], ...]

    @property
    def configured(self) -> bool:
        return bool(self.beats)

    def owners(self, place: Place) -> frozenset[int]:
        """Supervisors of the beats holding ``place`` (empty: in no patrolled beat)."""
        return frozenset().union(*(who for who, holds in self.beats if holds(place)))

    def eligible(self, place: Place, user_id: int) -> bool:
        owners = self.owners(place)
        return not owners or user_id in owners


def _prefix_matcher(prefixes: tuple[str, ...]) -> Callable[[Place], bool]:
    return lambda place: bool(place.grid_code) and place.grid_code.startswith(prefixes)


def _polygon_matcher(geom) -> Callable[[Place], bool]:
    shapely.prepare(geom)
    return lambda place: geom.intersects(shapely.Point(place.lon, place.lat))


def _active_supervisors(session: Session):
    return select(User.id).where(User.role == Role.SUPERVISOR, User.active.is_(True))


def load_beats(session: Session) -> Beats:
    """The configured beats: the ``beats`` table if it has rows, else the prefix areas."""
    rows = session.execute(select(Beat.id, Beat.geom).order_by(Beat.id)).all()
    if rows:
        crew = session.execute(select(BeatSupervisor.beat_id, BeatSupervisor.user_id).where(
            BeatSupervisor.user_id.in_(_active_supervisors(session)))).all()
        return Beats(tuple((frozenset(u for b, u in crew if b == beat_id),
                            _polygon_matcher(geom)) for beat_id, geom in rows))
    row = session.get(Setting, EVALUATION_SETTING)
    areas = (json.loads(row.value) if row else {}).get(BEATS_FIELD) or {}
    users = dict(session.execute(select(User.username, User.id).where(
        User.id.in_(_active_supervisors(session)), User.username.in_(list(areas)))).all())
    return Beats(tuple((frozenset({users[name]}), _prefix_matcher(tuple(map(str, prefixes))))
                       for name, prefixes in sorted(areas.items())
                       if name in users and prefixes))


def _places(session: Session, case_ids=None) -> dict[int, Place]:
    """Places of the open pooled tasks (or of ``case_ids``)."""
    query = (select(Case.id, Case.lon, Case.lat, GridCell.code)
             .outerjoin(GridCell, GridCell.id == Case.grid_cell_id))
    if case_ids is None:
        query = query.where(Case.state.in_(TASK_STATES), Case.task_user_id.is_(None))
    else:
        query = query.where(Case.id.in_(list(case_ids)))
    return {i: Place(lon, lat, code) for i, lon, lat, code in session.execute(query)}


def pooled_for(session: Session, user_id: int) -> list[int]:
    """Ids of the pooled tasks ``user_id`` is eligible for."""
    beats = load_beats(session)
    return sorted(i for i, place in _places(session).items() if beats.eligible(place, user_id))


def task_filter(session: Session, viewer) -> ColumnElement[bool]:
    """The open 核实/核查 tasks ``viewer`` may take: sent to them, or pooled (sent to
    任一监督员) within their eligibility. Non-supervisors have no tasks."""
    if viewer.role != Role.SUPERVISOR:
        return false()
    mine = Case.task_user_id == viewer.user_id
    pooled = Case.id.in_(pooled_for(session, viewer.user_id))
    return Case.state.in_(TASK_STATES) & or_(mine, pooled)


def may_take(session: Session, viewer, case_id: int) -> bool:
    """Whether ``viewer`` may take (claim or answer) the open task of case ``case_id``."""
    return session.scalar(select(Case.id).where(Case.id == case_id,
                                                task_filter(session, viewer))) is not None


def pool_members(session: Session, case_id: int) -> tuple[tuple[int, str], ...]:
    """(id, display name) of the supervisors a pooled task of the case reaches: the
    supervisors of the beat holding it, else every active supervisor (by username)."""
    place = _places(session, [case_id]).get(case_id)
    owners = load_beats(session).owners(place) if place else frozenset()
    query = select(User.id, User.display_name).where(User.id.in_(_active_supervisors(session)))
    if owners:
        query = query.where(User.id.in_(sorted(owners)))
    return tuple((i, name) for i, name in session.execute(query.order_by(User.username)))


def beat_owners(session: Session, case_id: int) -> tuple[int, ...]:
    """The supervisors of the beat holding the case (empty: no beat, or nobody's)."""
    place = _places(session, [case_id]).get(case_id)
    return tuple(sorted(load_beats(session).owners(place))) if place else ()
