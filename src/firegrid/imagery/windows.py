"""Read a scene window by window, with a halo, as reflectance plus masks.

A full scene never sits in memory: each window reads only its padded region of the
bands a detector needs. Pixels of the halo beyond the scene are NaN and ``inside`` False.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.enums import Resampling
from rasterio.windows import Window

from firegrid.detect.satellite.base import BandWindow
from firegrid.errors import InputError
from firegrid.files.gate import open_raster
from firegrid.imagery.scene import BandSource, QaSource, Scene

# Landsat Collection 2 QA_PIXEL bits
QA_FILL, QA_CLOUD, QA_WATER = 1 << 0, 1 << 3, 1 << 7
QA_OBSCURED = (1 << 1) | (1 << 2) | (1 << 4) | (1 << 5)  # dilated cloud, cirrus, cloud shadow, snow
# Sentinel-2 L2A scene classification
SCL_NODATA, SCL_SATURATED, SCL_WATER, SCL_CLOUDS = 0, 1, 6, (8, 9, 10)
SCL_OBSCURED = (3, 11)  # cloud shadow, snow
GDAL_CACHE_MB = 64
SWIR_BANDS = {"landsat": ("b5", "b6", "b7"), "sentinel2": ("b8a", "b11", "b12")}


@dataclass(frozen=True)
class WindowSpec:
    """The core of one window, in scene pixels."""

    index: int
    row: int
    col: int
    height: int
    width: int


def plan_windows(height: int, width: int, size: int = 1024) -> list[WindowSpec]:
    """Tiles of ``size`` x ``size`` (smaller at the right and bottom edges), row-major."""
    specs: list[WindowSpec] = []
    for r in range(0, height, size):
        for c in range(0, width, size):
            specs.append(WindowSpec(len(specs), r, c, min(size, height - r), min(size, width - c)))
    return specs


class SceneReader:
    """Open band files once; read padded windows as ``BandWindow``."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self._stack = ExitStack()
        self._open: dict[str, Any] = {}

    def __enter__(self) -> SceneReader:
        # windows are read once each: a small block cache keeps memory flat on full scenes
        self._stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _dataset(self, path: str) -> Any:
        if path not in self._open:
            self._open[path] = self._stack.enter_context(open_raster(path))
        return self._open[path]

    def read(self, spec: WindowSpec, bands: tuple[str, ...], halo: int, sun_corrected: bool) -> BandWindow:
        """The window's bands (reflectance, float32) and masks, padded by ``halo``.

        Invalid pixels (nodata, fill, non-finite, masked by QA) keep whatever value they
        have; ``valid`` says which pixels to use. Pixels beyond the scene are NaN.
        """
        scene = self.scene
        missing = [b for b in bands if b not in scene.bands and b != "b1"]
        if missing:
            raise InputError(f"{scene.source}: band(s) {', '.join(missing)} missing for this detector")
        shape = (spec.height + 2 * halo, spec.width + 2 * halo)
        r0, c0 = spec.row - halo, spec.col - halo
        rr = (max(0, r0), min(scene.height, spec.row + spec.height + halo))
        cc = (max(0, c0), min(scene.width, spec.col + spec.width + halo))
        dst = (slice(rr[0] - r0, rr[1] - r0), slice(cc[0] - c0, cc[1] - c0))
        padded = (rr[1] - rr[0], cc[1] - cc[0]) != shape
        inside = np.zeros(shape, dtype=bool)
        inside[dst] = True
        masks: list[NDArray[np.bool_]] = []
        saturated = np.zeros(shape, dtype=bool)
        arrays: dict[str, NDArray[np.float32]] = {}
        for name in bands:
            source = scene.bands.get(name) or scene.bands["b2"]  # b1 missing: b2 stands in (documented)
            dn = self._read_region(source, rr, cc)
            refl = self._reflectance(source, dn, sun_corrected)
            if source.nodata is not None and not math.isnan(source.nodata):
                mask = np.zeros(shape, dtype=bool)
                mask[dst] = dn != source.nodata
                masks.append(mask)
            if source.saturation_dn is not None and name in SWIR_BANDS[scene.sensor]:
                saturated[dst] |= dn == source.saturation_dn
            if padded:
                out = np.full(shape, np.nan, dtype=np.float32)
                out[dst] = refl
                refl = out
            arrays[name] = refl
        water = np.zeros(shape, dtype=bool)
        obscured = np.zeros(shape, dtype=bool)
        for qa in scene.qa:
            masks.append(self._apply_qa(qa, rr, cc, dst, water, saturated, obscured))
        cloud_test = scene.sensor == "sentinel2" and not any(q.kind == "s2_scl" for q in scene.qa)
        return BandWindow(arrays, inside, saturated, water, halo, masks, cloud_test, obscured)

    def _read_region(self, source: BandSource, rr: tuple[int, int], cc: tuple[int, int]) -> NDArray[Any]:
        u = source.upsample
        if u > 1:  # nearest neighbour: read the parent pixels, repeat, crop
            pr = (rr[0] // u, -(-rr[1] // u))
            pc = (cc[0] // u, -(-cc[1] // u))
            parent = self._read_region(replace(source, upsample=1), pr, pc)
            full = np.repeat(np.repeat(parent, u, axis=0), u, axis=1)
            r0, c0 = rr[0] - pr[0] * u, cc[0] - pc[0] * u
            return full[r0 : r0 + rr[1] - rr[0], c0 : c0 + cc[1] - cc[0]]
        f = source.factor
        if source.array is not None:
            region = source.array[rr[0] * f : rr[1] * f, cc[0] * f : cc[1] * f]
            if f == 1:
                return np.asarray(region)
            h, w = rr[1] - rr[0], cc[1] - cc[0]
            return np.asarray(
                region.reshape(h, f, w, f).mean(axis=(1, 3), dtype=np.float64).astype(region.dtype)
            )
        ds = self._dataset(source.path)
        window = Window(cc[0] * f, rr[0] * f, (cc[1] - cc[0]) * f, (rr[1] - rr[0]) * f)
        out_shape = (rr[1] - rr[0], cc[1] - cc[0])
        if f == 1:
            return np.asarray(ds.read(source.index, window=window))
        return np.asarray(
            ds.read(source.index, window=window, out_shape=out_shape, resampling=Resampling.average)
        )

    def _reflectance(self, source: BandSource, dn: NDArray[Any], sun_corrected: bool) -> NDArray[np.float32]:
        refl = dn if dn.dtype == np.float32 else dn.astype(np.float32)
        if source.scale != 1.0 or source.offset != 0.0:
            refl = refl * np.float32(source.scale) + np.float32(source.offset)
        elevation = self.scene.sun_elevation
        if elevation is not None:
            sine = np.float32(math.sin(math.radians(elevation)))
            if sun_corrected and self.scene.reflectance == "uncorrected":
                refl = refl / sine
            elif not sun_corrected and self.scene.reflectance == "corrected":
                refl = refl * sine
        return refl

    def _apply_qa(
        self,
        qa: QaSource,
        rr: tuple[int, int],
        cc: tuple[int, int],
        dst: tuple[slice, slice],
        water: NDArray[np.bool_],
        saturated: NDArray[np.bool_],
        obscured: NDArray[np.bool_],
    ) -> NDArray[np.bool_]:
        """Mark water, saturation and obscured surface from a QA band; returns its validity mask."""
        values = self._qa_values(qa, rr, cc)
        valid = np.ones(water.shape, dtype=bool)
        if qa.kind == "landsat_qa_pixel":
            valid[dst] = (values & (QA_FILL | QA_CLOUD)) == 0
            water[dst] |= (values & QA_WATER) != 0
            obscured[dst] |= (values & QA_OBSCURED) != 0
        elif qa.kind == "landsat_qa_radsat":
            saturated[dst] |= (values & 0b1110000) != 0  # bands 5, 6, 7
        else:
            valid[dst] = (values != SCL_NODATA) & ~np.isin(values, SCL_CLOUDS)
            water[dst] |= values == SCL_WATER
            saturated[dst] |= values == SCL_SATURATED
            obscured[dst] |= np.isin(values, SCL_OBSCURED)
        return valid

    def _qa_values(self, qa: QaSource, rr: tuple[int, int], cc: tuple[int, int]) -> NDArray[np.int64]:
        source = BandSource(qa.path, factor=qa.factor, upsample=qa.upsample)
        return self._read_region(source, rr, cc).astype(np.int64)
