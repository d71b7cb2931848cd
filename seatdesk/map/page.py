"""Render the offline map page with folium (Qt-free).

folium builds the Leaflet map, the basemap (if any), the grid/street/community GeoJSON
layers, the empty overlay groups the page script fills (components, cases, supervisors,
the grid choropleth) and the layer control. Every script and stylesheet comes from the
bundled ``resources/web`` directory: folium's CDN defaults (Leaflet from jsDelivr,
jQuery, Bootstrap, Font Awesome, awesome-markers) are replaced or dropped, so the page
works on an intranet. The only other address the page may load is the tile URL template
of the settings.

The page is rendered once per session or data edition; cases, components and
supervisors arrive afterwards as small messages (``messages.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from .cases import LIGHTS, STAGES
from .coords import Display
from .labels import page_texts
from .layers import StaticLayers
from .settings import MapSettings

WEB_ROOT = Path(__file__).resolve().parents[2] / "resources" / "web"
LIGHT_COLOURS = {"green": "#2e9d3e", "yellow": "#e0b000", "red": "#d62728", "grey": "#8c8c8c"}
GRID_STYLE = {
    "color": "#4a6fa5",
    "weight": 0.6,
    "opacity": 0.8,
    "fillColor": "#4a6fa5",
    "fillOpacity": 0.02,
}
GRID_HOVER = {"weight": 2, "color": "#1a3d7c", "fillOpacity": 0.12}
STREET_STYLE = {
    "color": "#b03a2e",
    "weight": 3,
    "opacity": 0.9,
    "fill": False,
    "interactive": False,
}
ROAD_STYLE = {  # white streets on the page's paper colour, as on a street map
    "color": "#ffffff",
    "weight": 4,
    "opacity": 1.0,
    "fill": False,
    "interactive": False,
}
COMMUNITY_STYLE = {
    "color": "#7d3c98",
    "weight": 1.5,
    "opacity": 0.8,
    "fill": False,
    "interactive": False,
    "dashArray": "6 4",
}


def resource_base(root: Path = WEB_ROOT) -> str:
    """``file:///…/resources/web/`` — the base every bundled script and stylesheet hangs off."""
    return root.resolve().as_uri().rstrip("/") + "/"


class OfflineMap(folium.Map):
    """A folium Map whose Leaflet comes from ``base`` and which loads nothing else."""

    def __init__(self, base: str, **kwargs: Any):
        super().__init__(**kwargs)
        # instance lists: folium's class-level defaults point at CDNs and are shared
        self.default_js = [("leaflet", base + "leaflet/leaflet.js")]
        self.default_css = [("leaflet_css", base + "leaflet/leaflet.css")]


class SeatdeskScript(JSCSSMixin, MacroElement):
    """Loads the bundled plugins and the page script, then starts it with ``config``."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "seatdesk.init({{ this._parent.get_name() }}, {{ this.config | tojson }});\n"
        "{% endmacro %}"
    )

    def __init__(self, base: str, config: dict[str, Any]):
        super().__init__()
        self._name = "SeatdeskScript"
        self.config = config
        self.default_js = [
            ("seatdesk_layers", DATA_FILE),  # beside the page (see render_page)
            ("markercluster", base + "markercluster/leaflet.markercluster.js"),
            ("qwebchannel", base + "qwebchannel/qwebchannel.js"),
            ("seatdesk", base + "seatdesk/map.js"),
        ]
        self.default_css = [
            ("markercluster_css", base + "markercluster/MarkerCluster.css"),
            ("markercluster_default_css", base + "markercluster/MarkerCluster.Default.css"),
            ("seatdesk_css", base + "seatdesk/map.css"),
        ]


DATA_FILE = "map-data.js"
EMPTY = {"type": "FeatureCollection", "features": []}


@dataclass(frozen=True)
class RenderedPage:
    """The page and its geometry script (``map-data.js`` beside it)."""

    html: str
    data_js: str


def render_page(
    static: StaticLayers,
    settings: MapSettings,
    texts: dict[str, str] | None = None,
    base: str | None = None,
) -> RenderedPage:
    """The page. ``texts`` are the (translated) page texts; ``base`` the URL of the bundled
    web resources (default: this checkout's ``resources/web``).

    The grid, street and community GeoJSON goes into a separate script beside the page
    rather than into folium's template: branca re-parses every rendered script chunk as a
    Jinja template, which for the 1.5 MB Liyang grid costs more than the rest of the render.
    """
    base = base or resource_base()
    texts = texts or page_texts()
    display = Display(settings.tile_crs)
    lon, lat = display.to_page(settings.center_lon, settings.center_lat)
    fmap = OfflineMap(
        base,
        location=[lat, lon],
        zoom_start=settings.zoom,
        min_zoom=settings.min_zoom,
        max_zoom=settings.max_zoom,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    if settings.has_tiles:
        folium.TileLayer(
            tiles=settings.tile_url,
            attr=settings.tile_attribution or texts["basemap"],
            name=texts["basemap"],
            max_zoom=settings.max_zoom,
            max_native_zoom=settings.tile_max_zoom,
            subdomains=settings.tile_subdomains or "abc",
            overlay=False,
            control=True,
        ).add_to(fmap)
    groups = _add_layers(fmap, settings, texts)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    SeatdeskScript(base, _config(static, settings, texts, groups)).add_to(fmap)
    data = {"grid": static.grid, "streets": static.streets, "communities": static.communities,
            "roads": static.roads, "roadLabels": static.road_labels}
    data_js = (
        "window.SEATDESK_LAYERS = "
        + json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        + ";\n"
    )
    return RenderedPage(fmap.get_root().render(), data_js)


def _add_layers(fmap: folium.Map, settings: MapSettings, texts: dict[str, str]) -> dict[str, str]:
    """Add every overlay in layer-control order; returns key → JavaScript variable name.

    Styles go in as plain Leaflet options (folium's style_function would compute and encode
    one style per feature); map.js adds the features, the grid tooltip, hovering and the
    choropleth."""
    shown = settings.layers
    layers: dict[str, Any] = {
        "grid": folium.GeoJson(
            EMPTY, name=texts["grid"], show=shown["grid"], smooth_factor=0.5, style=GRID_STYLE
        ),
        "choropleth": folium.FeatureGroup(name=texts["choropleth"], show=shown["choropleth"]),
        "streets": folium.GeoJson(
            EMPTY, name=texts["streets"], show=shown["streets"], style=STREET_STYLE
        ),
        "communities": folium.GeoJson(
            EMPTY, name=texts["communities"], show=shown["communities"], style=COMMUNITY_STYLE
        ),
        "roads": folium.GeoJson(EMPTY, name=texts["roads"], show=shown["roads"], style=ROAD_STYLE),
        "components": folium.FeatureGroup(name=texts["components"], show=shown["components"]),
        "cases": folium.FeatureGroup(name=texts["cases"], show=shown["cases"]),
        "supervisors": folium.FeatureGroup(name=texts["supervisors"], show=shown["supervisors"]),
    }
    for layer in layers.values():
        layer.add_to(fmap)
    return {key: layer.get_name() for key, layer in layers.items()}


def _config(
    static: StaticLayers, settings: MapSettings, texts: dict[str, str], groups: dict[str, str]
) -> dict[str, Any]:
    return {
        "layers": groups,
        "texts": texts,
        "lights": [[key, LIGHT_COLOURS[key], texts[f"light_{key}"]] for key in LIGHTS],
        "stages": [[key, texts[f"glyph_{key}"], texts[f"stage_{key}"]] for key, _ in STAGES],
        "majors": [[m.code, m.name, m.colour] for m in static.majors],
        "classes": {
            str(cid): [static.class_major[cid], name] for cid, name in static.class_names.items()
        },
        "minZoom": settings.min_zoom,
        "maxZoom": settings.max_zoom,
        "componentMinZoom": settings.component_min_zoom,
        "componentLimit": settings.component_limit,
        "hasTiles": settings.has_tiles,
        "gridHover": GRID_HOVER,
        "caseZoom": settings.case_zoom,
        "legendExpanded": settings.legend_expanded,
    }


def write_page(directory: Path, page: RenderedPage, name: str = "map.html") -> Path:
    """Write the page and its data script where the view loads them from (a file, never
    ``setHtml``)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / DATA_FILE).write_text(page.data_js, encoding="utf-8")
    path = directory / name
    path.write_text(page.html, encoding="utf-8")
    return path
