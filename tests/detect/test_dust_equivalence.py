"""The prefiltered, vectorised bare-soil pass: the dense graph's masks, traced outlines' areas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from affine import Affine

from firegrid import geo
from firegrid.detect.dust.baresoil import BareSoilDetector, SoilPixels
from firegrid.detect.dust.params import DustParams
from firegrid.detect.dust.patches import build_patches
from firegrid.detect.dust.scan import first_pass, scan_bare_soil
from firegrid.detect.dust.thresholds import Thresholds
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.imagery.scene import BandSource, Scene
from tests.detect.dense_dust import dense_bare, traced_patches
from tests.detect.dust_helpers import farmland

MODELS = default_models_dir()


def memory_scene(
    bands: dict[str, np.ndarray], crs: str = "EPSG:32649", transform: Affine | None = None
) -> Scene:
    h, w = next(iter(bands.values())).shape
    return Scene(
        "farmland",
        "sentinel2",
        "Sentinel-2A",
        None,
        w,
        h,
        transform or Affine(10, 0, 790_000, 0, -10, 4_300_000),  # far east in its zone: cells are not 100 m2
        crs,
        {k: BandSource(f"memory:{k}", array=v) for k, v in bands.items()},
        "corrected",
        "memory",
    )


@pytest.fixture(scope="module")
def detector() -> BareSoilDetector:
    return BareSoilDetector(MODELS)


@pytest.mark.parametrize("seed", [0, 1])
def test_windowed_prefiltered_pass_gives_the_dense_mask(detector: BareSoilDetector, seed: int) -> None:
    bands = farmland((230, 250), seed)
    scene = memory_scene(bands)
    result = first_pass(scene, detector, DustParams(), window_size=64)
    bare = result.bare()
    expected = dense_bare(detector.model, bands, result.thresholds)
    got = np.zeros(expected.shape, bool)
    got[bare.rows, bare.cols] = True
    assert expected.sum() > 5000 and np.array_equal(got, expected)
    assert len(result.candidates) < 1.1 * expected.sum()  # built-up (BSI ~0.03) is not a candidate any more


def pixels_of(mask: np.ndarray) -> SoilPixels:
    rows, cols = np.nonzero(mask)
    n = len(rows)
    ones = np.full(n, 0.3, np.float32)
    return SoilPixels(
        rows.astype(np.int64), cols.astype(np.int64), ones, ones * 0, ones, np.zeros(n, np.uint8)
    )


@pytest.mark.parametrize(
    ("crs", "transform", "min_area", "holes"),
    [
        ("EPSG:32649", Affine(10, 0, 790_000, 0, -10, 4_300_000), 1000.0, 8),  # the scan's rule at 10 m
        ("EPSG:32649", Affine(10, 0, 790_000, 0, -10, 4_300_000), 2000.0, 16),  # change detection's
        ("EPSG:32649", Affine(30, 0, 240_000, 0, -30, 4_600_000), 1000.0, 1),  # Landsat: 900 m2 pixels
        ("EPSG:4326", Affine(0.0001, 0, 112.5, 0, -0.0001, 39.0), 1000.0, 1),  # a lon/lat grid
    ],
    ids=["10m", "change", "30m", "lonlat"],
)
def test_pixel_count_areas_equal_traced_outline_areas(
    crs: str, transform: Affine, min_area: float, holes: int
) -> None:
    rng = np.random.default_rng(7)
    mask = np.repeat(np.repeat(rng.random((24, 26)) < 0.45, 9, axis=0), 9, axis=1)[:210, :230]
    mask &= rng.random(mask.shape) > 0.02  # speckle holes of one pixel, and some larger gaps
    mask[40:44, 40:44] = False
    mask[100:103, 10:13], mask[101, 11] = (
        False,
        True,
    )  # an island in a gap (a hole for the 16-pixel rule only)
    scene = memory_scene({"b4": np.zeros(mask.shape, np.float32)}, crs, transform)
    patches = build_patches(
        scene, pixels_of(mask), Thresholds(0.05, 0.25, "fixed"), min_area, lambda _: "bare_land"
    )
    traced = traced_patches(scene, mask, min_area, holes)
    assert len(patches) == len(traced) > 10
    got = sorted((p.pixels, p.area_m2) for p in patches)
    for (n, area), (n_traced, area_traced) in zip(got, traced, strict=True):
        assert n == n_traced and abs(area - area_traced) <= 1e-5 * area_traced
    for p in patches[:5]:
        assert abs(geo.area_m2(p.polygon) - p.area_m2) <= 1e-5 * p.area_m2  # the outline, traced on demand


def test_outlines_are_traced_only_when_asked_for(detector: BareSoilDetector, tmp_path: Path) -> None:
    result = scan_bare_soil(memory_scene(farmland((130, 140), 3, bare=0.15)), detector, DustParams())
    assert len(result.patches) >= 3
    assert all("polygon" not in vars(p) for p in result.patches)  # nothing traced by the scan itself
    assert "polygon" in result.patches[0].as_dict(with_polygon=True)
    assert "polygon" in vars(result.patches[0])
