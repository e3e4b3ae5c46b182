"""Sliced inference on large images: overlapping tiles (plus the whole frame), boxes shifted back, merged.

A distant plume covering 0.05 % of a 4K frame is a few pixels once the whole frame is shrunk to a 320 px
model input; a tile of the size the model was trained on keeps it at a scale the model has seen. Tiles
and the whole-frame pass are merged by class-aware NMS and a containment rule (a box mostly inside a
higher-scoring box of its class is the same object seen cut by a tile border).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.objects.boxes import Boxes, nms

CONTAINED = 0.7  # intersection over the smaller box above which a box repeats a higher-scoring one


def tiles(width: int, height: int, size: int, overlap: float) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) tiles of at most ``size`` px overlapping by ``overlap`` (fraction)."""
    step = max(1, int(size * (1 - overlap)))

    def starts(extent: int) -> list[int]:
        if extent <= size:
            return [0]
        points = [*range(0, extent - size, step), extent - size]
        return sorted(set(points))

    return [
        (x, y, min(width, x + size), min(height, y + size)) for y in starts(height) for x in starts(width)
    ]


def merge(boxes: Boxes, iou: float, contained: float = CONTAINED) -> Boxes:
    """Class-aware NMS, then drop boxes mostly inside a higher-scoring box of the same class."""
    boxes = boxes[nms(boxes, iou)]
    if len(boxes) < 2:
        return boxes
    order = np.argsort(-boxes.score, kind="stable")
    b = boxes[order]
    xy = b.xyxy
    x1 = np.maximum(xy[:, None, 0], xy[None, :, 0])
    y1 = np.maximum(xy[:, None, 1], xy[None, :, 1])
    x2 = np.minimum(xy[:, None, 2], xy[None, :, 2])
    y2 = np.minimum(xy[:, None, 3], xy[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (xy[:, 2] - xy[:, 0]) * (xy[:, 3] - xy[:, 1])
    smaller = np.minimum(area[:, None], area[None, :])
    inside = (inter / np.maximum(smaller, 1e-6) > contained) & (b.class_id[:, None] == b.class_id[None, :])
    keep = ~np.triu(inside, 1).any(axis=0)  # suppressed by any higher-scoring box
    return b[keep]


def sliced(
    detect: Callable[[NDArray[np.uint8]], Boxes],
    image: NDArray[np.uint8],
    size: int = 640,
    overlap: float = 0.2,
    iou: float = 0.45,
    whole: bool = False,
    detect_tile: Callable[[NDArray[np.uint8]], Boxes] | None = None,
) -> Boxes:
    """Detect on overlapping tiles of ``image`` (with ``detect_tile``, default ``detect``; and the whole
    image when ``whole``); the whole image alone when it fits in one tile or ``size`` is 0."""
    h, w = image.shape[:2]
    if size <= 0 or (w <= size and h <= size):
        return detect(image)
    parts = [detect(image)] if whole else []
    on_tile = detect_tile or detect
    parts += [
        on_tile(np.ascontiguousarray(image[y0:y1, x0:x1])).shifted(x0, y0)
        for x0, y0, x1, y1 in tiles(w, h, size, overlap)
    ]
    return merge(Boxes.concat(parts), iou)
