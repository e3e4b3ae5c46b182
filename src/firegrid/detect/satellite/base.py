"""The scene-detector contract: a padded band window in, fire pixels of its core out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite.bands import PaddedBands

HIGH, NOMINAL = 2, 1  # confidence classes of fire pixels


@dataclass
class BandWindow:
    """Reflectance bands of one window plus a halo (``halo`` pixels on each side).

    ``inside`` is False for halo pixels beyond the scene. Validity (inside, finite, not
    nodata, not masked by QA, not cloud) is evaluated lazily where a detector asks
    (``valid_at``, ``valid_in``): fires are rare, and full-window passes cost memory
    bandwidth. ``masks`` are full-window validity masks from nodata DN and QA bands.
    ``saturated`` flags saturated SWIR; ``water`` is a QA water mask (all False if none);
    ``obscured`` marks what the QA band calls cloud shadow, snow or cirrus.
    """

    bands: Mapping[str, NDArray[np.float32]]  # a dict, or ``PaddedBands`` (padded on demand)
    inside: NDArray[np.bool_]
    saturated: NDArray[np.bool_]
    water: NDArray[np.bool_]
    halo: int
    masks: list[NDArray[np.bool_]] = field(default_factory=list)
    swir_cloud_test: bool = False  # Sentinel-2 without SCL: bright, SWIR-cold pixels are cloud
    obscured: NDArray[np.bool_] | None = None  # QA: cloud shadow, snow, cirrus (surface analysis skips)

    @property
    def core(self) -> tuple[slice, slice]:
        """The part of the padded arrays this window owns."""
        h, w = self.inside.shape
        return slice(self.halo, h - self.halo), slice(self.halo, w - self.halo)

    def clip(self, rows: slice, cols: slice) -> tuple[slice, slice]:
        """The part of a slice (positive bounds) inside the scene, where it is known without a pass."""
        if not isinstance(self.bands, PaddedBands):
            return rows, cols
        r, c = self.bands.dst
        return (
            slice(max(rows.start, r.start), min(rows.stop, r.stop)),
            slice(max(cols.start, c.start), min(cols.stop, c.stop)),
        )

    def view(self, name: str, rows: slice, cols: slice) -> NDArray[np.float32]:
        """``bands[name][rows, cols]`` (positive slice bounds), without padding a band that needs none."""
        if isinstance(self.bands, PaddedBands):
            return self.bands.view(name, rows, cols)
        return self.bands[name][rows, cols]

    def valid_at(
        self,
        rows: NDArray[np.intp],
        cols: NDArray[np.intp],
        values: dict[str, NDArray[np.float32]] | None = None,
    ) -> NDArray[np.bool_]:
        """Validity of individual pixels (``values``: the bands already gathered there)."""
        return self._valid(lambda a: a[rows, cols], values)

    def valid_in(
        self,
        take: Callable[[NDArray[Any]], NDArray[Any]],
        values: dict[str, NDArray[np.float32]] | None = None,
    ) -> NDArray[np.bool_]:
        """Validity on patches or an atlas (``take`` gathers them from an array; ``values``: the bands
        already taken)."""
        return self._valid(take, values)

    @cached_property
    def valid(self) -> NDArray[np.bool_]:
        """Validity of the whole padded window (computed on first use)."""
        return self._valid(lambda a: a)

    def _valid(
        self,
        take: Callable[[NDArray[Any]], NDArray[Any]],
        values: dict[str, NDArray[np.float32]] | None = None,
    ) -> NDArray[np.bool_]:
        ok: NDArray[np.bool_] = take(self.inside).copy()
        for mask in self.masks:
            ok &= take(mask)
        values = values if values is not None else {name: take(band) for name, band in self.bands.items()}
        with np.errstate(invalid="ignore"):
            for value in values.values():
                ok &= np.abs(value) < 1e10  # False for NaN and fill values such as -3.4e38
            if self.swir_cloud_test and {"b8a", "b11", "b12"} <= values.keys():
                ok &= ~((values["b11"] > 0.3) & (values["b8a"] > 0.3) & (values["b12"] < values["b11"]))
        return ok


@dataclass
class PixelResult:
    """Fire pixels of a window's core: padded-window coordinates and confidence (HIGH / NOMINAL)."""

    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    confidence: NDArray[np.uint8]

    @classmethod
    def from_classes(
        cls, rows: NDArray[np.intp], cols: NDArray[np.intp], confidence: NDArray[np.uint8]
    ) -> PixelResult:
        """Keep the pixels with a class; one entry per pixel, highest class wins, sorted by (row, col)."""
        keep = confidence > 0
        rows, cols, confidence = rows[keep], cols[keep], confidence[keep]
        order = np.lexsort((-confidence.astype(np.int16), cols, rows))
        rows, cols, confidence = rows[order], cols[order], confidence[order]
        first = np.ones(len(rows), bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        return cls(rows[first], cols[first], confidence[first])


class SceneDetector(Protocol):
    """What ``firegrid scan`` runs on each window of a scene."""

    name: str
    version: str
    sensor: str  # "landsat" or "sentinel2"
    bands: tuple[str, ...]
    halo: int
    sun_corrected: bool  # expects reflectance divided by sin(sun elevation)

    def detect(self, window: BandWindow) -> PixelResult:
        """Fire pixels of the window's core."""

    def describe(self) -> dict[str, str]:
        """Name, version and sha256 of the shipped graph."""


class GraphDetector:
    """What every shipped detector shares: its per-pixel graph, version and description."""

    name: str

    def __init__(self, models_dir: Path) -> None:
        from firegrid.detect.satellite.runtime import PixelModel

        self.model = PixelModel(models_dir, self.name)
        self.version = self.model.manifest.version

    def describe(self) -> dict[str, str]:
        """Name, version and graph hash."""
        return {"name": self.name, "version": self.version, "sha256": self.model.manifest.sha256}
