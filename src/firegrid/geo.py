"""Geodesy on WGS84 in one place: distances, circles, areas and unit vectors.

Everything here takes and returns longitude/latitude in degrees (EPSG:4326) and
metres; nothing is ever measured in Web Mercator.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0


def distance_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> NDArray[np.float64]:
    """Geodesic distance in metres, element-wise."""
    a = [np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2)]
    b = np.broadcast_arrays(*a)
    _, _, dist = GEOD.inv(b[0].ravel(), b[1].ravel(), b[2].ravel(), b[3].ravel())
    return np.asarray(dist, dtype=np.float64).reshape(b[0].shape)


def circle(lon: float, lat: float, radius_m: float, segments: int = 64) -> Polygon:
    """A geodesic circle of ``radius_m`` around a point, as a lon/lat polygon."""
    azimuths = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = GEOD.fwd(
        np.full(segments, lon), np.full(segments, lat), azimuths, np.full(segments, radius_m)
    )
    return Polygon(zip(lons, lats, strict=True))


def area_m2(geometry: BaseGeometry) -> float:
    """Geodesic area of a lon/lat (multi)polygon in square metres (holes subtracted).

    Rings are oriented first (exteriors counter-clockwise), so the sign convention of
    ``Geod.geometry_area_perimeter`` cannot flip parts of a multipolygon.
    """
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geometry))
    return float(abs(area))


def unit_vectors(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """Points on the unit sphere (n, 3); chord distance x R ~= great-circle distance."""
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    la = np.radians(np.asarray(lat, dtype=np.float64))
    cos_la = np.cos(la)
    return np.column_stack((cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)))


def degrees_for_metres(metres: float, lat: ArrayLike) -> NDArray[np.float64]:
    """An upper bound, in degrees, of ``metres`` at latitude ``lat`` (the longitude span)."""
    cos_la = np.maximum(np.cos(np.radians(np.abs(np.asarray(lat, dtype=np.float64)))), 1e-6)
    return np.asarray(metres / (METRES_PER_DEGREE_LAT * cos_la) * 1.01, dtype=np.float64)


def distance_to_geometry_m(lon: float, lat: float, geometry: BaseGeometry) -> float:
    """Geodesic distance from a point to the nearest point of a lon/lat geometry."""
    point = shapely.Point(lon, lat)
    if geometry.intersects(point):
        return 0.0
    nearest = shapely.shortest_line(point, geometry)
    (x0, y0), (x1, y1) = nearest.coords
    return float(distance_m(x0, y0, x1, y1))
