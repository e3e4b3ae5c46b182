"""Fire pixels -> 8-connected clusters -> fire points."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.pixels import components


@dataclass
class FirePixels:
    """Fire pixels in scene coordinates with their attributes."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    confidence: NDArray[np.uint8]
    saturated: NDArray[np.bool_]
    swir: NDArray[np.float32]  # reflectance of the longest SWIR band (Landsat B7, Sentinel-2 B12)

    @classmethod
    def empty(cls) -> FirePixels:
        """No pixels."""
        return cls(
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.uint8),
            np.empty(0, bool),
            np.empty(0, np.float32),
        )

    @classmethod
    def concat(cls, parts: list[FirePixels]) -> FirePixels:
        """All pixels of several windows, sorted by (row, col)."""
        if not parts:
            return cls.empty()
        merged = cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("rows", "cols", "confidence", "saturated", "swir")
            )
        )
        order = np.lexsort((merged.cols, merged.rows))
        return cls(
            merged.rows[order],
            merged.cols[order],
            merged.confidence[order],
            merged.saturated[order],
            merged.swir[order],
        )

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Cluster:
    """One fire point: centroid in fractional pixel coordinates and summary attributes."""

    row: float
    col: float
    pixels: int
    confidence: int
    saturated: bool
    max_swir: float


def cluster_pixels(pixels: FirePixels) -> list[Cluster]:
    """Group 8-connected fire pixels; one cluster per connected component, in scan order.

    Per-cluster statistics come from ``bincount`` and ``reduceat`` over the pixels sorted by
    label (integer coordinates: the sums, hence the centroids, are exact).
    """
    count, labels = components(pixels.rows, pixels.cols)
    if not count:
        return []
    n = np.bincount(labels, minlength=count)
    row = np.bincount(labels, weights=pixels.rows, minlength=count) / n
    col = np.bincount(labels, weights=pixels.cols, minlength=count) / n
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(count))
    confidence = np.maximum.reduceat(pixels.confidence[order], starts)
    saturated = np.logical_or.reduceat(pixels.saturated[order], starts)
    swir = np.fmax.reduceat(pixels.swir[order], starts)  # NaN only where every pixel's is
    clusters = [
        Cluster(float(r), float(c), int(k), int(q), bool(s), float(w))
        for r, c, k, q, s, w in zip(row, col, n, confidence, saturated, swir, strict=True)
    ]
    clusters.sort(key=lambda c: (c.row, c.col))
    return clusters
