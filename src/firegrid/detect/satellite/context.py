"""Neighbourhood and contextual steps, evaluated only where they matter.

All functions work on a *padded window*: the window a detector owns plus a halo, with
``inside`` False beyond the scene. Contextual statistics are computed per candidate on
full-size patches in float64 with a fixed summation order, so a scene processed in
windows gives bit-identical results to the whole scene at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from firegrid.detect.satellite.expr import EPS

Mask = NDArray[np.bool_]
ScalarT = TypeVar("ScalarT", bound=np.generic)
_KERNEL = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))


def dilate3(mask: Mask) -> Mask:
    """3x3 dilation (pixels beyond the array are False)."""
    out = cv2.dilate(mask.view(np.uint8), _KERNEL, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return out.astype(bool)


def erode3(mask: Mask, inside: Mask) -> Mask:
    """3x3 erosion that, like cv2's default, does not erode at the scene border."""
    out = cv2.erode((mask | ~inside).view(np.uint8), _KERNEL, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    return out.astype(bool) & inside


@dataclass(frozen=True)
class Patches:
    """Square patches around candidate pixels, for each needed array."""

    radius: int
    rows: NDArray[np.intp]
    cols: NDArray[np.intp]

    def take(self, array: NDArray[ScalarT]) -> NDArray[ScalarT]:
        """(n, size, size) copies of ``array`` around each candidate."""
        size = 2 * self.radius + 1
        view = sliding_window_view(array, (size, size))
        return np.ascontiguousarray(view[self.rows - self.radius, self.cols - self.radius])


def ratio(num: NDArray[np.float32], den: NDArray[np.float32]) -> NDArray[np.float32]:
    """``num / den`` in float32, zero denominators replaced by float32 epsilon (as the graphs do)."""
    ratio: NDArray[np.float32] = (num / np.where(den == 0, np.float32(EPS), den)).astype(
        np.float32, copy=False
    )
    return ratio


def _exceeds(value: NDArray[np.float64], patch: NDArray[np.float64], keep: Mask, floor: float) -> Mask:
    """value > mean(bg) + max(3 std(bg), floor); an empty background rejects."""
    n = keep.reshape(len(keep), -1).sum(axis=1)
    flat = np.where(keep, patch, 0.0).reshape(len(keep), -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = flat.sum(axis=1) / n
        dev = np.where(keep, patch - mean[:, None, None], 0.0).reshape(len(keep), -1)
        std = np.sqrt((dev * dev).sum(axis=1) / n)
        passed: Mask = (n > 0) & (value > mean + np.maximum(3.0 * std, floor))
    return passed


def contextual_test(
    p7: NDArray[np.float32],
    p5: NDArray[np.float32],
    background: Mask,
    r75_floor: float = 0.8,
    b7_floor: float = 0.08,
) -> Mask:
    """Schroeder Eq 4-5 on (n, s, s) patches centred on candidates: R75 and b7 stand out of the background."""
    c = p7.shape[1] // 2
    r75 = ratio(p7, p5).astype(np.float64)
    passed = _exceeds(r75[:, c, c], r75, background, r75_floor)
    idx = np.flatnonzero(passed)  # Eq 5 only where Eq 4 holds (rows are independent: same results)
    if len(idx):
        b7 = p7[idx].astype(np.float64)
        passed[idx] = _exceeds(b7[:, c, c], b7, background[idx], b7_floor)
    return passed


def erode3_stack(mask: Mask, inside: Mask) -> Mask:
    """``erode3`` of every (s, s) patch of an (n, s, s) stack, in one OpenCV call."""
    return _stacked(cv2.erode, mask | ~inside, 1) & inside


def dilate3_stack(mask: Mask) -> Mask:
    """``dilate3`` of every (s, s) patch of an (n, s, s) stack, in one OpenCV call."""
    return _stacked(cv2.dilate, mask, 0)


def _stacked(operation: Any, mask: Mask, border: int) -> Mask:
    """Patches padded with the border value and laid side by side in one wide image (OpenCV's
    morphology costs per row: a wide image of few rows is about twice as fast as a tall one):
    nothing leaks between them."""
    n, h, w = mask.shape
    padded = np.full((h + 2, n, w + 2), border, np.uint8)
    padded[1:-1, :, 1:-1] = mask.transpose(1, 0, 2)
    out = operation(
        padded.reshape(h + 2, n * (w + 2)), _KERNEL, borderType=cv2.BORDER_CONSTANT, borderValue=border
    )
    result: Mask = out.reshape(h + 2, n, w + 2)[1:-1, :, 1:-1].transpose(1, 0, 2).astype(bool, order="C")
    return result


def choose_radius(
    background: Mask, inside: Mask, first: int = 2, min_fraction: float = 0.25
) -> NDArray[np.intp]:
    """GOLI's window size for each (n, s, s) patch: the smallest radius from ``first`` to s // 2 whose
    centred window is at least ``min_fraction`` background (its area counts only pixels inside the
    scene, as in the reference implementation); -1 where none is. Counts come from integral images."""
    n, s, _ = background.shape
    c = s // 2
    radii = np.arange(first, c + 1)
    if not len(radii):
        return np.full(n, -1, np.intp)
    kept = _box_counts(background, radii)
    area = _box_counts(inside, radii)
    ok = kept >= min_fraction * area
    chosen: NDArray[np.intp] = np.where(ok.any(axis=1), radii[ok.argmax(axis=1)], -1)
    return chosen


def _box_counts(mask: Mask, radii: NDArray[np.intp]) -> NDArray[np.int64]:
    """(n, len(radii)) pixel counts of centred squares, from a zero-padded cumulative sum."""
    n, s, _ = mask.shape
    table = np.zeros((n, s + 1, s + 1), np.int64)
    table[:, 1:, 1:] = mask.cumsum(axis=1, dtype=np.int64).cumsum(axis=2)
    lo, hi = s // 2 - radii, s // 2 + radii + 1
    counts: NDArray[np.int64] = table[:, hi, hi] - table[:, lo, hi] - table[:, hi, lo] + table[:, lo, lo]
    return counts


def contextual_at_radii(
    p7: NDArray[np.float32], p5: NDArray[np.float32], background: Mask, chosen: NDArray[np.intp]
) -> Mask:
    """Eq 8-9 on each patch's centred window of radius ``chosen`` (False where it is -1)."""
    max_radius = p7.shape[1] // 2
    result = np.zeros(len(p7), dtype=bool)
    for radius in np.unique(chosen[chosen >= 0]):
        idx = np.flatnonzero(chosen == radius)
        sub = _centre(int(radius), max_radius)
        result[idx] = contextual_test(
            np.ascontiguousarray(p7[idx][:, sub, sub]),
            np.ascontiguousarray(p5[idx][:, sub, sub]),
            np.ascontiguousarray(background[idx][:, sub, sub]),
        )
    return result


def growing_contextual_test(
    p7: NDArray[np.float32],
    p5: NDArray[np.float32],
    background: Mask,
    inside: Mask,
    min_fraction: float = 0.25,
) -> Mask:
    """GOLI Eq 8-9 on (n, s, s) patches: the window grows from 5x5 to s x s until 25 % is background.

    The window area counts only pixels inside the scene (a window cut by the scene edge
    is smaller), as in the reference implementation; no qualifying window rejects.
    """
    return contextual_at_radii(p7, p5, background, choose_radius(background, inside, 2, min_fraction))


def _centre(radius: int, max_radius: int) -> slice:
    return slice(max_radius - radius, max_radius + radius + 1)
