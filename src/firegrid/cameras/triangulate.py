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

from firegrid.geo import GEOD


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
    """The best point for ``rays`` (None: fewer than 2 usable rays, parallel, or behind a camera).

    Solved in a local azimuthal-equidistant plane; the plane is re-centred on the first
    solution and the ray directions taken from geodesic points, so meridian convergence
    does not bias the fix (sub-metre at tens of km).
    """
    if len(rays) < 2:
        return None
    centre = (float(np.mean([r.lon for r in rays])), float(np.mean([r.lat for r in rays])))
    reach = np.full(len(rays), 1000.0)
    result = None
    for _ in range(3):
        result = _solve(rays, centre, reach)
        if result is None:
            return None
        point, along, angle = result
        if angle < min_angle_deg or (along <= 0).any() or (along > max_range_m).any():
            return None  # too shallow, behind a camera, or beyond range
        centre, reach = point, along
    assert result is not None
    (lon, lat), along, angle = result
    sigma = max(r * math.radians(ray.sigma_deg) for r, ray in zip(along, rays, strict=True))
    return Fix(lon, lat, float(sigma / math.sin(math.radians(angle))), float(angle))


def _solve(
    rays: Sequence[Ray], centre: tuple[float, float], reach: np.ndarray
) -> tuple[tuple[float, float], np.ndarray, float] | None:
    proj = f"+proj=aeqd +lat_0={centre[1]} +lon_0={centre[0]} +units=m"
    to_local = Transformer.from_crs(4326, proj, always_xy=True)
    lons, lats = [r.lon for r in rays], [r.lat for r in rays]
    far_lon, far_lat, _ = GEOD.fwd(lons, lats, [r.azimuth_deg for r in rays], np.maximum(reach, 100.0))
    origins = np.column_stack(to_local.transform(lons, lats))
    ends = np.column_stack(to_local.transform(far_lon, far_lat))
    dirs = ends - origins
    dirs /= np.linalg.norm(dirs, axis=1)[:, None]
    angle = _min_crossing_angle(dirs)
    a = np.zeros((2, 2))
    b = np.zeros(2)
    for origin, d in zip(origins, dirs, strict=True):
        projector = np.eye(2) - np.outer(d, d)
        a += projector
        b += projector @ origin
    if abs(np.linalg.det(a)) < 1e-9:
        return None
    point = np.linalg.solve(a, b)
    along = np.einsum("ij,ij->i", point - origins, dirs)  # distance of the fix along each ray
    lon, lat = Transformer.from_crs(proj, 4326, always_xy=True).transform(point[0], point[1])
    return (float(lon), float(lat)), along, angle


def _min_crossing_angle(dirs: np.ndarray) -> float:
    best = 180.0
    for i in range(len(dirs)):
        for j in range(i + 1, len(dirs)):
            cos = float(np.clip(abs(dirs[i] @ dirs[j]), 0.0, 1.0))
            best = min(best, math.degrees(math.acos(cos)))
    return best
