"""Neighbourhood and contextual steps, evaluated only where they matter.

All functions work on a *padded window*: the window a detector owns plus a halo, with
``inside`` False beyond the scene. Contextual statistics are computed per candidate on
full-size patches in float64 with a fixed summation order, so a scene processed in
windows gives bit-identical results to the whole scene at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

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


def _ratio(num: NDArray[np.float32], den: NDArray[np.float32]) -> NDArray[np.float32]:
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
    r75 = _ratio(p7, p5).astype(np.float64)
    b7 = p7.astype(np.float64)
    return _exceeds(r75[:, c, c], r75, background, r75_floor) & _exceeds(
        b7[:, c, c], b7, background, b7_floor
    )


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
    max_radius = p7.shape[1] // 2
    n = len(p7)
    chosen = np.full(n, -1)
    for radius in range(2, max_radius + 1):
        sub = _centre(radius, max_radius)
        kept = background[:, sub, sub].reshape(n, -1).sum(axis=1)
        area = inside[:, sub, sub].reshape(n, -1).sum(axis=1)
        chosen[(chosen < 0) & (kept >= min_fraction * area)] = radius
    result = np.zeros(n, dtype=bool)
    for radius in np.unique(chosen[chosen >= 0]):
        idx = np.flatnonzero(chosen == radius)
        sub = _centre(int(radius), max_radius)
        result[idx] = contextual_test(
            np.ascontiguousarray(p7[idx][:, sub, sub]),
            np.ascontiguousarray(p5[idx][:, sub, sub]),
            np.ascontiguousarray(background[idx][:, sub, sub]),
        )
    return result


def _centre(radius: int, max_radius: int) -> slice:
    return slice(max_radius - radius, max_radius + radius + 1)
