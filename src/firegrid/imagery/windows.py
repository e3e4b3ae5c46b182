"""Read a scene window by window, with a halo, as reflectance plus masks.

A full scene never sits in memory: each window reads only its padded region of the
bands a detector needs. Pixels of the halo beyond the scene are NaN and ``inside`` False.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite.bands import PaddedBands
from firegrid.detect.satellite.base import BandWindow
from firegrid.errors import InputError
from firegrid.imagery.regions import DecodedRegions
from firegrid.imagery.scene import BandSource, QaSource, Scene

# Landsat Collection 2 QA_PIXEL bits
QA_FILL, QA_CLOUD, QA_WATER = 1 << 0, 1 << 3, 1 << 7
QA_OBSCURED = (1 << 1) | (1 << 2) | (1 << 4) | (1 << 5)  # dilated cloud, cirrus, cloud shadow, snow
# Sentinel-2 L2A scene classification
SCL_NODATA, SCL_SATURATED, SCL_WATER, SCL_CLOUDS = 0, 1, 6, (8, 9, 10)
SCL_OBSCURED = (3, 11)  # cloud shadow, snow
SWIR_BANDS = {"landsat": ("b5", "b6", "b7"), "sentinel2": ("b8a", "b11", "b12")}
STRIP_HALO = 2  # detectors reading at most this far around a window get full-width strips


@dataclass(frozen=True)
class WindowSpec:
    """The core of one window, in scene pixels."""

    index: int
    row: int
    col: int
    height: int
    width: int


def plan_windows(height: int, width: int, size: int = 1024, halo: int | None = None) -> list[WindowSpec]:
    """Windows of about ``size`` x ``size`` pixels, row-major.

    Square tiles (smaller at the right and bottom edges) when a detector reads a halo of
    more than ``STRIP_HALO`` pixels around each window; otherwise (``halo`` given and small:
    HOTMAP, bare soil) full-width strips of ``size**2 // width`` rows, which memory and
    GeoTIFF blocks are read along far faster than squares (rows of a square are short runs
    spread over the image).
    """
    if halo is not None and halo <= STRIP_HALO:
        step = max(1, min(height, size * size // max(width, 1)))
        return [
            WindowSpec(i, r, 0, min(step, height - r), width) for i, r in enumerate(range(0, height, step))
        ]
    specs: list[WindowSpec] = []
    for r in range(0, height, size):
        for c in range(0, width, size):
            specs.append(WindowSpec(len(specs), r, c, min(size, height - r), min(size, width - c)))
    return specs


class SceneReader:
    """Read padded windows of a scene as ``BandWindow``.

    Readers of the same scene on different grids (or for different detectors) share one
    ``DecodedRegions``, so each band region is decoded once per window; a reader without one
    makes its own, reading rows of windows in full-width strips.
    """

    def __init__(self, scene: Scene, regions: DecodedRegions | None = None) -> None:
        self.scene = scene
        self._own = regions is None
        self.regions = regions if regions is not None else DecodedRegions(strips=True)

    def __enter__(self) -> SceneReader:
        if self._own:
            self.regions.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own:
            self.regions.__exit__(*exc)

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
        if (rr[1] - rr[0], cc[1] - cc[0]) == shape:  # all inside: a read-only view, nothing written
            inside: NDArray[np.bool_] = np.broadcast_to(np.True_, shape)
        else:
            inside = np.zeros(shape, dtype=bool)
            inside[dst] = True
        masks: list[NDArray[np.bool_]] = []
        saturated = np.zeros(shape, dtype=bool)
        regions: dict[str, NDArray[np.float32]] = {}
        for name in bands:
            source = scene.bands.get(name) or scene.bands["b2"]  # b1 missing: b2 stands in (documented)
            dn = self.regions.region(source, rr, cc)
            regions[name] = self._reflectance(source, dn, sun_corrected)  # in-scene part; padded on demand
            if source.nodata is not None and not math.isnan(source.nodata):
                mask = np.zeros(shape, dtype=bool)
                mask[dst] = dn != source.nodata
                masks.append(mask)
            if source.saturation_dn is not None and name in SWIR_BANDS[scene.sensor]:
                saturated[dst] |= dn == source.saturation_dn
        water = np.zeros(shape, dtype=bool)
        obscured = np.zeros(shape, dtype=bool)
        for qa in scene.qa:
            masks.append(self._apply_qa(qa, rr, cc, dst, water, saturated, obscured))
        cloud_test = scene.sensor == "sentinel2" and not any(q.kind == "s2_scl" for q in scene.qa)
        arrays = PaddedBands(regions, shape, dst)
        return BandWindow(arrays, inside, saturated, water, halo, masks, cloud_test, obscured)

    def _reflectance(self, source: BandSource, dn: NDArray[Any], sun_corrected: bool) -> NDArray[np.float32]:
        """``dn * scale + offset`` (divided or multiplied by sin(sun elevation) as the detector wants),
        float32; float32 DN needing nothing are returned as they are (a view: never written to)."""
        sine, divide = self._sun(sun_corrected)
        scaled = source.scale != 1.0 or source.offset != 0.0
        if dn.dtype == np.float32 and not scaled and sine is None:
            return dn
        out = np.empty(dn.shape, np.float32)
        if scaled:
            np.multiply(dn, np.float32(source.scale), out=out, dtype=np.float32)
            np.add(out, np.float32(source.offset), out=out)
        else:
            np.copyto(out, dn, casting="unsafe")
        if sine is not None and divide:
            np.divide(out, sine, out=out)
        elif sine is not None:
            np.multiply(out, sine, out=out)
        return out

    def _sun(self, sun_corrected: bool) -> tuple[np.float32 | None, bool]:
        """sin(sun elevation) and whether to divide (True) or multiply by it; None: leave as is."""
        elevation = self.scene.sun_elevation
        if elevation is None:
            return None, False
        sine = np.float32(math.sin(math.radians(elevation)))
        if sun_corrected and self.scene.reflectance == "uncorrected":
            return sine, True
        if not sun_corrected and self.scene.reflectance == "corrected":
            return sine, False
        return None, False

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
        return self.regions.region(source, rr, cc).astype(np.int64)
