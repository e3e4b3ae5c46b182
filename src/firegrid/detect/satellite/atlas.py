"""The rectangles around clustered candidates of a padded window, stacked into one array.

Schroeder's contextual test needs the background of each candidate's 61 x 61 window. Fire
candidates come in clusters whose windows overlap several times over, and the windows of a
window's candidates cover a few per cent of it. An ``Atlas`` groups candidates in the same or
neighbouring 16-pixel cells (coarser cells merged clusters into rectangles mostly empty, and
cost twice the time on the bench), takes each group's bounding rectangle grown by the
radius, and packs the rectangles on shelves into one array (``fill`` between them). Per-pixel
steps then run on plain slices instead of gathered pixel lists, once per pixel of a cluster
instead of once per candidate window, and every candidate's window lies whole inside its own
rectangle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from firegrid.detect.satellite.base import BandWindow

CELL = 16  # candidates in the same or neighbouring cells share a rectangle
ScalarT = TypeVar("ScalarT", bound=np.generic)
_KERNEL = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))


@dataclass(frozen=True)
class Atlas:
    """Rectangles ``[r0, r1) x [c0, c1)`` of a padded window and where they start in the atlas."""

    r0: NDArray[np.intp]
    r1: NDArray[np.intp]
    c0: NDArray[np.intp]
    c1: NDArray[np.intp]
    top: NDArray[np.intp]  # where each rectangle starts in the atlas
    left: NDArray[np.intp]
    shape: tuple[int, int]  # the atlas's
    rows: NDArray[np.intp]  # the candidates' atlas coordinates
    cols: NDArray[np.intp]

    @classmethod
    def around(
        cls, rows: NDArray[np.intp], cols: NDArray[np.intp], radius: int, shape: tuple[int, int]
    ) -> Atlas:
        """Rectangles covering the ``radius`` windows of the pixels (rows, cols) of an array of ``shape``
        (each at least ``radius`` from its edges, as in a window's core)."""
        inside = radius <= min(rows.min(), cols.min())
        if not (inside and rows.max() < shape[0] - radius and cols.max() < shape[1] - radius):
            raise ValueError("atlas: every candidate must lie at least radius pixels inside the array")
        grid = np.zeros((shape[0] // CELL + 1, shape[1] // CELL + 1), np.uint8)
        grid[rows // CELL, cols // CELL] = 1
        _, labels = cv2.connectedComponents(cv2.dilate(grid, _KERNEL), connectivity=8)
        _, group = np.unique(labels[rows // CELL, cols // CELL], return_inverse=True)
        order = np.argsort(group, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
        r0 = np.minimum.reduceat(rows[order], starts) - radius
        r1 = np.maximum.reduceat(rows[order], starts) + radius + 1
        c0 = np.minimum.reduceat(cols[order], starts) - radius
        c1 = np.maximum.reduceat(cols[order], starts) + radius + 1
        top, left, size = _shelves(r1 - r0, c1 - c0)
        return cls(
            r0, r1, c0, c1, top, left, size, top[group] + rows - r0[group], left[group] + cols - c0[group]
        )

    @property
    def area(self) -> int:
        """Pixels of the atlas."""
        return self.shape[0] * self.shape[1]

    def take(self, array: NDArray[ScalarT], fill: float | bool) -> NDArray[ScalarT]:
        """The rectangles of a window-shaped ``array``, stacked."""
        out = np.full(self.shape, fill, array.dtype)
        for r0, r1, c0, c1, top, left in self._rects():
            out[top : top + r1 - r0, left : left + c1 - c0] = array[r0:r1, c0:c1]
        return out

    def take_band(self, window: BandWindow, name: str) -> NDArray[np.float32]:
        """The rectangles of one of the window's bands, NaN beyond the scene (without padding the band)."""
        out = np.full(self.shape, np.nan, np.float32)
        for r0, r1, c0, c1, top, left in self._rects():
            rows, cols = window.clip(slice(r0, r1), slice(c0, c1))
            if rows.start < rows.stop and cols.start < cols.stop:
                out[
                    top + rows.start - r0 : top + rows.stop - r0,
                    left + cols.start - c0 : left + cols.stop - c0,
                ] = window.view(name, rows, cols)
        return out

    def _rects(self) -> zip[tuple[int, int, int, int, int, int]]:
        bounds = (self.r0, self.r1, self.c0, self.c1, self.top, self.left)
        return zip(*(b.tolist() for b in bounds), strict=True)


def _shelves(
    heights: NDArray[np.intp], widths: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.intp], tuple[int, int]]:
    """Rectangles packed on shelves, tallest first, about as wide as the atlas is tall."""
    width = max(int(widths.max()), int(np.sqrt(float((heights * widths).sum()))))
    top, left = np.zeros(len(heights), np.intp), np.zeros(len(heights), np.intp)
    shelf = x = height = 0
    for i in np.argsort(-heights, kind="stable").tolist():
        if x + int(widths[i]) > width:
            shelf, x = height, 0
        top[i], left[i] = shelf, x
        x += int(widths[i])
        height = max(height, shelf + int(heights[i]))
    return top, left, (height, width)
