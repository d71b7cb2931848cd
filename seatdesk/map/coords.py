"""Coordinates between the database (WGS84/CGCS2000) and the basemap's system.

Data are stored in WGS84 (SRID 4326; CGCS2000 agrees to centimetres at map scale).
Chinese commercial tile services draw in GCJ-02, which lies about +0.0052° longitude and
−0.0019° latitude from WGS84 around Liyang; when the configured tiles are GCJ-02 every
layer is shifted forward before it reaches the page, and every point coming back from the
page (a pick, a viewport) is shifted back. The transform itself is the public-domain
``prcoords`` library (forward: the standard GCJ-02 formula; back: its iterative inverse,
good to well under a millimetre).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import prcoords
import shapely


@dataclass(frozen=True)
class Display:
    """Converts between stored WGS84 lon/lat and the lon/lat the page draws in."""

    crs: str = "wgs84"  # wgs84 | gcj02

    @property
    def shifted(self) -> bool:
        return self.crs == "gcj02"

    def to_page(self, lon: float, lat: float) -> tuple[float, float]:
        """WGS84 → page (lon, lat)."""
        if not self.shifted:
            return lon, lat
        c = prcoords.wgs_gcj((lat, lon), True)
        return c.lon, c.lat

    def from_page(self, lon: float, lat: float) -> tuple[float, float]:
        """Page (lon, lat) → WGS84."""
        if not self.shifted:
            return lon, lat
        c = prcoords.gcj_wgs_bored((lat, lon), True)
        return c.lon, c.lat

    def geometry_to_page(self, geom: shapely.Geometry) -> shapely.Geometry:
        """A shapely geometry in page coordinates (vertex by vertex)."""
        if not self.shifted:
            return geom
        return shapely.transform(geom, self._coords_to_page)

    def bbox_from_page(
        self, west: float, south: float, east: float, north: float
    ) -> tuple[float, float, float, float]:
        """A page box as a WGS84 box that holds it (all four corners converted)."""
        corners = [self.from_page(x, y) for x in (west, east) for y in (south, north)]
        lons, lats = [c[0] for c in corners], [c[1] for c in corners]
        return min(lons), min(lats), max(lons), max(lats)

    def _coords_to_page(self, xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        for i, (lon, lat) in enumerate(xy):
            out[i] = self.to_page(float(lon), float(lat))
        return out
