"""Map settings: basemap tiles, their coordinate system, the initial view and layer defaults.

Stored as one JSON value under the settings key ``"map"`` (merged over ``DEFAULT_MAP``);
the initial view comes from the centre-wide ``"initial_view"`` setting unless the map
value overrides it. No basemap is the default: a command centre on an intranet points
``tile_url`` at its own tile server (for example a Tianditu-compatible service), e.g.
``http://tiles.intranet/vec_w/{z}/{x}/{y}.png`` with ``tile_crs`` ``"wgs84"``, or an
AutoNavi-style server with ``tile_crs`` ``"gcj02"`` (the layers are then shifted to match).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy.orm import Session

from seatdesk.models.settings import Setting, get_setting

SETTING_KEY = "map"
TILE_CRS = ("wgs84", "gcj02")
#: overlay keys in the layer control, in display order
LAYER_KEYS = ("grid", "choropleth", "streets", "communities", "roads", "components", "cases",
              "supervisors")

DEFAULT_LAYERS: dict[str, bool] = {
    "grid": True,
    "choropleth": False,
    "streets": True,
    "communities": True,
    "roads": True,
    "components": False,
    "cases": True,
    "supervisors": True,
}


@dataclass(frozen=True)
class MapSettings:
    """What the map page is rendered with (all plain values, JSON-friendly)."""

    tile_url: str = ""  # "" = no basemap
    tile_attribution: str = ""
    tile_crs: str = "wgs84"  # wgs84 (= CGCS2000 at map scale) | gcj02
    tile_subdomains: str = ""  # e.g. "01234567" for {s}
    tile_max_zoom: int = 18
    center_lat: float = 31.42
    center_lon: float = 119.485
    zoom: int = 13
    min_zoom: int = 11
    max_zoom: int = 19
    layers: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_LAYERS))
    component_min_zoom: int = 15  # components are fetched for the viewport from this zoom on
    component_limit: int = 3000  # at most this many components per viewport fetch
    nearby_radius_m: float = 50.0  # pick mode: components offered around the picked point
    supervisor_stale_minutes: int = 30  # a position older than this is drawn faded
    case_zoom: int = 16  # opening a case shows it at this zoom: ~1.3 km across, the streets around
    legend_expanded: bool = False  # the legend starts folded into its title

    def __post_init__(self) -> None:
        if self.tile_crs not in TILE_CRS:
            raise ValueError(
                f"地图设置无效：底图坐标系 {self.tile_crs!r} 应为 {' 或 '.join(TILE_CRS)}"
            )
        unknown = set(self.layers) - set(LAYER_KEYS)
        if unknown:
            raise ValueError(f"地图设置无效：未知图层 {', '.join(sorted(unknown))}")
        if not self.min_zoom <= self.case_zoom <= self.max_zoom:
            raise ValueError(f"地图设置无效：打开案卷的缩放级别 case_zoom={self.case_zoom} "
                             f"应在 {self.min_zoom}–{self.max_zoom} 之间")
        object.__setattr__(self, "layers", {**DEFAULT_LAYERS, **self.layers})

    @property
    def has_tiles(self) -> bool:
        return bool(self.tile_url.strip())

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> MapSettings:
        """Settings from a JSON object; unknown keys are refused with a clear message."""
        names = {f.name for f in fields(cls)}
        unknown = set(raw) - names
        if unknown:
            raise ValueError(f"地图设置无效：未知设置项 {', '.join(sorted(unknown))}")
        return cls(**raw)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_MAP = MapSettings()


def load_map_settings(session: Session) -> MapSettings:
    """The map settings stored in the database, over the defaults and the initial view."""
    view = get_setting(session, "initial_view") or {}
    base = replace(
        DEFAULT_MAP,
        center_lat=float(view.get("lat", DEFAULT_MAP.center_lat)),
        center_lon=float(view.get("lon", DEFAULT_MAP.center_lon)),
        zoom=int(view.get("zoom", DEFAULT_MAP.zoom)),
    )
    row = session.get(Setting, SETTING_KEY)
    if row is None:
        return base
    return MapSettings.from_dict({**base.to_dict(), **json.loads(row.value)})


def save_map_settings(session: Session, settings: MapSettings) -> None:
    """Store ``settings`` under the ``"map"`` key (the caller commits)."""
    text = json.dumps(settings.to_dict(), ensure_ascii=False)
    row = session.get(Setting, SETTING_KEY)
    if row is None:
        session.add(
            Setting(
                key=SETTING_KEY, value=text, description="地图：底图、坐标系、初始视图、图层默认"
            )
        )
    else:
        row.value = text
