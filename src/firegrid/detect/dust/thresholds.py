"""Scene-adaptive bare-soil thresholds, from index histograms of clear land pixels.

Fixed thresholds do not transfer between scenes (``shared/reference/dust-sources.md``
§1.3), so each scene gets its own, within documented bounds:

1. **Land cover** (a WorldCover-style raster is given and it has at least
   ``min_class_pixels`` clear sample pixels of the bare class): the mundialis
   ``i.sentinel_2.autotraining`` rule - BSI threshold = 25th percentile of BSI in the
   bare class; NDVI threshold = 75th percentile of NDVI there if its median is below
   0.3, else the 25th percentile.
2. **Otsu** on the BSI histogram of all clear land, used only when the histogram is
   clearly bimodal (Otsu's separability ``eta`` >= ``min_separability``).
3. **Fixed** fallback: BSI > 0.05 and NDVI < 0.25 (the starting point of the notes).

Whatever the source, the thresholds are clamped to ``bsi`` in [0.0, 0.25] and ``ndvi``
in [0.10, 0.30], inside the graph's ``candidate`` test, so a forest-only scene never
gets a threshold that makes its own leaves "bare".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.dust.params import ThresholdParams

BIN = 0.005
LO, HI = -1.0, 1.0
NBINS = round((HI - LO) / BIN) + 1
CLASSES = 256  # land-cover codes are 0..255 (WorldCover uses 10..100); 0 = none


@dataclass(frozen=True)
class Thresholds:
    """The thresholds a scene got and where they came from."""

    bsi: float
    ndvi: float
    source: str  # landcover, otsu, fixed
    separability: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "bsi": round(self.bsi, 4),
            "ndvi": round(self.ndvi, 4),
            "source": self.source,
            "separability": None if self.separability is None else round(self.separability, 3),
        }


def bins(values: NDArray[np.float32]) -> NDArray[np.intp]:
    """Histogram bin of each value (clipped into [-1, 1])."""
    clipped = np.clip(np.nan_to_num(values, nan=LO), LO, HI)
    out: NDArray[np.intp] = np.rint((clipped - LO) / BIN).astype(np.intp)
    return out


def centres() -> NDArray[np.float64]:
    """The value at each bin."""
    return np.asarray(LO + BIN * np.arange(NBINS), dtype=np.float64)


@dataclass
class IndexHistograms:
    """BSI and NDVI histograms of clear land sample pixels, per land-cover class.

    Counts are kept only for the classes seen (a window without land cover adds to class
    0 alone), so adding and merging windows costs what they hold, not 256 classes each.
    """

    counts: dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]] = field(default_factory=dict)
    sampled: int = 0  # valid sample pixels seen
    cloud: int = 0  # of which cloud
    land: int = 0  # of which clear land

    @property
    def bsi(self) -> NDArray[np.int64]:
        """(CLASSES, NBINS) BSI counts."""
        return self._table(0)

    @property
    def ndvi(self) -> NDArray[np.int64]:
        """(CLASSES, NBINS) NDVI counts."""
        return self._table(1)

    def _table(self, which: int) -> NDArray[np.int64]:
        table = np.zeros((CLASSES, NBINS), np.int64)
        for k, pair in self.counts.items():
            table[k] = pair[which]
        return table

    def add(
        self,
        bsi: NDArray[np.float32],
        ndvi: NDArray[np.float32],
        classes: NDArray[np.uint8] | None,
    ) -> None:
        """Count clear land pixels (1-D arrays); ``classes`` None means all class 0."""
        if classes is None:
            self._add(0, np.bincount(bins(bsi), minlength=NBINS), np.bincount(bins(ndvi), minlength=NBINS))
            return
        k = classes.astype(np.intp)
        size = (int(k.max(initial=0)) + 1) * NBINS
        by_bsi = np.bincount(k * NBINS + bins(bsi), minlength=size).reshape(-1, NBINS)
        by_ndvi = np.bincount(k * NBINS + bins(ndvi), minlength=size).reshape(-1, NBINS)
        for c in np.unique(k).tolist():
            self._add(c, by_bsi[c], by_ndvi[c])

    def _add(self, k: int, bsi: NDArray[np.int64], ndvi: NDArray[np.int64]) -> None:
        if k in self.counts:
            self.counts[k][0][:] += bsi
            self.counts[k][1][:] += ndvi
        else:
            self.counts[k] = (bsi.astype(np.int64), ndvi.astype(np.int64))

    def merge(self, other: IndexHistograms) -> None:
        """Add another window's counts."""
        for k, (bsi, ndvi) in other.counts.items():
            self._add(k, bsi, ndvi)
        self.sampled += other.sampled
        self.cloud += other.cloud
        self.land += other.land


def percentile(hist: NDArray[np.int64], q: float) -> float:
    """The ``q``-th percentile (0-100) of a histogram, at bin resolution."""
    cdf = np.cumsum(hist)
    k = int(np.searchsorted(cdf, q / 100.0 * cdf[-1], side="left"))
    return float(centres()[min(k, NBINS - 1)])


def otsu(hist: NDArray[np.int64]) -> tuple[float, float]:
    """Otsu's threshold of a histogram and its separability eta = sigma_b^2 / sigma_t^2."""
    p = hist.astype(np.float64) / hist.sum()
    x = centres()
    omega = np.cumsum(p)
    mu = np.cumsum(p * x)
    mu_t = mu[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma_b = (mu_t * omega - mu) ** 2 / (omega * (1.0 - omega))
    sigma_b = np.nan_to_num(sigma_b, nan=0.0, posinf=0.0)
    k = int(np.argmax(sigma_b))
    sigma_t = float(np.sum(p * (x - mu_t) ** 2))
    eta = float(sigma_b[k] / sigma_t) if sigma_t > 0 else 0.0
    return float(x[k] + BIN / 2), eta


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return float(min(max(value, bounds[0]), bounds[1]))


def choose(hists: IndexHistograms, config: ThresholdParams) -> Thresholds:
    """The scene's thresholds (see the module docstring for the order)."""
    bare_bsi = hists.bsi[config.bare_class]
    if config.bare_class and bare_bsi.sum() >= config.min_class_pixels:
        bare_ndvi = hists.ndvi[config.bare_class]
        median = percentile(bare_ndvi, 50)
        ndvi = percentile(bare_ndvi, 75 if median < 0.3 else 25)
        return Thresholds(
            _clamp(percentile(bare_bsi, 25), config.bsi_bounds),
            _clamp(ndvi, config.ndvi_bounds),
            "landcover",
        )
    total = hists.bsi.sum(axis=0)
    if total.sum() >= config.min_pixels:
        threshold, eta = otsu(total)
        if eta >= config.min_separability:
            return Thresholds(
                _clamp(threshold, config.bsi_bounds),
                _clamp(config.ndvi_fixed, config.ndvi_bounds),
                "otsu",
                eta,
            )
        return Thresholds(config.bsi_fixed, config.ndvi_fixed, "fixed", eta)
    return Thresholds(config.bsi_fixed, config.ndvi_fixed, "fixed")
