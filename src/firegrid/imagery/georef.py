"""Pixel <-> map <-> WGS84 conversion, in one place."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from affine import Affine
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer


def pixel_centres_to_lonlat(
    rows: ArrayLike, cols: ArrayLike, transform: Affine, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS84 lon/lat of (fractional) pixel positions; (0, 0) is the top-left pixel's centre."""
    r = np.asarray(rows, dtype=np.float64) + 0.5
    c = np.asarray(cols, dtype=np.float64) + 0.5
    x = transform.a * c + transform.b * r + transform.c
    y = transform.d * c + transform.e * r + transform.f
    to_wgs84 = _to_wgs84(crs)
    if to_wgs84 is None:
        return x, y
    lon, lat = to_wgs84.transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


@lru_cache(maxsize=32)
def _to_wgs84(crs: str) -> Transformer | None:
    """The transformer to lon/lat (None for EPSG:4326 itself), built once per CRS and process."""
    source = CRS.from_user_input(crs)
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return Transformer.from_crs(source, 4326, always_xy=True)
