"""Scan a scene window by window with a detector and turn fire pixels into fire points."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from firegrid.detect.detections import Detections
from firegrid.detect.runner import ProgressFn, run_windows
from firegrid.detect.satellite.base import HIGH, BandWindow, SceneDetector
from firegrid.detect.satellite.points import Cluster, FirePixels, cluster_pixels
from firegrid.detect.satellite.sparse import gather
from firegrid.errors import InputError
from firegrid.imagery.georef import pixel_centres_to_lonlat
from firegrid.imagery.scene import Scene
from firegrid.imagery.windows import SceneReader, WindowSpec, plan_windows
from firegrid.types import SourceKind

SWIR = {"landsat": "b7", "sentinel2": "b12"}
SENSOR_NAMES = {"landsat": "OLI", "sentinel2": "MSI"}


@dataclass
class ScanResult:
    """Fire pixels and points of one scene."""

    scene: Scene
    detector: dict[str, str]
    pixels: FirePixels
    clusters: list[Cluster]
    lon: np.ndarray
    lat: np.ndarray
    seconds: float
    windows: int
    notes: list[str] = field(default_factory=list)

    def points(self) -> list[dict[str, Any]]:
        """Fire points as JSON-ready dicts."""
        return [
            {
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
                "pixels": c.pixels,
                "confidence": "high" if c.confidence == HIGH else "nominal",
                "saturated": c.saturated,
                "max_swir": round(c.max_swir, 4),
            }
            for c, lon, lat in zip(self.clusters, self.lon, self.lat, strict=True)
        ]

    def summary(self) -> dict[str, Any]:
        """What ``firegrid scan --json`` prints."""
        return {
            "scene": self.scene.scene_id,
            "sensor": self.scene.sensor,
            "platform": self.scene.platform,
            "acquired_at": self.scene.acquired_at.isoformat() if self.scene.acquired_at else None,
            "fire_pixels": len(self.pixels),
            "fire_points": self.points(),
            "detector": self.detector,
            "windows": self.windows,
            "seconds": round(self.seconds, 3),
            "notes": self.scene.notes + self.notes,
        }


def scan_window(reader: SceneReader, detector: SceneDetector, spec: WindowSpec) -> FirePixels:
    """Fire pixels of one window's core, in scene coordinates."""
    window = reader.read(spec, detector.bands, detector.halo, detector.sun_corrected)
    return fire_pixels(window, detector, spec, reader.scene.sensor)


def fire_pixels(window: BandWindow, detector: SceneDetector, spec: WindowSpec, sensor: str) -> FirePixels:
    """Run the detector on a window read for it; its fire pixels in scene coordinates."""
    result = detector.detect(window)
    rows, cols = result.rows, result.cols
    swir_band = SWIR[sensor]
    swir = (
        gather(window.bands, rows, cols)[swir_band]
        if swir_band in window.bands
        else np.full(len(rows), np.nan)
    )
    return FirePixels(
        rows=(rows - window.halo + spec.row).astype(np.int64),
        cols=(cols - window.halo + spec.col).astype(np.int64),
        confidence=result.confidence,
        saturated=window.saturated[rows, cols],
        swir=swir.astype(np.float32),
    )


def scan_scene(
    scene: Scene,
    detector: SceneDetector,
    window_size: int = 1024,
    progress: ProgressFn | None = None,
    threads: int = 1,
) -> ScanResult:
    """Run ``detector`` over every window of ``scene`` (on ``threads`` threads)."""
    start = time.perf_counter()
    specs = plan_windows(scene.height, scene.width, window_size, detector.halo)
    parts = run_windows(
        specs,
        lambda: SceneReader(scene),
        lambda reader, spec: scan_window(reader, detector, spec),
        threads,
        progress,
    )
    return finish_scan(
        scene, detector.describe(), FirePixels.concat(parts), len(specs), time.perf_counter() - start
    )


def finish_scan(
    scene: Scene, detector: dict[str, str], pixels: FirePixels, windows: int, seconds: float
) -> ScanResult:
    """Cluster pixels into points and georeference them."""
    clusters = cluster_pixels(pixels)
    lon, lat = pixel_centres_to_lonlat(
        [c.row for c in clusters], [c.col for c in clusters], scene.transform, scene.crs
    )
    return ScanResult(scene, detector, pixels, clusters, lon, lat, seconds, windows)


def to_detections(result: ScanResult) -> Detections:
    """Fire points as pipeline detections (source kind satellite_scene)."""
    scene = result.scene
    n = len(result.clusters)
    if scene.acquired_at is None:
        raise InputError(f"{scene.source}: no acquisition time; detections need one")
    observed = scene.acquired_at
    size = scene.pixel_size_m
    return Detections.from_columns(
        lon=list(result.lon),
        lat=list(result.lat),
        observed_at=[observed] * n,
        source_kind=SourceKind.SATELLITE_SCENE.value,
        sensor=SENSOR_NAMES[scene.sensor],
        platform=scene.platform,
        product=scene.scene_id,
        confidence=[0.9 if c.confidence == HIGH else 0.6 for c in result.clusters],
        footprint_m=[size * float(np.sqrt(c.pixels)) for c in result.clusters],
        scan_m=[size] * n,
        track_m=[size] * n,
        daynight="D",
        source_file=scene.source,
        source_row=list(range(1, n + 1)),
        detector=result.detector["name"],
        detector_version=result.detector["version"],
        attrs=[
            {
                "scene": scene.scene_id,
                "pixels": c.pixels,
                "saturated": c.saturated,
                "max_swir": c.max_swir,
                "row": c.row,
                "col": c.col,
            }
            for c in result.clusters
        ],
    )
