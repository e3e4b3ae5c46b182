"""Replay a sequence of frames through a detector and the temporal confirmation (offline, no database)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from firegrid.cameras import temporal
from firegrid.cameras.config import Point, TemporalConfig
from firegrid.cameras.engine import observe
from firegrid.detect.objects.model import ObjectModel
from firegrid.imagery.decode import read_image


@dataclass(frozen=True)
class Alarm:
    """A new event: the frame where it was confirmed, its box, score and class."""

    frame: str
    index: int
    box: tuple[float, float, float, float]
    score: float
    class_name: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "frame": self.frame,
            "index": self.index,
            "box": [round(v, 1) for v in self.box],
            "score": round(self.score, 4),
            "class": self.class_name,
        }


def replay(
    frames: Iterable[tuple[str, str]],
    detector: ObjectModel,
    config: TemporalConfig,
    masks: list[list[Point]] | None = None,
) -> list[Alarm]:
    """Alarms raised over ``(name, image path)`` frames of one view, in order (the patrol's engine)."""
    detector.require_detector("sequence alarms")
    state = temporal.WindowState()
    arrays: dict[str, NDArray[np.float32]] = {}
    alarms = []
    for index, (name, path) in enumerate(frames):
        image = read_image(Path(path), path)
        outcome = observe(detector, image, masks or [], state, arrays, config)
        for c in outcome.confirmations:
            if c.new:
                cls = detector.classes[c.class_id] if c.class_id < len(detector.classes) else ""
                box = tuple(float(v) for v in c.box)
                alarms.append(Alarm(name, index, box, c.score, cls))  # type: ignore[arg-type]
    return alarms
