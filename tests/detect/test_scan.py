"""Scans of real and synthetic scenes: fires found where they are, none where there are none."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.satellite.scan import scan_scene
from firegrid.imagery.open import open_scene
from tests.imagery.helpers import synthetic_landsat, write_band

MODELS = default_models_dir()
CROP = "satellite/landsat8_fire_crop"


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("detector", "pixels", "points"), [("landsat-schroeder2016", 284, 50), ("landsat-goli2018", 443, 50)]
)
def test_real_landsat_crop_fires_lie_on_high_swir_ratios(
    shared_data: Path, detector: str, pixels: int, points: int
) -> None:
    """Counts checked by eye on docs/images/landsat8_fire_crop_quicklook.jpg (fronts along burn scars)."""
    scene = open_scene(shared_data / CROP)
    result = scan_scene(scene, make_detector("landsat", MODELS, detector), window_size=128)
    assert (len(result.pixels), len(result.clusters)) == (pixels, points)
    with (
        rasterio.open(shared_data / CROP / "band7.tif") as ds7,
        rasterio.open(shared_data / CROP / "band5.tif") as ds5,
    ):
        ratio = ds7.read(1) / ds5.read(1)
    background = np.median(ratio)
    for cluster in result.clusters:
        r, c = round(cluster.row), round(cluster.col)
        near = ratio[max(0, r - 2) : r + 3, max(0, c - 2) : c + 3]
        assert near.max() > 2 * background  # every point sits on a B7/B5 ratio twice the scene's median
    assert all(132.3 < lon < 132.5 for lon in result.lon) and all(-12.9 < lat < -12.6 for lat in result.lat)


@pytest.mark.shared_data
@pytest.mark.parametrize("date", range(5))
def test_real_sentinel2_scenes_have_no_fires(shared_data: Path, tmp_path: Path, date: int) -> None:
    """eo-learn's 5 dates over Slovenia (cloudy, hazy, 3 clear): zero fire pixels."""
    folder = shared_data / "satellite" / "sentinel2_l1c_eolearn"
    scenes = np.load(folder / "REFERENCE_SCENES.npy")
    outline = json.loads((folder / "bbox.geojson").read_text())["coordinates"][0]
    x0, y1 = min(p[0] for p in outline), max(p[1] for p in outline)
    names = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
    for i, name in enumerate(names):
        write_band(tmp_path / f"{name}.tif", scenes[date, :, :, i], crs="EPSG:32633", x0=x0, y0=y1, res=10.0)
    scene = open_scene(tmp_path)
    result = scan_scene(scene, make_detector("sentinel2", MODELS))
    assert scene.sensor == "sentinel2" and len(result.pixels) == 0


@pytest.mark.parametrize("detector", ["landsat-schroeder2016", "landsat-goli2018", "sentinel2-hotmap"])
def test_windows_equal_the_whole_scene_bit_for_bit(tmp_path: Path, detector: str) -> None:
    shape = (300, 260)
    fires = [(r, c) for r in (63, 64, 127, 128, 191) for c in (0, 63, 64, 65, 128, 259)] + [
        (0, 100),
        (299, 5),
    ]
    bands = synthetic_landsat(shape, fires)
    if detector.startswith("sentinel2"):
        bands = {"B8A": bands["b5"], "B11": bands["b6"], "B12": bands["b7"] * 1.4}
    for name, data in bands.items():
        write_band(tmp_path / f"{name}.tif", data)
    scene = open_scene(tmp_path)
    det = make_detector(scene.sensor, MODELS, detector)
    whole = scan_scene(scene, det, window_size=1000)
    assert len(whole.pixels) >= 10 and {63, 64} & set(whole.pixels.rows.tolist())  # fires on window borders
    for size in (64, 37):
        windowed = scan_scene(scene, det, window_size=size)
        assert windowed.windows > 4
        for column in ("rows", "cols", "confidence", "saturated", "swir"):
            assert np.array_equal(
                getattr(windowed.pixels, column), getattr(whole.pixels, column), equal_nan=True
            )
        assert windowed.clusters == whole.clusters


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_scene_without_crs_is_refused(tmp_path: Path) -> None:
    from firegrid.errors import InputError

    with rasterio.open(
        tmp_path / "band7.tif",
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="float32",
        transform=from_origin(0, 0, 1, 1),
    ) as ds:
        ds.write(np.zeros((2, 2), np.float32), 1)
    with pytest.raises(InputError, match="no CRS"):
        open_scene(tmp_path)
