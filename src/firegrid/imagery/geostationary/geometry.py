"""Viewing and solar geometry of geostationary pixels, and their footprints on the ground.

* Viewing zenith/azimuth and slant range from the satellite's sub-satellite longitude and height
  above the ellipsoid (ECEF vectors; the satellite is on the equator).
* Solar zenith/azimuth from pyorbital (``get_alt_az``: azimuth clockwise from north).
* Sun-glint angle: the angle between the view direction and the specular reflection of the sun,
  ``cos θg = cos θv cos θs + sin θv sin θs cos φ`` with φ the azimuth difference between the
  satellite and the sun's reflection (as used by Giglio et al. 2003).
* Footprint: adjacent pixel centres span a parallelogram on the ground (finite differences of the
  ECEF positions); its area is ``|Δx × Δy|``, equal to ``Ω·d² / cos θv`` for a pixel of solid angle
  Ω seen from slant range d at viewing zenith θv (the formula in ``docs/geostationary.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Satellite:
    """Where the imager is: sub-satellite longitude (deg), height above the ellipsoid (m), ellipsoid."""

    sub_lon: float
    height_m: float
    a_m: float = 6_378_137.0
    b_m: float = 6_356_752.31414


def ground_ecef(lon: F64, lat: F64, sat: Satellite) -> F64:
    """ECEF (…, 3) of points on the ellipsoid."""
    lo, la = np.radians(lon), np.radians(lat)
    e2 = 1.0 - (sat.b_m / sat.a_m) ** 2
    n = sat.a_m / np.sqrt(1.0 - e2 * np.sin(la) ** 2)
    return np.stack(
        (n * np.cos(la) * np.cos(lo), n * np.cos(la) * np.sin(lo), n * (1.0 - e2) * np.sin(la)), axis=-1
    )


def _local_axes(lon: F64, lat: F64) -> tuple[F64, F64, F64]:
    lo, la = np.radians(lon), np.radians(lat)
    east = np.stack((-np.sin(lo), np.cos(lo), np.zeros_like(lo)), axis=-1)
    north = np.stack((-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)), axis=-1)
    up = np.stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)), axis=-1)
    return east, north, up


def viewing(lon: F64, lat: F64, sat: Satellite) -> tuple[F64, F64, F64]:
    """(viewing zenith deg, viewing azimuth deg clockwise from north, slant range m) per pixel."""
    radius = sat.a_m + sat.height_m
    s = np.radians(sat.sub_lon)
    sat_xyz = np.array([radius * np.cos(s), radius * np.sin(s), 0.0])
    v = sat_xyz - ground_ecef(lon, lat, sat)
    d = np.linalg.norm(v, axis=-1)
    east, north, up = _local_axes(lon, lat)
    cos_z = np.clip(np.sum(v * up, axis=-1) / d, -1.0, 1.0)
    azimuth = np.degrees(np.arctan2(np.sum(v * east, axis=-1), np.sum(v * north, axis=-1))) % 360.0
    return np.degrees(np.arccos(cos_z)), azimuth, d


def sun(lon: F64, lat: F64, when: datetime) -> tuple[F64, F64]:
    """(solar zenith deg, solar azimuth deg clockwise from north) per pixel at ``when`` (UTC)."""
    from pyorbital.astronomy import get_alt_az

    naive = when.astimezone(UTC).replace(tzinfo=None)
    alt, az = get_alt_az(naive, lon, lat)
    return np.asarray(90.0 - np.degrees(alt), np.float64), np.asarray(np.degrees(az) % 360.0, np.float64)


def glint_angle(sza: F64, saz: F64, vza: F64, vaz: F64) -> F64:
    """Angle (deg) between the view direction and the sun's specular reflection on a flat surface."""
    ts, tv = np.radians(sza), np.radians(vza)
    # the reflected ray leaves at the sun's zenith angle, in the azimuth opposite the sun
    phi = np.radians(vaz - (saz + 180.0))
    cos_g = np.cos(tv) * np.cos(ts) + np.sin(tv) * np.sin(ts) * np.cos(phi)
    return np.asarray(np.degrees(np.arccos(np.clip(cos_g, -1.0, 1.0))), np.float64)


def footprint(lon: F64, lat: F64, sat: Satellite) -> tuple[F64, F64, F64]:
    """(area km², east-west extent m, north-south extent m) of each pixel from its neighbours."""
    xyz = ground_ecef(lon, lat, sat)
    if min(xyz.shape[0], xyz.shape[1]) < 2:
        raise ValueError(f"a footprint needs at least 2 x 2 pixels, got {xyz.shape[:2]}")
    dy = np.gradient(xyz, axis=0)  # one row down
    dx = np.gradient(xyz, axis=1)  # one column right
    area = np.linalg.norm(np.cross(dx, dy), axis=-1) / 1e6
    east, north, _ = _local_axes(lon, lat)
    ew = np.abs(np.sum(dx * east, axis=-1)) + np.abs(np.sum(dy * east, axis=-1))
    ns = np.abs(np.sum(dx * north, axis=-1)) + np.abs(np.sum(dy * north, axis=-1))
    return area, ew, ns
