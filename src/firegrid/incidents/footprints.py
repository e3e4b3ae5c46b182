"""What each detection covers on the ground (WGS84), for fusing detections of one fire.

* satellite pixel: a scan x track rectangle around the pixel centre (FIRMS gives both; a
  scene pixel is square);
* geostationary pixel (~2-4 km over China): its east-west x north-south extent widened on every side
  by ``GEO_LOCATION_MARGIN_M`` (navigation error and terrain parallax: a pixel on a 1.5 km high
  plateau seen at 53° moves ~2 km towards the satellite);
* camera: the bearing cone (azimuth ± 2σ, from the near to the far edge of the range where the
  smoke base can be) or, when triangulated, a circle of the fix's uncertainty — written into the
  detection's ``attrs["footprint"]`` by the camera path;
* drone: the box projected on the ground (``attrs["footprint"]``), else a small circle;
* dust patch: its polygon (``attrs["polygon"]``);
* inspector GPS and anything else: a circle of the position's uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from firegrid import geo

MIN_RADIUS_M = 15.0
GEO_LOCATION_MARGIN_M = 1000.0
SATELLITE_KINDS = ("satellite_product", "satellite_scene", "satellite_geo")


def rectangle(lon: float, lat: float, width_m: float, height_m: float) -> Polygon:
    """An east-west ``width_m`` by north-south ``height_m`` rectangle centred on the point."""
    east, _, _ = geo.GEOD.fwd(lon, lat, 90, width_m / 2)
    west, _, _ = geo.GEOD.fwd(lon, lat, 270, width_m / 2)
    _, north, _ = geo.GEOD.fwd(lon, lat, 0, height_m / 2)
    _, south, _ = geo.GEOD.fwd(lon, lat, 180, height_m / 2)
    return shapely.box(west, south, east, north)


def sector(
    lon: float,
    lat: float,
    azimuth_deg: float,
    half_angle_deg: float,
    near_m: float,
    far_m: float,
    steps: int = 12,
) -> Polygon:
    """The part of a ring around (lon, lat) between two bearings: a camera's view of the smoke base."""
    angles = np.linspace(azimuth_deg - half_angle_deg, azimuth_deg + half_angle_deg, steps)
    far = geo.GEOD.fwd(np.full(steps, lon), np.full(steps, lat), angles, np.full(steps, far_m))
    if near_m > 0:
        near = geo.GEOD.fwd(np.full(steps, lon), np.full(steps, lat), angles[::-1], np.full(steps, near_m))
        ring = list(zip(far[0], far[1], strict=True)) + list(zip(near[0], near[1], strict=True))
    else:
        ring = [(lon, lat), *zip(far[0], far[1], strict=True)]
    return Polygon(ring)


def _number(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def footprint_of(row: Mapping[str, Any]) -> BaseGeometry:
    """The footprint of one detection (a ``Detections.rows()`` / table-row-like mapping)."""
    attrs = row.get("attrs") or {}
    for key in ("footprint", "polygon"):
        if isinstance(attrs.get(key), dict):
            return shape(attrs[key])
    lon, lat = float(row["lon"]), float(row["lat"])
    scan, track = _number(row.get("scan_m")), _number(row.get("track_m"))
    margin = 2 * GEO_LOCATION_MARGIN_M if row.get("source_kind") == "satellite_geo" else 0.0
    if row.get("source_kind") in SATELLITE_KINDS and not (math.isnan(scan) or math.isnan(track)):
        return rectangle(lon, lat, scan + margin, track + margin)
    size = _number(row.get("footprint_m"))
    radius = MIN_RADIUS_M if math.isnan(size) else max(MIN_RADIUS_M, size / 2)
    if row.get("source_kind") in SATELLITE_KINDS:
        return rectangle(lon, lat, 2 * radius + margin, 2 * radius + margin)
    return geo.circle(lon, lat, radius, 24)


def camera_footprint(
    camera_lon: float,
    camera_lat: float,
    azimuth_deg: float,
    sigma_deg: float,
    distance_m: float,
    uncertainty_m: float,
    method: str,
    lon: float,
    lat: float,
) -> BaseGeometry:
    """A triangulated fix's circle, else the bearing cone along the located range."""
    if method == "triangulated":
        return geo.circle(lon, lat, max(MIN_RADIUS_M, uncertainty_m), 24)
    near = max(0.0, distance_m - uncertainty_m)
    far = distance_m + uncertainty_m
    return sector(camera_lon, camera_lat, azimuth_deg, max(2 * sigma_deg, 0.5), near, far)
