"""Sparse, windowed detection gives the masks of the obvious dense implementation, bit for bit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import rasterio

from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.satellite.scan import scan_scene
from firegrid.imagery.open import open_scene
from firegrid.imagery.scene import Scene
from tests.detect import dense_fire
from tests.imagery.helpers import fire_field, write_band

MODELS = default_models_dir()
SHAPE = (230, 210)


def confidence(result, shape: tuple[int, int]) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.zeros(shape, np.uint8)
    out[result.pixels.rows, result.pixels.cols] = result.pixels.confidence
    return out


def in_memory(scene: Scene) -> Scene:
    """The same scene with its bands held in memory (windows at the edge are padded on demand)."""
    arrays = {}
    for name, source in scene.bands.items():
        with rasterio.open(source.path) as ds:
            arrays[name] = ds.read(1)
    return replace(scene, bands={k: replace(v, array=arrays[k]) for k, v in scene.bands.items()})


@pytest.mark.parametrize("memory", [False, True], ids=["files", "memory"])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(
    ("detector", "dense"),
    [("landsat-schroeder2016", dense_fire.schroeder), ("landsat-goli2018", dense_fire.goli)],
    ids=["schroeder", "goli"],
)
def test_landsat_detectors_equal_the_dense_masks(
    tmp_path: Path, detector: str, dense, seed: int, memory: bool
) -> None:  # type: ignore[no-untyped-def]
    bands = fire_field(SHAPE, seed)
    for name, data in bands.items():
        write_band(tmp_path / f"{name}.tif", data)
    expected = dense(bands)
    assert (expected == 2).sum() > 20 and (expected == 1).sum() > 20  # both classes, plenty of each
    det = make_detector("landsat", MODELS, detector)
    scene = in_memory(open_scene(tmp_path)) if memory else open_scene(tmp_path)
    for window in (1000, 64, 37):
        got = confidence(scan_scene(scene, det, window_size=window), SHAPE)
        assert np.array_equal(got, expected), (window, np.argwhere(got != expected)[:5].tolist())


@pytest.mark.parametrize("memory", [False, True], ids=["files", "memory"])
@pytest.mark.parametrize("seed", [1, 2])
def test_hotmap_equals_the_dense_masks(tmp_path: Path, seed: int, memory: bool) -> None:
    field = fire_field(SHAPE, seed)
    bands = {"b8a": field["b5"], "b11": field["b6"], "b12": field["b7"] * np.float32(1.4)}
    hot = (field["b7"] > 0.19) & (np.random.default_rng(seed).random(SHAPE) < 0.4)
    bands["b11"][hot], bands["b8a"][hot], bands["b12"][hot] = 0.6, 0.2, 0.7  # Eq 3, not Eq 2
    bands["b11"][5:40, 100:150] = 0.6  # bright, SWIR-cold: cloud, whatever the other tests say
    for name, data in bands.items():
        write_band(tmp_path / f"{name.upper()}.tif", data, res=20.0)
    expected = dense_fire.hotmap_s2(bands)
    assert (expected == 2).sum() > 20 and (expected == 1).sum() > 5
    det = make_detector("sentinel2", MODELS)
    scene = in_memory(open_scene(tmp_path)) if memory else open_scene(tmp_path)
    for window in (1000, 64, 37):
        got = confidence(scan_scene(scene, det, window_size=window), SHAPE)
        assert np.array_equal(got, expected), (window, np.argwhere(got != expected)[:5].tolist())
