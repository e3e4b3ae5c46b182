"""Contextual tests of many candidates at once from integral images, decided as their patches decide.

Schroeder's Eq 4-5 compare each candidate with the mean and standard deviation of the
background in its 61 x 61 window. Clustered candidates share most of their windows, and
box sums from integral images (float64 cumulative sums over the candidates' bounding
region) give every candidate's statistics at once. Cumulative sums round differently from
the per-patch sums of ``context.contextual_test``, so each comparison carries a bound on
that difference; the few candidates whose value lies within it of the threshold are
decided on their patch by ``contextual_test`` itself. Every decision is therefore the one
the patch computation makes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite.context import Mask, Patches, contextual_test, ratio

EPS64 = float(np.finfo(np.float64).eps)


BLOCK = 128  # candidates are grouped by the block of the window they lie in
MIN_GROUP = 32  # smaller groups: the integral images' fixed cost exceeds the patches'


def contextual_test_many(
    b7: NDArray[np.float32],
    b5: NDArray[np.float32],
    background: Mask,
    rows: NDArray[np.intp],
    cols: NDArray[np.intp],
    radius: int,
) -> Mask:
    """Schroeder Eq 4-5 for candidates at (rows, cols) of padded window arrays (windows of ``radius``).

    Candidates are grouped by 128-pixel block: a group whose windows overlap much (a fire's
    pixels) is measured with integral images over its bounding region, a scattered one on patches.
    """
    result = np.zeros(len(rows), bool)
    if not len(rows):
        return result
    window = _Window(b7, b5, background, radius)
    block = (rows // BLOCK) * (int(cols.max()) // BLOCK + 1) + cols // BLOCK
    order = np.argsort(block, kind="stable")
    starts = np.flatnonzero(np.r_[True, block[order][1:] != block[order][:-1]])
    for group in np.split(order, starts[1:]):
        result[group] = window.group(rows[group], cols[group])
    return result


@dataclass(frozen=True)
class _Window:
    """The padded window arrays the candidates' statistics come from."""

    b7: NDArray[np.float32]
    b5: NDArray[np.float32]
    background: Mask
    radius: int

    def group(self, rows: NDArray[np.intp], cols: NDArray[np.intp]) -> Mask:
        """Eq 4-5 for one group of candidates: integral images, or patches where those cost less."""
        radius, size = self.radius, 2 * self.radius + 1
        r0, c0 = int(rows.min()) - radius, int(cols.min()) - radius
        r1, c1 = int(rows.max()) + radius + 1, int(cols.max()) + radius + 1
        if len(rows) < MIN_GROUP or len(rows) * size * size < 2 * (r1 - r0) * (c1 - c0):
            return self.on_patches(rows, cols)  # few candidates, or windows that barely overlap
        p7, bg = self.b7[r0:r1, c0:c1], self.background[r0:r1, c0:c1]
        r75 = ratio(p7, self.b5[r0:r1, c0:c1])
        rr, cc = rows - r0, cols - c0
        count = _box(_integral(bg.astype(np.float64)), rr, cc, radius)
        pass75, unsure75 = _exceeds(r75.astype(np.float64), bg, rr, cc, radius, count, 0.8)
        pass7, unsure7 = _exceeds(p7.astype(np.float64), bg, rr, cc, radius, count, 0.08)
        failed = (~pass75 & ~unsure75) | (~pass7 & ~unsure7)
        result = pass75 & pass7 & ~unsure75 & ~unsure7
        unsure = np.flatnonzero(~failed & (unsure75 | unsure7))
        if len(unsure):
            result[unsure] = self.on_patches(rows[unsure], cols[unsure])
        return result

    def on_patches(self, rows: NDArray[np.intp], cols: NDArray[np.intp], chunk: int = 32) -> Mask:
        """``contextual_test`` on patches, ``chunk`` candidates at a time (their float64 temporaries
        stay in the L2 cache)."""
        out = np.zeros(len(rows), bool)
        for start in range(0, len(rows), chunk):
            p = Patches(self.radius, rows[start : start + chunk], cols[start : start + chunk])
            out[start : start + chunk] = contextual_test(
                p.take(self.b7), p.take(self.b5), p.take(self.background)
            )
        return out


def _integral(values: NDArray[np.float64]) -> NDArray[np.float64]:
    table = np.zeros((values.shape[0] + 1, values.shape[1] + 1), np.float64)
    np.cumsum(values, axis=0, out=table[1:, 1:])
    np.cumsum(table[1:, 1:], axis=1, out=table[1:, 1:])
    return table


def _box(
    table: NDArray[np.float64], rr: NDArray[np.intp], cc: NDArray[np.intp], r: int
) -> NDArray[np.float64]:
    lo_r, hi_r, lo_c, hi_c = rr - r, rr + r + 1, cc - r, cc + r + 1
    out: NDArray[np.float64] = table[hi_r, hi_c] - table[lo_r, hi_c] - table[hi_r, lo_c] + table[lo_r, lo_c]
    return out


def _exceeds(
    x: NDArray[np.float64],
    keep: Mask,
    rr: NDArray[np.intp],
    cc: NDArray[np.intp],
    radius: int,
    count: NDArray[np.float64],
    floor: float,
) -> tuple[Mask, Mask]:
    """value > mean + max(3 std, floor) over each window's background, and where that is unsure.

    A box sum of cumulative sums errs by at most (h + w + 2) * 4 * eps * sum(|x|) (two
    sequential passes, four corners); the bound on the threshold follows from it, and the
    patch computation's own rounding (well below 1e-12 relative) is added to it.
    """
    masked = np.where(keep, x, 0.0)
    squares = masked * masked
    s1 = _box(_integral(masked), rr, cc, radius)
    s2 = _box(_integral(squares), rr, cc, radius)
    factor = (x.shape[0] + x.shape[1] + 2) * 4 * EPS64
    e1, e2 = factor * float(np.abs(masked).sum()), factor * float(squares.sum())
    value = x[rr, cc]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / count
        variance = np.maximum(s2 / count - mean * mean, 0.0)
        mean_err = e1 / count
        variance_err = e2 / count + (2 * np.abs(mean) + mean_err) * mean_err
        threshold = mean + np.maximum(3.0 * np.sqrt(variance), floor)
        bound = 2 * (mean_err + 3.0 * np.sqrt(variance_err)) + 1e-12 * (1.0 + np.abs(threshold))
        passed: Mask = (count > 0) & (value > threshold)
        unsure: Mask = (count > 0) & ~(np.abs(value - threshold) > bound)
    return passed, unsure
