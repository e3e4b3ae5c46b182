"""Bare pixels -> 8-connected patches -> WGS84 polygons with geodesic area.

Each connected component is vectorised on its own bounding box with
``rasterio.features.shapes`` (so a scene-sized mask is never built), reprojected to
WGS84 with pyproj and measured with ``pyproj.Geod`` (``geo.area_m2``) - never in the
scene's projected units, never in Web Mercator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
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
from firegrid.detect.pixels import components, groups
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


def _outline(scene: Scene, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> BaseGeometry:
    """The pixels' outline in the scene CRS."""
    r0, c0 = int(rows.min()), int(cols.min())
    crop = np.zeros((int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1), np.uint8)
    crop[rows - r0, cols - c0] = 1
    transform = scene.transform * Affine.translation(c0, r0)
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
    """Patches of at least ``min_area_m2`` (geodesic), largest first."""
    count, labels = components(pixels.rows, pixels.cols)
    screen = _screen_pixels(scene, min_area_m2)
    found: list[DustPatch] = []
    for idx in groups(labels, count):
        if len(idx) < screen:
            continue
        rows, cols = pixels.rows[idx], pixels.cols[idx]
        polygon = reproject_to_wgs84(_outline(scene, rows, cols), scene.crs)
        area = geo.area_m2(polygon)
        if area < min_area_m2:
            continue
        lon, lat = pixel_centres_to_lonlat([rows.mean()], [cols.mean()], scene.transform, scene.crs)
        codes = pixels.landcover[idx]
        code = int(np.bincount(codes).argmax()) if len(codes) else 0
        mean_bsi, mean_ndvi = float(pixels.bsi[idx].mean()), float(pixels.ndvi[idx].mean())
        found.append(
            DustPatch(
                lon=float(lon[0]),
                lat=float(lat[0]),
                area_m2=area,
                pixels=len(idx),
                kind=kind or kind_of(code),
                score=patch_score(mean_bsi, mean_ndvi, thresholds),
                mean_bsi=mean_bsi,
                mean_ndvi=mean_ndvi,
                landcover=code,
                polygon=polygon,
            )
        )
    found.sort(key=lambda p: (-p.area_m2, p.lat, p.lon))
    return found
