"""Texts the map page shows (layer names, legend, hints), as English source strings.

The page is rendered without Qt, so it cannot call ``tr()``: the Qt view translates this
table with ``QCoreApplication.translate("MapPage", text)`` and hands the result to the
renderer. ``QT_TRANSLATE_NOOP`` below is a plain identity function; pyside6-lupdate
recognises the name and extracts the strings into the .ts file (context ``MapPage``), and
the Chinese comes from ``resources/i18n/glossary_zh_CN.tsv`` like every other UI string.
"""

from __future__ import annotations

from collections.abc import Callable

CONTEXT = "MapPage"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 (the name lupdate knows)
    return text


PAGE_TEXTS: dict[str, str] = {
    "basemap": QT_TRANSLATE_NOOP("MapPage", "Basemap"),
    "grid": QT_TRANSLATE_NOOP("MapPage", "Unit grid cells"),
    "choropleth": QT_TRANSLATE_NOOP("MapPage", "Open cases per grid cell"),
    "streets": QT_TRANSLATE_NOOP("MapPage", "Streets"),
    "communities": QT_TRANSLATE_NOOP("MapPage", "Communities"),
    "components": QT_TRANSLATE_NOOP("MapPage", "Components"),
    "cases": QT_TRANSLATE_NOOP("MapPage", "Cases"),
    "supervisors": QT_TRANSLATE_NOOP("MapPage", "Supervisors"),
    "legend": QT_TRANSLATE_NOOP("MapPage", "Legend"),
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
    "pick_hint": QT_TRANSLATE_NOOP(
        "MapPage", "Click the map to place the location; drag the pin to correct it"
    ),
    "no_basemap": QT_TRANSLATE_NOOP("MapPage", "No basemap configured"),
}


def page_texts(translate: Callable[[str], str] | None = None) -> dict[str, str]:
    """The page's texts, each passed through ``translate`` (identity = English)."""
    if translate is None:
        return dict(PAGE_TEXTS)
    return {key: translate(text) for key, text in PAGE_TEXTS.items()}
