"""Landsat 8/9 OLI active fire, Kumar & Roy 2018 (GOLI)."""

from __future__ import annotations

import numpy as np

from firegrid.detect.satellite.base import HIGH, NOMINAL, BandWindow, GraphDetector, PixelResult
from firegrid.detect.satellite.context import Patches, dilate3, erode3, growing_contextual_test
from firegrid.detect.satellite.equations import goli_prefilter
from firegrid.detect.satellite.sparse import chunks, in_patches, sparse_nonzero

RADIUS = 30  # the window grows up to 61 x 61
MARGIN = 2  # erosion of valid pixels, then dilation for Eq 13


class GoliDetector(GraphDetector):
    """Unambiguous (Eq 12, Eq 13 next to Eq 12) or potential fires (Eq 14/15) confirmed by a
    growing 5x5..61x61 context (Eq 8-9), minus water (Eq 16).

    Reads sun-corrected TOA reflectance. Valid pixels: b7 > 0 eroded by 3x3.
    """

    name: str = "landsat-goli2018"
    sensor: str = "landsat"
    bands: tuple[str, ...] = ("b2", "b3", "b4", "b5", "b6", "b7")
    halo: int = RADIUS + MARGIN
    sun_corrected: bool = True

    def detect(self, window: BandWindow) -> PixelResult:
        """Fire pixels of the window's core.

        Every decision about a pixel needs its neighbourhood (erosion, Eq 13, context), so
        each prefiltered pixel is decided on a patch around it.
        """
        core = window.core
        with np.errstate(invalid="ignore"):
            hot = goli_prefilter({k: window.bands[k][core] for k in ("b4", "b6", "b7")})
        rows, cols = sparse_nonzero(hot)
        rows, cols = rows + window.halo, cols + window.halo
        confidence = np.zeros(len(rows), np.uint8)
        for chunk in chunks(np.arange(len(rows))):
            confidence[chunk] = self._decide(window, rows[chunk], cols[chunk])
        return PixelResult.from_classes(rows, cols, confidence)

    def _decide(self, window: BandWindow, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        patches = Patches(RADIUS + MARGIN, rows, cols)
        t = in_patches(self.model, window.bands, patches)
        inside = patches.take(window.inside)
        valid = np.stack([erode3(p, i) for p, i in zip(t["positive"], inside, strict=True)])
        valid &= window.valid_in(patches.take)
        water = (t["water"] | patches.take(window.water)) & valid
        eq12 = t["eq12"] & valid
        unambiguous = (eq12 | (np.stack([dilate3(m) for m in eq12]) & t["eq13"])) & valid
        potential = t["potential"] & valid
        inner = slice(MARGIN, MARGIN + 2 * RADIUS + 1)
        c = RADIUS + MARGIN
        conf = np.where(unambiguous[:, c, c], HIGH, 0).astype(np.uint8)
        todo = potential[:, c, c] & ~unambiguous[:, c, c] & ~water[:, c, c]
        if todo.any():
            background = (valid & ~unambiguous & ~potential & ~water)[:, inner, inner]
            ok = growing_contextual_test(
                patches.take(window.bands["b7"])[todo][:, inner, inner],
                patches.take(window.bands["b5"])[todo][:, inner, inner],
                np.ascontiguousarray(background[todo]),
                np.ascontiguousarray(inside[todo][:, inner, inner]),
            )
            conf[np.flatnonzero(todo)[ok]] = NOMINAL
        conf[water[:, c, c]] = 0
        return conf
