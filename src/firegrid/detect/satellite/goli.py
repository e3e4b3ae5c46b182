"""Landsat 8/9 OLI active fire, Kumar & Roy 2018 (GOLI)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite import window_masks
from firegrid.detect.satellite.base import HIGH, NOMINAL, BandWindow, GraphDetector, PixelResult
from firegrid.detect.satellite.context import (
    Patches,
    choose_radius,
    contextual_at_radii,
    dilate3_stack,
    erode3_stack,
)
from firegrid.detect.satellite.sparse import band_patches, chunks, in_patches, sparse_nonzero

RADIUS = 30  # the window grows up to 61 x 61
MARGIN = 2  # erosion of valid pixels, then dilation for Eq 13
LEVELS = (2, 8, RADIUS)  # patch radii tried in turn: most candidates have enough background in 5 x 5
CHUNK = 1024  # candidates per batch of small patches


@dataclass
class _Classes:
    """Per-pixel classes on patches of radius ``level + MARGIN`` around candidates."""

    patches: Patches
    b7: NDArray[np.float32]  # (n, s, s) patches within ``level`` of the centre
    b5: NDArray[np.float32]
    unambiguous: NDArray[np.bool_]  # at the centres
    potential: NDArray[np.bool_]
    water: NDArray[np.bool_]
    background: NDArray[np.bool_]  # (n, s, s) within ``level`` of the centre
    inside: NDArray[np.bool_]

    def subset(self, idx: NDArray[np.intp]) -> _Classes:
        """The classes of some of the candidates."""
        p = self.patches
        return _Classes(
            Patches(p.radius, p.rows[idx], p.cols[idx]),
            self.b7[idx],
            self.b5[idx],
            self.unambiguous[idx],
            self.potential[idx],
            self.water[idx],
            self.background[idx],
            self.inside[idx],
        )


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
        each prefiltered pixel is decided on a patch around it: first a 9 x 9 one (classes
        and a 5 x 5 background window), larger ones only for the candidates whose window
        must grow past what the smaller patch holds.
        """
        core = window.core
        with np.errstate(invalid="ignore"):
            hot = window_masks.goli(*(window.view(k, *core) for k in ("b4", "b6", "b7")))
        rows, cols = sparse_nonzero(hot)
        rows, cols = rows + window.halo, cols + window.halo
        confidence = np.zeros(len(rows), np.uint8)
        for chunk in chunks(np.arange(len(rows)), CHUNK):
            confidence[chunk] = self._decide(window, rows[chunk], cols[chunk])
        return PixelResult.from_classes(rows, cols, confidence)

    def _decide(self, window: BandWindow, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        first = self._classes(window, rows, cols, LEVELS[0])
        conf = np.where(first.unambiguous, HIGH, 0).astype(np.uint8)
        todo = np.flatnonzero(first.potential & ~first.unambiguous & ~first.water)
        confirmed = self._grow(window, first.subset(todo))
        conf[todo[confirmed]] = NOMINAL
        conf[first.water] = 0
        return conf

    def _grow(self, window: BandWindow, classes: _Classes) -> np.ndarray:
        """Eq 8-9 in the smallest window with a quarter of background, on ever larger patches."""
        rows, cols = classes.patches.rows, classes.patches.cols
        confirmed = np.zeros(len(rows), bool)
        pending, start, c = np.arange(len(rows)), 2, classes
        for i, level in enumerate(LEVELS):
            if not len(pending):
                break
            if i:
                c = self._classes(window, rows[pending], cols[pending], level)
            chosen = choose_radius(c.background, c.inside, start)
            confirmed[pending] = contextual_at_radii(c.b7, c.b5, c.background, chosen)
            pending, start = pending[chosen < 0], level + 1
        return confirmed

    def _classes(self, window: BandWindow, rows: np.ndarray, cols: np.ndarray, level: int) -> _Classes:
        patches = Patches(level + MARGIN, rows, cols)
        values = band_patches(window.bands, patches)
        t = in_patches(self.model, values)
        inside = patches.take(window.inside)
        valid = erode3_stack(t["positive"], inside) & window.valid_in(patches.take, values)
        water = (t["water"] | patches.take(window.water)) & valid
        eq12 = t["eq12"] & valid
        unambiguous = (eq12 | (dilate3_stack(eq12) & t["eq13"])) & valid
        potential = t["potential"] & valid
        inner = _inner(level)
        c = level + MARGIN
        return _Classes(
            patches,
            values["b7"][:, inner, inner],
            values["b5"][:, inner, inner],
            unambiguous[:, c, c],
            potential[:, c, c],
            water[:, c, c],
            np.ascontiguousarray((valid & ~unambiguous & ~potential & ~water)[:, inner, inner]),
            np.ascontiguousarray(inside[:, inner, inner]),
        )


def _inner(level: int) -> slice:
    return slice(MARGIN, MARGIN + 2 * level + 1)
