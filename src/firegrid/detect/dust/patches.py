"""Bare pixels -> 8-connected patches with geodesic area -> WGS84 outlines when needed.

Components and their statistics come from ``components`` (one labelling, sparse sums;
enclosed gaps smaller than a reportable patch - speckle inside a bare field - belong to
the patch). A patch's area is its pixel count, gaps included, times the geodesic area of
a grid cell at its centroid (``imagery.cells``: cells measured with ``pyproj.Geod`` -
never in the scene's projected units, never in Web Mercator). Its outline is vectorised
from its own crop with ``rasterio.features.shapes`` (gaps filled) and reprojected with
pyproj the first time it is asked for: only patches that become detections need one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import cv2
import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS
from rasterio.features import shapes
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from firegrid.detect.dust.baresoil import SoilPixels
from firegrid.detect.dust.components import label_pixels
from firegrid.detect.dust.thresholds import Thresholds
from firegrid.imagery.cells import CellAreas
from firegrid.imagery.georef import pixel_centres_to_lonlat
from firegrid.imagery.scene import Scene
from firegrid.vector import reproject_to_wgs84


@dataclass
class Outline:
    """What a patch's outline is traced from: its mask on its box (gaps not yet filled)."""

    scene: Scene
    crop: NDArray[np.uint8]
    row: int
    col: int
    holes: int  # fill enclosed gaps up to this many pixels

    def polygon(self) -> BaseGeometry:
        """The WGS84 outline (``rasterio.features.shapes`` on the filled crop, reprojected)."""
        return reproject_to_wgs84(
            _outline(self.scene, self.crop, self.row, self.col, self.holes), self.scene.crs
        )


@dataclass
class DustPatch:
    """One bare patch: where, how big, what it probably is, how sure (its outline on demand)."""

    lon: float
    lat: float
    area_m2: float
    pixels: int
    kind: str  # bare_land, cropland, built_up, new_bare_land
    score: float  # 0.5 (at the thresholds) .. 1.0 (clearly bare)
    mean_bsi: float
    mean_ndvi: float
    landcover: int
    outline: Outline = field(repr=False, compare=False)

    @cached_property
    def polygon(self) -> BaseGeometry:
        """WGS84 lon/lat outline (traced the first time it is asked for)."""
        return self.outline.polygon()

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

    A patch's area is its pixel count, enclosed gaps included, times the geodesic area of
    a grid cell at its centroid (``imagery.cells``); its outline is traced only when asked
    for (``DustPatch.polygon``: the patches that become detections).
    """
    if not len(pixels):
        return []
    screen = _screen_pixels(scene, min_area_m2)
    comps = label_pixels(pixels.rows, pixels.cols, screen, screen)
    if not len(comps.kept):
        return []
    label, kept = comps.label, comps.kept
    count = int(kept.max()) + 1
    n = np.bincount(label, minlength=count).astype(np.float64)
    r0, c0 = int(pixels.rows.min()), int(pixels.cols.min())
    mean_row = (
        np.bincount(label, weights=np.subtract(pixels.rows, r0, dtype=np.float64), minlength=count)[kept]
        / n[kept]
        + r0
    )
    mean_col = (
        np.bincount(label, weights=np.subtract(pixels.cols, c0, dtype=np.float64), minlength=count)[kept]
        / n[kept]
        + c0
    )
    mean_bsi = np.bincount(label, weights=pixels.bsi, minlength=count)[kept] / n[kept]
    mean_ndvi = np.bincount(label, weights=pixels.ndvi, minlength=count)[kept] / n[kept]
    area = (comps.pixels + comps.holes) * CellAreas(scene).at(mean_row, mean_col)
    codes = (
        _majority_codes(label, pixels.landcover, kept, count)
        if pixels.landcover.any()
        else np.zeros(len(kept), np.intp)
    )
    lon, lat = pixel_centres_to_lonlat(mean_row, mean_col, scene.transform, scene.crs)
    found = [
        DustPatch(
            lon=float(lon[i]),
            lat=float(lat[i]),
            area_m2=float(area[i]),
            pixels=int(comps.pixels[i]),
            kind=kind or kind_of(int(codes[i])),
            score=patch_score(float(mean_bsi[i]), float(mean_ndvi[i]), thresholds),
            mean_bsi=float(mean_bsi[i]),
            mean_ndvi=float(mean_ndvi[i]),
            landcover=int(codes[i]),
            outline=Outline(scene, comps.crops[i], int(comps.boxes[i, 0]), int(comps.boxes[i, 1]), screen),
        )
        for i in np.flatnonzero(area >= min_area_m2).tolist()
    ]
    found.sort(key=lambda p: (-p.area_m2, p.lat, p.lon))
    return found


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
