"""Intersect bearings from two or more cameras into one point with an uncertainty.

Bearings are projected into a local azimuthal-equidistant plane around the cameras; the
point minimising the squared perpendicular distances to all rays is solved in closed form.
Pairs crossing at less than ``min_angle_deg`` (default 15 deg) are rejected: their
geometric dilution of precision is too large.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer


@dataclass(frozen=True)
class Ray:
    """A camera position (WGS84) and a bearing (deg from true north), with its 1-sigma error."""

    lon: float
    lat: float
    azimuth_deg: float
    sigma_deg: float = 0.5


@dataclass(frozen=True)
class Fix:
    """A triangulated point, its uncertainty (m) and the smallest crossing angle used."""

    lon: float
    lat: float
    uncertainty_m: float
    min_angle_deg: float


def triangulate(
    rays: Sequence[Ray], min_angle_deg: float = 15.0, max_range_m: float = 35_000.0
) -> Fix | None:
    """The best point for ``rays`` (None: fewer than 2 usable rays, parallel, or behind a camera)."""
    if len(rays) < 2:
        return None
    lon0 = float(np.mean([r.lon for r in rays]))
    lat0 = float(np.mean([r.lat for r in rays]))
    to_local = Transformer.from_crs(4326, f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +units=m", always_xy=True)
    xs, ys = to_local.transform([r.lon for r in rays], [r.lat for r in rays])
    origins = np.column_stack([xs, ys])
    dirs = np.array(
        [[math.sin(math.radians(r.azimuth_deg)), math.cos(math.radians(r.azimuth_deg))] for r in rays]
    )
    angle = _min_crossing_angle(dirs)
    if angle < min_angle_deg:
        return None
    a = np.zeros((2, 2))
    b = np.zeros(2)
    for origin, d in zip(origins, dirs, strict=True):
        projector = np.eye(2) - np.outer(d, d)
        a += projector
        b += projector @ origin
    point = np.linalg.solve(a, b)
    along = np.einsum("ij,ij->i", point - origins, dirs)  # distance of the fix along each ray
    if (along <= 0).any() or (along > max_range_m).any():
        return None  # the fix lies behind a camera or beyond its range
    sigma = max(r * math.radians(ray.sigma_deg) for r, ray in zip(along, rays, strict=True))
    uncertainty = sigma / math.sin(math.radians(angle))
    lon, lat = Transformer.from_crs(
        f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +units=m", 4326, always_xy=True
    ).transform(point[0], point[1])
    return Fix(float(lon), float(lat), float(uncertainty), float(angle))


def _min_crossing_angle(dirs: np.ndarray) -> float:
    best = 180.0
    for i in range(len(dirs)):
        for j in range(i + 1, len(dirs)):
            cos = float(np.clip(abs(dirs[i] @ dirs[j]), 0.0, 1.0))
            best = min(best, math.degrees(math.acos(cos)))
    return best
