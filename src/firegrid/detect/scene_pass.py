"""One pass over a scene for every detector asked for, each band region decoded once per window.

Fire runs on the scene's fire grid (Landsat 30 m, Sentinel-2 20 m), bare soil on its own
grid (the same one for Landsat, 10 m for Sentinel-2). Windows are planned on the fire
grid when fire is asked for; the ground of each fire window is then covered by bare-soil
windows of the same size on the bare-soil grid (four 1024-pixel 10 m windows per
1024-pixel 20 m window), read after it from the same ``DecodedRegions``: what both need
(Landsat B2-B7 and QA; Sentinel-2 B11, B12 and SCL, 20 m files on both grids) is decoded
once and sliced, repeated 2 x 2 in memory for the 10 m grid, not read again.

``scan_scene`` and ``scan_bare_soil`` are the single-detector cases; scene jobs
(``services.scenes``, whether a worker or ``firegrid scan`` runs them) use this module.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from firegrid.detect.dust.baresoil import BareSoilDetector, WindowPass
from firegrid.detect.dust.params import DustParams
from firegrid.detect.dust.scan import BareSoilResult, DustReader, bare_soil_result, merge_passes
from firegrid.detect.runner import ProgressFn, run_windows
from firegrid.detect.satellite.base import SceneDetector
from firegrid.detect.satellite.points import FirePixels
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.scan import ScanResult, finish_scan, fire_pixels
from firegrid.errors import InputError
from firegrid.imagery.open import open_scene
from firegrid.imagery.regions import DecodedRegions
from firegrid.imagery.scene import Scene
from firegrid.imagery.windows import SceneReader, WindowSpec, plan_windows

FIRE, BARE_SOIL = "fire", "bare-soil"
DETECTORS = (FIRE, BARE_SOIL)


@dataclass(frozen=True)
class ScanRequest:
    """What to look for in which scene (``firegrid scan``'s options, a scene job's request)."""

    path: Path
    sensor: str = "auto"  # auto, landsat or sentinel2
    detectors: tuple[str, ...] = (FIRE,)
    fire_detector: str | None = None  # the sensor's default when None
    landcover: Path | None = None
    acquired_at: datetime | None = None  # for scenes without metadata
    window_size: int = 1024


@dataclass
class ScenePlan:
    """The scene on each grid, the detectors, and how windows are cut."""

    fire_scene: Scene | None
    fire: SceneDetector | None
    dust_scene: Scene | None
    dust: BareSoilDetector | None
    params: DustParams = field(default_factory=DustParams)
    landcover: Path | None = None
    window_size: int = 1024

    @property
    def grid(self) -> Scene:
        """The grid windows are planned on (the fire grid when fire is asked for)."""
        scene = self.fire_scene or self.dust_scene
        assert scene is not None
        return scene

    @property
    def halo(self) -> int:
        """The widest halo a detector of the plan reads (bare soil reads none)."""
        return self.fire.halo if self.fire is not None else 0

    def windows(self) -> list[WindowSpec]:
        """The windows of the scan, row-major on ``grid`` (strips when no detector needs a wide halo)."""
        return plan_windows(self.grid.height, self.grid.width, self.window_size, self.halo)

    def dust_windows(self, spec: WindowSpec) -> list[WindowSpec]:
        """Bare-soil windows covering a window's ground (itself when the grids are one)."""
        dust = self.dust_scene
        if dust is None:
            return []
        if self.fire_scene is None or dust is self.fire_scene:
            return [spec]
        k = max(1, round(dust.width / self.fire_scene.width))
        rows = (spec.row * k, min(dust.height, (spec.row + spec.height) * k))
        cols = (spec.col * k, min(dust.width, (spec.col + spec.width) * k))
        return [
            WindowSpec(spec.index, rows[0] + s.row, cols[0] + s.col, s.height, s.width)
            for s in plan_windows(rows[1] - rows[0], cols[1] - cols[0], self.window_size, 0)
        ]


def open_plan(
    request: ScanRequest,
    models_dir: Path,
    s2_offset: float,
    params: DustParams,
    roots: Sequence[Path] | None = None,
) -> ScenePlan:
    """Open the scene on the grids the detectors need (its files confined to ``roots`` when given);
    ``InputError`` for what cannot work."""
    unknown = sorted(set(request.detectors) - set(DETECTORS))
    if unknown or not request.detectors:
        raise InputError(f"unknown detector(s) {unknown}; use {', '.join(DETECTORS)}")
    fire_scene = dust_scene = None
    if FIRE in request.detectors:
        fire_scene = _open(request, s2_offset, None, roots)
    if BARE_SOIL in request.detectors:
        same_grid = fire_scene is not None and fire_scene.sensor == "landsat"
        dust_scene = fire_scene if same_grid else _open(request, s2_offset, 10, roots)
    fire = make_detector(fire_scene.sensor, models_dir, request.fire_detector) if fire_scene else None
    dust = BareSoilDetector(models_dir, params.sample_step) if dust_scene else None
    return ScenePlan(fire_scene, fire, dust_scene, dust, params, request.landcover, request.window_size)


def _open(
    request: ScanRequest, s2_offset: float, resolution: int | None, roots: Sequence[Path] | None
) -> Scene:
    scene = open_scene(request.path, request.sensor, s2_offset, resolution, roots)
    return scene if request.acquired_at is None else replace(scene, acquired_at=request.acquired_at)


@dataclass
class WindowResult:
    """What one window gave each detector, and the time spent reading and detecting."""

    fire: FirePixels | None
    dust: list[WindowPass]
    read_s: float = 0.0
    detect_s: float = 0.0
    decoded: int = 0  # band regions read from files
    shared: int = 0  # band regions sliced from one read for another detector or grid


class PlanReader:
    """One thread's readers of both grids over one ``DecodedRegions`` (``strips``: it will read
    whole rows of windows, so files are read a full-width strip at a time)."""

    def __init__(self, plan: ScenePlan, threads: int = 2, strips: bool = False) -> None:
        self.plan = plan
        self.threads = threads
        self._stack = ExitStack()
        two_grids = plan.dust_scene is not None and plan.fire_scene not in (None, plan.dust_scene)
        self.regions = DecodedRegions(threads, strips, keep=2 if two_grids else 1)
        self.fire: SceneReader | None = None
        self.dust: DustReader | None = None

    def __enter__(self) -> PlanReader:
        plan = self.plan
        self._stack.enter_context(self.regions)
        if plan.fire_scene is not None:
            self.fire = self._stack.enter_context(SceneReader(plan.fire_scene, self.regions))
        if plan.dust_scene is not None:
            self.dust = self._stack.enter_context(DustReader(plan.dust_scene, plan.landcover, self.regions))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def scan(self, spec: WindowSpec) -> WindowResult:
        """Fire pixels and bare-soil passes of one window (fire first: its regions are the larger)."""
        plan, out = self.plan, WindowResult(None, [])
        decoded, shared = self.regions.reads, self.regions.shared
        if self.fire is not None and plan.fire is not None:
            start = time.perf_counter()
            window = self.fire.read(spec, plan.fire.bands, plan.fire.halo, plan.fire.sun_corrected)
            middle = time.perf_counter()
            out.fire = fire_pixels(window, plan.fire, spec, self.fire.scene.sensor)
            out.read_s += middle - start
            out.detect_s += time.perf_counter() - middle
        if self.dust is not None and plan.dust is not None:
            for sub in plan.dust_windows(spec):
                start = time.perf_counter()
                window, classes = self.dust.read(plan.dust, sub)
                middle = time.perf_counter()
                out.dust.append(self.dust.detect(plan.dust, window, sub, classes, plan.params))
                out.read_s += middle - start
                out.detect_s += time.perf_counter() - middle
        out.decoded, out.shared = self.regions.reads - decoded, self.regions.shared - shared
        return out


@dataclass
class PlanResult:
    """Fire points and bare-soil patches of a scene, with where the time went."""

    fire: ScanResult | None
    dust: BareSoilResult | None
    windows: int
    read_s: float  # summed over windows (and threads)
    detect_s: float
    seconds: float
    decoded: int  # band regions read from files
    shared: int  # band regions served from a region already decoded


def finish_plan(plan: ScenePlan, results: list[WindowResult], seconds: float) -> PlanResult:
    """Cluster the fire pixels; choose bare-soil thresholds and measure patches."""
    fire = dust = None
    if plan.fire is not None and plan.fire_scene is not None:
        pixels = FirePixels.concat([r.fire for r in results if r.fire is not None])
        fire = finish_scan(plan.fire_scene, plan.fire.describe(), pixels, len(results), seconds)
    if plan.dust is not None and plan.dust_scene is not None:
        passes = [p for r in results for p in r.dust]
        first = merge_passes(plan.dust_scene, passes, plan.params, plan.landcover is not None)
        dust = bare_soil_result(first, plan.dust, plan.params, seconds)
    return PlanResult(
        fire,
        dust,
        len(results),
        sum(r.read_s for r in results),
        sum(r.detect_s for r in results),
        seconds,
        sum(r.decoded for r in results),
        sum(r.shared for r in results),
    )


def run_plan(plan: ScenePlan, threads: int = 1, progress: ProgressFn | None = None) -> PlanResult:
    """Every window of the plan on ``threads`` threads (one ``PlanReader`` each), then finish."""
    start = time.perf_counter()
    results = run_windows(
        plan.windows(), lambda: PlanReader(plan, strips=True), PlanReader.scan, threads, progress
    )
    return finish_plan(plan, results, time.perf_counter() - start)
