"""8-connected components of a scene's bare pixels, measured without tracing them.

The pixels are labelled once on a uint8 mask of their bounding box (OpenCV, labels only);
every per-component number comes from the sparse pixel list (``bincount``, ``ufunc.at``).
Enclosed gaps of at most ``max_hole`` pixels (speckle inside a bare field) belong to the
component that encloses them, exactly as filling each component's own crop would give
(other components' pixels in that crop count as gap): the crops of all components large
enough to keep are packed into one atlas and its background labelled once.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

ATLAS_WIDTH = 4096  # atlas shelves are at least this wide


@dataclass
class Components:
    """The kept components (at least ``min_pixels`` pixels) of a pixel set, in label order."""

    label: NDArray[np.int32]  # per input pixel: its component (0 = none)
    kept: NDArray[np.intp]  # labels of the kept components
    pixels: NDArray[np.int64]  # pixel count of each kept component
    holes: NDArray[np.int64]  # filled gap pixels of each kept component
    boxes: NDArray[np.int64]  # (k, 4): row, col, height, width in scene pixels
    crops: list[NDArray[np.uint8]]  # each kept component's mask on its box (gaps not filled)


def label_pixels(
    rows: NDArray[np.int64], cols: NDArray[np.int64], min_pixels: int, max_hole: int
) -> Components:
    """Label 8-connected components; keep those of at least ``min_pixels`` pixels."""
    r0, c0 = int(rows.min()), int(cols.min())
    h, w = int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1
    flat = (rows - r0) * w + (cols - c0)
    mask = np.zeros((h, w), np.uint8)
    mask.reshape(-1)[flat] = 1
    count, labels = cv2.connectedComponents(mask, connectivity=8, ltype=cv2.CV_32S)
    del mask
    label: NDArray[np.int32] = labels.reshape(-1)[flat]
    n = np.bincount(label, minlength=count)
    kept = np.flatnonzero(n >= min_pixels)
    kept = kept[kept != 0]
    boxes = _boxes(label, rows - r0, cols - c0, kept, count)
    crops = [
        (labels[y : y + bh, x : x + bw] == k).view(np.uint8)
        for k, (y, x, bh, bw) in zip(kept.tolist(), boxes.tolist(), strict=True)
    ]
    del labels
    holes = _holes(crops, max_hole)
    boxes[:, 0] += r0
    boxes[:, 1] += c0
    return Components(label, kept, n[kept].astype(np.int64), holes, boxes, crops)


def _boxes(
    label: NDArray[np.int32],
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    kept: NDArray[np.intp],
    count: int,
) -> NDArray[np.int64]:
    """Bounding boxes (row, col, height, width) of the kept components."""
    lo_r = np.full(count, np.iinfo(np.int64).max)
    lo_c = lo_r.copy()
    hi_r = np.full(count, -1, np.int64)
    hi_c = hi_r.copy()
    np.minimum.at(lo_r, label, rows)
    np.minimum.at(lo_c, label, cols)
    np.maximum.at(hi_r, label, rows)
    np.maximum.at(hi_c, label, cols)
    return np.stack(
        [lo_r[kept], lo_c[kept], hi_r[kept] - lo_r[kept] + 1, hi_c[kept] - lo_c[kept] + 1], axis=1
    ).astype(np.int64)


def _holes(crops: list[NDArray[np.uint8]], max_hole: int) -> NDArray[np.int64]:
    """Pixels in each crop's enclosed gaps (4-connected background not reaching the crop's edge)
    of at most ``max_hole`` pixels; one OpenCV call for all crops, packed in shelves."""
    out = np.zeros(len(crops), np.int64)
    if max_hole < 1 or not crops:
        return out
    heights = np.array([c.shape[0] + 2 for c in crops])
    widths = np.array([c.shape[1] + 2 for c in crops])
    xs, ys, shape = _shelves(heights, widths)
    atlas = np.zeros(shape, np.uint8)
    owner = np.full(shape, -1, np.int32)
    for i, crop in enumerate(crops):
        y, x = ys[i], xs[i]
        atlas[y + 1 : y + heights[i] - 1, x + 1 : x + widths[i] - 1] = crop
        owner[y : y + heights[i], x : x + widths[i]] = i
    count, background = cv2.connectedComponents(1 - atlas, connectivity=4, ltype=cv2.CV_32S)
    sizes = np.bincount(background.reshape(-1), minlength=count)
    enclosed = sizes <= max_hole
    enclosed[background[ys, xs]] = False  # each crop's padding corner: its outside
    enclosed[0] = False  # the crops' own pixels
    gap = enclosed[background]
    return np.bincount(owner[gap], minlength=len(crops)).astype(np.int64)


def _shelves(
    heights: NDArray[np.intp], widths: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.intp], tuple[int, int]]:
    """Top-left corners of boxes packed in rows ("shelves"), tallest first; the atlas shape."""
    width = max(ATLAS_WIDTH, int(widths.max()))
    xs = np.zeros(len(heights), np.intp)
    ys = np.zeros(len(heights), np.intp)
    x = y = shelf = 0
    for i in np.argsort(-heights, kind="stable").tolist():
        if x + widths[i] > width:
            x, y, shelf = 0, y + shelf, 0
        xs[i], ys[i] = x, y
        x += int(widths[i])
        shelf = max(shelf, int(heights[i]))
    return xs, ys, (y + shelf, width)
