from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from firegrid import geo
from firegrid.cameras.config import CameraConfig, Preset, StreamConfig
from firegrid.cameras.geolocate import R_EFF, flat_ground_distance, locate, pixel_bearing
from firegrid.cameras.triangulate import Ray, triangulate

CAMERA = {
    "id": "tower",
    "lon": 112.5,
    "lat": 38.5,
    "mast_height_m": 30.0,
    "stream": StreamConfig(kind="file", url="x.mp4"),
    "range_max_m": 20_000,
}


def camera(**extra: object) -> CameraConfig:
    return CameraConfig(
        **{**CAMERA, "presets": [Preset(name="p", pan_deg=60, tilt_deg=-2, hfov_deg=40)], **extra}
    )


def test_centre_and_offset_pixels() -> None:
    preset = Preset(name="p", pan_deg=60, tilt_deg=-2, hfov_deg=40)
    centre = pixel_bearing(960, 540, 1920, 1080, preset)
    assert centre.azimuth_deg == pytest.approx(60) and centre.elevation_deg == pytest.approx(-2)
    f = 960 / math.tan(math.radians(20))
    right = pixel_bearing(960 + 300, 540, 1920, 1080, Preset(name="p", pan_deg=60, tilt_deg=0, hfov_deg=40))
    assert right.azimuth_deg == pytest.approx(60 + math.degrees(math.atan(300 / f)))
    edge = pixel_bearing(1920, 540, 1920, 1080, Preset(name="p", pan_deg=350, tilt_deg=0, hfov_deg=40))
    assert edge.azimuth_deg == pytest.approx(10.0)  # wraps past north


def test_flat_ground_point_within_a_metre() -> None:
    cam = camera()
    point = locate(cam, pixel_bearing(960, 540, 1920, 1080, cam.presets[0]))
    tan = math.tan(math.radians(2))
    expected = R_EFF * (tan - math.sqrt(tan * tan - 2 * 30 / R_EFF))  # curvature + refraction
    assert abs(expected - 30 / tan) < 2  # at 860 m the curvature term is tiny
    lon, lat, _ = geo.GEOD.fwd(112.5, 38.5, 60, expected)
    assert float(geo.distance_m(point.lon, point.lat, lon, lat)) < 1.0
    assert point.method == "flat" and 20 < point.uncertainty_m < 200


def test_ray_above_the_horizon_uses_the_assumed_range() -> None:
    assert flat_ground_distance(30, 1.0) is None
    cam = camera(range_max_m=5000)
    point = locate(
        cam, pixel_bearing(960, 100, 1920, 1080, Preset(name="p", pan_deg=0, tilt_deg=0, hfov_deg=40))
    )
    assert point.method == "assumed-range" and point.distance_m == 5000


def test_dem_shortens_the_range(tmp_path: Path) -> None:
    dem = tmp_path / "dem.tif"
    data = np.zeros((400, 400), np.float32)
    data[:, 200:] = 25.0  # a 25 m step further out
    with rasterio.open(
        dem,
        "w",
        driver="GTiff",
        width=400,
        height=400,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(112.48, 38.52, 0.0001, 0.0001),
    ) as ds:
        ds.write(data, 1)
    cam = camera(presets=[Preset(name="p", pan_deg=90, tilt_deg=-1, hfov_deg=40)])
    bearing = pixel_bearing(960, 540, 1920, 1080, cam.presets[0])
    flat = locate(cam, bearing)
    hill = locate(cam, bearing, dem)
    assert hill.method == "dem" and hill.distance_m < flat.distance_m


def test_two_bearings_meet_at_the_fire() -> None:
    fire = (112.55, 38.52)
    towers = [(112.50, 38.50), (112.60, 38.49)]
    rays = [Ray(lon, lat, geo.GEOD.inv(lon, lat, *fire)[0] % 360) for lon, lat in towers]
    fix = triangulate(rays)
    assert fix is not None and float(geo.distance_m(fix.lon, fix.lat, *fire)) < 1.0
    assert 10 < fix.uncertainty_m < 200 and fix.min_angle_deg > 15


def test_shallow_or_backward_crossings_are_refused() -> None:
    assert triangulate([Ray(112.5, 38.5, 45.0), Ray(112.51, 38.5, 50.0)]) is None  # 5 deg apart
    fire = (112.55, 38.52)
    towers = [(112.50, 38.50), (112.60, 38.49)]
    rays = [Ray(lon, lat, (geo.GEOD.inv(lon, lat, *fire)[0] + 180) % 360) for lon, lat in towers]
    assert triangulate(rays) is None  # the crossing is behind both cameras
    assert triangulate([Ray(112.5, 38.5, 10.0)]) is None
