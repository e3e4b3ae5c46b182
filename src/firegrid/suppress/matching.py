"""Which detections fall in a heat source, and which are spurious sensor hits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from firegrid.detect.detections import Detections
from firegrid.types import WGS84


class SuppressionIndex:
    """An STRtree over heat-source polygons (WGS84); ``ids`` are the registry ids."""

    crs = WGS84

    def __init__(self, ids: Sequence[int], geometries: Sequence[BaseGeometry]) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        geoms = np.asarray(geometries, dtype=object)
        shapely.prepare(geoms)
        self._tree = shapely.STRtree(geoms) if len(geoms) else None

    def match(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int64]:
        """Per point, the lowest matching registry id, or -1."""
        lon = np.asarray(lon, dtype=np.float64)
        return self.match_shapes(shapely.points(lon, lat))

    def match_shapes(self, shapes: Sequence[BaseGeometry] | NDArray[np.object_]) -> NDArray[np.int64]:
        """Per geometry (a point, or a coarse pixel's footprint), the lowest registry id it touches, or -1."""
        geoms = np.asarray(shapes, dtype=object)
        out = np.full(len(geoms), -1, dtype=np.int64)
        if self._tree is None or not len(geoms):
            return out
        pt, idx = self._tree.query(geoms, predicate="intersects")
        best = np.full(len(geoms), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, pt, self.ids[idx])
        hit = best != np.iinfo(np.int64).max
        out[hit] = best[hit]
        return out


def spurious_mask(detections: Detections) -> NDArray[np.bool_]:
    """VIIRS I4 particle hits: brightness / FRP > 1000 and brightness > 310 K (activefires-pp)."""
    viirs = np.array([str(s).upper() == "VIIRS" for s in detections.sensor], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = detections.brightness_k / detections.frp
    return viirs & (ratio > 1000) & (detections.brightness_k > 310)
