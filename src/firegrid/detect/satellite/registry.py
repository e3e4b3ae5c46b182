"""Scene detectors by name, and the default per sensor."""

from __future__ import annotations

from pathlib import Path

from firegrid.detect.satellite.base import SceneDetector
from firegrid.detect.satellite.goli import GoliDetector
from firegrid.detect.satellite.hotmap_s2 import HotmapS2Detector
from firegrid.detect.satellite.schroeder import SchroederDetector
from firegrid.errors import InputError

DETECTORS: dict[str, type[SchroederDetector] | type[GoliDetector] | type[HotmapS2Detector]] = {
    SchroederDetector.name: SchroederDetector,
    GoliDetector.name: GoliDetector,
    HotmapS2Detector.name: HotmapS2Detector,
}
DEFAULT = {"landsat": SchroederDetector.name, "sentinel2": HotmapS2Detector.name}


def make_detector(sensor: str, models_dir: Path, name: str | None = None) -> SceneDetector:
    """The named detector (or the sensor's default), checked against the sensor."""
    name = name or DEFAULT.get(sensor)
    if name not in DETECTORS:
        raise InputError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
    cls = DETECTORS[name]
    if cls.sensor != sensor:
        raise InputError(f"detector {name} is for {cls.sensor} scenes, this scene is {sensor}")
    return cls(models_dir)
