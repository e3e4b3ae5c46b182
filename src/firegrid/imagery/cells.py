"""The geodesic area of a scene's grid cells, anywhere in the scene.

A projected grid's cells are not all the same size on the ground (a UTM cell grows by
~0.1 % across a Sentinel-2 tile far from the central meridian; a lon/lat cell shrinks
with latitude). Cells on a lattice over the scene are measured exactly - corners
reprojected to WGS84, ``pyproj.Geod`` area, as ``geo.area_m2`` measures any polygon - and
the smooth field between them is interpolated bilinearly (its curvature over a lattice
step is far below a part per million).
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from firegrid import geo
from firegrid.imagery.scene import Scene
from firegrid.vector import reproject_to_wgs84

LATTICE_STEP = 512  # pixels between measured cells


class CellAreas:
    """Ground area (m2) of the cell at any (fractional) row/col of a scene's grid."""

    def __init__(self, scene: Scene, step: int = LATTICE_STEP) -> None:
        self.rows = _lattice(scene.height, step)
        self.cols = _lattice(scene.width, step)
        r, c = np.meshgrid(self.rows, self.cols, indexing="ij")
        corners = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)]
        t = scene.transform
        xy = [(t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f) for x, y in corners]
        rings = np.stack([np.stack(p, axis=-1) for p in xy], axis=-2)  # (rows, cols, 4, 2)
        cells = shapely.polygons(rings.reshape(-1, 4, 2))
        lonlat = reproject_to_wgs84(cells, scene.crs)
        self.areas = np.array([geo.area_m2(p) for p in lonlat], np.float64).reshape(r.shape)

    def at(self, rows: ArrayLike, cols: ArrayLike) -> NDArray[np.float64]:
        """Area of the cell whose top-left corner is at (rows, cols), interpolated between lattice cells."""
        r = np.asarray(rows, np.float64)
        c = np.asarray(cols, np.float64)
        i, fr = _locate(self.rows, r)
        j, fc = _locate(self.cols, c)
        a = self.areas
        top = a[i, j] * (1 - fc) + a[i, j + 1] * fc
        bottom = a[i + 1, j] * (1 - fc) + a[i + 1, j + 1] * fc
        out: NDArray[np.float64] = top * (1 - fr) + bottom * fr
        return out


def _lattice(size: int, step: int) -> NDArray[np.float64]:
    """Lattice positions from 0 to the last cell (at least two, so there is always an interval)."""
    points = np.unique(np.r_[np.arange(0, max(size - 1, 1), step), max(size - 1, 1)])
    return np.asarray(points if len(points) > 1 else np.r_[0, 1], np.float64)


def _locate(
    lattice: NDArray[np.float64], x: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Interval index and fraction within it (clamped to the lattice's ends)."""
    i = np.clip(np.searchsorted(lattice, x, side="right") - 1, 0, len(lattice) - 2)
    frac = np.clip((x - lattice[i]) / (lattice[i + 1] - lattice[i]), 0.0, 1.0)
    return i, frac
