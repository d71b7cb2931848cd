"""``seatdesk setup``: record the city profile and load the reference data of its edition.

``apply_profile`` writes each setting the profile stands for through the ledger of
settings (only what differs is written and recorded) and loads what a centre cannot file
without: the classification of its edition, the default 立案条件 catalogue with its time
limits, the holiday calendar as far as the bundled data knows it and the default 常用语.
Idempotent: a second run with the same profile changes nothing. Runs in the caller's
transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import Setting, SettingChange, get_setting
from seatdesk.models.sources import Source as SourceRow
from seatdesk.models.sources import list_sources

from .calendar import CalendarStatus, calendar_status
from .limits import format_limit, parse_limit
from .profile import CityProfile, Source, parse_profile, working_day_hours
from .reference import ReferenceReport, load_reference
from .settings_ledger import canonical, change_setting

SOURCES_KEY = "case_sources"  # the ledger-of-settings key of the sources in use

PROFILE_HEADER = ("# 城市档案（seatdesk setup --profile 本文件）。各项含义见 docs/operations.md。\n"
                  "# step_limits: accept 受理, verify 核实, file 立案, dispatch 派遣, "
                  "check 核查, close 结案\n")


@dataclass(frozen=True)
class SetupReport:
    changed: tuple[str, ...]  # setting keys written this time
    reference: ReferenceReport
    calendar: tuple[CalendarStatus, ...]  # this year and next

    def __str__(self) -> str:
        lines = [f"设置：更新 {len(self.changed)} 项" + (f"（{'、'.join(self.changed)}）"
                                                     if self.changed else "（无变化）"),
                 str(self.reference)]
        lines += [str(status) for status in self.calendar]
        return "\n".join(lines)


def apply_profile(session: Session, profile: CityProfile, *, changed_by: str,
                  via: str = "setup", today: dt.date | None = None) -> SetupReport:
    changed = tuple(key for key, value in profile_settings(session, profile).items()
                    if change_setting(session, key, value, changed_by=changed_by, via=via))
    if apply_sources(session, profile.sources, changed_by=changed_by, via=via):
        changed += (SOURCES_KEY,)
    reference = load_reference(session, editions=(profile.class_edition,))
    year = (today or dt.date.today()).year
    return SetupReport(changed, reference,
                       (calendar_status(session, year), calendar_status(session, year + 1)))


def profile_settings(session: Session, profile: CityProfile) -> dict[str, Any]:
    """The settings a profile stands for (step limits not named keep their value)."""
    steps = dict(get_setting(session, "step_limits"))
    for step, text in profile.step_limits.items():
        value, unit = parse_limit(text)
        steps[step] = [_number(value), unit.value]
    settings = {
        "city_name": profile.name, "admin_code": profile.admin_code,
        "centre_name": profile.centre_name, "class_edition": profile.class_edition,
        "grid_code_length": profile.grid_code_length, "time_zone": profile.time_zone,
        "city_extent": list(profile.extent) if profile.extent else None,
        "working_periods": [list(p) for p in profile.working_periods],
        "working_day_hours": working_day_hours(profile.working_periods),
        "step_limits": steps,
        "common_classes": {"event": list(profile.common_events),
                           "component": list(profile.common_components)},
    }
    if profile.map_center is not None:
        lat, lon = profile.map_center
        settings["initial_view"] = {"lat": lat, "lon": lon, "zoom": profile.map_zoom}
    return settings


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def is_set_up(session: Session) -> bool:
    """True once a profile was applied (the city's code is stored, not the built-in one)."""
    return session.get(Setting, "admin_code") is not None


def profile_from_settings(session: Session) -> CityProfile:
    """The profile the database holds now (for ``export config`` and interactive set-up)."""
    view = get_setting(session, "initial_view") or {}
    common = get_setting(session, "common_classes") or {}
    data = {
        "city": {"name": get_setting(session, "city_name"),
                 "admin_code": get_setting(session, "admin_code"),
                 "centre_name": get_setting(session, "centre_name"),
                 "class_edition": get_setting(session, "class_edition"),
                 "grid_code_length": get_setting(session, "grid_code_length"),
                 "extent": get_setting(session, "city_extent"),
                 "time_zone": get_setting(session, "time_zone"),
                 "map_center": [view["lat"], view["lon"]] if "lat" in view else None,
                 "map_zoom": int(view.get("zoom", 13))},
        "working_time": {"periods": get_setting(session, "working_periods")},
        "step_limits": {step: format_limit(Decimal(str(v)), unit)
                        for step, (v, unit) in get_setting(session, "step_limits").items()},
        "sources": [_source(s) for s in sources_in_use(session)] or None,
        "readiness": {"common_events": common.get("event"),
                      "common_components": common.get("component")},
    }
    return parse_profile(_drop_none(data))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def profile_toml(profile: CityProfile) -> str:
    """The profile as the TOML file ``read_profile`` reads back (header comment included)."""
    city: dict[str, Any] = {
        "name": profile.name, "admin_code": profile.admin_code,
        "centre_name": profile.centre_name, "class_edition": profile.class_edition,
        "time_zone": profile.time_zone,
    }
    if profile.grid_code_length is not None:
        city["grid_code_length"] = profile.grid_code_length
    if profile.extent is not None:
        city["extent"] = list(profile.extent)
    if profile.map_center is not None:
        city["map_center"] = list(profile.map_center)
        city["map_zoom"] = profile.map_zoom
    data = {
        "city": city,
        "working_time": {"periods": [list(p) for p in profile.working_periods]},
        "step_limits": dict(profile.step_limits),
        "readiness": {"common_events": list(profile.common_events),
                      "common_components": list(profile.common_components)},
        "sources": [_source(s) for s in profile.sources],
    }
    return PROFILE_HEADER + tomli_w.dumps(data)


def _source(source: Source) -> dict[str, Any]:
    return {"code": source.code, "name": source.name, "public": source.public,
            "needs_verification": source.needs_verification}


# -- the sources in use: rows of ``case_sources`` (seatdesk.models.sources) -----------------

def sources_in_use(session: Session) -> tuple[Source, ...]:
    """The enabled sources, in their order."""
    return tuple(Source(s.code, s.name, s.public, s.needs_verification)
                 for s in list_sources(session, enabled_only=True))


def apply_sources(session: Session, sources: tuple[Source, ...], *, changed_by: str,
                  via: str) -> bool:
    """Enable the profile's sources in its order (creating new ones), disable the others;
    a change is recorded in the ledger of settings under ``case_sources``."""
    before = [_source(s) for s in sources_in_use(session)]
    after = [_source(s) for s in sources]
    if before == after:
        return False
    wanted = {s.code: (n, s) for n, s in enumerate(sources, start=1)}
    for row in session.scalars(select(SourceRow)):
        row.enabled = row.code in wanted
    for code, (n, source) in wanted.items():
        row = session.get(SourceRow, code) or SourceRow(code=code)
        row.name, row.public, row.needs_verification = (source.name, source.public,
                                                        source.needs_verification)
        row.enabled, row.sort_order = True, n * 10
        session.add(row)
    session.add(SettingChange(key=SOURCES_KEY, old_value=canonical(before),
                              new_value=canonical(after), changed_by=changed_by[:100],
                              via=via[:40]))
    session.flush()
    return True


def write_profile(profile: CityProfile, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(profile_toml(profile), encoding="utf-8")
    return path
