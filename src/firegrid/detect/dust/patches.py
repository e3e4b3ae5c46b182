"""Bare pixels -> 8-connected patches -> WGS84 polygons with geodesic area.

Each connected component is vectorised on its own bounding box with
``rasterio.features.shapes`` (so a scene-sized mask is never built), after filling
enclosed gaps smaller than a reportable patch (speckle inside a bare field), reprojected
to WGS84 with pyproj and measured with ``pyproj.Geod`` (``geo.area_m2``) - never in the
scene's projected units, never in Web Mercator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import rasterio
import shapely
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS
from rasterio.features import shapes
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from firegrid import geo
from firegrid.detect.dust.baresoil import SoilPixels
from firegrid.detect.dust.thresholds import Thresholds
from firegrid.imagery.georef import pixel_centres_to_lonlat
from firegrid.imagery.scene import Scene
from firegrid.vector import reproject_to_wgs84


@dataclass
class DustPatch:
    """One bare patch: where, how big, what it probably is, how sure."""

    lon: float
    lat: float
    area_m2: float
    pixels: int
    kind: str  # bare_land, cropland, built_up, new_bare_land
    score: float  # 0.5 (at the thresholds) .. 1.0 (clearly bare)
    mean_bsi: float
    mean_ndvi: float
    landcover: int
    polygon: BaseGeometry  # WGS84 lon/lat

    def as_dict(self, with_polygon: bool = False) -> dict[str, Any]:
        """What ``firegrid scan --json`` lists under ``dust_patches``."""
        out: dict[str, Any] = {
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "area_m2": round(self.area_m2, 1),
            "kind": self.kind,
            "score": round(self.score, 3),
            "pixels": self.pixels,
            "mean_bsi": round(self.mean_bsi, 4),
            "mean_ndvi": round(self.mean_ndvi, 4),
        }
        if self.landcover:
            out["landcover"] = self.landcover
        if with_polygon:
            out["polygon"] = mapping(shapely.set_precision(self.polygon, 1e-6))
        return out


def patch_score(mean_bsi: float, mean_ndvi: float, t: Thresholds) -> float:
    """0.5 at the thresholds, rising to 1.0 for BSI 0.2 above and NDVI 0.3 below them."""
    s_b = min(max((mean_bsi - t.bsi) / 0.2, 0.0), 1.0)
    s_v = min(max((t.ndvi - mean_ndvi) / 0.3, 0.0), 1.0)
    return 0.5 + 0.25 * s_b + 0.25 * s_v


def fill_small_holes(crop: NDArray[np.uint8], max_pixels: int) -> NDArray[np.uint8]:
    """Fill enclosed gaps of at most ``max_pixels`` (speckle inside a bare field is still the field)."""
    if max_pixels < 1:
        return crop
    padded = np.pad(crop, 1)
    _, labels, stats, _ = cv2.connectedComponentsWithStats((padded == 0).astype(np.uint8), connectivity=4)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= max_pixels)
    small = small[small != labels[0, 0]]  # the outside is never a hole
    if len(small):
        padded[np.isin(labels, small)] = 1
    return padded[1:-1, 1:-1]


def _outline(scene: Scene, crop: NDArray[np.uint8], row: int, col: int, hole_pixels: int) -> BaseGeometry:
    """A component's outline in the scene CRS (``crop`` is its mask, top-left at row, col)."""
    crop = fill_small_holes(crop, hole_pixels)
    transform = scene.transform * Affine.translation(col, row)
    parts = [shape(g) for g, _ in shapes(crop, mask=crop.astype(bool), connectivity=8, transform=transform)]
    return shapely.union_all(parts)


def _screen_pixels(scene: Scene, min_area_m2: float) -> int:
    """Components smaller than this many pixels cannot reach the minimum area."""
    if CRS.from_user_input(scene.crs).is_geographic:
        return 1
    pixel_area = abs(scene.transform.a * scene.transform.e - scene.transform.b * scene.transform.d)
    return max(1, int(0.8 * min_area_m2 / pixel_area))


def build_patches(
    scene: Scene,
    pixels: SoilPixels,
    thresholds: Thresholds,
    min_area_m2: float,
    kind_of: Callable[[int], str],
    kind: str | None = None,
) -> list[DustPatch]:
    """Patches of at least ``min_area_m2`` (geodesic), largest first.

    Components are labelled on a uint8 mask of the bare pixels' bounding box (OpenCV,
    8-connectivity); each one big enough is vectorised from its own crop.
    """
    if not len(pixels):
        return []
    r0, c0 = int(pixels.rows.min()), int(pixels.cols.min())
    h, w = int(pixels.rows.max()) - r0 + 1, int(pixels.cols.max()) - c0 + 1
    mask = np.zeros((h, w), np.uint8)
    mask[pixels.rows - r0, pixels.cols - c0] = 1
    count, labels_, stats_, centroids = cv2.connectedComponentsWithStats(
        mask, connectivity=8, ltype=cv2.CV_32S
    )
    labels: NDArray[np.int32] = np.asarray(labels_, np.int32)
    stats: NDArray[np.int32] = np.asarray(stats_, np.int32)
    del mask
    screen = _screen_pixels(scene, min_area_m2)
    kept = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= screen)
    kept = kept[kept != 0]
    if not len(kept):
        return []
    label = labels[pixels.rows - r0, pixels.cols - c0]
    n = np.bincount(label, minlength=count).astype(np.float64)
    mean_bsi = np.bincount(label, weights=pixels.bsi, minlength=count) / np.maximum(n, 1)
    mean_ndvi = np.bincount(label, weights=pixels.ndvi, minlength=count) / np.maximum(n, 1)
    codes = _majority_codes(label, pixels.landcover, kept, count)
    lon, lat = pixel_centres_to_lonlat(
        centroids[kept, 1] + r0, centroids[kept, 0] + c0, scene.transform, scene.crs
    )
    found: list[DustPatch] = []
    with rasterio.Env():  # one GDAL environment for every shapes() call
        outlines = [_patch(scene, labels, stats, k, (r0, c0), screen, min_area_m2) for k in kept.tolist()]
    for i, k in enumerate(kept.tolist()):
        patch = outlines[i]
        if patch is None:
            continue
        polygon, area = patch
        found.append(
            DustPatch(
                lon=float(lon[i]),
                lat=float(lat[i]),
                area_m2=area,
                pixels=int(stats[k, cv2.CC_STAT_AREA]),
                kind=kind or kind_of(int(codes[i])),
                score=patch_score(float(mean_bsi[k]), float(mean_ndvi[k]), thresholds),
                mean_bsi=float(mean_bsi[k]),
                mean_ndvi=float(mean_ndvi[k]),
                landcover=int(codes[i]),
                polygon=polygon,
            )
        )
    found.sort(key=lambda p: (-p.area_m2, p.lat, p.lon))
    return found


def _patch(
    scene: Scene,
    labels: NDArray[np.int32],
    stats: NDArray[np.int32],
    k: int,
    origin: tuple[int, int],
    holes: int,
    min_area_m2: float,
) -> tuple[BaseGeometry, float] | None:
    """Component ``k``'s WGS84 polygon and geodesic area (None below the minimum area)."""
    x, y, bw, bh = (int(v) for v in stats[k, :4])
    crop = (labels[y : y + bh, x : x + bw] == k).astype(np.uint8)
    polygon = reproject_to_wgs84(_outline(scene, crop, y + origin[0], x + origin[1], holes), scene.crs)
    area = geo.area_m2(polygon)
    return None if area < min_area_m2 else (polygon, area)


def _majority_codes(
    label: NDArray[np.int32], codes: NDArray[np.uint8], kept: NDArray[np.intp], count: int
) -> NDArray[np.intp]:
    """The most frequent land-cover code of each kept component."""
    rank = np.full(count, -1, np.int64)
    rank[kept] = np.arange(len(kept))
    r = rank[label]
    sel = r >= 0
    table = np.bincount(r[sel] * 256 + codes[sel], minlength=len(kept) * 256).reshape(len(kept), 256)
    out: NDArray[np.intp] = table.argmax(axis=1)
    return out
