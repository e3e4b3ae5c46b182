"""New bare land between dates: fresh earthworks and new stockpiles.

A pixel is *new bare land* when

* it is bare (scene thresholds) in at least ``persistence`` of the later scenes,
* it was clear land and **not** bare in the earlier scene (cloud there: unknown, not new),
* and its NDVI fell by at least ``-delta_ndvi`` or its BSI rose by at least ``delta_bsi``
  (later values: the mean over the scenes where it is bare).

All scenes must share one grid (same CRS, transform and size, e.g. one Sentinel-2 tile);
patches smaller than ``min_area_m2`` (default 2000 m2, 20 pixels at 10 m) are dropped.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.dust.baresoil import BareSoilDetector, SoilPixels
from firegrid.detect.dust.params import DustParams
from firegrid.detect.dust.patches import build_patches
from firegrid.detect.dust.scan import BareSoilResult, ScenePass, first_pass
from firegrid.errors import InputError
from firegrid.imagery.scene import Scene
from firegrid.imagery.windows import SceneReader, plan_windows


def check_same_grid(scenes: list[Scene]) -> None:
    """``InputError`` naming the first scene whose grid differs from the first one's."""
    ref = scenes[0]
    for other in scenes[1:]:
        if (other.crs, other.transform, other.width, other.height) != (
            ref.crs,
            ref.transform,
            ref.width,
            ref.height,
        ):
            raise InputError(
                f"{other.source}: grid {other.crs} {other.width}x{other.height} differs from "
                f"{ref.source} ({ref.crs} {ref.width}x{ref.height}); change detection needs one grid "
                "(the same Sentinel-2 tile or Landsat path/row)"
            )


def _persistent(passes: list[ScenePass], width: int, persistence: int) -> SoilPixels:
    """Pixels bare in >= ``persistence`` later scenes, with their mean values there."""
    bare = [p.bare() for p in passes]
    every = SoilPixels.concat(bare)
    keys = every.keys(width)
    unique, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    keep = counts >= persistence
    sums = {name: np.bincount(inverse, weights=getattr(every, name)) for name in ("bsi", "ndvi", "mbi")}
    return SoilPixels(
        (unique // width)[keep].astype(np.int64),
        (unique % width)[keep].astype(np.int64),
        (sums["bsi"] / counts)[keep].astype(np.float32),
        (sums["ndvi"] / counts)[keep].astype(np.float32),
        (sums["mbi"] / counts)[keep].astype(np.float32),
        every.landcover[first][keep],
    )


def _before_values(
    scene: Scene, detector: BareSoilDetector, pixels: SoilPixels, window_size: int
) -> dict[str, NDArray[Any]]:
    """The earlier scene's clear flag, BSI and NDVI at ``pixels`` (windows with pixels only)."""
    n = len(pixels)
    out: dict[str, NDArray[Any]] = {
        "clear": np.zeros(n, bool),
        "bsi": np.zeros(n, np.float32),
        "ndvi": np.zeros(n, np.float32),
    }
    bands = detector.bands(scene.sensor)
    with SceneReader(scene) as reader:
        for spec in plan_windows(scene.height, scene.width, window_size):
            inside = np.flatnonzero(
                (pixels.rows >= spec.row)
                & (pixels.rows < spec.row + spec.height)
                & (pixels.cols >= spec.col)
                & (pixels.cols < spec.col + spec.width)
            )
            if not len(inside):
                continue
            window = reader.read(spec, bands, 0, detector.sun_corrected)
            rows = (pixels.rows[inside] - spec.row).astype(np.intp)
            cols = (pixels.cols[inside] - spec.col).astype(np.intp)
            values = detector.values_at(window, scene.sensor, rows, cols)
            for name in out:
                out[name][inside] = values[name]
    return out


def detect_new_bare(
    before: Scene,
    after: list[Scene],
    detector: BareSoilDetector,
    params: DustParams,
    window_size: int = 1024,
    landcover: Path | None = None,
) -> BareSoilResult:
    """New bare-land patches in ``after`` (oldest first) relative to ``before``."""
    if not after:
        raise InputError("change detection needs at least one later scene")
    persistence = min(params.change.persistence, len(after))
    check_same_grid([before, *after])
    start = time.perf_counter()
    earlier = first_pass(before, detector, params, window_size, landcover)
    later = [first_pass(s, detector, params, window_size, landcover) for s in after]
    candidates = _persistent(later, before.width, persistence)
    old = _before_values(before, detector, candidates, window_size)
    t0 = earlier.thresholds
    was_bare = (old["bsi"] > t0.bsi) & (old["ndvi"] < t0.ndvi)
    changed = ((candidates.ndvi - old["ndvi"]) <= params.change.delta_ndvi) | (
        (candidates.bsi - old["bsi"]) >= params.change.delta_bsi
    )
    new = candidates.subset(old["clear"] & ~was_bare & changed)
    latest = later[-1]
    patches = build_patches(
        latest.scene,
        new,
        latest.thresholds,
        params.change.min_area_m2,
        params.landcover.kind_of,
        "new_bare_land",
    )
    notes = [
        f"new bare land vs {before.scene_id}: bare in >= {persistence} of {len(after)} later scene(s)",
        f"earlier scene clear land {earlier.fractions()['clear_land']:.0%}",
    ]
    return BareSoilResult(
        latest.scene,
        detector.describe(),
        latest.thresholds,
        patches,
        latest.fractions(),
        time.perf_counter() - start,
        earlier.windows + sum(p.windows for p in later),
        notes,
    )
