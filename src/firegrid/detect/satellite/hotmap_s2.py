"""Sentinel-2 MSI active fire: HOTMAP (Murphy et al. 2016) on B12/B11/B8A."""

from __future__ import annotations

import numpy as np

from firegrid.detect.satellite import window_masks
from firegrid.detect.satellite.base import HIGH, NOMINAL, BandWindow, GraphDetector, PixelResult
from firegrid.detect.satellite.equations import HOTMAP_S2_B12_MIN
from firegrid.detect.satellite.sparse import at_pixels, core_mask_rows, gather, neighbours, sparse_nonzero


class HotmapS2Detector(GraphDetector):
    """Unambiguous: B12/B11 >= 1.4, B12/B8A >= 1.4, B12 >= 0.15; potential, only next to those:
    (B11/B8A >= 2 and B11 >= 0.5) or saturated SWIR. No contextual window, no water test
    (the absolute SWIR tests already exclude water).
    """

    name: str = "sentinel2-hotmap"
    sensor: str = "sentinel2"
    bands: tuple[str, ...] = ("b8a", "b11", "b12")
    halo: int = 2
    sun_corrected: bool = True

    def detect(self, window: BandWindow) -> PixelResult:
        """Fire pixels of the window's core (unambiguous pixels one pixel outside it count as neighbours)."""
        h = window.halo - 1  # the core plus a one-pixel ring, beyond the scene nothing
        height, width = window.inside.shape
        ring = window.clip(slice(h, height - h), slice(h, width - h))
        with np.errstate(invalid="ignore"):
            hot = window_masks.hotmap_ratio(*(window.view(k, *ring) for k in ("b11", "b12")))
        rows, cols = sparse_nonzero(hot)
        rows, cols = rows + ring[0].start, cols + ring[1].start
        values = gather(window.bands, rows, cols)
        keep = values["b12"] >= HOTMAP_S2_B12_MIN  # the rest of the prefilter
        rows, cols, values = rows[keep], cols[keep], {k: v[keep] for k, v in values.items()}
        t = at_pixels(self.model, window.bands, rows, cols, values)
        unambiguous = t["unambiguous"] & window.valid_at(rows, cols, values)
        ur, uc = rows[unambiguous], cols[unambiguous]
        nr, nc = neighbours(ur, uc, window.inside.shape)
        near = gather(window.bands, nr, nc)
        t_near = at_pixels(self.model, window.bands, nr, nc, near)
        potential = (t_near["near_test"] | window.saturated[nr, nc]) & window.valid_at(nr, nc, near)
        keep = potential & core_mask_rows(nr, nc, window.inside.shape, window.halo)
        in_core = core_mask_rows(ur, uc, window.inside.shape, window.halo)
        rows_all = np.concatenate((ur[in_core], nr[keep]))
        cols_all = np.concatenate((uc[in_core], nc[keep]))
        classes = np.concatenate(
            (np.full(in_core.sum(), HIGH, np.uint8), np.full(keep.sum(), NOMINAL, np.uint8))
        )
        return PixelResult.from_classes(rows_all, cols_all, classes)
