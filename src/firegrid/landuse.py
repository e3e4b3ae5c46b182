"""Land-use gating: what a fire point burns on, from any land-cover GeoTIFF (e.g. ESA WorldCover).

Each point is sampled (nearest pixel, reprojected from WGS84 to the raster's CRS) and its class
code mapped: cropland -> ``straw_burning``, trees/shrubs/grass/wetland -> ``other_vegetation``,
built-up -> ``built_up``, anything else (or outside the raster) -> None. The township ranking
counts confirmed straw-burning incidents separately.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from pyproj import Transformer

from firegrid.detect.detections import Detections
from firegrid.imagery.rasters import open_raster
from firegrid.types import Hazard

log = logging.getLogger(__name__)


class LandUseClasses(BaseModel):
    """Class codes of the land-cover raster (ESA WorldCover 2020/2021 by default)."""

    cropland: list[int] = Field(default_factory=lambda: [40])
    vegetation: list[int] = Field(default_factory=lambda: [10, 20, 30, 90, 95, 100])
    built_up: list[int] = Field(default_factory=lambda: [50])

    def name(self, code: int) -> str | None:
        """The land use of a class code."""
        if code in self.cropland:
            return "straw_burning"
        if code in self.vegetation:
            return "other_vegetation"
        if code in self.built_up:
            return "built_up"
        return None


class LandUse:
    """A land-cover raster opened on first use (once per process)."""

    def __init__(self, path: Path, classes: LandUseClasses) -> None:
        self.path = path
        self.classes = classes
        self._lock = threading.Lock()
        self._data: Any = None

    def _load(self) -> tuple[Any, Any, Transformer]:
        with self._lock:
            if self._data is None:
                with open_raster(self.path) as ds:
                    codes = ds.read(1)
                    self._data = (codes, ds.transform, Transformer.from_crs(4326, ds.crs, always_xy=True))
                log.info("land cover %s loaded (%d x %d)", self.path, codes.shape[1], codes.shape[0])
            return self._data  # type: ignore[no-any-return]

    def codes(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Class code at each point (0 outside the raster)."""
        codes, transform, to_raster = self._load()
        x, y = to_raster.transform(lon, lat)
        col, row = ~transform * (np.asarray(x), np.asarray(y))
        row, col = np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)
        inside = (row >= 0) & (row < codes.shape[0]) & (col >= 0) & (col < codes.shape[1])
        out = np.zeros(len(lon), np.int64)
        out[inside] = codes[row[inside], col[inside]]
        return out

    def classify(self, detections: Detections) -> list[str | None]:
        """Land use of each fire detection (None for other hazards)."""
        if not len(detections):
            return []
        found = self.codes(detections.lon, detections.lat)
        return [
            self.classes.name(int(code)) if hazard == Hazard.FIRE else None
            for code, hazard in zip(found.tolist(), detections.hazard, strict=True)
        ]
