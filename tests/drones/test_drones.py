"""Drone photos: the real DJI XT2 JPEG (pose, footprint, FLIR temperatures), GeoTIFFs, slicing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from firegrid import geo
from firegrid.detect.objects.boxes import Boxes
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.objects.slicer import sliced, tiles
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.drones.flir import read_thermal
from firegrid.drones.footprint import Projector
from firegrid.drones.images import ground_points, open_drone_image
from firegrid.drones.metadata import read_pose
from firegrid.errors import InputError
from tests.cli.test_cli import firegrid

DJI = "drone/DJI_0001_R.JPG"
PILE_BURN = (
    "drone/pileburn_yolo_train/images/1-Zenmuse_X4S_1_1_mp4-1103_jpg.rf.edcc07f9d7bffdfb9b054dbe56f3a6ab.jpg"
)


@pytest.mark.shared_data
def test_dji_pose_and_nadir_footprint(shared_data: Path) -> None:
    pose = read_pose(shared_data / DJI)
    assert (pose.relative_altitude_m, pose.gimbal_pitch_deg, pose.gimbal_yaw_deg) == (47.0, -90.0, 30.4)
    assert pose.lat == pytest.approx(23.0357, abs=1e-4) and pose.lon == pytest.approx(120.2778, abs=1e-4)
    assert (pose.model, pose.focal_length_mm, pose.sensor_width_mm) == ("XT2", 13.0, 10.88)
    projector = Projector.from_pose(pose)
    assert projector.gsd_m == pytest.approx(10.88 * 47 / (13 * 640))  # 6.1 cm per pixel
    footprint = projector.footprint()
    assert geo.area_m2(footprint) == pytest.approx((0.06146 * 640) * (0.06146 * 512), rel=0.01)
    centre = projector.to_ground([320], [256])
    assert float(geo.distance_m(centre[0][0], centre[1][0], pose.lon, pose.lat)) < 0.5  # nadir: straight down
    top = projector.to_ground([320], [0])  # image top points along the gimbal yaw
    assert geo.GEOD.inv(pose.lon, pose.lat, top[0][0], top[1][0])[0] == pytest.approx(30.4, abs=0.1)


@pytest.mark.shared_data
def test_flir_radiometric_temperatures(shared_data: Path) -> None:
    celsius, planck = read_thermal((shared_data / DJI).read_bytes())
    assert celsius.shape == (512, 640)
    assert planck.r1 > 0 and planck.b > 0 and planck.emissivity == pytest.approx(1.0)
    assert (
        5
        < float(np.percentile(celsius, 1))
        < float(np.median(celsius))
        < float(np.percentile(celsius, 99))
        < 60
    )


def test_oblique_projection() -> None:
    p = Projector(
        lon=112.5,
        lat=38.5,
        height_m=100,
        focal_px=500,
        width=640,
        height=480,
        yaw_deg=90,
        pitch_deg=-45,
        roll_deg=0,
    )
    lon, lat = p.to_ground([320], [240])
    azimuth, _, distance = geo.GEOD.inv(112.5, 38.5, lon[0], lat[0])
    assert distance == pytest.approx(100, rel=1e-3) and azimuth == pytest.approx(90, abs=0.01)
    sky_lon, _ = p.to_ground([320], [0])  # 25.6 deg above the line of sight: still below the horizon
    assert math.isfinite(sky_lon[0])
    up = Projector(112.5, 38.5, 100, 500, 640, 480, 0, 10, 0)  # looking above the horizon
    with pytest.raises(InputError, match="horizon"):
        up.footprint()


def test_geotiff_orthomosaic_boxes_get_map_coordinates(tmp_path: Path) -> None:
    image = np.full((3, 300, 300), 60, np.uint8)
    image[:, 130:170, 130:170] = np.array([250, 150, 30], np.uint8)[:, None, None]  # a flame-coloured patch
    path = tmp_path / "ortho.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=300,
        height=300,
        count=3,
        dtype="uint8",
        crs="EPSG:32649",
        transform=from_origin(500_000, 4_260_000, 0.1, 0.1),
    ) as ds:
        ds.write(image)
    drone = open_drone_image(path)
    model = ObjectModel(default_models_dir(), "fire-colour-baseline")
    boxes = sliced(model.detect, drone.image)
    assert len(boxes) >= 1
    ground = ground_points(drone, boxes)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(32649, 4326, always_xy=True).transform(500_000 + 15, 4_260_000 - 15)
    assert any(float(geo.distance_m(g["lon"], g["lat"], lon, lat)) < 3 for g in ground if g)


def test_sliced_inference_merges_tiles() -> None:
    assert tiles(1000, 500, 640, 0.2) == [(0, 0, 640, 500), (360, 0, 1000, 500)]
    calls = []

    def detect(tile: np.ndarray) -> Boxes:
        calls.append(tile.shape)
        # every tile reports the same object at image x 400..440 (tile coordinates differ)
        x0 = 400 - (0 if len(calls) == 1 else 360)
        return Boxes(
            np.array([[x0, 10, x0 + 40, 50]], np.float32), np.array([0.9], np.float32), np.zeros(1, np.int64)
        )

    merged = sliced(detect, np.zeros((500, 1000, 3), np.uint8), 640, 0.2)
    assert len(calls) == 2 and len(merged) == 1 and merged.xyxy[0].tolist() == [400, 10, 440, 50]
    calls.clear()
    whole = sliced(detect, np.zeros((500, 1000, 3), np.uint8), 0, 0.2)  # 0: a whole-frame model
    assert calls == [(500, 1000, 3)] and whole.xyxy[0].tolist() == [400, 10, 440, 50]


@pytest.mark.shared_data
def test_detect_image_cli(tmp_path: Path, shared_data: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    fire = shared_data / PILE_BURN  # a held-out drone frame: the default (learned) model, tiled
    out = firegrid(tmp_path, "detect-image", str(shared_data / DJI), str(bad), str(fire), "--json").stdout
    dji, broken, flame = (json.loads(line) for line in out.strip().splitlines())
    assert (
        dji["georeferenced"]
        and dji["pose"]["gimbal_yaw_deg"] == 30.4
        and dji["footprint"].startswith("POLYGON")
    )
    assert "not a readable image" in broken["error"]
    assert flame["boxes"] and {"fire", "smoke"} <= {b["class"] for b in flame["boxes"]}
    assert flame["model"]["name"] == "smoke-fire"
    assert flame["ground"] == [None] * len(flame["boxes"])  # a frame without GPS has no ground position
    refused = firegrid(
        tmp_path, "detect-image", str(fire), "--model", "fire-colour-baseline", "--ingest", check=False
    )
    assert refused.returncode != 0 and "cue" in refused.stderr  # the colour rule never pages
