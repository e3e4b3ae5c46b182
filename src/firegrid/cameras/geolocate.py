"""From a pixel of a camera image to a bearing, and from a bearing to a place on the ground.

Angles: the pixel's ray is rotated by the preset's tilt (about the camera's right axis)
and pan (about the vertical, clockwise from true north). Range: the ray meets flat ground
at the camera's ground elevation, with Earth curvature and refraction
(``R_eff = R / (1 - k)``, k = 0.13), or a DEM (``GeoTIFF`` heights) when given. The smoke
*base* (the bottom centre of its box) is what is located.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from firegrid import geo
from firegrid.cameras.config import CameraConfig, Preset

REFRACTION_K = 0.13
R_EFF = geo.EARTH_RADIUS_M / (1 - REFRACTION_K)


@dataclass(frozen=True)
class Bearing:
    """Where a pixel looks: azimuth (deg from true north) and elevation (deg above horizontal)."""

    azimuth_deg: float
    elevation_deg: float


@dataclass(frozen=True)
class GroundPoint:
    """A located point; ``method`` is ``flat``, ``dem`` or ``assumed-range`` (ray above the horizon)."""

    lon: float
    lat: float
    distance_m: float
    uncertainty_m: float
    method: str


def horizon_row(width: int, height: int, preset: Preset) -> float:
    """Image row of the horizontal (elevation 0) at the image centre; may lie outside the image."""
    f = (width / 2) / math.tan(math.radians(preset.hfov_deg) / 2)
    return height / 2 + f * math.tan(math.radians(preset.tilt_deg))


def pixel_bearing(x: float, y: float, width: int, height: int, preset: Preset) -> Bearing:
    """Azimuth/elevation of image pixel (x, y) for a preset (square pixels, pinhole model)."""
    f = (width / 2) / math.tan(math.radians(preset.hfov_deg) / 2)
    right, down = x - width / 2, y - height / 2
    tilt, pan = math.radians(preset.tilt_deg), math.radians(preset.pan_deg)
    # camera frame: forward = north, right = east, up = up; then tilt about east, pan about up
    fwd_n, fwd_u = (
        f * math.cos(tilt) - (-down) * math.sin(tilt),
        f * math.sin(tilt) + (-down) * math.cos(tilt),
    )
    east0, north0 = right, fwd_n
    east = east0 * math.cos(pan) + north0 * math.sin(pan)
    north = -east0 * math.sin(pan) + north0 * math.cos(pan)
    azimuth = math.degrees(math.atan2(east, north)) % 360.0
    elevation = math.degrees(math.atan2(fwd_u, math.hypot(east, north)))
    return Bearing(azimuth, elevation)


def flat_ground_distance(height_m: float, elevation_deg: float) -> float | None:
    """Horizontal distance where a ray from ``height_m`` meets the curved ground (None: it never does)."""
    tan_el = math.tan(math.radians(elevation_deg))
    if tan_el >= 0:
        return None
    disc = tan_el * tan_el - 2 * height_m / R_EFF
    if disc < 0:
        return None
    return R_EFF * (-tan_el - math.sqrt(disc))


def dem_distance(
    camera: CameraConfig, bearing: Bearing, dem_path: Path, step_m: float = 15.0
) -> float | None:
    """March the ray over a DEM; the first horizontal distance where it is at or below the terrain."""
    from pyproj import Transformer

    from firegrid.files.gate import open_raster

    eye = camera.ground_elevation_m + camera.mast_height_m
    tan_el = math.tan(math.radians(bearing.elevation_deg))
    distances = np.arange(step_m, camera.range_max_m + step_m, step_m)
    n = len(distances)
    lons, lats, _ = geo.GEOD.fwd(
        np.full(n, camera.lon), np.full(n, camera.lat), np.full(n, bearing.azimuth_deg), distances
    )
    with open_raster(dem_path) as dem:
        xs, ys = Transformer.from_crs(4326, dem.crs, always_xy=True).transform(lons, lats)
        terrain = np.array([v[0] for v in dem.sample(zip(xs, ys, strict=True))], dtype=np.float64)
        if dem.nodata is not None:
            terrain[terrain == dem.nodata] = np.nan
    ray = eye + distances * tan_el - distances**2 / (2 * R_EFF)
    hit = np.flatnonzero(ray <= terrain)
    return float(distances[hit[0]]) if len(hit) else None


def locate(camera: CameraConfig, bearing: Bearing, dem_path: Path | None = None) -> GroundPoint:
    """The ground point of a bearing, with an uncertainty from the angular errors."""
    nominal, method = _distance(camera, bearing, dem_path)
    lon, lat, _ = geo.GEOD.fwd(camera.lon, camera.lat, bearing.azimuth_deg, nominal)
    spread = [nominal * math.radians(camera.azimuth_sigma_deg)]  # across the line of sight
    for delta in (-camera.elevation_sigma_deg, camera.elevation_sigma_deg):  # along it
        other, _ = _distance(camera, Bearing(bearing.azimuth_deg, bearing.elevation_deg + delta), dem_path)
        spread.append(abs(other - nominal))
    return GroundPoint(float(lon), float(lat), nominal, float(math.hypot(spread[0], max(spread[1:]))), method)


def _distance(camera: CameraConfig, bearing: Bearing, dem_path: Path | None) -> tuple[float, str]:
    if dem_path is not None:
        d = dem_distance(camera, bearing, dem_path)
        if d is not None:
            return d, "dem"
    d = flat_ground_distance(camera.mast_height_m, bearing.elevation_deg)
    if d is not None and d <= camera.range_max_m:
        return d, "flat"
    return camera.range_max_m, "assumed-range"
