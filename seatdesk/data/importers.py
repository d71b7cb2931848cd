"""The file importers, one per kind of data (``seatdesk import <kind> <file>``).

Every importer takes a session and a path, validates the whole file first, and either
raises ``ImportFailed`` (up to 50 issues, each with its line — or GeoJSON feature and
line — and a Chinese reason; nothing written) or writes everything inside one
savepoint of the caller's transaction and returns a frozen ``ImportReport``.

Text files must be UTF-8 (a BOM is accepted); codes are always read as text. Grid cells,
components and roads may also come as a GeoPackage layer or a Shapefile (``gisfile``: GDAL
reads them, other coordinate systems are reprojected to lon/lat, features are named by
their position since such files have no lines).
"""

from __future__ import annotations

from .beat_import import import_beats
from .calendar import import_calendar_csv as import_calendar
from .component_import import import_components
from .csv_import import import_classes, import_conditions
from .errors import ImportFailed, ImportIssue, ImportReport
from .grid_import import import_grid
from .org_import import import_departments, import_responsibilities, import_units
from .road_import import import_roads
from .user_import import import_users

__all__ = [
    "ImportFailed",
    "ImportIssue",
    "ImportReport",
    "import_calendar",
    "import_classes",
    "import_components",
    "import_conditions",
    "import_grid",
    "import_beats",
    "import_departments",
    "import_responsibilities",
    "import_roads",
    "import_units",
    "import_users",
]
