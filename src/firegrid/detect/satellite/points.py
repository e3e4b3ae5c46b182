"""Fire pixels -> 8-connected clusters -> fire points."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.pixels import components, groups


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
    count, labels = components(pixels.rows, pixels.cols)
    clusters = [
        Cluster(
            row=float(pixels.rows[idx].mean()),
            col=float(pixels.cols[idx].mean()),
            pixels=len(idx),
            confidence=int(pixels.confidence[idx].max()),
            saturated=bool(pixels.saturated[idx].any()),
            max_swir=float(np.nanmax(pixels.swir[idx])),
        )
        for idx in groups(labels, count)
    ]
    clusters.sort(key=lambda c: (c.row, c.col))
    return clusters
