"""Prefilters are strict supersets of the fire tests, so sparse evaluation loses nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from firegrid.detect.dust import indices
from firegrid.detect.satellite import equations, window_masks
from firegrid.detect.satellite.expr import evaluate

CASES = [
    (
        equations.schroeder,
        equations.schroeder_prefilter,
        ("unambiguous", "candidate"),
        "b1 b2 b3 b4 b5 b6 b7",
    ),
    (equations.goli, equations.goli_prefilter, ("eq12", "potential"), "b2 b3 b4 b5 b6 b7"),
    (equations.hotmap_s2, equations.hotmap_s2_prefilter, ("unambiguous",), "b8a b11 b12"),
]


@pytest.mark.parametrize(
    ("equation", "prefilter", "outputs", "bands"), CASES, ids=["schroeder", "goli", "hotmap"]
)
def test_prefilter_is_a_superset(equation, prefilter, outputs, bands) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    data = {b: rng.uniform(-0.1, 1.7, (600, 600)).astype(np.float32) for b in bands.split()}
    hot_b7 = rng.random((600, 600)) < 0.05  # plenty of fire-like pixels near every threshold
    for b in data.values():
        b[rng.random(b.shape) < 0.01] = 0.0
    if "b7" in data:
        data["b7"][hot_b7] = data["b5"][hot_b7] * rng.uniform(1.7, 3.0, hot_b7.sum())
    with np.errstate(all="ignore"):
        full = evaluate(equation, data)
        keep = np.asarray(prefilter(data))
    for name in outputs:
        assert full[name].any()
        assert not (full[name] & ~keep).any(), name
    assert keep.mean() < 0.9  # and it does filter


@pytest.mark.shared_data
def test_prefilter_on_the_real_crop(shared_data: Path) -> None:
    data = {}
    for n in range(2, 8):
        with rasterio.open(shared_data / "satellite" / "landsat8_fire_crop" / f"band{n}.tif") as ds:
            data[f"b{n}"] = ds.read(1)
    data["b1"] = data["b2"]
    for equation, prefilter, outputs, _ in CASES[:2]:
        full = evaluate(equation, data)
        keep = prefilter(data)
        assert all(not (full[o] & ~keep).any() for o in outputs)
        assert keep.mean() < 0.05


WINDOW_MASKS = [
    (
        equations.schroeder,
        lambda b: window_masks.schroeder(b["b5"], b["b6"], b["b7"]),
        ("unambiguous", "candidate"),
    ),
    (equations.goli, lambda b: window_masks.goli(b["b4"], b["b6"], b["b7"]), ("eq12", "potential")),
    (equations.hotmap_s2, lambda b: window_masks.hotmap_ratio(b["b11"], b["b12"]), ("unambiguous",)),
]


@pytest.mark.parametrize(("equation", "mask", "outputs"), WINDOW_MASKS, ids=["schroeder", "goli", "hotmap"])
def test_opencv_window_masks_are_supersets_too(equation, mask, outputs) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(12)
    names = ("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8a", "b11", "b12")
    data = {b: rng.uniform(-0.1, 1.7, (600, 600)).astype(np.float32) for b in names}
    for b in data.values():
        b[rng.random(b.shape) < 0.01] = 0.0
        b[rng.random(b.shape) < 0.005] = np.nan
    hot = rng.random((600, 600)) < 0.05
    data["b7"][hot] = data["b5"][hot] * rng.uniform(1.7, 3.0, hot.sum())
    with np.errstate(all="ignore"):
        full = evaluate(equation, data)
    keep = np.asarray(mask(data)) > 0
    for name in outputs:
        assert full[name].any() and not (full[name] & ~keep).any(), name
    assert keep.mean() < 0.9


@pytest.mark.parametrize("min_bsi", [0.0, 0.05])
def test_opencv_bare_soil_mask_equals_the_prefilter(min_bsi: float) -> None:
    rng = np.random.default_rng(13)
    b = {g: rng.uniform(-0.05, 0.6, (500, 500)).astype(np.float32) for g in ("blue", "red", "nir", "swir1")}
    b["red"][rng.random((500, 500)) < 0.01] = np.nan
    with np.errstate(invalid="ignore"):
        expected = np.asarray(indices.bare_soil_prefilter(b, min_bsi))
    got = (
        window_masks.bare_soil(b["blue"], b["red"], b["nir"], b["swir1"], indices.prefilter_slope(min_bsi))
        > 0
    )
    assert expected.mean() > 0.2 and (got != expected).sum() <= 2  # at most a pixel on the boundary


@pytest.mark.parametrize("where", ["inside", "edge"])
def test_band_patches_read_regions_without_padding_and_agree_with_padded_bands(where: str) -> None:
    from firegrid.detect.satellite.bands import PaddedBands
    from firegrid.detect.satellite.context import Patches
    from firegrid.detect.satellite.sparse import band_patches

    rng = np.random.default_rng(4)
    regions = {k: rng.random((50, 40), dtype=np.float32) for k in ("b5", "b7")}
    bands = PaddedBands(regions, (60, 60), (slice(10, 60), slice(0, 40)))  # scene ends above and right
    rows = np.array([30, 40]) if where == "inside" else np.array([12, 40])
    patches = Patches(4, rows, np.array([20, 30]))
    got = band_patches(bands, patches)
    assert bands._padded == {} if where == "inside" else "b5" in bands._padded
    for name in regions:
        assert np.array_equal(got[name], patches.take(bands[name]), equal_nan=True)
