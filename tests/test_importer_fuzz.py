"""Property-based fuzzing of every importer on both backends (hypothesis, time-boxed): a
mutated or random file ends in a clean import or in a refusal whose every issue names a
line, a column or a feature (or the whole file) in plain words — never a traceback, and
never a partial load."""

from __future__ import annotations

import datetime as dt
import json
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select, union_all

from seatdesk.data.calendar import import_calendar_csv
from seatdesk.data.errors import ImportFailed, ImportReport
from seatdesk.data.importers import (
    import_classes,
    import_components,
    import_conditions,
    import_grid,
)
from seatdesk.models import Base
from tests.test_importers import DATA, load

FUZZ = settings(max_examples=20, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
ODD = "\x00\x01\x07\x1b\x7f\ud7ff\ufeff\u200b\u2028\"',\n\r\t =+-@[]{}：，“”井盖𠮷"
CONDITIONS = (DATA / "conditions_city.csv").read_text(encoding="utf-8")
CLASSES = (DATA / "classes_local.csv").read_text(encoding="utf-8")
CALENDAR = (DATA / "calendar_2027.csv").read_text(encoding="utf-8")
GRID = (DATA / "grid_good.geojson").read_text(encoding="utf-8")
COMPONENTS = (DATA / "components_good.geojson").read_text(encoding="utf-8")


def total_rows(db) -> int:
    counts = union_all(*(select(func.count()).select_from(t)
                         for t in Base.metadata.sorted_tables)).subquery()
    with db.engine.connect() as conn:
        return conn.scalar(select(func.sum(counts.c[0])))


def outcome(db, importer, path) -> None:
    """Run the import; success is rolled back, a refusal is committed and must have
    written nothing; every issue must say where and what."""
    before = total_rows(db)
    with db.Session() as s:
        try:
            report = importer(s, path)
        except ImportFailed as exc:
            s.commit()
            assert exc.issues
            for issue in exc.issues:
                assert issue.message.strip() and "Traceback" not in issue.message
                assert issue.line is None or issue.line >= 1
                assert issue.feature is None or issue.feature >= 1
            assert total_rows(db) == before
            return
        assert isinstance(report, ImportReport)
        s.rollback()


# -- strategies ----------------------------------------------------------------------------------

@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with a few random edits: characters inserted, deleted or replaced."""
    chars = list(text)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(chars)))
        action = draw(st.sampled_from(("insert", "delete", "replace")))
        piece = draw(st.text(alphabet=st.sampled_from(ODD) | st.characters(), max_size=3))
        if action == "insert":
            chars[at:at] = list(piece)
        elif chars:
            chars[min(at, len(chars) - 1):min(at, len(chars) - 1) + 1] = (
                [] if action == "delete" else list(piece))
    return "".join(chars)


ENCODINGS = st.sampled_from(("utf-8", "utf-8-sig", "gb18030", "utf-16", "big5", "latin-1"))


@st.composite
def text_file(draw, base: str) -> bytes:
    text = draw(mutated(base))
    encoding = draw(ENCODINGS)
    lone_surrogates = encoding.startswith("utf-8") and draw(st.booleans())  # invalid UTF-8
    return text.encode(encoding, errors="surrogatepass" if lone_surrogates else "replace")


CELLS = (st.none() | st.integers(-10**6, 10**18) | st.floats(allow_nan=False) | st.booleans()
         | st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))
         | st.text(alphabet=st.sampled_from(string.digits + ODD.replace("\x00", "")), max_size=12))


@st.composite
def workbook(draw, base: str, tmp_path) -> object:
    """An .xlsx from the base table's rows with random cells mixed in."""
    book = Workbook()
    sheet = book.active
    for row in base.splitlines():
        cells = row.split(",")
        for k in range(len(cells)):
            if draw(st.integers(0, 9)) == 0:
                cells[k] = draw(CELLS)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c
                      for c in cells])
    path = tmp_path / f"f{draw(st.integers(0, 10**9))}.xlsx"
    book.save(path)
    return path


# -- tables: CSV and Excel -----------------------------------------------------------------------

TABLES = [(import_conditions, CONDITIONS, "reference"), (import_classes, CLASSES, "reference"),
          (import_calendar_csv, CALENDAR, "empty")]


@pytest.mark.parametrize(("importer", "base", "seed"), TABLES,
                         ids=["conditions", "classes", "calendar"])
def test_table_importers_survive_mutated_csv(make_db, tmp_path, importer, base, seed):
    db = make_db(seed)

    @FUZZ
    @given(data=text_file(base))
    def run(data: bytes) -> None:
        path = tmp_path / "fuzz.csv"
        path.write_bytes(data)
        outcome(db, importer, path)

    run()


@pytest.mark.parametrize(("importer", "base", "seed"), TABLES,
                         ids=["conditions", "classes", "calendar"])
def test_table_importers_survive_odd_excel_cells(make_db, tmp_path, importer, base, seed):
    db = make_db(seed)

    @settings(FUZZ, max_examples=10)
    @given(data=st.data())
    def run(data) -> None:
        outcome(db, importer, data.draw(workbook(base, tmp_path)))

    run()


# -- GIS: GeoJSON --------------------------------------------------------------------------------

COORD = st.floats(-200, 200, allow_nan=False) | st.sampled_from((119.48, 31.425, 1e308))
GEOMETRY = st.fixed_dictionaries({
    "type": st.sampled_from(("Polygon", "MultiPolygon", "Point", "LineString", "Nope", 7)),
    "coordinates": st.recursive(st.lists(COORD, max_size=3),
                                lambda inner: st.lists(inner, max_size=5), max_leaves=30)})
PROPS = st.dictionaries(
    st.sampled_from(("code", "name", "community_code", "zone", "status", "community_name",
                     "initial_date", "owner_dept_code")),
    st.none() | st.integers(0, 10**18) | st.floats(allow_nan=False)
    | st.text(alphabet=st.sampled_from(string.digits + ODD), max_size=17), max_size=6)
FEATURE = st.fixed_dictionaries({"type": st.just("Feature"), "properties": PROPS | st.none(),
                                 "geometry": GEOMETRY | st.none() | st.integers()})
CRS = st.none() | st.sampled_from(({"type": "name", "properties": {"name": "EPSG:4326"}},
                                   {"properties": []}, "EPSG:3857", [1, 2], {"x": None}))


@st.composite
def geojson_bytes(draw, base: str) -> bytes:
    if draw(st.booleans()):
        return draw(mutated(base)).encode("utf-8", errors="surrogatepass")
    doc = {"type": draw(st.sampled_from(("FeatureCollection", "Feature", "x"))),
           "features": draw(st.lists(FEATURE, max_size=6) | st.just({}))}
    crs = draw(CRS)
    if crs is not None:
        doc["crs"] = crs
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8")


@pytest.mark.parametrize(("importer", "base"), [(import_grid, GRID),
                                                 (import_components, COMPONENTS)],
                         ids=["grid", "components"])
def test_gis_importers_survive_random_and_mutated_geojson(make_db, tmp_path, importer, base):
    db = make_db("reference")
    if importer is import_components:
        load(db, import_grid, "grid_good.geojson")

    @settings(FUZZ, max_examples=40)
    @given(data=geojson_bytes(base))
    def run(data: bytes) -> None:
        assume(data)
        path = tmp_path / "fuzz.geojson"
        path.write_bytes(data)
        outcome(db, importer, path)

    run()
