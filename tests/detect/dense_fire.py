"""The three fire detectors written the obvious way: every test on every pixel of a whole scene.

No prefilter, no windows, no patches: a per-pixel equation over the full arrays, full-scene masks, and
a plain loop over candidates for the contextual statistics (float64, population sigma). The sparse,
windowed detectors must give exactly these masks (``test_dense_equivalence.py``).
"""

from __future__ import annotations

import numpy as np

from firegrid.detect.satellite import equations
from firegrid.detect.satellite.base import HIGH, NOMINAL
from firegrid.detect.satellite.context import dilate3, erode3
from firegrid.detect.satellite.expr import EPS, evaluate

Bands = dict[str, np.ndarray]


def valid_pixels(bands: Bands) -> np.ndarray:
    """Finite, non-fill reflectance in every band (scenes here have no nodata and no QA)."""
    ok = np.ones(next(iter(bands.values())).shape, bool)
    with np.errstate(invalid="ignore"):
        for band in bands.values():
            ok &= np.abs(band) < 1e10
    return ok


def _stands_out(value: float, values: np.ndarray, floor: float) -> bool:
    if not len(values):
        return False
    return bool(value > values.mean() + max(3.0 * values.std(), floor))


def _context(b7: np.ndarray, b5: np.ndarray, background: np.ndarray, r: int, c: int, radius: int) -> bool:
    rows = slice(max(0, r - radius), r + radius + 1)
    cols = slice(max(0, c - radius), c + radius + 1)
    keep = background[rows, cols]
    r75 = (b7 / np.where(b5 == 0, np.float32(EPS), b5)).astype(np.float32)
    win75 = r75[rows, cols][keep].astype(np.float64)
    win7 = b7[rows, cols][keep].astype(np.float64)
    return _stands_out(float(r75[r, c]), win75, 0.8) and _stands_out(float(b7[r, c]), win7, 0.08)


def schroeder(bands: Bands) -> np.ndarray:
    """Confidence per pixel (0, NOMINAL, HIGH); uncorrected TOA reflectance b1..b7."""
    t = evaluate(equations.schroeder, bands)
    valid = valid_pixels(bands)
    water = t["water"] & valid
    unambiguous = t["unambiguous"] & valid & ~water
    todo = t["candidate"] & valid & ~t["unambiguous"] & ~water
    background = valid & t["positive"] & ~(t["unambiguous"] & valid) & ~water
    out = np.where(unambiguous, HIGH, 0).astype(np.uint8)
    for r, c in zip(*np.nonzero(todo), strict=True):
        if _context(bands["b7"], bands["b5"], background, r, c, 30):
            out[r, c] = NOMINAL
    return out


def goli(bands: Bands) -> np.ndarray:
    """Confidence per pixel; sun-corrected TOA reflectance b2..b7; the window grows 5x5 .. 61x61."""
    t = evaluate(equations.goli, bands)
    inside = np.ones(t["positive"].shape, bool)
    valid = erode3(t["positive"], inside) & valid_pixels(bands)
    water = t["water"] & valid
    eq12 = t["eq12"] & valid
    unambiguous = (eq12 | (dilate3(eq12) & t["eq13"])) & valid
    potential = t["potential"] & valid
    background = valid & ~unambiguous & ~potential & ~water
    out = np.where(unambiguous, HIGH, 0).astype(np.uint8)
    for r, c in zip(*np.nonzero(potential & ~unambiguous & ~water), strict=True):
        for radius in range(2, 31):
            rows = slice(max(0, r - radius), r + radius + 1)
            cols = slice(max(0, c - radius), c + radius + 1)
            if background[rows, cols].sum() >= 0.25 * background[rows, cols].size:
                if _context(bands["b7"], bands["b5"], background, r, c, radius):
                    out[r, c] = NOMINAL
                break
    out[water] = 0
    return out


def hotmap_s2(bands: Bands, saturated: np.ndarray | None = None) -> np.ndarray:
    """Confidence per pixel; b8a, b11, b12 reflectance, no SCL (so the SWIR cloud test applies)."""
    t = evaluate(equations.hotmap_s2, bands)
    with np.errstate(invalid="ignore"):
        cloud = (bands["b11"] > 0.3) & (bands["b8a"] > 0.3) & (bands["b12"] < bands["b11"])
    valid = valid_pixels(bands) & ~cloud
    unambiguous = t["unambiguous"] & valid
    near = t["near_test"] | (saturated if saturated is not None else False)
    potential = dilate3(unambiguous) & near & valid
    return np.where(unambiguous, HIGH, np.where(potential, NOMINAL, 0)).astype(np.uint8)
