"""Landsat 8/9 OLI active fire, Schroeder et al. 2016 (day algorithm)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite import window_masks
from firegrid.detect.satellite.atlas import Atlas
from firegrid.detect.satellite.base import HIGH, NOMINAL, BandWindow, GraphDetector, PixelResult
from firegrid.detect.satellite.box_stats import contextual_test_atlas
from firegrid.detect.satellite.sparse import at_pixels, gather, sparse_nonzero

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
            hot = window_masks.schroeder(*(window.view(k, *core) for k in ("b5", "b6", "b7")))
        rows, cols = sparse_nonzero(hot)
        rows, cols = rows + window.halo, cols + window.halo
        values = gather(b, rows, cols)
        t = at_pixels(self.model, b, rows, cols, values)
        valid = window.valid_at(rows, cols, values)
        water = (t["water"] | window.water[rows, cols]) & valid
        unambiguous = t["unambiguous"] & valid & ~water
        todo = t["candidate"] & valid & ~t["unambiguous"] & ~water
        confirmed = np.zeros(len(rows), bool)
        context = np.flatnonzero(todo)
        if len(context):
            atlas = Atlas.around(rows[context], cols[context], RADIUS, window.inside.shape)
            bands = {name: atlas.take_band(window, name) for name in window.bands}
            background = self._background(window, atlas, bands)
            confirmed[context] = contextual_test_atlas(bands["b7"], bands["b5"], background, atlas, RADIUS)
        confidence = np.where(unambiguous, HIGH, np.where(confirmed, NOMINAL, 0)).astype(np.uint8)
        return PixelResult.from_classes(rows, cols, confidence)

    def _background(
        self, window: BandWindow, atlas: Atlas, bands: dict[str, NDArray[np.float32]]
    ) -> NDArray[np.bool_]:
        """The background mask on the atlas of the candidates' 61x61 windows: valid pixels with
        b7 > 0 that are neither unambiguous fires nor water.

        The graph runs only where either can be true - the prefilter (a superset of Eq 1-2) or
        b4 > b5 (implied by Eq 7) - elsewhere they are False without asking it.
        """
        valid = window.valid_in(lambda a: atlas.take(a, False), bands)
        with np.errstate(invalid="ignore"):
            ask = window_masks.schroeder(bands["b5"], bands["b6"], bands["b7"]) | (bands["b4"] > bands["b5"])
            background = valid & (bands["b7"] > 0)
        rows, cols = sparse_nonzero(ask)
        t = at_pixels(self.model, bands, rows, cols, {k: v[rows, cols] for k, v in bands.items()})
        water = atlas.take(window.water, False)
        water[rows, cols] |= t["water"]
        background &= ~water
        background[rows, cols] &= ~t["unambiguous"]
        return background
