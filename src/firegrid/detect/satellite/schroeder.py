"""Landsat 8/9 OLI active fire, Schroeder et al. 2016 (day algorithm)."""

from __future__ import annotations

import numpy as np

from firegrid.detect.satellite.base import HIGH, NOMINAL, BandWindow, GraphDetector, PixelResult
from firegrid.detect.satellite.context import Patches, contextual_test
from firegrid.detect.satellite.equations import schroeder_prefilter
from firegrid.detect.satellite.sparse import at_pixels, chunks, in_patches, sparse_nonzero

RADIUS = 30  # 61 x 61 context


class SchroederDetector(GraphDetector):
    """Unambiguous (Eq 1-2) or contextually confirmed candidates (Eq 3-6), minus water (Eq 7-9).

    Reads TOA reflectance without sun-angle correction. Background for the 61x61 context:
    valid pixels with b7 > 0 that are neither unambiguous fires nor water.
    """

    name: str = "landsat-schroeder2016"
    sensor: str = "landsat"
    bands: tuple[str, ...] = ("b1", "b2", "b3", "b4", "b5", "b6", "b7")
    halo: int = RADIUS
    sun_corrected: bool = False

    def detect(self, window: BandWindow) -> PixelResult:
        """Fire pixels of the window's core."""
        core = window.core
        b = window.bands
        with np.errstate(invalid="ignore"):
            hot = schroeder_prefilter({k: b[k][core] for k in ("b5", "b6", "b7")})
        rows, cols = sparse_nonzero(hot)
        rows, cols = rows + window.halo, cols + window.halo
        t = at_pixels(self.model, b, rows, cols)
        valid = window.valid_at(rows, cols)
        water = (t["water"] | window.water[rows, cols]) & valid
        unambiguous = t["unambiguous"] & valid & ~water
        todo = t["candidate"] & valid & ~t["unambiguous"] & ~water
        confirmed = np.zeros(len(rows), bool)
        for chunk in chunks(np.flatnonzero(todo)):
            confirmed[chunk] = self._context(window, rows[chunk], cols[chunk])
        confidence = np.where(unambiguous, HIGH, np.where(confirmed, NOMINAL, 0)).astype(np.uint8)
        return PixelResult.from_classes(rows, cols, confidence)

    def _context(self, window: BandWindow, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        patches = Patches(RADIUS, rows, cols)
        t = in_patches(self.model, window.bands, patches)
        valid = window.valid_in(patches.take)
        water = (t["water"] | patches.take(window.water)) & valid
        background = valid & t["positive"] & ~(t["unambiguous"] & valid) & ~water
        return contextual_test(patches.take(window.bands["b7"]), patches.take(window.bands["b5"]), background)
