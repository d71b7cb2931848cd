"""Texts the map page shows (layer names, legend, hints), as English source strings.

The page is rendered without Qt, so it cannot call ``tr()``: the Qt view translates this
table with ``QCoreApplication.translate("MapPage", text)`` and hands the result to the
renderer. ``QT_TRANSLATE_NOOP`` below is a plain identity function; pyside6-lupdate
recognises the name and extracts the strings into the .ts file (context ``MapPage``), and
the Chinese comes from ``resources/i18n/glossary_zh_CN.tsv`` like every other UI string.
"""

from __future__ import annotations

from collections.abc import Callable

from seatdesk.workflow.lights import RemainingWords

CONTEXT = "MapPage"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 (the name lupdate knows)
    return text


PAGE_TEXTS: dict[str, str] = {
    "basemap": QT_TRANSLATE_NOOP("MapPage", "Basemap"),
    "grid": QT_TRANSLATE_NOOP("MapPage", "Unit grid cells"),
    "choropleth": QT_TRANSLATE_NOOP("MapPage", "Open cases per grid cell"),
    "streets": QT_TRANSLATE_NOOP("MapPage", "Streets"),
    "communities": QT_TRANSLATE_NOOP("MapPage", "Communities"),
    "roads": QT_TRANSLATE_NOOP("MapPage", "Roads"),
    "components": QT_TRANSLATE_NOOP("MapPage", "Components"),
    "cases": QT_TRANSLATE_NOOP("MapPage", "Cases"),
    "supervisors": QT_TRANSLATE_NOOP("MapPage", "Supervisors"),
    "legend": QT_TRANSLATE_NOOP("MapPage", "Legend"),
    "layers": QT_TRANSLATE_NOOP("MapPage", "Map layers"),
    "cell_code": QT_TRANSLATE_NOOP("MapPage", "Grid cell code"),
    "cell_name": QT_TRANSLATE_NOOP("MapPage", "Grid cell"),
    "community": QT_TRANSLATE_NOOP("MapPage", "Community"),
    "street": QT_TRANSLATE_NOOP("MapPage", "Street"),
    "case_lights": QT_TRANSLATE_NOOP("MapPage", "Case lights"),
    "case_states": QT_TRANSLATE_NOOP("MapPage", "Case stages"),
    "component_classes": QT_TRANSLATE_NOOP("MapPage", "Component classes"),
    "zoom_for_components": QT_TRANSLATE_NOOP("MapPage", "Zoom in to level %1 to see components"),
    "components_truncated": QT_TRANSLATE_NOOP("MapPage", "Showing the first %1 components here"),
    "last_seen": QT_TRANSLATE_NOOP("MapPage", "Last seen"),
    "picked_location": QT_TRANSLATE_NOOP("MapPage", "Picked location"),
    "nearby_components": QT_TRANSLATE_NOOP("MapPage", "Nearby components"),
    "no_cell": QT_TRANSLATE_NOOP("MapPage", "Outside every grid cell"),
    "outside_city": QT_TRANSLATE_NOOP(
        "MapPage", "Outside the city's extent: check the location, it is most likely misplaced"
    ),
    "pick_hint": QT_TRANSLATE_NOOP(
        "MapPage", "Click the map to place the location; drag the pin to correct it"
    ),
    "no_basemap": QT_TRANSLATE_NOOP("MapPage", "No basemap configured"),
    "nearest_road": QT_TRANSLATE_NOOP("MapPage", "Nearest road"),
    "known_address": QT_TRANSLATE_NOOP("MapPage", "Known address nearby"),
    "show_legend": QT_TRANSLATE_NOOP("MapPage", "Show the legend"),
    "hide_legend": QT_TRANSLATE_NOOP("MapPage", "Hide the legend"),
    # lights, stages (their label and the glyph on the marker)
    "light_red": QT_TRANSLATE_NOOP("MapPage", "Red"),
    "light_yellow": QT_TRANSLATE_NOOP("MapPage", "Yellow"),
    "light_green": QT_TRANSLATE_NOOP("MapPage", "Green"),
    "light_grey": QT_TRANSLATE_NOOP("MapPage", "No clock running"),
    "stage_intake": QT_TRANSLATE_NOOP("MapPage", "Intake, verification, filing"),
    "stage_dispatch": QT_TRANSLATE_NOOP("MapPage", "Awaiting dispatch"),
    "stage_handling": QT_TRANSLATE_NOOP("MapPage", "In handling"),
    "stage_suspended": QT_TRANSLATE_NOOP("MapPage", "Suspended"),
    "stage_check": QT_TRANSLATE_NOOP("MapPage", "Check"),
    "stage_close": QT_TRANSLATE_NOOP("MapPage", "Awaiting closure"),
    "glyph_intake": QT_TRANSLATE_NOOP("MapPage", "R"),
    "glyph_dispatch": QT_TRANSLATE_NOOP("MapPage", "D"),
    "glyph_handling": QT_TRANSLATE_NOOP("MapPage", "H"),
    "glyph_suspended": QT_TRANSLATE_NOOP("MapPage", "S"),
    "glyph_check": QT_TRANSLATE_NOOP("MapPage", "C"),
    "glyph_close": QT_TRANSLATE_NOOP("MapPage", "F"),
    "glyph_supervisor": QT_TRANSLATE_NOOP("MapPage", "P"),
}

#: how the markers' remaining time is written (``workflow.lights.RemainingWords``); in
#: English "wd", "wh", "wmin" are working days, hours and minutes
REMAINING_TEXTS: dict[str, str] = {
    "left": QT_TRANSLATE_NOOP("MapPage", "%1 left"),
    "overdue": QT_TRANSLATE_NOOP("MapPage", "%1 overdue"),
    "working_day": QT_TRANSLATE_NOOP("MapPage", "%1 wd"),
    "working_hour": QT_TRANSLATE_NOOP("MapPage", "%1 wh"),
    "working_minute": QT_TRANSLATE_NOOP("MapPage", "%1 wmin"),
    "day": QT_TRANSLATE_NOOP("MapPage", "%1 d"),
    "hour": QT_TRANSLATE_NOOP("MapPage", "%1 h"),
    "minute": QT_TRANSLATE_NOOP("MapPage", "%1 min"),
    "minutes_after_hours": QT_TRANSLATE_NOOP("MapPage", "%1 min"),
    "under": QT_TRANSLATE_NOOP("MapPage", "under %1"),
    "pair": QT_TRANSLATE_NOOP("MapPage", "%1 %2"),
}


def page_texts(translate: Callable[[str], str] | None = None) -> dict[str, str]:
    """The page's texts, each passed through ``translate`` (identity = English)."""
    if translate is None:
        return dict(PAGE_TEXTS)
    return {key: translate(text) for key, text in PAGE_TEXTS.items()}


def remaining_words(translate: Callable[[str], str] | None = None) -> RemainingWords:
    """The markers' remaining-time words through ``translate`` (identity = English)."""
    t = {key: (translate or (lambda x: x))(text) for key, text in REMAINING_TEXTS.items()}
    return RemainingWords(
        left=t["left"], overdue=t["overdue"],
        working=(t["working_day"], t["working_hour"], t["working_minute"]),
        natural=(t["day"], t["hour"], t["minute"]), minutes=t["minutes_after_hours"],
        under=t["under"], pair=t["pair"])
