"""Contextual tests of many candidates at once from integral images, decided as their patches decide.

Schroeder's Eq 4-5 compare each candidate with the mean and standard deviation of the
background in its 61 x 61 window. Clustered candidates share most of their windows: on an
``Atlas`` of their rectangles, box sums from integral images (OpenCV, in float64) give every
candidate's statistics at once. Cumulative sums round differently from the per-patch sums
of ``context.contextual_test``, so each comparison carries a bound on that difference; the
few candidates whose value lies within it of the threshold are decided on their patch by
``contextual_test`` itself. Every decision is therefore the one the patch computation makes.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite.atlas import Atlas
from firegrid.detect.satellite.context import Mask, Patches, contextual_test, ratio

EPS64 = float(np.finfo(np.float64).eps)
SLACK = 1e-12  # relative: the patch computation's own rounding is far below this
_cv: Any = cv2  # integral2's depth keywords, which the stubs do not know


def contextual_test_many(
    b7: NDArray[np.float32],
    b5: NDArray[np.float32],
    background: Mask,
    rows: NDArray[np.intp],
    cols: NDArray[np.intp],
    radius: int,
) -> Mask:
    """Schroeder Eq 4-5 for candidates at (rows, cols) of padded window arrays (windows of ``radius``)."""
    if not len(rows):
        return np.zeros(0, bool)
    atlas = Atlas.around(rows, cols, radius, background.shape)
    return contextual_test_atlas(
        atlas.take(b7, np.nan), atlas.take(b5, np.nan), atlas.take(background, False), atlas, radius
    )


def contextual_test_atlas(
    b7: NDArray[np.float32], b5: NDArray[np.float32], background: Mask, atlas: Atlas, radius: int
) -> Mask:
    """Eq 4-5 for the atlas's candidates, from its stacked b7, b5 and background.

    Integral images when the candidates' windows overlap (their patches would hold more pixels
    than twice the atlas), patches otherwise; unsure integral decisions are taken on patches.
    """
    rows, cols = atlas.rows, atlas.cols
    size = 2 * radius + 1
    if len(rows) * size * size < background.size:
        return on_patches(b7, b5, background, rows, cols, radius)
    count = _box(cv2.integral(background.view(np.uint8)), rows, cols, radius)
    pass75, unsure75 = _exceeds(ratio(b7, b5), background, rows, cols, radius, count, 0.8)
    pass7, unsure7 = _exceeds(b7, background, rows, cols, radius, count, 0.08)
    failed = (~pass75 & ~unsure75) | (~pass7 & ~unsure7)
    result = pass75 & pass7 & ~unsure75 & ~unsure7
    unsure = np.flatnonzero(~failed & (unsure75 | unsure7))
    if len(unsure):
        result[unsure] = on_patches(b7, b5, background, rows[unsure], cols[unsure], radius)
    return result


def on_patches(
    b7: NDArray[np.float32],
    b5: NDArray[np.float32],
    background: Mask,
    rows: NDArray[np.intp],
    cols: NDArray[np.intp],
    radius: int,
    chunk: int = 32,
) -> Mask:
    """``contextual_test`` on patches, ``chunk`` candidates at a time (their float64 temporaries
    stay in the L2 cache)."""
    out = np.zeros(len(rows), bool)
    for start in range(0, len(rows), chunk):
        p = Patches(radius, rows[start : start + chunk], cols[start : start + chunk])
        out[start : start + chunk] = contextual_test(p.take(b7), p.take(b5), p.take(background))
    return out


def _box(table: NDArray[Any], rr: NDArray[np.intp], cc: NDArray[np.intp], r: int) -> NDArray[np.float64]:
    lo_r, hi_r, lo_c, hi_c = rr - r, rr + r + 1, cc - r, cc + r + 1
    out: NDArray[np.float64] = (
        table[hi_r, hi_c] - table[lo_r, hi_c] - table[hi_r, lo_c] + table[lo_r, lo_c]
    ).astype(np.float64)
    return out


def _exceeds(
    x: NDArray[np.float32],
    keep: Mask,
    rr: NDArray[np.intp],
    cc: NDArray[np.intp],
    radius: int,
    count: NDArray[np.float64],
    floor: float,
) -> tuple[Mask, Mask]:
    """value > mean + max(3 std, floor) over each window's background, and where that is unsure.

    The float32 values are summed (and squared, exactly) in float64. An integral image's entry
    at (y, x) passes through at most y + x + 2 additions, so a box sum (four entries) errs by at
    most (h + w + 2) * 4 * eps * sum(|x|); the bounds on mean, variance and standard deviation
    follow, and the patch computation's own rounding is added to them.
    """
    masked = np.where(keep, x, np.float32(0))
    sums, squares = _cv.integral2(masked, sdepth=cv2.CV_64F, sqdepth=cv2.CV_64F)
    s1, s2 = _box(sums, rr, cc, radius), _box(squares, rr, cc, radius)
    factor = (x.shape[0] + x.shape[1] + 2) * 4 * EPS64
    e1 = factor * cv2.norm(masked, cv2.NORM_L1)
    e2 = factor * float(squares[-1, -1]) * (1 + 1e-6)
    value = x[rr, cc].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = s1 / count
        variance = np.maximum(s2 / count - mean * mean, 0.0)
        mean_err = e1 / count
        variance_err = e2 / count + (2 * np.abs(mean) + mean_err) * mean_err
        std = np.sqrt(variance)
        std_err = np.maximum(
            np.sqrt(variance + variance_err) - std, std - np.sqrt(np.maximum(variance - variance_err, 0.0))
        )
        threshold = mean + np.maximum(3.0 * std, floor)
        scale = 1.0 + np.abs(threshold) + np.abs(mean) + 3.0 * std
        bound = 2 * (mean_err + 3.0 * std_err) + SLACK * scale
        passed: Mask = (count > 0) & (value > threshold)
        unsure: Mask = (count > 0) & ~(np.abs(value - threshold) > bound)
    return passed, unsure
