"""Scan a scene for bare soil: one windowed pass, scene thresholds, patches."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.detections import Detections
from firegrid.detect.dust.baresoil import BareSoilDetector, SoilPixels, WindowPass
from firegrid.detect.dust.landcover import LandCover
from firegrid.detect.dust.params import DustParams
from firegrid.detect.dust.patches import DustPatch, build_patches
from firegrid.detect.dust.thresholds import IndexHistograms, Thresholds, choose
from firegrid.detect.runner import ProgressFn, run_windows
from firegrid.detect.satellite.base import BandWindow
from firegrid.errors import InputError
from firegrid.imagery.regions import DecodedRegions
from firegrid.imagery.scene import Scene
from firegrid.imagery.windows import SceneReader, WindowSpec, plan_windows
from firegrid.types import Hazard, SourceKind

SENSOR_NAMES = {"landsat": "OLI", "sentinel2": "MSI"}


@dataclass
class ScenePass:
    """A scene's candidate pixels, histograms and thresholds."""

    scene: Scene
    candidates: SoilPixels
    hist: IndexHistograms
    thresholds: Thresholds
    windows: int

    def bare(self) -> SoilPixels:
        """Candidates that pass the scene's thresholds."""
        c, t = self.candidates, self.thresholds
        return c.subset((c.bsi > t.bsi) & (c.ndvi < t.ndvi))

    def fractions(self) -> dict[str, float]:
        """Share of valid sample pixels that are cloud / clear land."""
        n = max(self.hist.sampled, 1)
        return {"cloud": round(self.hist.cloud / n, 4), "clear_land": round(self.hist.land / n, 4)}


class DustReader:
    """A scene reader plus the optional land-cover raster, for one thread's windows."""

    def __init__(self, scene: Scene, landcover: Path | None, regions: DecodedRegions | None = None) -> None:
        self.scene = scene
        self._stack = ExitStack()
        self.reader = SceneReader(scene, regions)
        self.landcover = landcover
        self.cover: LandCover | None = None

    def __enter__(self) -> DustReader:
        self._stack.enter_context(self.reader)
        self.cover = self._stack.enter_context(LandCover(self.landcover)) if self.landcover else None
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def read(
        self, detector: BareSoilDetector, spec: WindowSpec
    ) -> tuple[BandWindow, NDArray[np.uint8] | None]:
        """The (halo-free) window the detector reads, and its land-cover classes if any."""
        scene = self.scene
        window = self.reader.read(spec, detector.bands(scene.sensor), 0, detector.sun_corrected)
        return window, self.cover.read(scene, spec) if self.cover else None

    def detect(
        self,
        detector: BareSoilDetector,
        window: BandWindow,
        spec: WindowSpec,
        classes: NDArray[np.uint8] | None,
        params: DustParams,
    ) -> WindowPass:
        """Histogram sample and candidate pixels of a window read for it."""
        return detector.evaluate(window, self.scene.sensor, spec, classes, params.thresholds.lowest_bsi)

    def evaluate(self, detector: BareSoilDetector, spec: WindowSpec, params: DustParams) -> WindowPass:
        """Read and detect one window."""
        window, classes = self.read(detector, spec)
        return self.detect(detector, window, spec, classes, params)


def merge_passes(scene: Scene, passes: list[WindowPass], params: DustParams, landcover: bool) -> ScenePass:
    """All windows' candidates and histograms (in window order); the scene's thresholds."""
    hist = IndexHistograms()
    for p in passes:
        hist.merge(p.hist)
    pixels = SoilPixels.concat([p.pixels for p in passes])
    config = params.thresholds if landcover else params.thresholds.model_copy(update={"bare_class": 0})
    return ScenePass(scene, pixels, hist, choose(hist, config), len(passes))


def first_pass(
    scene: Scene,
    detector: BareSoilDetector,
    params: DustParams,
    window_size: int = 1024,
    landcover: Path | None = None,
    progress: ProgressFn | None = None,
) -> ScenePass:
    """Read the scene window by window; candidates and histograms; choose thresholds."""
    specs = plan_windows(scene.height, scene.width, window_size, detector.halo)
    passes = run_windows(
        specs,
        lambda: DustReader(scene, landcover),
        lambda reader, spec: reader.evaluate(detector, spec, params),
        params.threads,
        progress,
    )
    return merge_passes(scene, passes, params, landcover is not None)


@dataclass
class BareSoilResult:
    """Bare patches of one scene (or new bare land of a series)."""

    scene: Scene
    detector: dict[str, str]
    thresholds: Thresholds
    patches: list[DustPatch]
    fractions: dict[str, float]
    seconds: float
    windows: int
    notes: list[str] = field(default_factory=list)

    def summary(self, with_polygons: bool = False) -> dict[str, Any]:
        """JSON-ready summary (``dust_patches`` as in ``firegrid scan --json``)."""
        return {
            "scene": self.scene.scene_id,
            "detector": self.detector,
            "thresholds": self.thresholds.as_dict(),
            "fractions": self.fractions,
            "dust_patches": [p.as_dict(with_polygons) for p in self.patches],
            "windows": self.windows,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def scan_bare_soil(
    scene: Scene,
    detector: BareSoilDetector,
    params: DustParams,
    window_size: int = 1024,
    landcover: Path | None = None,
    progress: ProgressFn | None = None,
) -> BareSoilResult:
    """Bare-soil patches of a scene."""
    start = time.perf_counter()
    result = first_pass(scene, detector, params, window_size, landcover, progress)
    return bare_soil_result(result, detector, params, time.perf_counter() - start)


def bare_soil_result(
    result: ScenePass, detector: BareSoilDetector, params: DustParams, seconds: float
) -> BareSoilResult:
    """Patches of a scene's first pass (the thresholds applied, components measured)."""
    start = time.perf_counter()
    notes = []
    if result.hist.sampled and result.hist.land < 0.05 * result.hist.sampled:
        notes.append("under 5 % clear land (cloud, snow, water): no reliable bare-soil map")
    patches = build_patches(
        result.scene,
        result.bare(),
        result.thresholds,
        params.min_patch_m2,
        params.landcover.kind_of,
    )
    return BareSoilResult(
        result.scene,
        detector.describe(),
        result.thresholds,
        patches,
        result.fractions(),
        seconds + time.perf_counter() - start,
        result.windows,
        notes,
    )


def dust_detections(result: BareSoilResult) -> Detections:
    """Bare patches as pipeline detections (hazard dust, source kind satellite_scene)."""
    scene = result.scene
    if scene.acquired_at is None:
        raise InputError(f"{scene.source}: no acquisition time; detections need one")
    patches = result.patches
    n = len(patches)
    return Detections.from_columns(
        lon=[p.lon for p in patches],
        lat=[p.lat for p in patches],
        observed_at=[scene.acquired_at] * n,
        hazard=Hazard.DUST.value,
        source_kind=SourceKind.SATELLITE_SCENE.value,
        sensor=SENSOR_NAMES[scene.sensor],
        platform=scene.platform,
        product=scene.scene_id,
        confidence=[p.score for p in patches],
        footprint_m=[p.area_m2**0.5 for p in patches],
        daynight="D",
        source_file=scene.source,
        source_row=list(range(1, n + 1)),
        detector=result.detector["name"],
        detector_version=result.detector["version"],
        attrs=[
            {"scene": scene.scene_id, "thresholds": result.thresholds.as_dict()}
            | p.as_dict(with_polygon=True)
            for p in patches
        ],
    )
