"""The bare-soil detector: the shipped index graph evaluated on a scene window.

Per window it does two cheap things instead of evaluating the graph everywhere:

* on a regular sample (every ``sample_step``-th row and column, in scene coordinates)
  the full graph feeds the index histograms the scene-adaptive thresholds come from,
  and the cloud / clear-land fractions;
* everywhere, the prefilter ``S1 + R > N + B`` (a strict superset of the graph's
  ``candidate`` test) selects pixels, and the graph runs on those alone.

The candidates are kept sparse (scene row/col plus index values); the thresholds are
applied once the whole scene has been seen. Pixels are independent, so the result does
not depend on the window size.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.dust.indices import BAND_MAPS, GENERIC, prefilter_slope
from firegrid.detect.dust.thresholds import IndexHistograms
from firegrid.detect.satellite import window_masks
from firegrid.detect.satellite.base import BandWindow
from firegrid.detect.satellite.runtime import PixelModel
from firegrid.detect.satellite.sparse import at_pixels, gather, nonzero2
from firegrid.errors import InputError
from firegrid.imagery.windows import WindowSpec


@dataclass
class SoilPixels:
    """Sparse pixels in scene coordinates with their index values and land-cover code."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    bsi: NDArray[np.float32]
    ndvi: NDArray[np.float32]
    mbi: NDArray[np.float32]
    landcover: NDArray[np.uint8]

    @classmethod
    def empty(cls) -> SoilPixels:
        """No pixels."""
        return cls(
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.float32),
            np.empty(0, np.float32),
            np.empty(0, np.float32),
            np.empty(0, np.uint8),
        )

    @classmethod
    def concat(cls, parts: list[SoilPixels]) -> SoilPixels:
        """All pixels of several windows."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def subset(self, keep: NDArray[Any]) -> SoilPixels:
        """Pixels selected by a mask or index array."""
        return SoilPixels(*(getattr(self, f.name)[keep] for f in fields(self)))

    def keys(self, width: int) -> NDArray[np.int64]:
        """Linear pixel index ``row * width + col``."""
        return self.rows * width + self.cols

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class WindowPass:
    """What one window contributes: candidate pixels and histogram counts."""

    pixels: SoilPixels
    hist: IndexHistograms


class BareSoilDetector:
    """Bare soil from BSI / NDVI with sky and water masks; Sentinel-2 and Landsat 8/9."""

    name = "bare-soil-indices"
    halo = 0
    sun_corrected = True  # fixed cloud/snow thresholds are on sun-corrected TOA reflectance

    def __init__(self, models_dir: Path, sample_step: int = 8) -> None:
        self.model = PixelModel(models_dir, self.name)
        self.version = self.model.manifest.version
        self.sample_step = sample_step

    def describe(self) -> dict[str, str]:
        """Name, version and graph hash."""
        return {"name": self.name, "version": self.version, "sha256": self.model.manifest.sha256}

    @staticmethod
    def bands(sensor: str) -> tuple[str, ...]:
        """The scene bands the detector reads for a sensor."""
        if sensor not in BAND_MAPS:
            raise InputError(f"no bare-soil band mapping for {sensor} scenes")
        return tuple(BAND_MAPS[sensor][g] for g in GENERIC)

    @staticmethod
    def _generic(window: BandWindow, sensor: str) -> dict[str, NDArray[np.float32]]:
        return {g: window.bands[BAND_MAPS[sensor][g]] for g in GENERIC}

    def evaluate(
        self,
        window: BandWindow,
        sensor: str,
        spec: WindowSpec,
        classes: NDArray[np.uint8] | None = None,
        min_bsi: float = 0.0,
    ) -> WindowPass:
        """Histogram sample and candidate pixels of a (halo-free) window.

        ``min_bsi``: the lowest threshold the scene can get (``ThresholdParams.lowest_bsi``);
        pixels at or below it can never be bare, so the prefilter drops them.
        """
        bands = self._generic(window, sensor)
        obscured = window.obscured if window.obscured is not None else np.zeros(window.inside.shape, bool)
        hist = self._sample(window, bands, spec, classes, obscured)
        with np.errstate(invalid="ignore", over="ignore"):
            k = prefilter_slope(min_bsi)  # the prefilter of ``bare_soil_prefilter``, in OpenCV
            prefilter = window_masks.bare_soil(bands["blue"], bands["red"], bands["nir"], bands["swir1"], k)
            rows, cols = nonzero2(prefilter)
        gathered = gather(window.bands, rows, cols)  # one gather per band
        generic = {g: gathered[name] for g, name in BAND_MAPS[sensor].items()}
        out = {k: v[0] for k, v in self.model.run({g: v[None, :] for g, v in generic.items()}).items()}
        keep = out["candidate"] & window.valid_at(rows, cols, gathered)
        if obscured.any():
            keep &= ~obscured[rows, cols]
        rows, cols = rows[keep], cols[keep]
        codes = classes[rows, cols] if classes is not None else np.zeros(len(rows), np.uint8)
        pixels = SoilPixels(
            (rows + spec.row).astype(np.int64),
            (cols + spec.col).astype(np.int64),
            out["bsi"][keep],
            out["ndvi"][keep],
            out["mbi"][keep],
            codes,
        )
        return WindowPass(pixels, hist)

    def _sample(
        self,
        window: BandWindow,
        bands: dict[str, NDArray[np.float32]],
        spec: WindowSpec,
        classes: NDArray[np.uint8] | None,
        obscured: NDArray[np.bool_],
    ) -> IndexHistograms:
        step = self.sample_step
        r0, c0 = (-spec.row) % step, (-spec.col) % step

        def take(a: NDArray[Any]) -> NDArray[Any]:
            return a[r0::step, c0::step]

        hist = IndexHistograms()
        if r0 >= spec.height or c0 >= spec.width:
            return hist
        out = self.model.run({g: take(v) for g, v in bands.items()})
        valid = window.valid_in(take) & ~take(obscured)
        land = out["land"] & valid
        hist.sampled = int(valid.sum())
        hist.cloud = int((out["cloud"] & valid).sum())
        hist.land = int(land.sum())
        hist.add(out["bsi"][land], out["ndvi"][land], take(classes)[land] if classes is not None else None)
        return hist

    def values_at(
        self, window: BandWindow, sensor: str, rows: NDArray[np.intp], cols: NDArray[np.intp]
    ) -> dict[str, NDArray[Any]]:
        """Graph outputs at window pixels, with ``clear`` = valid, not obscured, clear land."""
        out = at_pixels(self.model, self._generic(window, sensor), rows, cols)
        obscured = window.obscured[rows, cols] if window.obscured is not None else False
        out["clear"] = out["land"] & window.valid_at(rows, cols) & ~obscured
        return out
