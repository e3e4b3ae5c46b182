"""Bare soil the obvious way, and patches the way they were measured before the patch stage was vectorised.

* ``dense_bare``: the index graph on every pixel of a scene, then the scene's thresholds: the mask the
  windowed, prefiltered pass must give exactly.
* ``traced_patches``: every 8-connected component labelled on the full mask, each filled on its own
  crop, vectorised with ``rasterio.features.shapes`` and measured with ``geo.area_m2`` on its WGS84
  outline, kept at ``min_area_m2``: the areas and counts the pixel-count areas must reproduce.
"""

from __future__ import annotations

import cv2
import numpy as np
import shapely
from affine import Affine
from rasterio.features import shapes
from shapely.geometry import shape

from firegrid import geo
from firegrid.detect.dust.indices import BAND_MAPS
from firegrid.detect.dust.patches import fill_small_holes
from firegrid.detect.dust.thresholds import Thresholds
from firegrid.detect.satellite.runtime import PixelModel
from firegrid.imagery.scene import Scene
from firegrid.vector import reproject_to_wgs84


def dense_bare(model: PixelModel, bands: dict[str, np.ndarray], t: Thresholds) -> np.ndarray:
    """Bare pixels of a whole Sentinel-2 scene (bands b2 ... b12, no QA) under thresholds ``t``."""
    generic = {g: np.ascontiguousarray(bands[name], np.float32) for g, name in BAND_MAPS["sentinel2"].items()}
    out = model.run(generic)
    valid = np.ones(out["bsi"].shape, bool)
    with np.errstate(invalid="ignore"):
        for band in generic.values():
            valid &= np.abs(band) < 1e10
    with np.errstate(invalid="ignore"):
        bare: np.ndarray = out["candidate"] & valid & (out["bsi"] > t.bsi) & (out["ndvi"] < t.ndvi)
    return bare


def traced_patches(scene: Scene, mask: np.ndarray, min_area_m2: float, holes: int) -> list[tuple[int, float]]:
    """(pixels, geodesic outline area) of each component of ``mask`` with an outline of ``min_area_m2``."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    found = []
    for k in range(1, count):
        x, y, w, h, n = (int(v) for v in stats[k])
        crop = fill_small_holes((labels[y : y + h, x : x + w] == k).astype(np.uint8), holes)
        transform = scene.transform * Affine.translation(x, y)
        parts = [
            shape(g) for g, _ in shapes(crop, mask=crop.astype(bool), connectivity=8, transform=transform)
        ]
        area = geo.area_m2(reproject_to_wgs84(shapely.union_all(parts), scene.crs))
        if area >= min_area_m2:
            found.append((n, area))
    return sorted(found)
