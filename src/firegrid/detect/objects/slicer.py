"""Sliced inference on large images: overlapping tiles, boxes shifted back, merged with NMS."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.objects.boxes import Boxes, nms


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


def sliced(
    detect: Callable[[NDArray[np.uint8]], Boxes],
    image: NDArray[np.uint8],
    size: int = 640,
    overlap: float = 0.2,
    iou: float = 0.45,
) -> Boxes:
    """Detect on overlapping tiles of ``image`` (whole image when it fits, or ``size`` is 0) and merge
    duplicates."""
    h, w = image.shape[:2]
    if size <= 0 or (w <= size and h <= size):
        return detect(image)
    parts = [
        detect(np.ascontiguousarray(image[y0:y1, x0:x1])).shifted(x0, y0)
        for x0, y0, x1, y1 in tiles(w, h, size, overlap)
    ]
    merged = Boxes.concat(parts)
    return merged[nms(merged, iou)]
