"""Pixel -> ground coordinates for a drone photo (nadir or oblique), on flat ground below take-off.

Camera model: pinhole with focal length in pixels ``f = focal_mm / sensor_width_mm x width``.
Orientation: pitch about the camera's right axis (-90 deg looks straight down), yaw about
the vertical (clockwise from true north), roll about the line of sight. Each pixel's ray
is intersected with the plane ``height_m`` below the camera; the ENU offset becomes
lon/lat geodesically. DJI's ``RelativeAltitude`` is above the *take-off point*, so give
the height above the ground under the drone when the terrain differs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import Polygon

from firegrid import geo
from firegrid.drones.metadata import DronePose
from firegrid.errors import InputError


@dataclass(frozen=True)
class Projector:
    """Maps image pixels of one photo to WGS84 ground points."""

    lon: float
    lat: float
    height_m: float
    focal_px: float
    width: int
    height: int
    yaw_deg: float
    pitch_deg: float
    roll_deg: float

    @classmethod
    def from_pose(cls, pose: DronePose, height_m: float | None = None) -> Projector:
        """From EXIF/XMP; ``height_m`` overrides the relative altitude."""
        h = height_m if height_m is not None else pose.relative_altitude_m
        missing = [
            n
            for n, v in (
                ("height", h),
                ("focal length", pose.focal_length_mm),
                ("sensor width", pose.sensor_width_mm),
                ("gimbal pitch", pose.gimbal_pitch_deg),
            )
            if v is None
        ]
        if missing:
            raise InputError(f"drone photo lacks {', '.join(missing)} to project pixels to the ground")
        assert (
            h is not None
            and pose.focal_length_mm
            and pose.sensor_width_mm
            and pose.gimbal_pitch_deg is not None
        )
        yaw = pose.gimbal_yaw_deg if pose.gimbal_yaw_deg is not None else (pose.flight_yaw_deg or 0.0)
        focal_px = pose.focal_length_mm / pose.sensor_width_mm * pose.width_px
        return cls(
            pose.lon,
            pose.lat,
            float(h),
            focal_px,
            pose.width_px,
            pose.height_px,
            yaw,
            pose.gimbal_pitch_deg,
            pose.gimbal_roll_deg,
        )

    @property
    def gsd_m(self) -> float:
        """Ground sample distance at the image centre for a nadir view (m per pixel)."""
        return self.height_m / self.focal_px

    def _rays(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        right, down, fwd = x - self.width / 2, y - self.height / 2, np.full_like(x, self.focal_px)
        roll, pitch, yaw = (math.radians(v) for v in (self.roll_deg, self.pitch_deg, self.yaw_deg))
        # roll about the line of sight
        r1 = right * math.cos(roll) - down * math.sin(roll)
        d1 = right * math.sin(roll) + down * math.cos(roll)
        # camera frame (east=right, north=forward, up=-down) pitched about east
        north = fwd * math.cos(pitch) - (-d1) * math.sin(pitch)
        up = fwd * math.sin(pitch) + (-d1) * math.cos(pitch)
        east = r1 * math.cos(yaw) + north * math.sin(yaw)
        north2 = -r1 * math.sin(yaw) + north * math.cos(yaw)
        return np.stack([east, north2, up])

    def to_ground(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lon/lat of pixels (NaN where the ray does not reach the ground)."""
        xs = np.atleast_1d(np.asarray(x, np.float64))
        ys = np.atleast_1d(np.asarray(y, np.float64))
        east, north, up = self._rays(xs, ys)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(up < -1e-9, self.height_m / -up, np.nan)
        de, dn = east * t, north * t
        distance = np.hypot(de, dn)
        azimuth = np.degrees(np.arctan2(de, dn))
        ok = np.isfinite(distance)
        lon = np.full(len(xs), np.nan)
        lat = np.full(len(xs), np.nan)
        if ok.any():
            lo, la, _ = geo.GEOD.fwd(
                np.full(ok.sum(), self.lon), np.full(ok.sum(), self.lat), azimuth[ok], distance[ok]
            )
            lon[ok], lat[ok] = lo, la
        return lon, lat

    def footprint(self) -> Polygon:
        """The ground polygon of the image corners (WGS84); ``InputError`` if a corner sees the sky."""
        lon, lat = self.to_ground([0, self.width, self.width, 0], [0, 0, self.height, self.height])
        if not np.isfinite(lon).all():
            raise InputError("the image reaches above the horizon: no closed ground footprint")
        return Polygon(zip(lon, lat, strict=True))
