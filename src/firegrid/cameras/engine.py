"""One frame of a camera preset through the shipped pipeline, shared by patrols and offline replays.

detect (tiles + whole frame, the model's manifest) → drop boxes in the preset's masks (configured
polygons and boxes learned from rejected alarms) → motion gate against the preset's reference image →
temporal confirmation → reference update. ``firegrid detect-sequence`` and ``firegrid model eval`` replay
frames through exactly this, so what they measure is what a patrol does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import shapely
from numpy.typing import NDArray

from firegrid.cameras import temporal
from firegrid.cameras.config import Point, TemporalConfig
from firegrid.cameras.motion import motion_grey, moving, update_reference
from firegrid.detect.objects.boxes import Boxes

REFERENCE = "motion_reference"  # key of the preset's reference image among its stored arrays


class Detector(Protocol):
    """What the engine needs of a model (``ObjectModel`` fits)."""

    def detect(self, image_bgr: NDArray[np.uint8]) -> Boxes:
        """Boxes in image pixels."""
        ...


@dataclass
class FrameOutcome:
    """What one frame gave: boxes after masks, boxes that passed the motion gate, confirmations."""

    detected: int
    unmasked: Boxes
    kept: Boxes
    confirmations: list[temporal.Confirmation]


SKY_MARGIN = 0.02  # a base this close above the horizon line still counts as ground (tilt jitter)


def unmasked(
    boxes: Boxes, masks: list[list[Point]], shape: tuple[int, ...], horizon: float | None = None
) -> Boxes:
    """Drop boxes whose centre lies in a no-alert polygon (image fractions), and boxes whose base lies
    above the preset's horizon (sky)."""
    h, w = shape[:2]
    if horizon is not None and len(boxes):
        boxes = boxes[boxes.xyxy[:, 3] >= (horizon - SKY_MARGIN) * h]
    if not masks or not len(boxes):
        return boxes
    polygons = shapely.union_all([shapely.Polygon([(x * w, y * h) for x, y in m]) for m in masks])
    cx = (boxes.xyxy[:, 0] + boxes.xyxy[:, 2]) / 2
    cy = (boxes.xyxy[:, 1] + boxes.xyxy[:, 3]) / 2
    return boxes[~shapely.contains_xy(polygons, cx, cy)]


def observe(
    model: Detector,
    image: NDArray[np.uint8],
    masks: list[list[Point]],
    window: temporal.WindowState,
    arrays: dict[str, NDArray[np.float32]],
    config: TemporalConfig,
    horizon: float | None = None,
) -> FrameOutcome:
    """Run one frame; ``window`` and ``arrays`` (the preset's reference image) are updated in place."""
    boxes = model.detect(image)
    kept = unmasked(boxes, masks, image.shape, horizon)
    grey = motion_grey(image, config.motion_width)
    reference = arrays.get(REFERENCE)
    gated = kept[moving(kept, image.shape, grey, reference, config)]
    confirmations = temporal.update(window, gated, config)
    arrays[REFERENCE] = update_reference(reference, grey, config)
    return FrameOutcome(len(boxes), kept, gated, confirmations)
