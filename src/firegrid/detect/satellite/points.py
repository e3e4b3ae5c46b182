"""Fire pixels -> 8-connected clusters -> fire points."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


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
    """Group 8-connected fire pixels; one cluster per connected component, in scan order."""
    n = len(pixels)
    if n == 0:
        return []
    width = int(pixels.cols.max()) + 2
    keys = pixels.rows * width + pixels.cols
    order = np.argsort(keys)
    sorted_keys = keys[order]
    src, dst = [], []
    for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
        target = (pixels.rows + dr) * width + (pixels.cols + dc)
        pos = np.searchsorted(sorted_keys, target)
        pos = np.minimum(pos, n - 1)
        hit = sorted_keys[pos] == target
        src.append(np.flatnonzero(hit))
        dst.append(order[pos[hit]])
    a, b = np.concatenate(src), np.concatenate(dst)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    clusters = []
    for label in range(count):
        idx = np.flatnonzero(labels == label)
        clusters.append(
            Cluster(
                row=float(pixels.rows[idx].mean()),
                col=float(pixels.cols[idx].mean()),
                pixels=len(idx),
                confidence=int(pixels.confidence[idx].max()),
                saturated=bool(pixels.saturated[idx].any()),
                max_swir=float(np.nanmax(pixels.swir[idx])),
            )
        )
    clusters.sort(key=lambda c: (c.row, c.col))
    return clusters
